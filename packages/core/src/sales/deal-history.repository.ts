import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

// SQL of the append-only deal history (migration sales-0004-deal-history). Rows are only ever inserted.

export interface HistoryInsert {
  dealId: string;
  kind: 'created' | 'updated';
  changes: Record<string, { from: unknown; to: unknown }>;
  actorUserId: string | null;
  actorApiKeyId: string | null;
  source: string;
  cause: unknown;
}

/**
 * Appends one row per write, each with the deal's tracked values as they stand in this transaction (read from the
 * deals table, which the sales module owns), in one statement whatever the number of deals.
 */
export async function insertHistory(
  trx: Tx,
  workspaceId: string,
  rows: readonly HistoryInsert[],
): Promise<void> {
  if (rows.length === 0) return;
  await sql`
    insert into deal_history (workspace_id, deal_id, kind, changes, pipeline_id, stage_id, status, amount_value,
      amount_currency, close_date, owner_id, forecast_category, actor_user_id, actor_api_key_id, source, cause)
    select ${workspaceId}, w.deal_id, w.kind, w.changes, d.pipeline_id, d.stage_id, d.status, d.amount_value,
      d.amount_currency, d.expected_close_date, d.owner_id, d.forecast_category, w.actor_user_id,
      w.actor_api_key_id, w.source, w.cause
    from unnest(${rows.map((r) => r.dealId)}::uuid[], ${rows.map((r) => r.kind)}::text[],
      ${rows.map((r) => JSON.stringify(r.changes))}::jsonb[], ${rows.map((r) => r.actorUserId)}::uuid[],
      ${rows.map((r) => r.actorApiKeyId)}::uuid[], ${rows.map((r) => r.source)}::text[],
      ${rows.map((r) => (r.cause ? JSON.stringify(r.cause) : null))}::jsonb[])
      with ordinality as w (deal_id, kind, changes, actor_user_id, actor_api_key_id, source, cause, n)
    join deals d on d.workspace_id = ${workspaceId} and d.id = w.deal_id
    order by w.n`.execute(trx.withoutPlugins());
}

export interface HistoryRow {
  seq: string;
  at: Date;
  kind: 'created' | 'updated' | 'baseline';
  changes: Record<string, { from: unknown; to: unknown }>;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  source: string;
  cause: unknown;
}

/** A page of a deal's history, newest first, strictly older than `beforeSeq` when given. */
export async function selectHistoryPage(
  trx: Tx,
  workspaceId: string,
  dealId: string,
  page: { limit: number; beforeSeq?: string | undefined },
): Promise<HistoryRow[]> {
  const { rows } = await sql<HistoryRow>`
    select seq::text, at, kind, changes, actor_user_id::text, actor_api_key_id::text, source, cause
    from deal_history
    where workspace_id = ${workspaceId} and deal_id = ${dealId}::uuid
      ${page.beforeSeq ? sql`and seq < ${page.beforeSeq}::bigint` : sql``}
    order by deal_history.seq desc limit ${page.limit}`.execute(trx.withoutPlugins());
  return rows;
}

export interface StageRow {
  deal_id: string;
  seq: string;
  at: Date;
  stage_id: string | null;
  status: string | null;
  owner_id: string | null;
  close_date: string | null;
}

/** Every history row of one deal, oldest first (its stage visits and slippage). */
export async function selectDealTimeline(trx: Tx, workspaceId: string, dealId: string): Promise<StageRow[]> {
  const { rows } = await sql<StageRow>`
    select deal_id::text, seq::text, at, stage_id::text, status, owner_id::text, close_date::text
    from deal_history where workspace_id = ${workspaceId} and deal_id = ${dealId}::uuid
    order by deal_history.seq limit 10000`.execute(trx.withoutPlugins());
  return rows;
}

export interface VisitRow {
  stage_id: string;
  owner_id: string | null;
  reached: number;
  won: number;
  lost: number;
  open_now: number;
  completed: number;
  seconds: number | null;
}

/**
 * Per stage of a pipeline, and per stage and current owner: how many live deals reached it (were ever in it), how
 * many of those are now won, lost or still open, how many visits ended, and the seconds those visits lasted.
 * `onlyOwner` narrows to deals the reader owns ("own records only"). Reads the `deal_history_pipeline` index in
 * deal order; the deals table (the module's own) gives each deal's current status and owner.
 */
export async function selectStageVisits(
  trx: Tx,
  workspaceId: string,
  pipelineId: string,
  onlyOwner: string | null | undefined,
): Promise<VisitRow[]> {
  const { rows } = await sql<VisitRow>`
    with h as (
      select deal_id, seq, at, stage_id,
             lag(stage_id) over (partition by deal_id order by seq) as previous_stage
      from deal_history
      where workspace_id = ${workspaceId} and pipeline_id = ${pipelineId}::uuid
    ),
    entries as (
      select deal_id, seq, at, stage_id from h
      where stage_id is not null and previous_stage is distinct from stage_id
    ),
    visits as (
      select deal_id, stage_id, at as entered,
             lead(at) over (partition by deal_id order by seq) as left_at
      from entries
    ),
    per_deal as (
      select v.deal_id, v.stage_id, count(v.left_at)::int as completed,
             sum(extract(epoch from v.left_at - v.entered)) as seconds
      from visits v group by v.deal_id, v.stage_id
    )
    select p.stage_id::text, d.owner_id::text,
           count(*)::int as reached,
           count(*) filter (where d.status = 'won')::int as won,
           count(*) filter (where d.status = 'lost')::int as lost,
           count(*) filter (where d.status = 'open')::int as open_now,
           sum(p.completed)::int as completed,
           sum(p.seconds)::float8 as seconds
    from per_deal p
    join deals d on d.workspace_id = ${workspaceId} and d.id = p.deal_id and d.deleted_at is null
      and d.pipeline_id = ${pipelineId}::uuid
    where ${onlyOwner === undefined ? sql`true` : sql`d.owner_id = ${onlyOwner}`}
    group by p.stage_id, d.owner_id`.execute(trx.withoutPlugins());
  return rows;
}

export interface SlipRow {
  owner_id: string | null;
  deals: number;
  pushes: number;
  days: number;
}

/** Per current owner: deals whose expected close date was moved later, how many times, and by how many days. */
export async function selectSlippage(
  trx: Tx,
  workspaceId: string,
  pipelineId: string,
  onlyOwner: string | null | undefined,
): Promise<SlipRow[]> {
  const { rows } = await sql<SlipRow>`
    with h as (
      select deal_id, close_date,
             lag(close_date) over (partition by deal_id order by seq) as previous_date
      from deal_history
      where workspace_id = ${workspaceId} and pipeline_id = ${pipelineId}::uuid
    ),
    pushes as (
      select deal_id, count(*)::int as pushes, sum(close_date - previous_date)::int as days
      from h where close_date > previous_date group by deal_id
    )
    select d.owner_id::text, count(*)::int as deals, sum(p.pushes)::int as pushes, sum(p.days)::int as days
    from pushes p
    join deals d on d.workspace_id = ${workspaceId} and d.id = p.deal_id and d.deleted_at is null
      and d.pipeline_id = ${pipelineId}::uuid
    where ${onlyOwner === undefined ? sql`true` : sql`d.owner_id = ${onlyOwner}`}
    group by d.owner_id`.execute(trx.withoutPlugins());
  return rows;
}

/** The pipeline's live stages in order (their ids, names and kinds). */
export async function selectPipelineStages(
  trx: Tx,
  workspaceId: string,
  pipelineId: string,
): Promise<{ id: string; name: string; kind: string; position: number }[]> {
  const { rows } = await sql<{ id: string; name: string; kind: string; position: number }>`
    select id::text, name, kind, position::float8 as position from stages
    where workspace_id = ${workspaceId} and pipeline_id = ${pipelineId}::uuid and deleted_at is null
    order by position, id`.execute(trx.withoutPlugins());
  return rows;
}
