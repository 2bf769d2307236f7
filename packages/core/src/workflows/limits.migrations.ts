import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `workflows-0003-limits`: the emails each workflow sent to each address (for the per-recipient limit, written in
 * the step's own transaction), and an index that counts a workspace's steps of the last minute (the throttle).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table workflow_email_sends (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      workflow_id uuid not null,
      address text not null,
      run_id uuid not null,
      step_id text not null,
      sent_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create index workflow_email_sends_recent on workflow_email_sends (workspace_id, workflow_id, address, sent_at)`.execute(
    db,
  );
  await sql`create index workflow_step_runs_recent on workflow_step_runs (workspace_id, started_at)`.execute(
    db,
  );
  await sql`alter table workflow_email_sends enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on workflow_email_sends
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, delete on workflow_email_sends to rabita_app`.execute(db);
}
