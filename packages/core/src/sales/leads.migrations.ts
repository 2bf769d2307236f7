import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0002-leads`: what leads became (one row per converted lead, with the person, company and deal), the
 * assignment rules (priority order, a filter tree, a pool, a strategy and its round-robin cursor), each lead's
 * assignment with its reason, and members marked away. Row-level security like every tenant table. Existing
 * workspaces' admin roles get `sales.assignment.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table lead_conversions (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      lead_id uuid not null,
      person_id uuid,
      company_id uuid,
      deal_id uuid,
      converted_by uuid references users (id) on delete set null,
      converted_at timestamptz not null default now(),
      primary key (workspace_id, lead_id)
    )`.execute(db);
  await sql`
    create table assignment_rules (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      position integer not null,
      enabled boolean not null default true,
      condition jsonb,
      strategy text not null check (strategy in ('roundRobin', 'weighted', 'leastLoad', 'fixed')),
      pool jsonb not null default '[]',
      turn bigint not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index assignment_rules_order on assignment_rules (workspace_id, position, id)`.execute(db);
  await sql`
    create table lead_assignments (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      lead_id uuid not null,
      rule_id uuid,
      owner_id uuid references users (id) on delete set null,
      reason text not null,
      detail jsonb not null default '{}',
      assigned_at timestamptz not null default now(),
      primary key (workspace_id, lead_id)
    )`.execute(db);
  await sql`create index lead_assignments_owner on lead_assignments (workspace_id, owner_id)`.execute(db);
  await sql`
    create table assignment_away (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      since timestamptz not null default now(),
      primary key (workspace_id, user_id)
    )`.execute(db);
  for (const table of ['lead_conversions', 'assignment_rules', 'lead_assignments', 'assignment_away']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions->'actions', '[]'::jsonb) || '["sales.assignment.manage"]'::jsonb)
    where key = 'admin' and not coalesce(permissions->'actions', '[]'::jsonb) ? 'sales.assignment.manage'`.execute(
    db,
  );
}
