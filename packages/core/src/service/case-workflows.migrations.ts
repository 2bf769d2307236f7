import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0019-case-workflows`: per case type (complaint, return), the manual-trigger workflow an admin chose to
 * start when a case is opened from a call ("open a report" on the call card).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table service_case_workflows (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      case_type text not null check (case_type in ('complaint', 'return')),
      workflow_id uuid not null,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, case_type)
    )`.execute(db);
  await sql`alter table service_case_workflows enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on service_case_workflows
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on service_case_workflows to rabita_app`.execute(db);
}
