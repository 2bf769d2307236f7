import { Button, Group, Loader, Radio, Select, Stack, Text } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText, fieldError } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useCan, usePrefs } from '../../auth/hooks/useMe.ts';
import { useForecastSettings } from '../hooks/useForecastSettings.ts';
import {
  type FiscalCalendar,
  type ForecastSettingsInput,
  forecastApi,
  forecastKeys,
  type ForecastSettings as Settings,
} from '../utils/forecast-api.ts';
import { monthNames } from '../utils/forecast-format.ts';

const CALENDARS: readonly FiscalCalendar[] = ['gregorian', 'persian', 'islamic-umalqura'];

/** The forecast's settings tab: once the workspace's settings have loaded, the form to change them. */
export default function ForecastSettings() {
  const settings = useForecastSettings();
  return (
    <Stack>
      <ErrorText error={settings.error} />
      {settings.isLoading && <Loader size="sm" />}
      {settings.data && <ForecastSettingsForm settings={settings.data} />}
    </Stack>
  );
}

/**
 * The fiscal year (its calendar, Gregorian, Jalali or Hijri, and its first month, named in that calendar) and how
 * an open deal's probability is read (its stage's, or the win rate from history). Forecast managers change them.
 */
function ForecastSettingsForm({ settings }: { settings: Settings }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const qc = useQueryClient();
  const canManage = useCan('sales.forecast.manage');
  const [draft, setDraft] = useState<ForecastSettingsInput>({
    calendar: settings.calendar,
    startMonth: settings.startMonth,
    probability: settings.probability,
  });
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: () => forecastApi.saveSettings(draft),
    onSuccess: async () => {
      setSaved(true);
      await qc.invalidateQueries({ queryKey: forecastKeys.all });
    },
  });
  const change = (patch: Partial<ForecastSettingsInput>) => {
    setSaved(false);
    setDraft((d) => ({ ...d, ...patch }));
  };
  const months = monthNames(draft.calendar, prefs);
  return (
    <Section title={t('forecast.settingsTitle')}>
      <Stack
        component="form"
        maw={480}
        data-testid="forecast-settings"
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Text size="sm" c="dimmed">
          {t('forecast.settingsHint')}
        </Text>
        <Text size="sm">{t('forecast.currency', { currency: settings.currency })}</Text>
        {!canManage && (
          <Text size="sm" c="dimmed">
            {t('forecast.readOnly')}
          </Text>
        )}
        <ErrorText error={save.error} />
        <Select
          label={t('forecast.calendar')}
          allowDeselect={false}
          disabled={!canManage}
          data={CALENDARS.map((c) => ({ value: c, label: t(`forecast.calendars.${c}`) }))}
          value={draft.calendar}
          onChange={(v) => v && change({ calendar: v as FiscalCalendar })}
          error={fieldError(save.error, 'calendar')}
        />
        <Select
          label={t('forecast.startMonth')}
          allowDeselect={false}
          disabled={!canManage}
          data={months.map((m, i) => ({ value: String(i + 1), label: m }))}
          value={String(draft.startMonth)}
          onChange={(v) => v && change({ startMonth: Number(v) })}
          error={fieldError(save.error, 'startMonth')}
        />
        <Radio.Group
          label={t('forecast.probabilityLabel')}
          value={draft.probability}
          onChange={(v) => change({ probability: v as ForecastSettingsInput['probability'] })}
          error={fieldError(save.error, 'probability')}
        >
          <Stack gap="xs" mt={4}>
            <Radio value="stage" disabled={!canManage} label={t('forecast.probabilities.stage')} />
            <Radio value="history" disabled={!canManage} label={t('forecast.probabilities.history')} />
          </Stack>
        </Radio.Group>
        {canManage && (
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t('forecast.save')}
            </Button>
            {saved && (
              <Text size="sm" role="status">
                {t('forecast.saved')}
              </Text>
            )}
          </Group>
        )}
      </Stack>
    </Section>
  );
}
