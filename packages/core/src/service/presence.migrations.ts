import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0007-presence`: who has a ticket open, for the collision warning. One row a workspace, ticket and
 * person, upserted by each heartbeat with the database's clock (so every instance agrees on "recent"); rows older
 * than a few minutes are ignored when read and pruned, per workspace, by later heartbeats (the `seen_at` index).
 * Row-level security like every tenant table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ticket_presence (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      ticket_id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      replying boolean not null default false,
      seen_at timestamptz not null default now(),
      primary key (workspace_id, ticket_id, user_id),
      foreign key (workspace_id, ticket_id) references tickets (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index ticket_presence_seen_idx on ticket_presence (workspace_id, seen_at)`.execute(db);
  await sql`alter table ticket_presence enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on ticket_presence
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on ticket_presence to rabita_app`.execute(db);
}
