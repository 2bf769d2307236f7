import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import type { RecordEvent } from '../events/record-event.ts';
import type { EventSubscriber } from '../modules/manifest.ts';
import { assertAllowed, hiddenFor, ownerLimit, ruleFor } from '../records/access.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { recordDealChanges } from './deal-history.measures.ts';
import {
  type HistoryInsert,
  selectDealTimeline,
  selectHistoryPage,
  selectPipelineStages,
  selectSlippage,
  selectStageTotals,
} from './deal-history.repository.ts';

/** The deal fields whose every change the history keeps. */
export const TRACKED_FIELDS = [
  'pipeline',
  'stage',
  'status',
  'amount',
  'expectedCloseDate',
  'owner',
  'forecastCategory',
] as const;
const TRACKED = new Set<string>(TRACKED_FIELDS);

/** The history row a deal's event makes, or undefined when it changed no tracked field. */
function historyRowOf(event: RecordEvent): HistoryInsert | undefined {
  const changes: HistoryInsert['changes'] = {};
  for (const [key, change] of Object.entries(event.changes))
    if (TRACKED.has(key) && !(event.kind === 'created' && change.to === null)) changes[key] = change;
  // A new deal's owner may have been filled in from its creator rather than written.
  if (event.kind === 'created' && !changes.owner && event.ownerId)
    changes.owner = { from: null, to: event.ownerId };
  if (event.kind === 'updated' && Object.keys(changes).length === 0) return undefined;
  return {
    dealId: event.recordId,
    kind: event.kind === 'created' ? 'created' : 'updated',
    changes,
    actorUserId: event.actor.userId,
    actorApiKeyId: event.actor.apiKeyId,
    source: event.source,
    cause: event.cause ?? null,
  };
}

const DAY_MS = 86_400_000;

/**
 * Appends to `deal_history`, inside the writing transaction, every deal write that changed a tracked field —
 * single, batch, import or automation alike, since every one of them publishes record events — and brings the
 * measures stage statistics read up to date (deletes and restores too). A failure rolls the write back, so a deal
 * never changes without its history.
 */
export const dealHistorySubscriber: EventSubscriber = {
  name: 'sales: deal history',
  phase: 'transaction',
  objects: ['deals'],
  kinds: ['created', 'updated', 'deleted', 'restored'],
  async handle(ctx, events) {
    if (!ctx.trx) return;
    const rows = events
      .filter((e) => e.kind === 'created' || e.kind === 'updated')
      .map(historyRowOf)
      .filter((r): r is HistoryInsert => r !== undefined);
    const changed = [
      ...rows.map((r) => r.dealId),
      ...events.filter((e) => e.kind === 'deleted' || e.kind === 'restored').map((e) => e.recordId),
    ];
    await recordDealChanges(ctx.trx, ctx.workspaceId, rows, changed);
  },
};

export interface HistoryEntry {
  id: string;
  at: string;
  kind: 'created' | 'updated' | 'baseline';
  /** Old and new value of each tracked field the write changed, without the fields hidden from the reader. */
  changes: Record<string, { from: unknown; to: unknown }>;
  actor: { userId: string | null; apiKeyId: string | null };
  source: string;
  cause: unknown;
}
export interface StageVisit {
  stageId: string;
  enteredAt: string;
  /** Null while the deal is still in the stage. */
  leftAt: string | null;
  seconds: number;
}
export interface DealHistoryPage {
  data: HistoryEntry[];
  nextCursor: string | null;
  /** The deal's stage visits, oldest first (empty when the reader may not see its stage). */
  stages: StageVisit[];
  /** Times its expected close date was moved later, and by how many days in all (null when it is hidden). */
  slippage: { count: number; days: number } | null;
}

/**
 * A deal's stage visits (time in each stage) and close-date slippage from its history, oldest first, inside a
 * transaction someone opened: what a deal's page shows and what the forecast may read for one deal.
 */
export async function dealStageTimesIn(
  trx: Tx,
  workspaceId: string,
  dealId: string,
  now = new Date(),
): Promise<{ stages: StageVisit[]; slippage: { count: number; days: number } }> {
  const rows = await selectDealTimeline(trx, workspaceId, dealId);
  const stages: StageVisit[] = [];
  let previousStage: string | null = null;
  let previousDate: string | null = null;
  let count = 0;
  let days = 0;
  for (const row of rows) {
    if (row.stage_id && row.stage_id !== previousStage) {
      const open = stages.at(-1);
      if (open && open.leftAt === null) {
        open.leftAt = row.at.toISOString();
        open.seconds = (row.at.getTime() - Date.parse(open.enteredAt)) / 1000;
      }
      stages.push({ stageId: row.stage_id, enteredAt: row.at.toISOString(), leftAt: null, seconds: 0 });
    }
    previousStage = row.stage_id ?? previousStage;
    if (row.close_date && previousDate && row.close_date > previousDate) {
      count++;
      days += Math.round((Date.parse(row.close_date) - Date.parse(previousDate)) / DAY_MS);
    }
    previousDate = row.close_date;
  }
  const last = stages.at(-1);
  if (last && last.leftAt === null) last.seconds = (now.getTime() - Date.parse(last.enteredAt)) / 1000;
  return { stages, slippage: { count, days } };
}

/**
 * A deal's history, newest first, a page at a time (keyset on the row's sequence), as the reader may see it: 404
 * for a deal they may not read; a change of a field their role hides is left out, and a row left with no change
 * is not shown.
 */
export async function listDealHistory(
  ctx: ServiceContext,
  dealId: string,
  page: { limit: number; cursor?: string | undefined },
): Promise<DealHistoryPage> {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const found = await readRecords(trx, ctx.principal, 'deals', [dealId], { fields: ['id'] });
    assertSeen(found.has(dealId), 'deals', dealId);
    const hidden = hiddenFor(ctx.principal);
    const rows = await selectHistoryPage(trx, workspaceId, dealId, {
      limit: page.limit + 1,
      beforeSeq: page.cursor,
    });
    const more = rows.length > page.limit;
    const shown = rows.slice(0, page.limit);
    const data: HistoryEntry[] = [];
    for (const row of shown) {
      const changes = Object.fromEntries(
        Object.entries(row.changes).filter(([field]) => !hidden('deals', field)),
      );
      if (row.kind === 'updated' && Object.keys(changes).length === 0) continue;
      data.push({
        id: row.seq,
        at: row.at.toISOString(),
        kind: row.kind,
        changes,
        actor: { userId: row.actor_user_id, apiKeyId: row.actor_api_key_id },
        source: row.source,
        cause: row.cause ?? null,
      });
    }
    const measures = page.cursor ? undefined : await dealStageTimesIn(trx, workspaceId, dealId);
    return {
      data,
      nextCursor: more ? (shown.at(-1)?.seq ?? null) : null,
      stages: measures && !hidden('deals', 'stage') ? measures.stages : [],
      slippage: measures && !hidden('deals', 'expectedCloseDate') ? measures.slippage : null,
    };
  });
}

export interface StageStat {
  stageId: string;
  name: string;
  kind: string;
  /** Live deals that were ever in the stage. */
  reached: number;
  won: number;
  lost: number;
  open: number;
  /** P(won | reached the stage): won ÷ (won + lost) among those deals; null before any closed. */
  winRate: number | null;
  /** Visits that ended (the deal moved on), and their average length in seconds. */
  completedVisits: number;
  averageSeconds: number | null;
}
export interface StageStats {
  pipelineId: string;
  stages: StageStat[];
  /** The same per current owner (absent when the reader's role hides the owner). */
  owners: { ownerId: string | null; stages: StageStat[] }[] | null;
  /** Deals whose expected close date moved later (null when the reader's role hides that date). */
  slippage: {
    deals: number;
    pushes: number;
    days: number;
    owners: { ownerId: string | null; deals: number; pushes: number; days: number }[] | null;
  } | null;
}

function statOf(
  stage: { id: string; name: string; kind: string },
  rows: readonly TotalsRowLike[],
): StageStat {
  let reached = 0;
  let won = 0;
  let lost = 0;
  let open = 0;
  let completed = 0;
  let seconds = 0;
  for (const r of rows) {
    reached += r.reached;
    if (r.status === 'won') won += r.reached;
    else if (r.status === 'lost') lost += r.reached;
    else open += r.reached;
    completed += r.completed;
    seconds += r.seconds;
  }
  return {
    stageId: stage.id,
    name: stage.name,
    kind: stage.kind,
    reached,
    won,
    lost,
    open,
    winRate: won + lost > 0 ? won / (won + lost) : null,
    completedVisits: completed,
    averageSeconds: completed > 0 ? seconds / completed : null,
  };
}
type TotalsRowLike = { status: string; reached: number; completed: number; seconds: number };

/**
 * Stage statistics of a pipeline, inside a transaction someone opened (the forecast calls this): time in each stage,
 * win rate per stage (overall and per current owner), slippage. Read from the totals the history subscriber keeps
 * (a few rows per stage, owner and status), not from the history itself. `onlyOwner` narrows to one owner's deals
 * (undefined: every deal; null: none).
 */
export async function stageStatsIn(
  trx: Tx,
  workspaceId: string,
  pipelineId: string,
  options: { onlyOwner?: string | null | undefined; withOwners?: boolean; withSlippage?: boolean } = {},
): Promise<StageStats> {
  const stages = await selectPipelineStages(trx, workspaceId, pipelineId);
  const totals = await selectStageTotals(trx, workspaceId, pipelineId, options.onlyOwner);
  const ownerIds = [...new Set(totals.map((v) => v.owner_id))].sort((a, b) =>
    (a ?? '').localeCompare(b ?? ''),
  );
  const slips =
    options.withSlippage === false
      ? undefined
      : await selectSlippage(trx, workspaceId, pipelineId, options.onlyOwner);
  const sum = (key: 'deals' | 'pushes' | 'days') => (slips ?? []).reduce((n, r) => n + r[key], 0);
  return {
    pipelineId,
    stages: stages.map((s) =>
      statOf(
        s,
        totals.filter((v) => v.stage_id === s.id),
      ),
    ),
    owners:
      options.withOwners === false
        ? null
        : ownerIds.map((ownerId) => ({
            ownerId,
            stages: stages.map((s) =>
              statOf(
                s,
                totals.filter((v) => v.stage_id === s.id && v.owner_id === ownerId),
              ),
            ),
          })),
    slippage: slips
      ? {
          deals: sum('deals'),
          pushes: sum('pushes'),
          days: sum('days'),
          owners:
            options.withOwners === false
              ? null
              : slips.map((r) => ({ ownerId: r.owner_id, deals: r.deals, pushes: r.pushes, days: r.days })),
        }
      : null,
  };
}

/** What the reader's role lets stage statistics use: refused when it hides the stage or may not read deals. */
function statsScope(principal: Principal) {
  assertAllowed(principal, 'deals', 'read');
  const hidden = hiddenFor(principal);
  if (hidden('deals', 'stage'))
    throw new AppError(
      'forbidden',
      'Your role hides the stage of deals, so it may not see stage statistics.',
    );
  return {
    onlyOwner: ownerLimit(principal, ruleFor(principal, 'deals')),
    withOwners: !hidden('deals', 'owner'),
    withSlippage: !hidden('deals', 'expectedCloseDate'),
  };
}

/** Stage statistics of a pipeline for a caller: their own deals only under "own records only". */
export async function stageStats(ctx: ServiceContext, pipelineId: string): Promise<StageStats> {
  const scope = statsScope(ctx.principal);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const pipeline = await readRecords(trx, ctx.principal, 'pipelines', [pipelineId], { fields: ['id'] });
    assertSeen(pipeline.has(pipelineId), 'pipelines', pipelineId);
    return stageStatsIn(trx, workspaceId, pipelineId, scope);
  });
}
