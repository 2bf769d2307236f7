import type { Database, Tx } from '@rabita/db';
import { type Kysely, sql } from 'kysely';

// SQL of canned replies and macros (canned-replies.migrations.ts). Every function takes the workspace transaction
// first. Run without the camel-case plugin: a reply's bodies and a macro's changes are jsonb keyed by language and
// by field, which must come back as stored.

export const raw = (executor: Database | Tx) => executor.withoutPlugins() as unknown as Kysely<unknown>;

export type ReplyLanguage = 'en' | 'ar' | 'fa';
export type ReplyBodies = Partial<Record<ReplyLanguage, string>>;

export interface CannedReplyRow {
  id: string;
  name: string;
  shortcut: string | null;
  folder: string | null;
  bodies: ReplyBodies;
  shared: boolean;
  ownerUserId: string | null;
  createdAt: string;
  updatedAt: string;
}

export const ISO = (column: string) =>
  sql`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const REPLY_COLUMNS = sql`id, name, shortcut, folder, bodies, shared, owner_user_id as "ownerUserId",
  ${ISO('created_at')} as "createdAt", ${ISO('updated_at')} as "updatedAt"`;

/** Text as LIKE reads it literally (its wildcards and escape character escaped). */
const literalLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * A page of the replies a person may use (shared ones and their own), by name then id, after the reply `after`;
 * `search` (already folded) narrows to replies whose folded name, shortcut or folder hold it.
 */
export async function cannedRepliesPage(
  trx: Tx,
  workspaceId: string,
  userId: string | null,
  page: { limit: number; after?: string | undefined; search?: string | undefined },
): Promise<CannedReplyRow[]> {
  const after = page.after
    ? sql`and (r.name, r.id) > (select a.name, a.id from canned_replies a
        where a.workspace_id = ${workspaceId} and a.id = ${page.after})`
    : sql``;
  const search = page.search ? sql`and r.search_text like ${`%${literalLike(page.search)}%`}` : sql``;
  const { rows } = await sql<CannedReplyRow>`
    select ${REPLY_COLUMNS} from canned_replies r
    where r.workspace_id = ${workspaceId} and (r.shared or r.owner_user_id = ${userId}) ${search} ${after}
    order by r.name, r.id
    limit ${page.limit}`.execute(raw(trx));
  return rows;
}

export async function findCannedReply(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<CannedReplyRow | undefined> {
  const { rows } = await sql<CannedReplyRow>`
    select ${REPLY_COLUMNS} from canned_replies where workspace_id = ${workspaceId} and id = ${id}
    ${options.lock ? sql`for update` : sql``}`.execute(raw(trx));
  return rows[0];
}

/** A reply whose shortcut is taken among those it would share a namespace with (the shared ones, or its owner's). */
export async function shortcutTaken(
  trx: Tx,
  workspaceId: string,
  reply: { id: string; shortcut: string; shared: boolean; ownerUserId: string | null },
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    select id from canned_replies
    where workspace_id = ${workspaceId} and shortcut = ${reply.shortcut} and id <> ${reply.id}
      and ${reply.shared ? sql`shared` : sql`not shared and owner_user_id = ${reply.ownerUserId}`}
    limit 1`.execute(raw(trx));
  return rows.length > 0;
}

export async function upsertCannedReply(
  trx: Tx,
  workspaceId: string,
  r: Omit<CannedReplyRow, 'createdAt' | 'updatedAt'> & { searchText: string },
): Promise<void> {
  await sql`
    insert into canned_replies (workspace_id, id, name, shortcut, folder, bodies, shared, owner_user_id, search_text)
    values (${workspaceId}, ${r.id}, ${r.name}, ${r.shortcut}, ${r.folder}, ${JSON.stringify(r.bodies)}::jsonb,
      ${r.shared}, ${r.ownerUserId}, ${r.searchText})
    on conflict (workspace_id, id) do update set name = excluded.name, shortcut = excluded.shortcut,
      folder = excluded.folder, bodies = excluded.bodies, shared = excluded.shared,
      owner_user_id = excluded.owner_user_id, search_text = excluded.search_text, updated_at = excluded.updated_at`.execute(
    raw(trx),
  );
}

export async function deleteCannedReplyRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from canned_replies where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}
