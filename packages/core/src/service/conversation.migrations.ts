import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0002-conversation`: a ticket's conversation — public replies, internal notes and the customer's own
 * messages, newest first by `(created_at, id)` — and the ticket's first response time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tickets add column first_response_at timestamptz`.execute(db);
  await sql`
    create table ticket_messages (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      ticket_id uuid not null,
      kind text not null check (kind in ('reply', 'note', 'customer')),
      body text not null,
      author_user_id uuid references users (id) on delete set null,
      author_person_id uuid,
      automatic boolean not null default false,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`
    create index ticket_messages_ticket_idx on ticket_messages (workspace_id, ticket_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`alter table ticket_messages enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on ticket_messages
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on ticket_messages to rabita_app`.execute(db);
}
