import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0012-complaints`: complaints and returns as ticket types. The desk's case settings (complaint
 * categories, root causes, return reason codes, the acknowledgement and final-response deadlines in calendar days
 * and the time zone whose days count), one complaint's details per ticket (category, root cause, compensation),
 * and the tickets' two complaint deadlines, stamped when a ticket is or becomes a complaint. The admin role gets
 * `service.cases.manage` (the settings) and `service.returns.decide` (approving, refunding, replacing, rejecting).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tickets add column complaint_ack_due_at timestamptz`.execute(db);
  await sql`alter table tickets add column complaint_response_due_at timestamptz`.execute(db);
  await sql`
    create table service_case_settings (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      ack_days integer not null default 2 check (ack_days between 0 and 365),
      response_days integer not null default 14 check (response_days between 0 and 365),
      time_zone text not null default 'UTC',
      categories text[] not null default '{}',
      root_causes text[] not null default '{}',
      reason_codes text[] not null default '{}',
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table ticket_complaints (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      ticket_id uuid not null,
      category text,
      root_cause text,
      compensation_amount numeric(14, 2) check (compensation_amount >= 0),
      compensation_currency char(3),
      compensation_note text,
      updated_by uuid references users (id) on delete set null,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, ticket_id)
    )`.execute(db);
  for (const table of ['service_case_settings', 'ticket_complaints']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  for (const action of ['service.cases.manage', 'service.returns.decide'])
    await sql`
      update roles set permissions = jsonb_set(permissions, '{actions}',
        coalesce(permissions -> 'actions', '[]'::jsonb) || jsonb_build_array(${action}::text))
      where key = 'admin' and not coalesce(permissions -> 'actions', '[]'::jsonb) ? ${action}`.execute(db);
}
