import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

/** One row of the kept forecast, as `forecastNumbers` computed it. */
export interface ForecastRowInsert {
  period: string;
  periodKind: string;
  periodStart: string;
  /** The period's last day (inclusive). */
  periodEnd: string;
  kind: 'user' | 'team' | 'total';
  subjectId: string;
  ownerId: string | null;
  name: string;
  quota: number | null;
  closedWon: number;
  commit: number;
  bestCase: number;
  pipeline: number;
  weightedPipeline: number;
  deals: number;
}

/**
 * Marks the workspace's forecast rows due a refresh, unless they are already; returns when the refresh is due (a
 * minute after this first change since the last refresh), or nothing when they were marked already.
 */
export async function markForecastRowsDirty(trx: Tx, workspaceId: string): Promise<Date | undefined> {
  // Anchored on the workspace's row, the time from a one-row `clock` (a cluster sends the coordinator's value to
  // the shard); nothing comes back when another transaction marked it first (its refresh is queued).
  const { rows } = await sql<{ due: Date }>`
    insert into forecast_rows_state as s (workspace_id, dirty_since)
    select w.id, clock.at from workspaces as w cross join (select now() as at) as clock where w.id = ${workspaceId}
    on conflict (workspace_id) do update set dirty_since = excluded.dirty_since where s.dirty_since is null
    returning s.dirty_since + interval '1 minute' as due`.execute(trx);
  return rows[0]?.due;
}

/** Takes the workspace's mark (locking it until the refresh commits): changes after this mark it again. */
export async function takeForecastRowsMark(trx: Tx, workspaceId: string): Promise<void> {
  await sql`
    update forecast_rows_state set dirty_since = null where workspace_id = ${workspaceId}`.execute(trx);
}

/** The fiscal period keys the workspace has quotas for. */
export async function selectQuotaPeriods(trx: Tx, workspaceId: string): Promise<string[]> {
  const { rows } = await sql<{ period: string }>`
    select distinct period from forecast_quotas where workspace_id = ${workspaceId}
    order by period desc limit 48`.execute(trx);
  return rows.map((r) => r.period);
}

/**
 * Replaces the workspace's kept forecast by these rows: a row keeps its id while its period and subject stay,
 * rows of subjects or periods no longer computed go.
 */
export async function replaceForecastRows(
  trx: Tx,
  workspaceId: string,
  rows: readonly ForecastRowInsert[],
): Promise<void> {
  const col = <T>(pick: (r: ForecastRowInsert) => T) => rows.map(pick);
  await sql`
    insert into forecast_rows as f (workspace_id, id, period, period_kind, period_start, period_end, kind,
      subject_id, owner_id, name, quota, closed_won, commit_amount, best_case, pipeline, weighted_pipeline, deals,
      as_of, updated_at)
    select w.id, gen_random_uuid(), r.period, r.period_kind, r.period_start, r.period_end, r.kind,
      r.subject_id, r.owner_id, r.name, r.quota, r.closed_won, r.commit_amount, r.best_case, r.pipeline,
      r.weighted_pipeline, r.deals, clock.at, clock.at
    -- Anchored on the workspace's row, so a cluster runs it on the workspace's shard (ARCHITECTURE.md, Citus).
    from unnest(${col((r) => r.period)}::text[], ${col((r) => r.periodKind)}::text[],
                ${col((r) => r.periodStart)}::date[], ${col((r) => r.periodEnd)}::date[],
                ${col((r) => r.kind)}::text[], ${col((r) => r.subjectId)}::uuid[], ${col((r) => r.ownerId)}::uuid[],
                ${col((r) => r.name)}::text[], ${col((r) => r.quota)}::numeric[], ${col((r) => r.closedWon)}::numeric[],
                ${col((r) => r.commit)}::numeric[], ${col((r) => r.bestCase)}::numeric[],
                ${col((r) => r.pipeline)}::numeric[], ${col((r) => r.weightedPipeline)}::numeric[],
                ${col((r) => r.deals)}::int[])
      as r (period, period_kind, period_start, period_end, kind, subject_id, owner_id, name, quota, closed_won,
            commit_amount, best_case, pipeline, weighted_pipeline, deals)
    cross join (select now() as at) as clock
    cross join workspaces as w
    where w.id = ${workspaceId}
    on conflict (workspace_id, period, kind, subject_id) do update set
      period_kind = excluded.period_kind, period_start = excluded.period_start, period_end = excluded.period_end,
      owner_id = excluded.owner_id, name = excluded.name, quota = excluded.quota, closed_won = excluded.closed_won,
      commit_amount = excluded.commit_amount, best_case = excluded.best_case, pipeline = excluded.pipeline,
      weighted_pipeline = excluded.weighted_pipeline, deals = excluded.deals, as_of = excluded.as_of,
      updated_at = excluded.updated_at`.execute(trx);
  await sql`
    delete from forecast_rows as f
    where f.workspace_id = ${workspaceId}
      and not exists (
        select 1 from unnest(${col((r) => r.period)}::text[], ${col((r) => r.kind)}::text[],
                             ${col((r) => r.subjectId)}::uuid[]) as r (period, kind, subject_id)
        where r.period = f.period and r.kind = f.kind and r.subject_id = f.subject_id)`.execute(trx);
}

/** Whether the workspace's rows are already marked due a refresh (read without a lock: every deal write asks). */
export async function forecastRowsDirty(trx: Tx, workspaceId: string): Promise<boolean> {
  const { rows } = await sql<{ dirty: boolean }>`
    select dirty_since is not null as dirty from forecast_rows_state where workspace_id = ${workspaceId}`.execute(
    trx,
  );
  return rows[0]?.dirty === true;
}

/** Whether a deal or stage of the workspace changed at or after `since` (a write the refresh may have missed). */
export async function salesChangedSince(trx: Tx, workspaceId: string, since: Date): Promise<boolean> {
  const { rows } = await sql<{ changed: boolean }>`
    select exists (select 1 from deals where workspace_id = ${workspaceId} and updated_at >= ${since})
      or exists (select 1 from stages where workspace_id = ${workspaceId} and updated_at >= ${since}) as changed`.execute(
    trx,
  );
  return rows[0]?.changed === true;
}
