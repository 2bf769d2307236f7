import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

export type ExportFormat = 'pdf' | 'xlsx' | 'csv';
export type ExportStatus = 'queued' | 'running' | 'done' | 'failed';

export interface ExportRow {
  id: string;
  /** The saved report exported, or null for a dashboard's export. */
  reportId: string | null;
  /** The dashboard exported (`reports-0005-dashboard-exports`), or null for a report's. */
  dashboardId: string | null;
  userId: string;
  format: ExportFormat;
  status: ExportStatus;
  error: string | null;
  filename: string | null;
  contentType: string | null;
  size: number | null;
  createdAt: Date;
  finishedAt: Date | null;
  expiresAt: Date;
}

const COLUMNS = sql`id, report_id as "reportId", dashboard_id as "dashboardId", user_id as "userId", format, status, error, filename,
  content_type as "contentType", size, created_at as "createdAt", finished_at as "finishedAt", expires_at as "expiresAt"`;

/** Adds a queued export of a saved report or (`dashboardId`) of a dashboard. */
export async function insertExportRow(
  trx: Tx,
  workspaceId: string,
  row: {
    id: string;
    reportId?: string | undefined;
    dashboardId?: string | undefined;
    userId: string;
    format: ExportFormat;
    expiresAt: Date;
  },
): Promise<void> {
  await sql`insert into report_exports (workspace_id, id, report_id, dashboard_id, user_id, format, expires_at)
    values (${workspaceId}, ${row.id}, ${row.reportId ?? null}, ${row.dashboardId ?? null}, ${row.userId},
      ${row.format}, ${row.expiresAt})`.execute(trx);
}

/** One export of the user's for the report or the dashboard (without its file). */
export async function findExportRow(
  trx: Tx,
  workspaceId: string,
  where: {
    id: string;
    reportId?: string | undefined;
    dashboardId?: string | undefined;
    userId?: string | undefined;
  },
): Promise<ExportRow | undefined> {
  const { rows } = await sql<ExportRow>`select ${COLUMNS} from report_exports
    where workspace_id = ${workspaceId} and id = ${where.id}
      ${where.reportId ? sql`and report_id = ${where.reportId}` : sql``}
      ${where.dashboardId ? sql`and dashboard_id = ${where.dashboardId}` : sql``}
      ${where.userId ? sql`and user_id = ${where.userId}` : sql``}`.execute(trx);
  return rows[0];
}

/** The export's file, when it is done and not yet expired. */
export async function selectExportFile(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<{ file: Buffer; filename: string; contentType: string } | undefined> {
  const { rows } = await sql<{ file: Buffer; filename: string; contentType: string }>`
    select file, filename, content_type as "contentType" from report_exports
    where workspace_id = ${workspaceId} and id = ${id} and status = 'done' and file is not null
      and expires_at > now()`.execute(trx);
  return rows[0];
}

/** Takes a queued export for running (none when it is gone or already taken). */
export async function claimExportRow(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<ExportRow | undefined> {
  const { rows } = await sql<ExportRow>`update report_exports set status = 'running'
    where workspace_id = ${workspaceId} and id = ${id} and status in ('queued', 'running')
    returning ${COLUMNS}`.execute(trx);
  return rows[0];
}

/** Records how an export ended: its file, or why it failed. */
export async function finishExportRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  outcome:
    | { status: 'done'; file: Buffer; filename: string; contentType: string }
    | { status: 'failed'; error: string },
): Promise<void> {
  if (outcome.status === 'done')
    await sql`update report_exports set status = 'done', file = ${outcome.file}, filename = ${outcome.filename},
        content_type = ${outcome.contentType}, size = ${outcome.file.length}, finished_at = now(), error = null
      where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
  else
    await sql`update report_exports set status = 'failed', error = ${outcome.error.slice(0, 1000)},
        finished_at = now()
      where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

/** Removes an export (its time is up). */
export async function deleteExportRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from report_exports where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

/** How many exports the user has waiting or running (a cap against flooding the queue). */
export async function countPendingExports(trx: Tx, workspaceId: string, userId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from report_exports
    where workspace_id = ${workspaceId} and user_id = ${userId} and status in ('queued', 'running')`.execute(
    trx,
  );
  return rows[0]?.n ?? 0;
}

/** Keeps a print token (by the hash of its secret). */
export async function insertPrintToken(
  trx: Tx,
  workspaceId: string,
  row: { hash: Buffer; userId: string; target: string; targetId: string; expiresAt: Date },
): Promise<void> {
  await sql`insert into report_print_tokens (workspace_id, token_hash, user_id, target, target_id, expires_at)
    values (${workspaceId}, ${row.hash}, ${row.userId}, ${row.target}, ${row.targetId}, ${row.expiresAt})`.execute(
    trx,
  );
}

/**
 * Spends a print token: deletes it, live or expired, and says whom and what it was for, and whether it was live.
 *
 * The transaction's time comes from a one-row `clock` the delete is joined with, not from `now()` in `returning`: a
 * Citus cluster refuses any function that is not immutable in a `returning` list ("non-IMMUTABLE functions are not
 * allowed in the RETURNING clause"); it runs the `clock` subquery on the coordinator and sends its one value to the
 * shard, where the comparison is then an operator on two values. One PostgreSQL joins the one row and compares with
 * the same `now()` as before: the same row deleted, the same answer, one statement. Not the application's clock (the
 * database's time decides expiry, as before), nor the test in the `where` (an expired token is spent too).
 */
export async function takePrintToken(
  trx: Tx,
  workspaceId: string,
  hash: Buffer,
): Promise<{ userId: string; target: string; targetId: string; live: boolean } | undefined> {
  const { rows } = await sql<{ userId: string; target: string; targetId: string; live: boolean }>`
    delete from report_print_tokens as t using (select now() as at) as clock
    where t.workspace_id = ${workspaceId} and t.token_hash = ${hash}
    returning t.user_id as "userId", t.target, t.target_id as "targetId", t.expires_at > clock.at as live`.execute(
    trx,
  );
  return rows[0];
}

/** Drops a print token that was never spent (its render has ended). */
export async function deletePrintToken(trx: Tx, workspaceId: string, hash: Buffer): Promise<void> {
  await sql`delete from report_print_tokens where workspace_id = ${workspaceId} and token_hash = ${hash}`.execute(
    trx,
  );
}

/** Moves the time an export is removed at. */
export async function setExportExpiry(trx: Tx, workspaceId: string, id: string, at: Date): Promise<void> {
  await sql`update report_exports set expires_at = ${at} where workspace_id = ${workspaceId} and id = ${id}`.execute(
    trx,
  );
}
