import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0005-mail`: the shared mailboxes the desk takes tickets in from (each feeding a queue, from a moment
 * on, so a first sync of old mail opens no tickets), and on each conversation message the email it came in as or
 * the send that carries it out.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table service_mailboxes (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      mailbox_id uuid not null,
      queue text not null default 'general',
      enabled boolean not null default true,
      since timestamptz not null default now(),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, mailbox_id)
    )`.execute(db);
  await sql`create index service_mailboxes_queue on service_mailboxes (workspace_id, queue)`.execute(db);
  await sql`alter table ticket_messages add column email_message_id uuid, add column outbox_id uuid`.execute(
    db,
  );
  await sql`
    create unique index ticket_messages_email on ticket_messages (workspace_id, email_message_id)
    where email_message_id is not null`.execute(db);
  await sql`alter table service_mailboxes enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on service_mailboxes
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on service_mailboxes to rabita_app`.execute(db);
}
