import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `email-0002-outbox`: messages waiting to be sent — for a chosen time, or for the few seconds in which a send can
 * be undone — and what became of them. A job at `send_at` sends the entry if it is still scheduled; undoing marks
 * it cancelled first, so exactly one of the two wins.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table email_outbox (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      mailbox_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      input jsonb not null,
      send_at timestamptz not null,
      status text not null check (status in ('scheduled', 'sending', 'sent', 'cancelled', 'failed')),
      attempts integer not null default 0,
      error text,
      message_id uuid,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      primary key (workspace_id, id),
      foreign key (workspace_id, mailbox_id) references mailboxes (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index email_outbox_user on email_outbox (workspace_id, user_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`alter table email_outbox enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on email_outbox
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on email_outbox to rabita_app`.execute(db);
}
