import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0010-lead-capacity`: how many open leads a member may hold before the assignment rules pass them over.
 * A rule's own limit for a member lives in the pool's jsonb (`capacity`, nothing to migrate); the person's default
 * for every rule is `assignment_capacity`, one row a member once set, row-level security like every tenant table.
 * Each assignment counts its pool's open leads (not deleted, status neither converted nor disqualified) by owner:
 * `leads_open_owner_idx` holds exactly those leads, by owner, so the count reads a few index pages, never the
 * closed leads of the years before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table assignment_capacity (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      user_id uuid not null references users (id) on delete cascade,
      capacity integer not null check (capacity between 0 and 10000),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, user_id)
    )`.execute(db);
  await sql`alter table assignment_capacity enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on assignment_capacity
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on assignment_capacity to rabita_app`.execute(db);
  await sql`
    create index leads_open_owner_idx on leads (workspace_id, owner_id, id)
    where deleted_at is null and status <> all ('{converted,disqualified}'::text[])`.execute(db);
}
