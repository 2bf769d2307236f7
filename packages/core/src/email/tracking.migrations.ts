import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `email-0004-tracking`: the links of a tracked message (a click is redirected only to a URL stored here), what
 * happened to sent messages (opens, clicks, replies, bounces; machine ones kept and flagged), and addresses that
 * bounced hard (no further mail goes to them until someone clears them).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table email_tracked_links (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      message_id text not null,
      position integer not null,
      url text not null,
      primary key (workspace_id, message_id, position)
    )`.execute(db);
  await sql`
    create table email_events (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      message_id uuid not null,
      kind text not null check (kind in ('open', 'click', 'reply', 'bounce', 'soft_bounce', 'auto_reply')),
      at timestamptz not null default now(),
      machine boolean not null default false,
      detail jsonb not null default '{}',
      primary key (workspace_id, id),
      foreign key (workspace_id, message_id) references email_messages (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index email_events_message on email_events (workspace_id, message_id, at)`.execute(db);
  await sql`create index email_messages_template on email_messages (workspace_id, template_id, sent_at)
    where template_id is not null`.execute(db);
  await sql`
    create table email_suppressions (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      address text not null,
      reason text not null,
      at timestamptz not null default now(),
      primary key (workspace_id, address)
    )`.execute(db);
  for (const table of ['email_tracked_links', 'email_events', 'email_suppressions']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
