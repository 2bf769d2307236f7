import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0009-csat`: the desk's survey settings, and one satisfaction survey per resolution of a ticket (its
 * `cycle` is the ticket's reopen count when resolved): scheduled, sent with a sealed link,
 * answered once, or cancelled, expired or skipped (no address or mailbox to send it with).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table service_survey_settings (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      csat_enabled boolean not null default false,
      csat_delay_minutes integer not null default 60,
      csat_expiry_days integer not null default 7,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table ticket_surveys (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      ticket_id uuid not null,
      cycle integer not null,
      status text not null check (status in ('scheduled', 'sent', 'answered', 'cancelled', 'expired', 'skipped')),
      reason text,
      rating smallint check (rating between 1 and 5),
      comment text,
      send_at timestamptz not null,
      sent_at timestamptz,
      expires_at timestamptz,
      answered_at timestamptz,
      follow_up_task_id uuid,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, ticket_id, cycle)
    )`.execute(db);
  await sql`create index ticket_surveys_answered on ticket_surveys (workspace_id, answered_at) where rating is not null`.execute(
    db,
  );
  for (const table of ['service_survey_settings', 'ticket_surveys']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
