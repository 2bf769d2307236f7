import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Notifications: what a person should know about (a record or task assigned to them), per workspace and user.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table notifications (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      user_id uuid not null references users (id) on delete cascade,
      kind text not null,
      object_key text not null,
      record_id uuid not null,
      actor_user_id uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      read_at timestamptz,
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index notifications_user_idx on notifications (workspace_id, user_id, id desc)`.execute(
    db,
  );
  await sql`create index notifications_unread_idx on notifications (workspace_id, user_id) where read_at is null`.execute(
    db,
  );
  await sql`alter table notifications enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on notifications
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on notifications to rabita_app`.execute(db);
}
