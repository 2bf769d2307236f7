import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0008-forecast`: a workspace's fiscal calendar and forecast probability (`forecast_settings`), quotas per
 * person or team and period (`forecast_quotas`), managers' adjustments kept as history (`forecast_adjustments`) and
 * people's own submitted numbers (`forecast_submissions`). Adjustments and submissions are append-only: the
 * application's role may only add and read them, and a trigger refuses an update, delete or truncate from anyone
 * except the cascade of deleting the whole workspace. Periods are kept by key (`1405-Q1`) in the workspace's fiscal
 * calendar. An index on deals by expected close date serves the forecast's one read of a period's deals. Row-level
 * security like every tenant table. Existing workspaces' admin and manager roles get `sales.forecast.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table forecast_settings (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      calendar text not null check (calendar in ('gregorian', 'persian', 'islamic-umalqura')),
      start_month smallint not null check (start_month between 1 and 12),
      probability text not null check (probability in ('stage', 'history')),
      updated_by uuid,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table forecast_quotas (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      period text not null check (length(period) <= 16),
      subject_kind text not null check (subject_kind in ('user', 'team')),
      subject_id uuid not null,
      amount numeric(20, 4) not null check (amount >= 0),
      updated_by uuid,
      updated_at timestamptz not null default now(),
      primary key (workspace_id, period, subject_kind, subject_id)
    )`.execute(db);
  await sql`
    create table forecast_adjustments (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      seq bigint generated always as identity,
      period text not null check (length(period) <= 16),
      subject_kind text not null check (subject_kind in ('user', 'team')),
      subject_id uuid not null,
      category text not null check (category in ('commit', 'bestCase')),
      amount numeric(20, 4) check (amount >= 0),
      note text not null default '' check (length(note) <= 2000),
      by_user_id uuid,
      at timestamptz not null default now(),
      primary key (workspace_id, seq)
    )`.execute(db);
  await sql`
    create index forecast_adjustments_subject
      on forecast_adjustments (workspace_id, period, subject_kind, subject_id, seq)`.execute(db);
  await sql`
    create table forecast_submissions (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      seq bigint generated always as identity,
      period text not null check (length(period) <= 16),
      user_id uuid not null,
      commit_amount numeric(20, 4) not null check (commit_amount >= 0),
      best_case_amount numeric(20, 4) not null check (best_case_amount >= 0),
      note text not null default '' check (length(note) <= 2000),
      at timestamptz not null default now(),
      primary key (workspace_id, seq)
    )`.execute(db);
  await sql`
    create index forecast_submissions_user on forecast_submissions (workspace_id, period, user_id, seq)`.execute(
    db,
  );
  await sql`
    create function forecast_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and not exists (select from workspaces w where w.id = old.workspace_id) then
        return old;
      end if;
      raise exception '% is append-only: rows are never updated or deleted', tg_table_name
        using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  for (const table of ['forecast_adjustments', 'forecast_submissions']) {
    await sql`
      create trigger ${sql.id(`${table}_append_only`)} before update or delete on ${sql.table(table)}
        for each row execute function forecast_append_only()`.execute(db);
    await sql`
      create trigger ${sql.id(`${table}_no_truncate`)} before truncate on ${sql.table(table)}
        for each statement execute function forecast_append_only()`.execute(db);
  }
  for (const table of [
    'forecast_settings',
    'forecast_quotas',
    'forecast_adjustments',
    'forecast_submissions',
  ]) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
  }
  await sql`grant select, insert, update, delete on forecast_settings, forecast_quotas to rabita_app`.execute(
    db,
  );
  await sql`grant select, insert on forecast_adjustments, forecast_submissions to rabita_app`.execute(db);

  // A period's deals by their expected close date (the forecast, its drill-down, accuracy and velocity).
  await sql`
    create index deals_close_date_idx on deals (workspace_id, expected_close_date, owner_id)
      where deleted_at is null`.execute(db);

  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions->'actions', '[]'::jsonb) || '["sales.forecast.manage"]'::jsonb)
    where key in ('admin', 'manager')
      and not coalesce(permissions->'actions', '[]'::jsonb) ? 'sales.forecast.manage'`.execute(db);
}
