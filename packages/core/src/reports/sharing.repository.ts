import type { Tx } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';

// Whom a saved report or a dashboard is shared with: one model and one piece of SQL for both. Each kind of thing
// shared keeps its shares in a table of its own (`saved_report_shares`, `dashboard_shares`), so a share is deleted
// with what it shares by a foreign key.

export type ShareKind = 'user' | 'team' | 'role';
export interface Share {
  kind: ShareKind;
  id: string;
}
/** Who is reading: the person, their teams and their role (a thing shared with any of them is theirs to see). */
export interface Audience {
  userId: string | null;
  teamIds: string[];
  roleId: string;
}
/** A shares table and the column naming what each share shares. */
export interface ShareTable {
  table: 'saved_report_shares' | 'dashboard_shares';
  key: 'report_id' | 'dashboard_id';
}
export const REPORT_SHARES: ShareTable = { table: 'saved_report_shares', key: 'report_id' };
export const DASHBOARD_SHARES: ShareTable = { table: 'dashboard_shares', key: 'dashboard_id' };

/**
 * The condition under which the audience may see the thing aliased `alias` (its `owner_id` and `id`): they own
 * it, or it is shared with them, a team of theirs or their role.
 */
export function sharedWith(
  shares: ShareTable,
  alias: string,
  workspaceId: string,
  who: Audience,
): RawBuilder<unknown> {
  return sql`(${sql.ref(`${alias}.owner_id`)} = ${who.userId}::uuid or exists (
    select 1 from ${sql.table(shares.table)} s
    where s.workspace_id = ${workspaceId} and ${sql.ref(`s.${shares.key}`)} = ${sql.ref(`${alias}.id`)} and (
      (s.kind = 'user' and s.target_id = ${who.userId}::uuid)
      or (s.kind = 'team' and s.target_id = any(${who.teamIds}::uuid[]))
      or (s.kind = 'role' and s.target_id = ${who.roleId}::uuid))))`;
}

/** The shares of each of these things (an empty list for one shared with nobody). */
export async function sharesOfIn(
  trx: Tx,
  shares: ShareTable,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, Share[]>> {
  const out = new Map<string, Share[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return out;
  const { rows } = await sql<{ thingId: string; kind: ShareKind; targetId: string }>`
    select ${sql.ref(shares.key)} as "thingId", kind, target_id as "targetId" from ${sql.table(shares.table)}
    where workspace_id = ${workspaceId} and ${sql.ref(shares.key)} = any(${ids}::uuid[])
    order by kind, target_id`.execute(trx);
  for (const r of rows) out.get(r.thingId)?.push({ kind: r.kind, id: r.targetId });
  return out;
}

/** Replaces a thing's shares with these. */
export async function replaceSharesIn(
  trx: Tx,
  shares: ShareTable,
  workspaceId: string,
  id: string,
  list: readonly Share[],
): Promise<void> {
  await sql`delete from ${sql.table(shares.table)}
    where workspace_id = ${workspaceId} and ${sql.ref(shares.key)} = ${id}::uuid`.execute(trx);
  if (list.length === 0) return;
  await sql`
    insert into ${sql.table(shares.table)} (workspace_id, ${sql.ref(shares.key)}, kind, target_id)
    select ${workspaceId}, ${id}::uuid, k, t::uuid
    from unnest(${list.map((s) => s.kind)}::text[], ${list.map((s) => s.id)}::text[]) as x(k, t)
    on conflict do nothing`.execute(trx);
}
