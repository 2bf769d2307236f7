import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0006-scoring`: lead scoring rules (points for a field condition, or for each activity of a kind with an
 * optional half-life), the rule set's version per workspace, and each lead's score with its explanation. An index
 * on `leads (workspace_id, score, id)` so lists sort by score from an index. Row-level security like every tenant
 * table; existing admin roles get `sales.scoring.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table scoring_rules (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      kind text not null check (kind in ('field', 'activity')),
      condition jsonb,
      activity_type text,
      points integer not null check (points between -1000 and 1000),
      half_life_days integer check (half_life_days between 1 and 3650),
      enabled boolean not null default true,
      revision integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      check ((kind = 'field') = (condition is not null)),
      check ((kind = 'activity') = (activity_type is not null)),
      check (kind = 'activity' or half_life_days is null)
    )`.execute(db);
  await sql`create index scoring_rules_order on scoring_rules (workspace_id, created_at, id)`.execute(db);
  await sql`
    create table scoring_versions (
      workspace_id uuid not null primary key references workspaces (id) on delete cascade,
      version integer not null default 0,
      changed_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table lead_scores (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      lead_id uuid not null,
      score numeric not null,
      rules_version integer not null,
      explanation jsonb not null default '[]',
      decays boolean not null default false,
      computed_at timestamptz not null,
      primary key (workspace_id, lead_id)
    )`.execute(db);
  // The nightly decay pages through the scores that hold decaying points only.
  await sql`create index lead_scores_decaying on lead_scores (workspace_id, lead_id) where decays`.execute(
    db,
  );
  for (const table of ['scoring_rules', 'scoring_versions', 'lead_scores']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  await sql`create index leads_score_idx on leads (workspace_id, score, id) where deleted_at is null`.execute(
    db,
  );
  // The nightly job finds the workspaces that have decaying rules across workspaces; it learns only their ids.
  await sql`
    create function rabita_scoring_decay_workspaces()
    returns table (workspace_id uuid)
    language sql stable security definer set search_path = public, pg_temp
    as $$ select distinct r.workspace_id from scoring_rules r
      where r.enabled and r.kind = 'activity' and r.half_life_days is not null $$`.execute(db);
  await sql`revoke all on function rabita_scoring_decay_workspaces() from public`.execute(db);
  await sql`grant execute on function rabita_scoring_decay_workspaces() to rabita_app`.execute(db);
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions->'actions', '[]'::jsonb) || '["sales.scoring.manage"]'::jsonb)
    where key = 'admin' and not coalesce(permissions->'actions', '[]'::jsonb) ? 'sales.scoring.manage'`.execute(
    db,
  );
}
