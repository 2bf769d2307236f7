import { Button, Card, Divider, Group, List, Stack, Text } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label, plainText, titleOf } from '../../metadata/utils/metadata.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { formatDuration, historyKeys } from '../utils/history-keys.ts';
import { listAll } from '../utils/list-all.ts';
import { salesKeys } from '../utils/sales-keys.ts';

type Money = { amount: string; currency: string };

/**
 * A deal's history on its record page: how long it stayed in each stage (in the user's calendar and digits), how
 * often its close date slipped, and every change of its stage, amount, close date, owner, status and forecast
 * category, newest first, a page at a time. Fields the user's role hides never reach it.
 */
export default function DealHistoryPanel({ id }: RecordPanelProps) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  const dealDef = useObject('deals');
  const stageDef = useObject('stages');
  const pipelineDef = useObject('pipelines');
  const members = useMembers();
  const history = useInfiniteQuery({
    queryKey: historyKeys.history(id),
    initialPageParam: undefined as string | undefined,
    queryFn: async ({ pageParam }) =>
      call(
        client.GET('/api/v1/deals/{id}/history', {
          params: { path: { id }, query: { limit: 20, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const stages = useQuery({
    queryKey: ['kanban', 'all-stages'],
    queryFn: async () => listAll('stages', { field: 'name', op: 'isNotNull' }),
    staleTime: 60_000,
  });
  const pipelines = useQuery({
    queryKey: salesKeys.pipelines,
    queryFn: async () => listAll('pipelines', { field: 'name', op: 'isNotNull' }),
    staleTime: 60_000,
  });
  const first = history.data?.pages[0];
  const stageName = (stageId: unknown) => {
    const stage = stages.data?.find((s) => s.id === stageId);
    return stage ? titleOf(stageDef, stage, locale) : t('dealHistory.unknown');
  };
  const show = (field: string, value: unknown): string => {
    if (value === null || value === undefined || value === '') return t('dealHistory.empty');
    switch (field) {
      case 'stage':
        return stageName(value);
      case 'pipeline': {
        const p = pipelines.data?.find((x) => x.id === value);
        return p ? titleOf(pipelineDef, p, locale) : t('dealHistory.unknown');
      }
      case 'amount':
        return formatMoney(value as Money, prefs);
      case 'expectedCloseDate':
        return formatDate(String(value), prefs);
      case 'owner':
        return members.data?.find((m) => m.userId === value)?.name ?? t('dealHistory.unknown');
      default: {
        const def = dealDef?.fields.find((f) => f.key === field);
        return def ? plainText(def, value, locale) : String(value);
      }
    }
  };
  const fieldLabel = (field: string) =>
    label(dealDef?.fields.find((f) => f.key === field)?.labels, locale) || field;
  const who = (actor: { userId: string | null; apiKeyId: string | null }, source: string, cause: unknown) => {
    const name = actor.userId ? members.data?.find((m) => m.userId === actor.userId)?.name : undefined;
    // A workflow acting as a service role has no user: its cause carries the workflow's name.
    const by = cause as { kind?: string; name?: string } | null;
    if (!name && by?.kind === 'workflow' && by.name) return t('record.workflowActor', { name: by.name });
    return name ?? t(`dealHistory.sources.${source}`, { defaultValue: source });
  };
  const entries = history.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Card withBorder padding="sm" data-testid="deal-history">
      <Text fw={600} size="sm" mb={4} component="h3">
        {t('dealHistory.title')}
      </Text>
      <ErrorText error={history.error} />
      {first && first.stages.length > 0 && (
        <Stack gap={2} mb="xs">
          <Text size="xs" fw={600} component="h4">
            {t('dealHistory.timeInStage')}
          </Text>
          <List size="sm" spacing={2} data-testid="deal-stage-times">
            {first.stages.map((visit) => (
              <List.Item key={`${visit.stageId}-${visit.enteredAt}`}>
                {t(visit.leftAt ? 'dealHistory.visit' : 'dealHistory.visitNow', {
                  stage: stageName(visit.stageId),
                  duration: formatDuration(visit.seconds, prefs),
                  date: formatDate(visit.enteredAt, prefs),
                })}
              </List.Item>
            ))}
          </List>
        </Stack>
      )}
      {first?.slippage && first.slippage.count > 0 && (
        <Text size="sm" c="orange.9" mb="xs" data-testid="deal-slippage">
          {t('dealHistory.slipped', {
            n: formatNumber(first.slippage.count, prefs),
            days: formatNumber(first.slippage.days, prefs),
          })}
        </Text>
      )}
      <Divider mb="xs" />
      <Stack gap="xs" component="ol" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {entries.map((entry) => (
          <li key={entry.id}>
            <Group gap={6} wrap="wrap">
              <Text size="xs" c="dimmed" component="time" dateTime={entry.at}>
                {formatDateTime(entry.at, prefs)}
              </Text>
              <Text size="xs" c="dimmed">
                {t(`dealHistory.kinds.${entry.kind}`)} · {who(entry.actor, entry.source, entry.cause)}
              </Text>
            </Group>
            {Object.entries(entry.changes).map(([field, change]) => (
              <Text size="sm" key={field}>
                {entry.kind === 'updated'
                  ? t('dealHistory.changed', {
                      field: fieldLabel(field),
                      from: show(field, change.from),
                      to: show(field, change.to),
                    })
                  : t('dealHistory.set', { field: fieldLabel(field), to: show(field, change.to) })}
              </Text>
            ))}
          </li>
        ))}
      </Stack>
      {entries.length === 0 && !history.isLoading && (
        <Text size="sm" c="dimmed">
          {t('dealHistory.none')}
        </Text>
      )}
      {history.hasNextPage && (
        <Button
          variant="subtle"
          size="xs"
          mt="xs"
          loading={history.isFetchingNextPage}
          onClick={() => void history.fetchNextPage()}
        >
          {t('dealHistory.more')}
        </Button>
      )}
    </Card>
  );
}
