import { Accordion, Code, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { StepRun, TestStep } from '../utils/workflow-types.ts';
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

/**
 * Each step of a run (status, attempt and timing) or of a test run, and what went in, came out or went wrong.
 */
export function StepRunDetails({ steps: given }: { steps: readonly (StepRun | TestStep)[] }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const duration = useDuration();
  // A test run's steps have no id of their own: a step runs once in it, so its step id names it.
  const steps = given.map((s) =>
    'id' in s ? { ...s, key: s.id, run: s } : { ...s, key: s.stepId, run: null },
  );
  if (steps.length === 0) return <Text c="dimmed">{t('workflow.noSteps')}</Text>;
  return (
    <Accordion multiple variant="separated" defaultValue={steps.filter((s) => s.error).map((s) => s.key)}>
      {steps.map((s) => (
        <Accordion.Item key={s.key} value={s.key} data-step={s.stepId}>
          <Accordion.Control>
            <Group gap="xs" wrap="nowrap">
              {s.run ? <StatusBadge status={s.run.status} /> : null}
              <Text size="sm" fw={500}>
                {t(`workflow.stepType.${s.type}`, { defaultValue: s.type })}
              </Text>
              <Text size="xs" c="dimmed" ff="monospace">
                {s.stepId}
              </Text>
            </Group>
          </Accordion.Control>
          <Accordion.Panel>
            <Stack gap="xs">
              {s.run ? (
                <Text size="xs" c="dimmed">
                  {t('workflow.attempts')}: {formatNumber(s.run.attempt, prefs)} · {t('workflow.started')}:{' '}
                  {formatDateTime(s.run.startedAt, prefs)} · {t('workflow.duration')}:{' '}
                  {duration(s.run.startedAt, s.run.finishedAt)}
                </Text>
              ) : null}
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
