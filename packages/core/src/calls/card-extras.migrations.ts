import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0006-card-extras`: what the call card adds after the wrap-up — the report (a complaint or return ticket)
 * opened from the call and the workflow run it started, the self-service links sent (kept on the call, newest last,
 * at most 20), a promise to pay (amount, currency, due date); the workspace's self-service URL (used when its
 * knowledge base publishes no help centre); and the log the log-only SMS adapter keeps instead of sending.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table calls
      add column report_ticket_id uuid,
      add column report_type text check (report_type in ('complaint', 'return')),
      add column report_run_id uuid,
      add column self_service jsonb not null default '[]'::jsonb,
      add column promise_amount numeric(18, 2) check (promise_amount > 0),
      add column promise_currency text check (promise_currency ~ '^[A-Z]{3}$'),
      add column promise_due_on date,
      add constraint calls_promise_check check ((promise_amount is null) = (promise_due_on is null)
        and (promise_amount is null) = (promise_currency is null))`.execute(db);
  await sql`
    create table call_desk_settings (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      self_service_url text,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table call_sms_log (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      call_id uuid,
      to_number text not null,
      body text not null,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  for (const table of ['call_desk_settings', 'call_sms_log']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
