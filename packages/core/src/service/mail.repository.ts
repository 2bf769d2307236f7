import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

/** A shared mailbox the desk takes tickets in from, and the queue its tickets go to. */
export interface DeskMailboxRow {
  mailboxId: string;
  queue: string;
  enabled: boolean;
  since: Date;
}

const COLUMNS = sql`mailbox_id, queue, enabled, since`;

export async function selectDeskMailboxes(trx: Tx, workspaceId: string): Promise<DeskMailboxRow[]> {
  const { rows } = await sql<DeskMailboxRow>`
    select ${COLUMNS} from service_mailboxes where workspace_id = ${workspaceId}
    order by created_at, mailbox_id`.execute(trx);
  return rows;
}

export async function selectDeskMailbox(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
): Promise<DeskMailboxRow | undefined> {
  const { rows } = await sql<DeskMailboxRow>`
    select ${COLUMNS} from service_mailboxes where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId}`.execute(
    trx,
  );
  return rows[0];
}

/** The mailbox a queue's replies go out from: the queue's own (the first set up), else any the desk uses. */
export async function selectReplyMailbox(
  trx: Tx,
  workspaceId: string,
  queue: string | null,
): Promise<string | undefined> {
  const { rows } = await sql<{ mailboxId: string }>`
    select mailbox_id from service_mailboxes where workspace_id = ${workspaceId} and enabled
    order by (queue = ${queue ?? ''}) desc, created_at, mailbox_id limit 1`.execute(trx);
  return rows[0]?.mailboxId;
}

/** Sets a mailbox's queue and whether it takes mail; taking mail starts now (a turned-on mailbox starts again). */
export async function upsertDeskMailbox(
  trx: Tx,
  workspaceId: string,
  row: { mailboxId: string; queue: string; enabled: boolean },
): Promise<DeskMailboxRow> {
  const { rows } = await sql<DeskMailboxRow>`
    insert into service_mailboxes (workspace_id, mailbox_id, queue, enabled)
    values (${workspaceId}, ${row.mailboxId}, ${row.queue}, ${row.enabled})
    on conflict (workspace_id, mailbox_id) do update
      set queue = excluded.queue, enabled = excluded.enabled, updated_at = excluded.updated_at,
          since = case when excluded.enabled and not service_mailboxes.enabled then excluded.since else service_mailboxes.since end
    returning ${COLUMNS}`.execute(trx);
  return rows[0]!;
}

export async function deleteDeskMailbox(trx: Tx, workspaceId: string, mailboxId: string): Promise<boolean> {
  const { numAffectedRows } = await sql`
    delete from service_mailboxes where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId}`.execute(
    trx,
  );
  return Number(numAffectedRows ?? 0) > 0;
}
