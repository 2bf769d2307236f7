import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Teams: named groups of members (a sales team, a support shift) that views and reports are shared with.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table teams (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, name)
    )`.execute(db);
  await sql`
    create table team_members (
      workspace_id uuid not null,
      team_id uuid not null,
      user_id uuid not null,
      primary key (workspace_id, team_id, user_id),
      foreign key (workspace_id, team_id) references teams (workspace_id, id) on delete cascade,
      foreign key (workspace_id, user_id) references memberships (workspace_id, user_id) on delete cascade
    )`.execute(db);
  await sql`create index team_members_user_idx on team_members (workspace_id, user_id)`.execute(db);
  for (const table of ['teams', 'team_members']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
