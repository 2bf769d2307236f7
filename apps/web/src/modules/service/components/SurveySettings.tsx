import { Button, Group, NumberInput, Stack, Switch, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { useSettingsDraft } from '../hooks/useSettingsDraft.ts';
import { surveyKeys, surveysApi } from '../utils/desk-mail-api.ts';

/** The satisfaction survey sent after a ticket is resolved: on or off, its delay and how long its links work. */
export function SurveySettings() {
  const { t } = useTranslation();
  const { saved, draft, setDraft } = useSettingsDraft(surveyKeys.settings, surveysApi.settings);
  const action = useAction();
  if (!draft) return <ErrorText error={saved.error} />;
  return (
    <Section title={t('ticketMail.surveyTitle')}>
      <Stack gap="sm" data-testid="survey-settings">
        <Text size="sm" c="dimmed">
          {t('ticketMail.surveyHint')}
        </Text>
        <Switch
          label={t('ticketMail.surveyOn')}
          checked={draft.csatEnabled}
          onChange={(e) => setDraft({ ...draft, csatEnabled: e.currentTarget.checked })}
        />
        <Group gap="sm" align="flex-end">
          <NumberInput
            label={t('ticketMail.surveyDelay')}
            min={0}
            max={10_080}
            value={draft.csatDelayMinutes}
            onChange={(v) => setDraft({ ...draft, csatDelayMinutes: Number(v) || 0 })}
            w={200}
          />
          <NumberInput
            label={t('ticketMail.surveyExpiry')}
            min={1}
            max={90}
            value={draft.csatExpiryDays}
            onChange={(v) => setDraft({ ...draft, csatExpiryDays: Number(v) || 1 })}
            w={200}
          />
          <Button
            loading={action.busy}
            onClick={() => void action.run(() => surveysApi.putSettings(draft), [surveyKeys.settings])}
          >
            {t('record.save')}
          </Button>
        </Group>
        <ErrorText error={action.error} />
      </Stack>
    </Section>
  );
}
