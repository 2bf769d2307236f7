import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

export type ShareKind = 'user' | 'team' | 'role';
export interface Share {
  kind: ShareKind;
  id: string;
}
export interface SavedReportRow {
  id: string;
  name: string;
  description: string | null;
  ownerId: string | null;
  definition: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}
/** Who is reading: the person, their teams and their role (a report shared with any of them is theirs to run). */
export interface Audience {
  userId: string | null;
  teamIds: string[];
  roleId: string;
}

const COLUMNS = sql`id, name, description, owner_id as "ownerId", definition, created_at as "createdAt", updated_at as "updatedAt"`;

/** The condition under which the audience may see a report (alias `r`). */
function visibleTo(workspaceId: string, who: Audience) {
  return sql`(r.owner_id = ${who.userId}::uuid or exists (
    select 1 from saved_report_shares s
    where s.workspace_id = ${workspaceId} and s.report_id = r.id and (
      (s.kind = 'user' and s.target_id = ${who.userId}::uuid)
      or (s.kind = 'team' and s.target_id = any(${who.teamIds}::uuid[]))
      or (s.kind = 'role' and s.target_id = ${who.roleId}::uuid))))`;
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

export async function sharesOf(
  trx: Tx,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, Share[]>> {
  const out = new Map<string, Share[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const { rows } = await sql<{ reportId: string; kind: ShareKind; targetId: string }>`
    select report_id as "reportId", kind, target_id as "targetId" from saved_report_shares
    where workspace_id = ${workspaceId} and report_id = any(${ids}::uuid[])
    order by kind, target_id`.execute(trx);
  for (const r of rows) out.get(r.reportId)?.push({ kind: r.kind, id: r.targetId });
  return out;
}

/** Replaces a report's shares with these. */
export async function replaceShares(
  trx: Tx,
  workspaceId: string,
  id: string,
  shares: readonly Share[],
): Promise<void> {
  await sql`delete from saved_report_shares where workspace_id = ${workspaceId} and report_id = ${id}::uuid`.execute(
    trx,
  );
  if (shares.length === 0) return;
  await sql`
    insert into saved_report_shares (workspace_id, report_id, kind, target_id)
    select ${workspaceId}, ${id}::uuid, k, t::uuid
    from unnest(${shares.map((s) => s.kind)}::text[], ${shares.map((s) => s.id)}::text[]) as x(k, t)
    on conflict do nothing`.execute(trx);
}
