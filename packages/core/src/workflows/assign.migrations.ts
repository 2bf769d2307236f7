import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `workflows-0004-assign`: each assign step's round-robin turn (per workflow and step), moved in the step's own
 * transaction under the row's lock, so concurrent runs never take the same turn and a rolled-back step takes none.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table workflow_assign_turns (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      workflow_id uuid not null,
      step_id text not null,
      turn bigint not null default 0,
      primary key (workspace_id, workflow_id, step_id)
    )`.execute(db);
  await sql`alter table workflow_assign_turns enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on workflow_assign_turns
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on workflow_assign_turns to rabita_app`.execute(db);
}
