import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `reports-0006-dashboard-homes`: home dashboards chosen for a team and for one person, beside the roles' homes of
 * `dashboard_homes`. A person's home wins over their team's, a team's over their role's. A home goes with its team
 * or its person's membership (foreign keys, cascade); a deleted dashboard leaves the row with no dashboard, which
 * counts as no choice. Row-level security and grants like every tenant table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table dashboard_team_homes (
      workspace_id uuid not null,
      team_id uuid not null,
      dashboard_id uuid,
      landing boolean not null default false,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, team_id),
      foreign key (workspace_id, team_id) references teams (workspace_id, id) on delete cascade,
      foreign key (workspace_id, dashboard_id) references dashboards (workspace_id, id) on delete set null (dashboard_id)
    )`.execute(db);
  await sql`
    create table dashboard_person_homes (
      workspace_id uuid not null,
      user_id uuid not null,
      dashboard_id uuid,
      landing boolean not null default false,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, user_id),
      foreign key (workspace_id, user_id) references memberships (workspace_id, user_id) on delete cascade,
      foreign key (workspace_id, dashboard_id) references dashboards (workspace_id, id) on delete set null (dashboard_id)
    )`.execute(db);
  for (const table of ['dashboard_team_homes', 'dashboard_person_homes']) {
    await sql`create index ${sql.id(`${table}_dashboard`)} on ${sql.table(table)} (workspace_id, dashboard_id)`.execute(
      db,
    );
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
