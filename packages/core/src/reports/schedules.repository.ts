import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { ExportFormat } from './export.repository.ts';

export interface ScheduleRow {
  id: string;
  reportId: string;
  ownerId: string;
  mailboxId: string;
  format: ExportFormat;
  recurrence: Record<string, unknown>;
  memberIds: string[];
  addresses: string[];
  enabled: boolean;
  nextRunAt: Date | null;
  lastRunAt: Date | null;
  lastError: string | null;
  /** Sends that failed in a row (0 after one that went out). */
  failures: number;
  /** When it paused itself after too many failed sends (null: not paused), and why (the last error). */
  pausedAt: Date | null;
  pauseReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface ScheduleWrite {
  mailboxId: string;
  format: ExportFormat;
  recurrence: Record<string, unknown>;
  memberIds: string[];
  addresses: string[];
  enabled: boolean;
  nextRunAt: Date | null;
}

const COLUMNS = sql`id, report_id as "reportId", owner_id as "ownerId", mailbox_id as "mailboxId", format, recurrence,
  member_ids as "memberIds", addresses, enabled, next_run_at as "nextRunAt", last_run_at as "lastRunAt",
  last_error as "lastError", failures, paused_at as "pausedAt", pause_reason as "pauseReason",
  created_at as "createdAt", updated_at as "updatedAt"`;

/** Adds a schedule. */
export async function insertScheduleRow(
  trx: Tx,
  workspaceId: string,
  row: ScheduleWrite & { id: string; reportId: string; ownerId: string },
): Promise<void> {
  await sql`insert into report_schedules (workspace_id, id, report_id, owner_id, mailbox_id, format, recurrence,
      member_ids, addresses, enabled, next_run_at)
    values (${workspaceId}, ${row.id}, ${row.reportId}, ${row.ownerId}, ${row.mailboxId}, ${row.format},
      ${JSON.stringify(row.recurrence)}::jsonb, ${row.memberIds}::uuid[], ${row.addresses}::text[], ${row.enabled},
      ${row.nextRunAt})`.execute(trx);
}

/** Replaces what a schedule sends, how and when; a change made by a person also ends a pause and its count. */
export async function updateScheduleRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  row: ScheduleWrite,
): Promise<void> {
  await sql`update report_schedules set mailbox_id = ${row.mailboxId}, format = ${row.format},
      recurrence = ${JSON.stringify(row.recurrence)}::jsonb, member_ids = ${row.memberIds}::uuid[],
      addresses = ${row.addresses}::text[], enabled = ${row.enabled}, next_run_at = ${row.nextRunAt},
      failures = 0, paused_at = null, pause_reason = null, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

/** A report's schedules (only the owner's, unless `ownerId` is null: all of them). */
export async function listScheduleRows(
  trx: Tx,
  workspaceId: string,
  reportId: string,
  ownerId: string | null,
): Promise<ScheduleRow[]> {
  const { rows } = await sql<ScheduleRow>`select ${COLUMNS} from report_schedules
    where workspace_id = ${workspaceId} and report_id = ${reportId}
      ${ownerId ? sql`and owner_id = ${ownerId}` : sql``}
    order by created_at, id limit 200`.execute(trx);
  return rows;
}

/** One schedule (of the report, when given), locked for a change when `lock`. */
export async function findScheduleRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { reportId?: string | undefined; lock?: boolean } = {},
): Promise<ScheduleRow | undefined> {
  const { rows } = await sql<ScheduleRow>`select ${COLUMNS} from report_schedules
    where workspace_id = ${workspaceId} and id = ${id}
      ${options.reportId ? sql`and report_id = ${options.reportId}` : sql``}
    ${options.lock ? sql`for update` : sql``}`.execute(trx);
  return rows[0];
}

/** How many schedules a person owns (a cap). */
export async function countOwnedSchedules(trx: Tx, workspaceId: string, ownerId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from report_schedules
    where workspace_id = ${workspaceId} and owner_id = ${ownerId}`.execute(trx);
  return rows[0]?.n ?? 0;
}

/**
 * Records a run: when, what went wrong (null: nothing) and the next time. A failure adds one to the failures in a
 * row, a send that went out sets them back to 0; the failure that reaches `maxFailures` pauses the schedule (its
 * reason the error, no next run). Whether this run paused it.
 */
export async function recordScheduleRun(
  trx: Tx,
  workspaceId: string,
  id: string,
  run: { at: Date; error: string | null; nextRunAt: Date | null; maxFailures: number },
): Promise<{ paused: boolean; failures: number }> {
  const error = run.error?.slice(0, 1000) ?? null;
  const pauses = sql`(${error}::text is not null and failures + 1 >= ${run.maxFailures}::int)`;
  // `paused_at` takes the transaction's time from a one-row `clock` the update is joined with, not `now()` inside
  // the `case`: a Citus cluster refuses that ("non-IMMUTABLE functions are not allowed in CASE or COALESCE
  // statements") and runs the `clock` subquery on the coordinator, sending its one value to the shard. One
  // PostgreSQL writes the same `now()` in the same statement (and row lock).
  const { rows } = await sql<{ failures: number; pausedNow: boolean }>`
    update report_schedules set last_run_at = ${run.at}, last_error = ${error},
      failures = case when ${error}::text is null then 0 else failures + 1 end,
      paused_at = case when ${pauses} then clock.at else paused_at end,
      pause_reason = case when ${pauses} then ${error} else pause_reason end,
      next_run_at = case when ${pauses} then null else ${run.nextRunAt}::timestamptz end
    from (select now() as at) as clock
    where workspace_id = ${workspaceId} and id = ${id}
    returning failures, (paused_at is not null and failures >= ${run.maxFailures}::int and ${error}::text is not null) as "pausedNow"`.execute(
    trx,
  );
  return { paused: rows[0]?.pausedNow ?? false, failures: rows[0]?.failures ?? 0 };
}

/** Ends a pause: the failures in a row back to 0, no reason, and the next run. */
export async function resumeScheduleRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  nextRunAt: Date | null,
): Promise<void> {
  await sql`update report_schedules set failures = 0, paused_at = null, pause_reason = null,
      next_run_at = ${nextRunAt}, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

/** Removes a schedule. */
export async function deleteScheduleRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from report_schedules where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}
