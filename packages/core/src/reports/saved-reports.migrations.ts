import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `reports-0002-saved-reports`: saved reports (name, description, the definition as JSON, owner) and whom each is
 * shared with (people, teams, roles). Row-level security like every tenant table. Admins get `reports.manage`
 * (edit and delete anyone's report).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table saved_reports (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null check (length(name) between 1 and 200),
      description text check (length(description) <= 2000),
      owner_id uuid references users (id) on delete set null,
      definition jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index saved_reports_name on saved_reports (workspace_id, name, id)`.execute(db);
  await sql`create index saved_reports_owner on saved_reports (workspace_id, owner_id)`.execute(db);
  await sql`
    create table saved_report_shares (
      workspace_id uuid not null,
      report_id uuid not null,
      kind text not null check (kind in ('user', 'team', 'role')),
      target_id uuid not null,
      primary key (workspace_id, report_id, kind, target_id),
      foreign key (workspace_id, report_id) references saved_reports (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index saved_report_shares_target on saved_report_shares (workspace_id, kind, target_id)`.execute(
    db,
  );
  for (const table of ['saved_reports', 'saved_report_shares']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions->'actions', '[]'::jsonb) || jsonb_build_array('reports.manage'::text))
    where key = 'admin' and not coalesce(permissions->'actions', '[]'::jsonb) ? 'reports.manage'`.execute(db);
}
