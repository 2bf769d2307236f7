import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `reports-0003-dashboards`: dashboards (a name, an owner, a layout of widgets and the filters every widget takes,
 * both as JSON), whom each is shared with (people, teams, roles — the saved reports' model), and each role's home
 * dashboard (or none: the built-in one for the role) with whether the role lands on it after signing in.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table dashboards (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 200),
      owner_id uuid references users (id) on delete set null,
      layout jsonb not null default '[]',
      filters jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index dashboards_name on dashboards (workspace_id, name, id)`.execute(db);
  await sql`create index dashboards_owner on dashboards (workspace_id, owner_id)`.execute(db);
  await sql`
    create table dashboard_shares (
      workspace_id uuid not null,
      dashboard_id uuid not null,
      kind text not null check (kind in ('user', 'team', 'role')),
      target_id uuid not null,
      primary key (workspace_id, dashboard_id, kind, target_id),
      foreign key (workspace_id, dashboard_id) references dashboards (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index dashboard_shares_target on dashboard_shares (workspace_id, kind, target_id)`.execute(
    db,
  );
  await sql`
    create table dashboard_homes (
      workspace_id uuid not null,
      role_id uuid not null,
      dashboard_id uuid,
      landing boolean not null default false,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, role_id),
      foreign key (workspace_id, role_id) references roles (workspace_id, id) on delete cascade,
      foreign key (workspace_id, dashboard_id) references dashboards (workspace_id, id) on delete set null (dashboard_id)
    )`.execute(db);
  await sql`create index dashboard_homes_dashboard on dashboard_homes (workspace_id, dashboard_id)`.execute(
    db,
  );
  for (const table of ['dashboards', 'dashboard_shares', 'dashboard_homes']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
