import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

/** A shared mailbox whose mail from strangers becomes leads, from a moment on, with the source they are given. */
export interface LeadMailboxRow {
  mailboxId: string;
  enabled: boolean;
  since: Date;
  source: string;
}

const COLUMNS = sql`mailbox_id, enabled, since, source`;

export async function selectLeadMailboxes(trx: Tx, workspaceId: string): Promise<LeadMailboxRow[]> {
  const { rows } = await sql<LeadMailboxRow>`
    select ${COLUMNS} from lead_mailboxes where workspace_id = ${workspaceId}
    order by created_at, mailbox_id`.execute(trx);
  return rows;
}

export async function selectLeadMailbox(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
): Promise<LeadMailboxRow | undefined> {
  const { rows } = await sql<LeadMailboxRow>`
    select ${COLUMNS} from lead_mailboxes where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId}`.execute(
    trx,
  );
  return rows[0];
}

/** Sets a mailbox's lead source and whether it makes leads; a mailbox turned (back) on takes mail from now. */
export async function upsertLeadMailbox(
  trx: Tx,
  workspaceId: string,
  row: { mailboxId: string; enabled: boolean; source: string },
): Promise<LeadMailboxRow> {
  const { rows } = await sql<LeadMailboxRow>`
    insert into lead_mailboxes (workspace_id, mailbox_id, enabled, source)
    values (${workspaceId}, ${row.mailboxId}, ${row.enabled}, ${row.source})
    on conflict (workspace_id, mailbox_id) do update
      set enabled = excluded.enabled, source = excluded.source, updated_at = excluded.updated_at,
          since = case when excluded.enabled and not lead_mailboxes.enabled then excluded.since else lead_mailboxes.since end
    returning ${COLUMNS}`.execute(trx);
  return rows[0]!;
}

export async function deleteLeadMailbox(trx: Tx, workspaceId: string, mailboxId: string): Promise<boolean> {
  const { numAffectedRows } = await sql`
    delete from lead_mailboxes where workspace_id = ${workspaceId} and mailbox_id = ${mailboxId}`.execute(
    trx,
  );
  return Number(numAffectedRows ?? 0) > 0;
}
