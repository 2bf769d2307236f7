import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import type pg from 'pg';

/** What rabita_schedule_job takes, already validated. */
export interface JobRow {
  task: string;
  key: string | null;
  runAt: Date | null;
  /** The payload as JSON text (its size is checked on exactly these bytes). */
  payloadJson: string;
  maxAttempts: number;
}

/** Queues (or replaces by key) a job of the transaction's workspace; it is only queued if the transaction commits. */
export async function insertJob(trx: Tx, row: JobRow): Promise<void> {
  await sql`select rabita_schedule_job(${row.task}, ${row.key}, ${row.runAt}, ${row.payloadJson}::json, ${row.maxAttempts})`.execute(
    trx,
  );
}

/** Cancels the transaction's workspace's job of this key (of this task, if given); true when one was found. */
export async function deleteJob(trx: Tx, task: string | null, key: string): Promise<boolean> {
  const result = await sql<{ found: boolean }>`select rabita_cancel_job(${task}, ${key}) as found`.execute(
    trx,
  );
  return result.rows[0]?.found === true;
}

/** A connection of the worker's own pool (the database owner, which owns graphile-worker's schema). */
export type OwnerQueryable = Pick<pg.Pool, 'query'>;

/**
 * Moves jobs held while graphile-worker's schema did not exist into its queue (keys keep their replace
 * semantics). Rows are deleted as they are queued, so two workers draining at once never queue one twice.
 */
export async function queuePendingJobs(owner: OwnerQueryable): Promise<number> {
  const { rows } = await owner.query<{ n: number }>(`
    with held as (
      delete from pending_jobs returning task, job_key, payload, run_at, max_attempts
    )
    select count(*)::int as n
    from held
    cross join lateral graphile_worker.add_job(
      identifier => held.task, payload => held.payload::json, run_at => held.run_at,
      max_attempts => held.max_attempts, job_key => held.job_key, job_key_mode => 'replace') as queued`);
  return rows[0]?.n ?? 0;
}

/** Records that this worker pool is alive (now, by the database's clock). */
export async function upsertHeartbeat(
  owner: OwnerQueryable,
  beat: { poolId: string; host: string; pid: number },
): Promise<void> {
  await owner.query(
    `insert into worker_heartbeats (pool_id, host, pid) values ($1, $2, $3)
     on conflict (pool_id) do update set seen_at = excluded.seen_at, host = excluded.host, pid = excluded.pid`,
    [beat.poolId, beat.host, beat.pid],
  );
}

/** Forgets a worker pool that stopped cleanly (it holds no jobs any more). */
export async function deleteHeartbeats(owner: OwnerQueryable, poolIds: string[]): Promise<void> {
  if (poolIds.length === 0) return;
  await owner.query('delete from worker_heartbeats where pool_id = any($1::text[])', [poolIds]);
}

/**
 * Releases the jobs (and job queues) locked by worker pools that are gone: those whose heartbeat is older than
 * `staleSeconds`, and those with no heartbeat at all whose lock is older than `orphanSeconds`. Returns the pool
 * ids released. Their heartbeats are then forgotten.
 */
export async function releaseDeadWorkers(
  owner: OwnerQueryable,
  limits: { staleSeconds: number; orphanSeconds: number },
): Promise<string[]> {
  const { rows } = await owner.query<{ poolId: string }>(
    `select distinct j.locked_by as "poolId"
     from graphile_worker.jobs j
     left join worker_heartbeats h on h.pool_id = j.locked_by
     where j.locked_by is not null
       and (h.seen_at < now() - make_interval(secs => $1)
         or (h.pool_id is null and j.locked_at < now() - make_interval(secs => $2)))`,
    [limits.staleSeconds, limits.orphanSeconds],
  );
  const poolIds = rows.map((row) => row.poolId);
  if (poolIds.length > 0) {
    // graphile-worker's own function for exactly this (what WorkerUtils.forceUnlockWorkers calls).
    await owner.query('select graphile_worker.force_unlock_workers($1::text[])', [poolIds]);
  }
  // Forget only stale pools that hold nothing. A pool that went stale between the select above and this delete
  // still holds its jobs: deleting its row would leave them to the orphan rule (minutes later) instead of the next
  // sweep, which a loaded machine made happen in CI.
  await owner.query(
    `delete from worker_heartbeats h
     where h.seen_at < now() - make_interval(secs => $1)
       and not exists (select 1 from graphile_worker.jobs j where j.locked_by = h.pool_id)`,
    [limits.staleSeconds],
  );
  return poolIds;
}
