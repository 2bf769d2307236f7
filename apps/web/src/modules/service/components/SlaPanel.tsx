import { Badge, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { IconAlertTriangle, IconCircleCheck, IconClock, IconPlayerPause } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { recordKeys } from '../../records/utils/record-keys.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { type SlaClock, serviceApi } from '../utils/service-api.ts';
import { METRICS } from '../utils/sla-targets.ts';
import { formatSpan } from '../utils/sla-time.ts';

/** The clocks worth showing: per metric its latest cycle, unless it was cancelled or stopped. */
function liveClocks(clocks: readonly SlaClock[]): SlaClock[] {
  return METRICS.flatMap((metric) => {
    const latest = clocks
      .filter((c) => c.metric === metric)
      .sort((a, b) => b.cycle - a.cycle)
      .at(0);
    return latest && (latest.state === 'running' || latest.state === 'paused' || latest.state === 'met')
      ? [latest]
      : [];
  });
}

/**
 * A ticket's SLA above its conversation: each clock's state, the time left (in the policy's own time, so business
 * hours only when it counts them; read again each minute), overdue in red with an icon, the due time in the user's
 * calendar, zone and digits, "paused", or "met" with when. Kept under the ticket's record key, so whatever reads the
 * ticket again (a reply, a status change, a live event) reads its SLA too.
 */
export default function SlaPanel({ id }: RecordPanelProps) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const sla = useQuery({
    queryKey: [...recordKeys.detail('tickets', id), 'sla'],
    queryFn: () => serviceApi.ticketSla(id),
    refetchInterval: (q) => (q.state.data?.clocks.some((c) => c.state === 'running') ? 60_000 : false),
  });
  const clocks = liveClocks(sla.data?.clocks ?? []);
  return (
    <Card withBorder padding="md" data-testid="ticket-sla">
      <Title order={3} size="sm" mb="xs">
        {t('service.sla')}
      </Title>
      <ErrorText error={sla.error} />
      {sla.isPending && <Loader size="xs" role="status" aria-label={t('service.loadingSla')} />}
      {sla.isSuccess && clocks.length === 0 && (
        <Text size="sm" c="dimmed" data-testid="sla-none">
          {t('service.noPolicyApplies')}
        </Text>
      )}
      <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {clocks.map((c) => {
          const overdue = c.breachedAt !== null || (c.remainingMs !== null && c.remainingMs < 0);
          return (
            <Group
              component="li"
              key={`${c.metric}-${c.cycle}`}
              justify="space-between"
              wrap="wrap"
              gap="xs"
              data-testid="sla-clock"
              data-metric={c.metric}
              data-state={c.state}
            >
              <Text size="sm" fw={600}>
                {t(`service.metric.${c.metric}`)}
              </Text>
              <Group gap="xs" wrap="wrap">
                {c.state === 'met' ? (
                  <Group gap={4} c="green.9">
                    <IconCircleCheck size={16} aria-hidden />
                    <Text size="sm">{t('service.metAt', { when: formatDateTime(c.metAt, prefs) })}</Text>
                  </Group>
                ) : (
                  <>
                    {c.state === 'paused' && (
                      <Badge
                        variant="light"
                        color="gray"
                        leftSection={<IconPlayerPause size={12} aria-hidden />}
                      >
                        {t('service.paused')}
                      </Badge>
                    )}
                    {overdue ? (
                      <Group gap={4} c="red.8" data-testid="sla-overdue">
                        <IconAlertTriangle size={16} aria-hidden />
                        <Text size="sm" fw={600}>
                          {t('service.overdueBy', { span: formatSpan(c.remainingMs ?? 0, prefs) })}
                        </Text>
                      </Group>
                    ) : (
                      <Group gap={4}>
                        <IconClock size={16} aria-hidden />
                        <Text size="sm" data-testid="sla-left">
                          {t('service.timeLeft', { span: formatSpan(c.remainingMs ?? 0, prefs) })}
                        </Text>
                      </Group>
                    )}
                    {c.state === 'running' && c.deadline && (
                      <Text size="sm" c="dimmed">
                        {t('service.dueAt', { when: formatDateTime(c.deadline, prefs) })}
                      </Text>
                    )}
                  </>
                )}
              </Group>
            </Group>
          );
        })}
      </Stack>
    </Card>
  );
}
