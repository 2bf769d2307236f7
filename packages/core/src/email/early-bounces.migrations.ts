import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `email-0006-early-bounces`: delivery reports that arrived before the message they are about was stored (a
 * server that refuses a recipient while the send is still being recorded, or mail sent outside Rabita whose Sent
 * copy syncs later). The message claims them when it is stored; those never claimed are pruned after a week.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table email_early_events (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      message_id text not null,
      kind text not null check (kind in ('bounce', 'soft_bounce')),
      at timestamptz not null,
      detail jsonb not null default '{}',
      received_at timestamptz not null default now(),
      primary key (workspace_id, message_id, kind, at)
    )`.execute(db);
  await sql`create index email_early_events_received on email_early_events (workspace_id, received_at)`.execute(
    db,
  );
  await sql`alter table email_early_events enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on email_early_events
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on email_early_events to rabita_app`.execute(db);
}
