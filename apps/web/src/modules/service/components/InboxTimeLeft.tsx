import { Badge, Group, Text } from '@mantine/core';
import { IconAlertTriangle, IconPlayerPause } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { formatSpan } from '../utils/sla-time.ts';

/**
 * Time left to a ticket's earliest SLA deadline, from the clock on the wall (`slaDueAt` is an instant; the ticket's
 * SLA panel gives the policy's own business time). Overdue in red, paused as a badge.
 */
export function InboxTimeLeft({
  dueAt,
  slaStatus,
  now,
}: {
  dueAt: string | null;
  slaStatus: string | null;
  now: number;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  if (slaStatus === 'paused')
    return (
      <Badge variant="light" color="gray" leftSection={<IconPlayerPause size={12} />}>
        {t('inbox.paused')}
      </Badge>
    );
  if (!dueAt)
    return (
      <Text size="sm" c="dimmed">
        {t('inbox.noDeadline')}
      </Text>
    );
  const left = Date.parse(dueAt) - now;
  if (left < 0)
    return (
      <Group gap={4} wrap="nowrap">
        <IconAlertTriangle size={14} color="var(--mantine-color-red-8)" aria-hidden />
        <Text size="sm" c="red.8" fw={500}>
          {t('inbox.overdue', { span: formatSpan(left, prefs) })}
        </Text>
      </Group>
    );
  return (
    <Text size="sm" c={slaStatus === 'warning' ? 'orange.9' : undefined}>
      {formatSpan(left, prefs)}
    </Text>
  );
}
