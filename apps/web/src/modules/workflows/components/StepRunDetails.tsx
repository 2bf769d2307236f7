import { Accordion, Code, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { StepRun } from '../utils/workflows-api.ts';
import { StatusBadge } from './StatusBadge.tsx';

/** How long something took, in seconds in the user's digits ('' while it has not ended). */
export function useDuration() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  return (start: string | null, end: string | null) => {
    if (!start || !end) return '';
    const seconds = (Date.parse(end) - Date.parse(start)) / 1000;
    return t('workflow.seconds', { value: formatNumber(Math.max(0, Math.round(seconds * 10) / 10), prefs) });
  };
}

const json = (v: unknown) => (v === undefined ? '' : JSON.stringify(v, null, 2));

/** Each step of a run: status, attempts and timing, and what went in, came out or went wrong. */
export function StepRunDetails({ steps }: { steps: StepRun[] }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const duration = useDuration();
  if (steps.length === 0) return <Text c="dimmed">{t('workflow.noSteps')}</Text>;
  return (
    <Accordion multiple variant="separated" defaultValue={steps.filter((s) => s.error).map((s) => s.id)}>
      {steps.map((s) => (
        <Accordion.Item key={s.id} value={s.id} data-step={s.stepId}>
          <Accordion.Control>
            <Group gap="xs" wrap="nowrap">
              <StatusBadge status={s.status} />
              <Text size="sm" fw={500}>
                {s.type ? t(`workflow.stepType.${s.type}`, { defaultValue: s.type }) : ''}
              </Text>
              <Text size="xs" c="dimmed" ff="monospace">
                {s.stepId}
              </Text>
            </Group>
          </Accordion.Control>
          <Accordion.Panel>
            <Stack gap="xs">
              <Text size="xs" c="dimmed">
                {t('workflow.attempts')}: {formatNumber(s.attempts, prefs)} · {t('workflow.started')}:{' '}
                {formatDateTime(s.startedAt, prefs)} · {t('workflow.duration')}:{' '}
                {duration(s.startedAt, s.finishedAt)}
              </Text>
              {s.error ? (
                <Text size="sm" c="red" role="alert">
                  {s.error}
                </Text>
              ) : null}
              {s.input !== undefined ? (
                <>
                  <Text size="xs" fw={500}>
                    {t('workflow.input')}
                  </Text>
                  <Code block dir="ltr">
                    {json(s.input)}
                  </Code>
                </>
              ) : null}
              {s.output !== undefined ? (
                <>
                  <Text size="xs" fw={500}>
                    {t('workflow.output')}
                  </Text>
                  <Code block dir="ltr">
                    {json(s.output)}
                  </Code>
                </>
              ) : null}
            </Stack>
          </Accordion.Panel>
        </Accordion.Item>
      ))}
    </Accordion>
  );
}
