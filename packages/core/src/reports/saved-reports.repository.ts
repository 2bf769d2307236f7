import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import {
  type Audience,
  REPORT_SHARES,
  replaceSharesIn,
  type Share,
  sharedWith,
  sharesOfIn,
} from './sharing.repository.ts';

export type { Audience, Share, ShareKind } from './sharing.repository.ts';
export interface SavedReportRow {
  id: string;
  name: string;
  description: string | null;
  ownerId: string | null;
  definition: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

const COLUMNS = sql`id, name, description, owner_id as "ownerId", definition, created_at as "createdAt", updated_at as "updatedAt"`;

/** The condition under which the audience may see a report (alias `r`). */
function visibleTo(workspaceId: string, who: Audience) {
  return sharedWith(REPORT_SHARES, 'r', workspaceId, who);
}

/** Reports the audience may see (all of them for `everything`), by name then id, after a keyset position. */
export async function listReportRows(
  trx: Tx,
  workspaceId: string,
  who: Audience,
  options: { everything: boolean; after?: { name: string; id: string } | undefined; limit: number },
): Promise<SavedReportRow[]> {
  const { rows } = await sql<SavedReportRow>`
    select ${COLUMNS} from saved_reports as r
    where r.workspace_id = ${workspaceId} and ${options.everything ? sql`true` : visibleTo(workspaceId, who)}
      ${options.after ? sql`and (r.name, r.id) > (${options.after.name}, ${options.after.id}::uuid)` : sql``}
    order by r.name, r.id limit ${options.limit}`.execute(trx);
  return rows;
}

/** One report if the audience may see it (any report for `everything`). */
export async function findReportRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  who: Audience,
  everything: boolean,
): Promise<SavedReportRow | undefined> {
  const { rows } = await sql<SavedReportRow>`
    select ${COLUMNS} from saved_reports as r
    where r.workspace_id = ${workspaceId} and r.id = ${id}::uuid
      and ${everything ? sql`true` : visibleTo(workspaceId, who)}`.execute(trx);
  return rows[0];
}

/** Locks a report row for a change (its owner is checked by the caller). */
export async function lockReportRow(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<SavedReportRow | undefined> {
  const { rows } = await sql<SavedReportRow>`
    select ${COLUMNS} from saved_reports as r where r.workspace_id = ${workspaceId} and r.id = ${id}::uuid
    for update`.execute(trx);
  return rows[0];
}

export async function insertReportRow(
  trx: Tx,
  workspaceId: string,
  row: { id: string; name: string; description: string | null; ownerId: string; definition: unknown },
): Promise<void> {
  await sql`
    insert into saved_reports (workspace_id, id, name, description, owner_id, definition)
    values (${workspaceId}, ${row.id}, ${row.name}, ${row.description}, ${row.ownerId},
            ${JSON.stringify(row.definition)}::jsonb)`.execute(trx);
}

export async function updateReportRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  patch: { name?: string | undefined; description?: string | null | undefined; definition?: unknown },
): Promise<void> {
  await sql`
    update saved_reports set
      name = coalesce(${patch.name ?? null}, name),
      description = ${patch.description === undefined ? sql`description` : sql`${patch.description}`},
      definition = coalesce(${patch.definition === undefined ? null : JSON.stringify(patch.definition)}::jsonb, definition),
      updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}::uuid`.execute(trx);
}

export async function deleteReportRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from saved_reports where workspace_id = ${workspaceId} and id = ${id}::uuid`.execute(trx);
}

/** The shares of each of these reports. */
export function sharesOf(
  trx: Tx,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, Share[]>> {
  return sharesOfIn(trx, REPORT_SHARES, workspaceId, ids);
}

/** Replaces a report's shares with these. */
export function replaceShares(
  trx: Tx,
  workspaceId: string,
  id: string,
  shares: readonly Share[],
): Promise<void> {
  return replaceSharesIn(trx, REPORT_SHARES, workspaceId, id, shares);
}
