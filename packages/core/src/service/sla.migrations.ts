import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0003-sla`: business calendars, SLA policies and their immutable versions (each with the calendar's
 * definition as it was, so a replay is deterministic), each ticket's SLA event log, its SLA row (the policy in
 * force, the next sequence number, the summary and the next instant something falls due, for the sweep) and its
 * clocks (one row a metric, a cache rebuilt from the log). The tickets get `sla_due_at` and `sla_status`.
 * Row-level security like every tenant table; the one-minute sweep lists due tickets across workspaces through
 * `rabita_sla_due`, a security-definer function that returns ids only.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tickets add column sla_due_at timestamptz`.execute(db);
  await sql`alter table tickets add column sla_status text not null default 'none'`.execute(db);
  await sql`create index tickets_sla_due_idx on tickets (workspace_id, sla_due_at, id) where deleted_at is null`.execute(
    db,
  );
  await sql`
    create table sla_calendars (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      definition jsonb not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`
    create table sla_policies (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      position integer not null,
      enabled boolean not null default true,
      condition jsonb,
      calendar_id uuid,
      business_time boolean not null default true,
      targets jsonb not null,
      pause_statuses text[] not null default '{}',
      warn jsonb not null default '{}',
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, calendar_id) references sla_calendars (workspace_id, id)
    )`.execute(db);
  await sql`create index sla_policies_position_idx on sla_policies (workspace_id, position, id)`.execute(db);
  // Kept when a policy is deleted: old events still replay against them.
  await sql`
    create table sla_policy_versions (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      policy_id uuid not null,
      version integer not null,
      snapshot jsonb not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, policy_id, version)
    )`.execute(db);
  await sql`
    create table ticket_sla (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      ticket_id uuid not null,
      policy_id uuid,
      policy_version integer,
      next_seq integer not null default 1,
      status text not null default 'none',
      due_at timestamptz,
      next_due_at timestamptz,
      primary key (workspace_id, ticket_id)
    )`.execute(db);
  await sql`create index ticket_sla_policy_idx on ticket_sla (workspace_id, policy_id, ticket_id)`.execute(
    db,
  );
  await sql`create index ticket_sla_next_due_idx on ticket_sla (next_due_at) where next_due_at is not null`.execute(
    db,
  );
  await sql`
    create table ticket_sla_events (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      ticket_id uuid not null,
      seq integer not null,
      at timestamptz not null,
      kind text not null check (kind in ('created', 'status', 'priority', 'reply', 'customer', 'policy')),
      data jsonb not null default '{}',
      primary key (workspace_id, ticket_id, seq)
    )`.execute(db);
  await sql`
    create table sla_clocks (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      ticket_id uuid not null,
      metric text not null check (metric in ('first_response', 'next_response', 'resolution')),
      policy_id uuid not null,
      state text not null check (state in ('running', 'paused', 'met', 'stopped', 'cancelled')),
      consumed_ms bigint not null,
      target_ms bigint not null,
      deadline timestamptz,
      warn_at timestamptz,
      warned_at timestamptz,
      breached_at timestamptz,
      breach_reason text,
      met_at timestamptz,
      cycle integer not null default 1,
      computed_at timestamptz not null,
      primary key (workspace_id, ticket_id, metric)
    )`.execute(db);

  for (const table of [
    'sla_calendars',
    'sla_policies',
    'sla_policy_versions',
    'ticket_sla',
    'ticket_sla_events',
    'sla_clocks',
  ]) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }

  // The sweep's view across workspaces: tickets whose next warning or deadline has passed, ids only.
  await sql`
    create function rabita_sla_due(p_before timestamptz, p_limit integer)
    returns table (workspace_id uuid, ticket_id uuid)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select s.workspace_id, s.ticket_id from ticket_sla s
      where s.next_due_at is not null and s.next_due_at <= p_before
      order by s.next_due_at
      limit least(p_limit, 1000)
    $$`.execute(db);
  await sql`revoke all on function rabita_sla_due(timestamptz, integer) from public`.execute(db);
  await sql`grant execute on function rabita_sla_due(timestamptz, integer) to rabita_app`.execute(db);
  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions -> 'actions', '[]'::jsonb) || '["service.sla.manage"]'::jsonb)
    where key = 'admin' and not coalesce(permissions -> 'actions', '[]'::jsonb) ? 'service.sla.manage'`.execute(
    db,
  );
}
