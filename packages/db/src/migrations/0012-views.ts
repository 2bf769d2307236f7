import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Saved views: a list's columns, widths, sort and filter under a name, for oneself, a team or everyone.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table views (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      object_key text not null,
      name text not null,
      owner_id uuid not null references users (id) on delete cascade,
      team_id uuid,
      shared boolean not null default false,
      state jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, team_id) references teams (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index views_object_idx on views (workspace_id, object_key, name)`.execute(db);
  await sql`alter table views enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on views
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on views to rabita_app`.execute(db);
}
