import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0013-returns`: a return ticket's return — its state (requested → approved → received → inspected →
 * refunded | replaced | rejected), its lines (product, order reference, quantity, reason code), each line's
 * photos (kept in the database like the knowledge base's attachments) and every state change (who, when, note).
 * The SLA log learns the `hold` event: a return awaiting its item pauses the ticket's clocks.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table ticket_returns (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      ticket_id uuid not null,
      state text not null default 'requested'
        check (state in ('requested', 'approved', 'received', 'inspected', 'refunded', 'replaced', 'rejected')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (workspace_id, ticket_id)
    )`.execute(db);
  await sql`
    create table ticket_return_lines (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      ticket_id uuid not null,
      position integer not null,
      product text not null,
      order_ref text,
      quantity integer not null check (quantity between 1 and 100000),
      reason_code text not null,
      note text,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, ticket_id) references ticket_returns (workspace_id, ticket_id) on delete cascade
    )`.execute(db);
  await sql`create index ticket_return_lines_ticket on ticket_return_lines (workspace_id, ticket_id, position)`.execute(
    db,
  );
  await sql`
    create table ticket_return_photos (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      line_id uuid not null,
      filename text not null,
      content_type text not null,
      size integer not null,
      content bytea not null,
      created_by uuid references users (id) on delete set null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      foreign key (workspace_id, line_id) references ticket_return_lines (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`create index ticket_return_photos_line on ticket_return_photos (workspace_id, line_id, created_at)`.execute(
    db,
  );
  await sql`
    create table ticket_return_events (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      ticket_id uuid not null,
      from_state text not null,
      to_state text not null,
      note text,
      user_id uuid references users (id) on delete set null,
      created_at timestamptz not null default clock_timestamp(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index ticket_return_events_ticket on ticket_return_events (workspace_id, ticket_id, created_at desc, id desc)`.execute(
    db,
  );
  for (const table of [
    'ticket_returns',
    'ticket_return_lines',
    'ticket_return_photos',
    'ticket_return_events',
  ]) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
  await sql`alter table ticket_sla_events drop constraint ticket_sla_events_kind_check`.execute(db);
  await sql`
    alter table ticket_sla_events add constraint ticket_sla_events_kind_check
    check (kind in ('created', 'status', 'priority', 'reply', 'customer', 'policy', 'hold'))`.execute(db);
}
