import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import { ISO, raw } from './canned-replies.repository.ts';

// SQL of macros (canned-replies.migrations.ts), the workspace transaction first; jsonb changes come back as stored.

export interface MacroRow {
  id: string;
  name: string;
  changes: Record<string, unknown>;
  replyId: string | null;
  replyText: string | null;
  note: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

const MACRO_COLUMNS = sql`id, name, changes, reply_id as "replyId", reply_text as "replyText", note,
  created_by as "createdBy", ${ISO('created_at')} as "createdAt", ${ISO('updated_at')} as "updatedAt"`;

/** A page of the workspace's macros by name then id, after the macro `after`. */
export async function macrosPage(
  trx: Tx,
  workspaceId: string,
  page: { limit: number; after?: string | undefined },
): Promise<MacroRow[]> {
  const after = page.after
    ? sql`and (m.name, m.id) > (select a.name, a.id from service_macros a
        where a.workspace_id = ${workspaceId} and a.id = ${page.after})`
    : sql``;
  const { rows } = await sql<MacroRow>`
    select ${MACRO_COLUMNS} from service_macros m
    where m.workspace_id = ${workspaceId} ${after}
    order by m.name, m.id
    limit ${page.limit}`.execute(raw(trx));
  return rows;
}

export async function findMacro(trx: Tx, workspaceId: string, id: string): Promise<MacroRow | undefined> {
  const { rows } = await sql<MacroRow>`
    select ${MACRO_COLUMNS} from service_macros where workspace_id = ${workspaceId} and id = ${id}`.execute(
    raw(trx),
  );
  return rows[0];
}

export async function upsertMacro(
  trx: Tx,
  workspaceId: string,
  m: Omit<MacroRow, 'createdAt' | 'updatedAt'>,
): Promise<void> {
  await sql`
    insert into service_macros (workspace_id, id, name, changes, reply_id, reply_text, note, created_by)
    values (${workspaceId}, ${m.id}, ${m.name}, ${JSON.stringify(m.changes)}::jsonb, ${m.replyId}, ${m.replyText},
      ${m.note}, ${m.createdBy})
    on conflict (workspace_id, id) do update set name = excluded.name, changes = excluded.changes,
      reply_id = excluded.reply_id, reply_text = excluded.reply_text, note = excluded.note,
      updated_at = excluded.updated_at`.execute(raw(trx));
}

export async function deleteMacroRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from service_macros where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

/** Names of the macros that send this canned reply (it may not be deleted or made personal while they do). */
export async function macrosUsingReply(trx: Tx, workspaceId: string, replyId: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select name from service_macros where workspace_id = ${workspaceId} and reply_id = ${replyId}
    order by name limit 10`.execute(raw(trx));
  return rows.map((r) => r.name);
}
