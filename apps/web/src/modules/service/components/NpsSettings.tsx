import { Button, Group, NumberInput, Stack, Switch, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useSettingsDraft } from '../hooks/useSettingsDraft.ts';
import { npsApi, npsKeys, type NpsSettings as Settings } from '../utils/nps-api.ts';

type NumberKey = Exclude<keyof Settings, 'transactionalEnabled'>;
/** The number settings, each with its bounds (as the server checks them). */
const NUMBERS: { key: NumberKey; min: number; max: number }[] = [
  { key: 'transactionalDelayMinutes', min: 0, max: 10_080 },
  { key: 'relationshipThrottleMonths', min: 0, max: 24 },
  { key: 'transactionalThrottleDays', min: 0, max: 365 },
  { key: 'expiryDays', min: 1, max: 90 },
];

/**
 * The NPS survey's settings beside the satisfaction survey's: the transactional survey after a resolution (on or
 * off, its delay), how often one person may be surveyed of each kind, and how long links work.
 */
export function NpsSettings() {
  const { t } = useTranslation();
  const { saved, draft, setDraft } = useSettingsDraft(npsKeys.settings, npsApi.settings);
  const action = useAction();
  if (!draft) return <ErrorText error={saved.error} />;
  return (
    <Section title={t('nps.settingsTitle')}>
      <Stack gap="sm" data-testid="nps-settings">
        <Text size="sm" c="dimmed">
          {t('nps.hint')}
        </Text>
        <Switch
          label={t('nps.transactionalOn')}
          checked={draft.transactionalEnabled}
          onChange={(e) => setDraft({ ...draft, transactionalEnabled: e.currentTarget.checked })}
        />
        <Group gap="sm" align="flex-end">
          {NUMBERS.map(({ key, min, max }) => (
            <NumberInput
              key={key}
              label={t(`nps.fields.${key}`)}
              min={min}
              max={max}
              value={draft[key]}
              onChange={(v) => setDraft({ ...draft, [key]: Number(v) || min })}
              w={220}
            />
          ))}
          <Button
            loading={action.busy}
            onClick={() => void action.run(() => npsApi.putSettings(draft), [npsKeys.settings])}
          >
            {t('record.save')}
          </Button>
        </Group>
        <ErrorText error={action.error} />
      </Stack>
    </Section>
  );
}
