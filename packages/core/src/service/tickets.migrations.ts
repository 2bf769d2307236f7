import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0001-tickets`: the `tickets` record table (a standard object like deals: typed columns, `custom` for
 * admins' fields, soft delete), each workspace's ticket number counter, and the indexes the inbox and a person's
 * or company's tickets are read by. Row-level security like every tenant table.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table tickets (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      number bigint not null,
      subject text not null,
      description text,
      requester_id uuid,
      company_id uuid,
      channel text not null default 'api',
      status text not null default 'new',
      priority text not null default 'normal',
      type text,
      queue text,
      owner_id uuid,
      tags text[] not null default '{}',
      language text,
      deal_id uuid,
      resolved_at timestamptz,
      closed_at timestamptz,
      reopen_count integer not null default 0,
      custom jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      deleted_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, number)
    )`.execute(db);
  await sql`create index tickets_live_idx on tickets (workspace_id, id) where deleted_at is null`.execute(db);
  await sql`create index tickets_updated_idx on tickets (workspace_id, updated_at, id)`.execute(db);
  await sql`
    create index tickets_owner_status_idx on tickets (workspace_id, owner_id, status, id)
    where deleted_at is null`.execute(db);
  await sql`
    create index tickets_status_idx on tickets (workspace_id, status, id) where deleted_at is null`.execute(
    db,
  );
  await sql`create index tickets_requester_idx on tickets (workspace_id, requester_id)`.execute(db);
  await sql`create index tickets_company_idx on tickets (workspace_id, company_id)`.execute(db);

  // One row a workspace: the last number given. Taken with `update … returning` in the creating transaction, so
  // numbers are unique and a rolled-back create gives its number back.
  await sql`
    create table ticket_counters (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      last_number bigint not null default 0
    )`.execute(db);

  for (const table of ['tickets', 'ticket_counters']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
