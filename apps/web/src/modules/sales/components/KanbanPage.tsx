import {
  Badge,
  Card,
  Group,
  ScrollArea,
  Select,
  Stack,
  Switch,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client, type RecordData } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { MoveMenu } from '../../../components/MoveMenu.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { formatDate, formatMoney, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { titleOf } from '../../metadata/utils/metadata.ts';
import { listAll } from '../utils/list-all.ts';
import { salesKeys } from '../utils/sales-keys.ts';
import { type CloseDealChoice, CloseDealDialog, useCloseReasons } from './CloseDealDialog.tsx';

type Money = { amount: string; currency: string } | null;

/**
 * Deals by stage: drag a card to another column to move it. Each column totals its deals in the workspace's
 * currency, every deal converted at its day's rate by the server (`/sales/deal-totals`); a column lacking a rate
 * shows no total but its per-currency figures and the rate it lacks. Per-currency figures show on demand.
 */
export default function KanbanPage() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  // Pipelines and stages are named per language; each shows in the user's, falling back to its stored name.
  const pipelineDef = useObject('pipelines');
  const stageDef = useObject('stages');
  useDocumentTitle(t('kanban.title'));
  const qc = useQueryClient();
  const [pipelineId, setPipelineId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [dragging, setDragging] = useState<string | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const [perCurrency, setPerCurrency] = useState(false);
  const [pending, setPending] = useState<{ dealId: string; stageId: string; kind: 'won' | 'lost' } | null>(
    null,
  );
  const closing = useCloseReasons();
  const pipelines = useQuery({
    queryKey: salesKeys.pipelines,
    queryFn: async () => listAll('pipelines', { field: 'name', op: 'isNotNull' }),
  });
  const pipeline =
    pipelines.data?.find((p) => p.id === pipelineId) ??
    pipelines.data?.find((p) => p.isDefault) ??
    pipelines.data?.[0];
  const board = useQuery({
    queryKey: salesKeys.board(pipeline?.id),
    enabled: Boolean(pipeline),
    queryFn: async () => {
      const [stages, deals] = await Promise.all([
        listAll('stages', { field: 'pipeline', op: 'eq', value: pipeline!.id }),
        listAll('deals', { field: 'pipeline', op: 'eq', value: pipeline!.id }),
      ]);
      stages.sort((a, b) => Number(a.position) - Number(b.position));
      return { stages, deals };
    },
  });
  const totals = useQuery({
    queryKey: [...salesKeys.board(pipeline?.id), 'totals'],
    enabled: Boolean(pipeline),
    queryFn: async () =>
      call(
        client.GET('/api/v1/sales/deal-totals', {
          params: { query: { groupBy: 'stage', pipelineId: pipeline!.id } },
        }),
      ),
  });
  if (pipelines.data && pipelines.data.length === 0) return <Text>{t('kanban.noPipeline')}</Text>;
  const columns = (board.data?.stages ?? []).map((stage) => ({
    value: stage.id,
    title: titleOf(stageDef, stage, locale),
  }));
  /** Moves a deal (with a reason when closing it); throws what the server refused with, the board restored. */
  const moveWith = async (dealId: string, stageId: string, extra: CloseDealChoice = {}) => {
    setError(null);
    const key = salesKeys.board(pipeline?.id);
    const previous = qc.getQueryData<{ stages: RecordData[]; deals: RecordData[] }>(key);
    if (previous)
      qc.setQueryData(key, {
        ...previous,
        deals: previous.deals.map((d) => (d.id === dealId ? { ...d, stage: stageId } : d)),
      });
    try {
      await call(
        client.PATCH('/api/v1/objects/{object}/{id}', {
          params: { path: { object: 'deals', id: dealId } },
          body: { stage: stageId, ...extra },
        }),
      );
      setAnnouncement(t('kanban.moved', { stage: columns.find((c) => c.value === stageId)?.title ?? '' }));
    } catch (e) {
      if (previous) qc.setQueryData(key, previous);
      throw e;
    } finally {
      await qc.invalidateQueries({ queryKey: key });
    }
  };
  // A move into a won or lost stage asks for the reason first (when one is required or any are defined).
  const move = async (dealId: string, stageId: string) => {
    const kind = board.data?.stages.find((s) => s.id === stageId)?.kind;
    if ((kind === 'won' || kind === 'lost') && closing.asks(kind)) {
      setPending({ dealId, stageId, kind });
      return;
    }
    await moveWith(dealId, stageId).catch(setError);
  };
  return (
    <Stack h="calc(100vh - 56px - 2 * var(--mantine-spacing-md))">
      <Group justify="space-between">
        <Title order={2} size="h3">
          {t('kanban.title')}
        </Title>
        <Switch
          label={t('money.perCurrency')}
          checked={perCurrency}
          onChange={(e) => setPerCurrency(e.currentTarget.checked)}
          ms="auto"
        />
        <Select
          aria-label={t('kanban.pipeline')}
          data={(pipelines.data ?? []).map((p) => ({ value: p.id, label: titleOf(pipelineDef, p, locale) }))}
          value={pipeline?.id ?? null}
          onChange={setPipelineId}
          w={220}
        />
      </Group>
      <ErrorText error={error ?? board.error} />
      <VisuallyHidden role="status">{announcement}</VisuallyHidden>
      {pending && (
        <CloseDealDialog
          kind={pending.kind}
          dealName={String(board.data?.deals.find((d) => d.id === pending.dealId)?.name ?? '')}
          onCancel={() => setPending(null)}
          onConfirm={async (choice) => {
            await moveWith(pending.dealId, pending.stageId, choice);
            setPending(null);
          }}
        />
      )}
      <ScrollArea style={{ flex: 1 }} type="auto">
        <Group align="flex-start" wrap="nowrap" gap="sm" pb="md">
          {(board.data?.stages ?? []).map((stage) => {
            const deals = (board.data?.deals ?? []).filter((d) => d.stage === stage.id);
            const sums = totals.data?.groups.find((g) => g.key === stage.id);
            const base = totals.data?.currency ?? 'USD';
            return (
              <Card
                key={stage.id}
                withBorder
                padding="xs"
                w={260}
                miw={260}
                bg="var(--mantine-color-gray-light)"
                data-stage={String(stage.name)}
                onDragOver={(e) => e.preventDefault()}
                onDrop={(e) => {
                  e.preventDefault();
                  const id = e.dataTransfer.getData('text/plain') || dragging;
                  if (id) void move(id, stage.id);
                  setDragging(null);
                }}
              >
                <Group justify="space-between" mb="xs" wrap="nowrap">
                  <Text fw={600} size="sm" truncate data-testid="stage-title">
                    {titleOf(stageDef, stage, locale)}
                  </Text>
                  <Badge variant="light">
                    {t('kanban.deals', { count: deals.length, n: formatNumber(deals.length, prefs) })}
                  </Badge>
                </Group>
                <Stack gap={0} mb="xs">
                  <Text size="xs" c="dimmed" data-testid="stage-total">
                    {sums && sums.total === null
                      ? t('money.noTotal')
                      : `${t('kanban.total')}: ${formatMoney({ amount: sums?.total ?? '0', currency: base }, prefs)}`}
                  </Text>
                  {sums?.missingRates.map((m) => (
                    <Text key={m.currency} size="xs" c="red.9" data-testid="missing-rate">
                      {t('money.missingRate', {
                        currency: m.currency,
                        date: formatDate(m.onOrBefore, prefs),
                      })}
                    </Text>
                  ))}
                  {(perCurrency || (sums && sums.total === null)) && (
                    <Stack gap={0} data-testid="stage-currencies">
                      {sums?.byCurrency.map((c) => (
                        <Text key={c.currency} size="xs" c="dimmed">
                          {formatMoney({ amount: c.amount, currency: c.currency }, prefs)}
                          {c.converted !== null && c.currency !== base
                            ? ` ≈ ${formatMoney({ amount: c.converted, currency: base }, prefs)}`
                            : ''}
                        </Text>
                      ))}
                    </Stack>
                  )}
                </Stack>
                <Stack gap="xs" mih={60}>
                  {deals.map((deal) => (
                    <Card
                      key={deal.id}
                      withBorder
                      padding="xs"
                      draggable
                      data-deal={String(deal.name)}
                      onDragStart={(e) => {
                        e.dataTransfer.setData('text/plain', deal.id);
                        setDragging(deal.id);
                      }}
                      style={{ cursor: 'grab' }}
                    >
                      <Group justify="space-between" wrap="nowrap" gap={4}>
                        <AnchorLink
                          to="/o/$object/$id"
                          params={{ object: 'deals', id: deal.id }}
                          size="sm"
                          fw={500}
                        >
                          {String(deal.name)}
                        </AnchorLink>
                        <MoveMenu
                          title={String(deal.name)}
                          columns={columns}
                          current={stage.id}
                          onMove={(stageId) => void move(deal.id, stageId)}
                        />
                      </Group>
                      <Text size="xs" c="dimmed">
                        {formatMoney(deal.amount as Money, prefs)}
                      </Text>
                    </Card>
                  ))}
                </Stack>
              </Card>
            );
          })}
        </Group>
      </ScrollArea>
    </Stack>
  );
}
