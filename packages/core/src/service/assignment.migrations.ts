import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0011-assignment`: the desk's agents (per member: available or away, how many open tickets they may hold,
 * their languages, products and customer tiers; a member without a row is available with the default capacity and
 * no skills) and the ticket assignment rules (ordered; a filter-tree condition; a team or a list of members; round
 * robin or least load; sticky on or off; which ticket fields name the product and tier an agent must know; the
 * round-robin turn). Row-level security like every tenant table; admins get `service.assignment.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table desk_agents (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      available boolean not null default true,
      capacity integer not null default 20 check (capacity between 0 and 10000),
      languages text[] not null default '{}',
      products text[] not null default '{}',
      tiers text[] not null default '{}',
      updated_at timestamptz not null default now(),
      primary key (workspace_id, user_id)
    )`.execute(db);
  await sql`
    create table desk_assignment_rules (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      position integer not null,
      enabled boolean not null default true,
      condition jsonb,
      team_id uuid,
      members uuid[] not null default '{}',
      strategy text not null check (strategy in ('roundRobin', 'leastLoad')),
      sticky boolean not null default false,
      product_field text,
      tier_field text,
      turn bigint not null default 0,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index desk_assignment_rules_position_idx on desk_assignment_rules (workspace_id, position, id)`.execute(
    db,
  );
  for (const table of ['desk_agents', 'desk_assignment_rules']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions -> 'actions', '[]'::jsonb) || '["service.assignment.manage"]'::jsonb)
    where key = 'admin' and not coalesce(permissions -> 'actions', '[]'::jsonb) ? 'service.assignment.manage'`.execute(
    db,
  );
}
