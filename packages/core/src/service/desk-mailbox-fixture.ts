import type { Database } from '@rabita/db';
import { workspaceRows } from '../email/mail-fixture.ts';
import { newId } from '../ids.ts';

/**
 * For tests: a shared desk mailbox with an SMTP server, paused (nothing syncs it), so what the desk sends waits in
 * its outbox to be read instead of going out. Its id.
 */
export async function addPausedDeskMailbox(db: Database, workspaceId: string): Promise<string> {
  const rows = workspaceRows(
    () => db,
    () => workspaceId,
  );
  const mailboxId = newId();
  await rows(`insert into mailboxes (workspace_id, id, name, address, kind, imap_host, imap_port, imap_security,
      smtp_host, smtp_port, smtp_security, username, auth, secret, status)
    values ('${workspaceId}', '${mailboxId}', 'Support', 'support@desk.example', 'shared', '127.0.0.1', 993,
      'tls', '127.0.0.1', 465, 'tls', 'support', 'password', 'x', 'paused')`);
  await rows(
    `insert into service_mailboxes (workspace_id, mailbox_id) values ('${workspaceId}', '${mailboxId}')`,
  );
  return mailboxId;
}
