import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0003-presence`: the agents' own choice of presence (available or away, and when they chose it) and each
 * connection's wrap-up time after a call. "On a call" and "wrap-up" are not stored: they are read from the calls
 * themselves (an answered or held call with the agent; the agent's last answered call ended less than the wrap-up
 * time ago), so presence cannot drift from the calls it describes. The indexes serve those two lookups per agent
 * and the supervisor wall (the live calls per connection; today's ended calls by their end time), each a b-tree
 * range under row-level security. Existing workspaces' built-in Admin and Manager roles get `calls.supervise`
 * (new workspaces from the manifest); custom roles are left as made.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table call_presence (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      choice text not null check (choice in ('available', 'away')),
      chosen_at timestamptz not null default now(),
      primary key (workspace_id, user_id)
    )`.execute(db);
  await sql`alter table call_presence enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on call_presence
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on call_presence to rabita_app`.execute(db);

  await sql`
    alter table call_connections
      add column wrap_up_seconds integer not null default 30 check (wrap_up_seconds between 0 and 3600)`.execute(
    db,
  );

  // An agent's call in progress (answered or on hold).
  await sql`
    create index calls_agent_live_idx on calls (workspace_id, agent_user_id)
    where state in ('answered', 'held')`.execute(db);
  // An agent's latest answered call that ended (the wrap-up after it).
  await sql`
    create index calls_agent_ended_idx on calls (workspace_id, agent_user_id, ended_at desc)
    where answered_at is not null and ended_at is not null`.execute(db);
  // The wall: calls not yet ended, per connection.
  await sql`
    create index calls_open_idx on calls (workspace_id, connection_id, state)
    where state <> 'ended'`.execute(db);
  // The wall: today's ended calls, by their end, with what the counts read.
  await sql`
    create index calls_ended_idx on calls (workspace_id, ended_at)
    include (connection_id, outcome, duration)
    where ended_at is not null`.execute(db);

  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions -> 'actions', '[]'::jsonb) || '["calls.supervise"]'::jsonb)
    where key in ('admin', 'manager') and not coalesce(permissions -> 'actions', '[]'::jsonb) ? 'calls.supervise'`.execute(
    db,
  );
}
