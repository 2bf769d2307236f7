import { type Tx, workspaceLiteral } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';

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
 * The one time a write's history rows, measures and ended visits take: the transaction's `now()` as the measures'
 * read saw it (text, to the microsecond), or `now()` itself when there was no read. One value bound into every
 * statement, because a Citus cluster evaluates `now()` on the node that runs a statement — the coordinator for an
 * update it sends on, the worker for an insert it pushes down — whose transactions started a few milliseconds
 * apart, and a visit's seconds must be exactly the difference of the times its history shows.
 */
export type WriteTime = string | undefined;
const timeOf = (at: WriteTime) => (at === undefined ? sql`now()` : sql`${at}::timestamptz`);

/**
 * Appends one row per write, each with the deal's tracked values as they stand in this transaction (read from the
 * deals table, which the sales module owns), in one statement whatever the number of deals. `returning seq`
 * (nobody reads it) is for a Citus cluster: Citus cannot run an insert into a table with an identity column on the
 * shard, so it runs the `select` on the coordinator and, without `returning` or `on conflict`, copies the rows in
 * with `COPY`, which row-level security refuses; with `returning` it stages them and inserts on the shard.
 */
export function insertHistoryQuery(
  workspaceId: string,
  rows: readonly HistoryInsert[],
  at: WriteTime,
): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined;
  return sql`
    insert into deal_history (workspace_id, deal_id, at, kind, changes, pipeline_id, stage_id, status, amount_value,
      amount_currency, close_date, owner_id, forecast_category, actor_user_id, actor_api_key_id, source, cause)
    select ${workspaceId}, w.deal_id, ${timeOf(at)}, w.kind, w.changes, d.pipeline_id, d.stage_id, d.status, d.amount_value,
      d.amount_currency, d.expected_close_date, d.owner_id, d.forecast_category, w.actor_user_id,
      w.actor_api_key_id, w.source, w.cause
    from unnest(${rows.map((r) => r.dealId)}::uuid[], ${rows.map((r) => r.kind)}::text[],
      ${rows.map((r) => JSON.stringify(r.changes))}::jsonb[], ${rows.map((r) => r.actorUserId)}::uuid[],
      ${rows.map((r) => r.actorApiKeyId)}::uuid[], ${rows.map((r) => r.source)}::text[],
      ${rows.map((r) => (r.cause ? JSON.stringify(r.cause) : null))}::jsonb[])
      with ordinality as w (deal_id, kind, changes, actor_user_id, actor_api_key_id, source, cause, n)
    join deals d on d.workspace_id = ${workspaceId} and d.id = w.deal_id
    order by w.n
    returning seq`;
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

/** The nil uuid: the owner key of deals without an owner in the stage totals. */
export const NO_OWNER = '00000000-0000-0000-0000-000000000000';

export interface ReachRow {
  stage_id: string;
  pipeline_id: string | null;
  completed: number;
  seconds: string;
}

/** A deal's tracked values as this transaction has written them, and its measures as kept so far. */
export interface DealMeasures {
  /** The transaction's time as this read saw it (the one time the write's statements take). */
  at: string;
  deal_id: string;
  pipeline_id: string | null;
  stage_id: string | null;
  owner_id: string;
  status: string;
  close_date: string | null;
  live: boolean;
  /** The measures kept before this write (absent for a deal not measured yet). */
  before: {
    pipeline_id: string | null;
    stage_id: string | null;
    entered_at: string | null;
    /** Seconds since the deal entered that stage, exact (numeric as text). */
    open_seconds: string | null;
    owner_id: string;
    status: string;
    close_date: string | null;
    live: boolean;
    pushes: number;
    slip_days: number;
  } | null;
  /** Every stage the deal was ever in, with its ended visits. */
  reach: ReachRow[];
}

/**
 * The deals' state now (the deals table is the module's own) beside their measures and reached stages, in one
 * statement. Nothing is locked here: every write of a deal already holds its row's lock, so two writes of one deal
 * never measure it at once. The measures are a subquery, not a `left join`: on a Citus cluster with PostgreSQL 15 an
 * outer join of two tenant tables is refused ("outer joins and pseudoconstant quals", OPERATIONS.md). Each table is
 * confined by the workspace's literal, so a cluster sends the statement to the workspace's shard only
 * (`workspaceLiteral`; correlated by `d.workspace_id`, it went to every shard).
 */
export async function selectDealMeasures(
  trx: Tx,
  workspaceId: string,
  dealIds: readonly string[],
): Promise<DealMeasures[]> {
  const workspace = workspaceLiteral(workspaceId);
  const { rows } = await sql<DealMeasures>`
    select now()::text as at, d.id::text as deal_id, d.pipeline_id::text, d.stage_id::text,
           coalesce(d.owner_id, ${NO_OWNER})::text as owner_id, d.status, d.expected_close_date::text as close_date,
           d.deleted_at is null as live,
           (select json_build_object('pipeline_id', m.pipeline_id, 'stage_id', m.stage_id, 'entered_at', m.entered_at,
             'open_seconds', extract(epoch from now() - m.entered_at)::text, 'owner_id', m.owner_id,
             'status', m.status, 'close_date', m.close_date, 'live', m.live, 'pushes', m.pushes,
             'slip_days', m.slip_days)
             from deal_measures m where m.workspace_id = ${workspace} and m.deal_id = d.id) as before,
           coalesce((select json_agg(json_build_object('stage_id', r.stage_id, 'pipeline_id', r.pipeline_id,
             'completed', r.completed, 'seconds', r.seconds::text))
             from deal_stage_reach r where r.workspace_id = ${workspace} and r.deal_id = d.id), '[]') as reach
    from deals d
    where d.workspace_id = ${workspace} and d.id = any(${dealIds}::uuid[])
    order by d.id`.execute(trx.withoutPlugins());
  return rows;
}

/** A change to one key of the stage totals (many per key are summed before they are applied). */
export interface TotalsDelta {
  pipelineId: string;
  stageId: string;
  ownerId: string;
  status: string;
  reached: number;
  completed: number;
  /** Exact seconds as text (numeric), signed. */
  seconds: string;
}

/**
 * Applies the deltas to the stage totals in one statement, netted per key and in key order, so two writes never
 * lock the same totals rows in opposite orders.
 */
export function applyTotalsQuery(
  workspaceId: string,
  deltas: readonly TotalsDelta[],
): RawBuilder<unknown> | undefined {
  if (deltas.length === 0) return undefined;
  return sql`
    insert into deal_stage_totals as t (workspace_id, pipeline_id, stage_id, owner_id, status, slot, reached,
      completed, seconds)
    select ${workspaceId}, d.pipeline_id, d.stage_id, d.owner_id, d.status, (pg_current_xact_id()::text::bigint % 8)::smallint, sum(d.reached),
           sum(d.completed), sum(d.seconds)
    from unnest(${deltas.map((d) => d.pipelineId)}::uuid[], ${deltas.map((d) => d.stageId)}::uuid[],
      ${deltas.map((d) => d.ownerId)}::uuid[], ${deltas.map((d) => d.status)}::text[],
      ${deltas.map((d) => d.reached)}::int[], ${deltas.map((d) => d.completed)}::int[],
      ${deltas.map((d) => d.seconds)}::numeric[])
      as d (pipeline_id, stage_id, owner_id, status, reached, completed, seconds)
    group by d.pipeline_id, d.stage_id, d.owner_id, d.status
    order by d.pipeline_id, d.stage_id, d.owner_id, d.status
    on conflict (workspace_id, pipeline_id, stage_id, owner_id, status, slot) do update
      set reached = t.reached + excluded.reached, completed = t.completed + excluded.completed,
          seconds = t.seconds + excluded.seconds`;
}

/** A change to the slipped deals of one pipeline and owner. */
export interface SlipDelta {
  pipelineId: string;
  ownerId: string;
  deals: number;
  pushes: number;
  days: number;
}

/** Applies the deltas to the slip totals, netted per key and in key order. */
export function applySlipsQuery(
  workspaceId: string,
  deltas: readonly SlipDelta[],
): RawBuilder<unknown> | undefined {
  if (deltas.length === 0) return undefined;
  return sql`
    insert into deal_slip_totals as t (workspace_id, pipeline_id, owner_id, deals, pushes, days)
    select ${workspaceId}, d.pipeline_id, d.owner_id, sum(d.deals), sum(d.pushes), sum(d.days)
    from unnest(${deltas.map((d) => d.pipelineId)}::uuid[], ${deltas.map((d) => d.ownerId)}::uuid[],
      ${deltas.map((d) => d.deals)}::int[], ${deltas.map((d) => d.pushes)}::int[],
      ${deltas.map((d) => d.days)}::int[]) as d (pipeline_id, owner_id, deals, pushes, days)
    group by d.pipeline_id, d.owner_id
    order by d.pipeline_id, d.owner_id
    on conflict (workspace_id, pipeline_id, owner_id) do update
      set deals = t.deals + excluded.deals, pushes = t.pushes + excluded.pushes, days = t.days + excluded.days`;
}

/** Ends the deals' visits to the stages they left now (each entered at `enteredAt`). */
export function closeVisitsQuery(
  workspaceId: string,
  visits: readonly { dealId: string; stageId: string; enteredAt: string }[],
  at: WriteTime,
): RawBuilder<unknown> | undefined {
  if (visits.length === 0) return undefined;
  return sql`
    update deal_stage_reach r
    set completed = r.completed + 1, seconds = r.seconds + extract(epoch from ${timeOf(at)} - c.entered_at)
    from unnest(${visits.map((v) => v.dealId)}::uuid[], ${visits.map((v) => v.stageId)}::uuid[],
      ${visits.map((v) => v.enteredAt)}::timestamptz[]) as c (deal_id, stage_id, entered_at)
    where r.workspace_id = ${workspaceId} and r.deal_id = c.deal_id and r.stage_id = c.stage_id`;
}

/** Starts the deals' visits to the stages they entered now (a first visit adds the stage to those they reached). */
export function openVisitsQuery(
  workspaceId: string,
  visits: readonly { dealId: string; stageId: string; pipelineId: string | null }[],
): RawBuilder<unknown> | undefined {
  if (visits.length === 0) return undefined;
  return sql`
    insert into deal_stage_reach as r (workspace_id, deal_id, stage_id, pipeline_id, visits, completed, seconds)
    select ${workspaceId}, o.deal_id, o.stage_id, o.pipeline_id, 1, 0, 0
    from unnest(${visits.map((v) => v.dealId)}::uuid[], ${visits.map((v) => v.stageId)}::uuid[],
      ${visits.map((v) => v.pipelineId)}::uuid[]) as o (deal_id, stage_id, pipeline_id)
    order by o.deal_id, o.stage_id
    on conflict (workspace_id, deal_id, stage_id) do update set visits = r.visits + 1`;
}

/** Writes the deals' measures as they now stand. */
export interface MeasuresWrite {
  deal_id: string;
  pipeline_id: string | null;
  stage_id: string | null;
  owner_id: string;
  status: string;
  close_date: string | null;
  live: boolean;
  enteredAt: string | null;
  keepEntered: boolean;
  pushes: number;
  slipDays: number;
}

export function upsertMeasuresQuery(
  workspaceId: string,
  rows: readonly MeasuresWrite[],
  at: WriteTime,
): RawBuilder<unknown> | undefined {
  if (rows.length === 0) return undefined;
  return sql`
    insert into deal_measures as m (workspace_id, deal_id, pipeline_id, stage_id, entered_at, owner_id, status,
      close_date, live, pushes, slip_days)
    select ${workspaceId}, u.deal_id, u.pipeline_id, u.stage_id,
           case when u.keep_entered then u.entered_at when u.stage_id is not null then ${timeOf(at)} end,
           u.owner_id, u.status, u.close_date, u.live, u.pushes, u.slip_days
    from unnest(${rows.map((r) => r.deal_id)}::uuid[], ${rows.map((r) => r.pipeline_id)}::uuid[],
      ${rows.map((r) => r.stage_id)}::uuid[], ${rows.map((r) => r.enteredAt)}::timestamptz[],
      ${rows.map((r) => r.keepEntered)}::boolean[], ${rows.map((r) => r.owner_id)}::uuid[],
      ${rows.map((r) => r.status)}::text[], ${rows.map((r) => r.close_date)}::date[],
      ${rows.map((r) => r.live)}::boolean[], ${rows.map((r) => r.pushes)}::int[],
      ${rows.map((r) => r.slipDays)}::int[])
      as u (deal_id, pipeline_id, stage_id, entered_at, keep_entered, owner_id, status, close_date, live, pushes,
        slip_days)
    order by u.deal_id
    on conflict (workspace_id, deal_id) do update set pipeline_id = excluded.pipeline_id,
      stage_id = excluded.stage_id, entered_at = excluded.entered_at, owner_id = excluded.owner_id,
      status = excluded.status, close_date = excluded.close_date, live = excluded.live, pushes = excluded.pushes,
      slip_days = excluded.slip_days`;
}

/**
 * Runs writes as one statement (each a data-modifying part of it), one round trip for all: the parts must not
 * depend on one another's effects, nor touch the same row.
 */
export async function writeTogether(
  trx: Tx,
  parts: readonly (RawBuilder<unknown> | undefined)[],
): Promise<void> {
  const present = parts.filter((p): p is RawBuilder<unknown> => p !== undefined);
  if (present.length === 0) return;
  const named = present.map((p, i) => sql`${sql.id(`w${i}`)} as (${p})`);
  await sql`with ${sql.join(named)} select 1`.execute(trx.withoutPlugins());
}

export interface TotalsRow {
  stage_id: string;
  owner_id: string | null;
  status: string;
  reached: number;
  completed: number;
  seconds: number;
}

/** A pipeline's stage totals per stage, owner and status (`onlyOwner`: one owner's alone). */
export async function selectStageTotals(
  trx: Tx,
  workspaceId: string,
  pipelineId: string,
  onlyOwner: string | null | undefined,
): Promise<TotalsRow[]> {
  const { rows } = await sql<TotalsRow>`
    select stage_id::text, nullif(owner_id, ${NO_OWNER}::uuid)::text as owner_id, status,
           sum(reached)::int as reached, sum(completed)::int as completed, sum(seconds)::float8 as seconds
    from deal_stage_totals
    where workspace_id = ${workspaceId} and pipeline_id = ${pipelineId}::uuid
      ${onlyOwner === undefined ? sql`` : sql`and owner_id = ${onlyOwner ?? NO_OWNER}::uuid and ${onlyOwner !== null}`}
    group by stage_id, owner_id, status
    having sum(reached) <> 0`.execute(trx.withoutPlugins());
  return rows;
}

export interface SlipRow {
  owner_id: string | null;
  deals: number;
  pushes: number;
  days: number;
}

/** Per current owner, the live deals of the pipeline whose close date was moved later: how often, how far. */
export async function selectSlippage(
  trx: Tx,
  workspaceId: string,
  pipelineId: string,
  onlyOwner: string | null | undefined,
): Promise<SlipRow[]> {
  const { rows } = await sql<SlipRow>`
    select nullif(owner_id, ${NO_OWNER}::uuid)::text as owner_id, deals, pushes, days
    from deal_slip_totals
    where workspace_id = ${workspaceId} and pipeline_id = ${pipelineId}::uuid and deals <> 0
      ${onlyOwner === undefined ? sql`` : sql`and owner_id = ${onlyOwner ?? NO_OWNER}::uuid and ${onlyOwner !== null}`}
    order by owner_id`.execute(trx.withoutPlugins());
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
