import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `workflows-0001-tables`: workflows (a draft and settings), their immutable published versions, runs (one per
 * workflow and trigger event: `trigger_key` is unique per workflow) and step runs (one row per attempt of a step).
 * Row-level security like every tenant table. Existing workspaces' admin roles get `workflows.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table workflows (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      description text,
      enabled boolean not null default false,
      draft jsonb not null,
      settings jsonb not null default '{}',
      owner_user_id uuid references users (id) on delete set null,
      current_version integer,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      deleted_at timestamptz,
      primary key (workspace_id, id)
    )`.execute(db);
  // The trigger subscriber asks only for a workspace's enabled, published workflows.
  await sql`
    create index workflows_enabled on workflows (workspace_id)
    where enabled and deleted_at is null and current_version is not null`.execute(db);
  await sql`
    create table workflow_versions (
      workspace_id uuid not null,
      workflow_id uuid not null,
      version integer not null,
      definition jsonb not null,
      settings jsonb not null,
      published_by uuid references users (id) on delete set null,
      published_at timestamptz not null default now(),
      primary key (workspace_id, workflow_id, version),
      foreign key (workspace_id, workflow_id) references workflows (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table workflow_runs (
      workspace_id uuid not null,
      id uuid not null,
      workflow_id uuid not null,
      version integer not null,
      trigger_key text not null,
      trigger_object text,
      trigger_record_id uuid,
      trigger jsonb not null default '{}',
      status text not null check (status in ('queued','running','waiting','succeeded','failed','cancelled','skipped')),
      reason text,
      depth integer not null default 0,
      started_by uuid references users (id) on delete set null,
      current_step text,
      outputs jsonb not null default '{}',
      created_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz,
      error text,
      primary key (workspace_id, id),
      unique (workspace_id, workflow_id, trigger_key),
      foreign key (workspace_id, workflow_id, version) references workflow_versions (workspace_id, workflow_id, version)
    )`.execute(db);
  await sql`create index workflow_runs_created on workflow_runs (workspace_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`
    create index workflow_runs_workflow on workflow_runs (workspace_id, workflow_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`
    create index workflow_runs_record on workflow_runs (workspace_id, trigger_record_id, created_at desc, id desc)`.execute(
    db,
  );
  await sql`
    create table workflow_step_runs (
      workspace_id uuid not null,
      id uuid not null,
      run_id uuid not null,
      sequence integer not null,
      step_id text not null,
      step_type text not null,
      status text not null check (status in ('running','succeeded','failed','skipped','waiting')),
      attempt integer not null default 1,
      input jsonb,
      output jsonb,
      error text,
      idempotency_key text,
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, run_id, sequence),
      foreign key (workspace_id, run_id) references workflow_runs (workspace_id, id) on delete cascade
    )`.execute(db);
  for (const table of ['workflows', 'workflow_versions', 'workflow_runs', 'workflow_step_runs']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  // Versions are immutable: the application may add and read them, never change them.
  await sql`revoke update on workflow_versions from rabita_app`.execute(db);
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions -> 'actions', '[]'::jsonb) || '["workflows.manage"]'::jsonb)
    where key = 'admin' and not coalesce(permissions -> 'actions', '[]'::jsonb) ? 'workflows.manage'`.execute(
    db,
  );
}
