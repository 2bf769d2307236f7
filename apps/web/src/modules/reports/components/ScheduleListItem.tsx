import { Alert, Badge, Button, Group, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { components } from '../../../api/schema.gen.ts';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { recurrenceInWords } from '../utils/recurrence-words.ts';

type Schedule = components['schemas']['ReportSchedule'];

/**
 * One schedule of a report in words ("every Saturday at 08:00 (Asia/Tehran) · PDF"), its last error and failures in
 * a row, and — when it paused itself after failed sends — why and since when, with a button to resume it.
 */
export function ScheduleListItem({
  schedule,
  onResume,
  onDelete,
  resuming,
}: {
  schedule: Schedule;
  onResume: () => void;
  onDelete: () => void;
  resuming: boolean;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const s = schedule;
  return (
    <Stack gap={4} data-testid="report-schedule" data-paused={s.paused ? 'true' : 'false'}>
      <Group justify="space-between" wrap="nowrap">
        <Group gap="xs" wrap="nowrap">
          <Text size="sm">
            {recurrenceInWords(s.recurrence, t, prefs.locale)} · {s.format.toUpperCase()}
          </Text>
          {s.paused && (
            <Badge color="orange" variant="light">
              {t('reports.schedule.paused')}
            </Badge>
          )}
        </Group>
        <Group gap={4} wrap="nowrap">
          {s.paused && (
            <Button size="xs" variant="light" loading={resuming} onClick={onResume}>
              {t('reports.schedule.resume')}
            </Button>
          )}
          <Button size="xs" variant="subtle" color="red" onClick={onDelete}>
            {t('reports.delete')}
          </Button>
        </Group>
      </Group>
      {s.paused ? (
        <Alert color="orange" p="xs" data-testid="schedule-paused">
          <Text size="xs">
            {t('reports.schedule.pausedSince', {
              time: formatDateTime(s.paused.at, prefs),
              count: s.failures,
              n: formatNumber(s.failures, prefs),
            })}
          </Text>
          {s.paused.reason && (
            <Text size="xs" c="dimmed">
              {s.paused.reason}
            </Text>
          )}
        </Alert>
      ) : (
        s.lastError && (
          <Text size="xs" c="red.8">
            {t('reports.schedule.failedInARow', {
              count: s.failures,
              n: formatNumber(s.failures, prefs),
              error: s.lastError,
            })}
          </Text>
        )
      )}
    </Stack>
  );
}
