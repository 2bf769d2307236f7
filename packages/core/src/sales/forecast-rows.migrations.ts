import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0018-forecast-rows`: the forecast as records — per fiscal period (those with quotas, and the current
 * quarter) a row per person, per team and the total: quota, closed won, commit, best case, pipeline, weighted
 * pipeline and attainment, in the workspace's currency, as the forecast screen computes them (`forecastNumbers`).
 * Kept by the sales module (`forecastRows`, read through the record engine), so forecast against quota is a report
 * like any other. `forecast_rows_state` marks a workspace whose rows are due a refresh: the first change since
 * the last refresh sets `dirty_since`, and the refresh job runs a minute after it at the latest.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table forecast_rows (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      period text not null,
      period_kind text not null,
      period_start date not null,
      period_end date not null,
      kind text not null check (kind in ('user', 'team', 'total')),
      -- The person's or team's id; the total's is the nil id (a key has no nulls).
      subject_id uuid not null,
      owner_id uuid,
      name text not null default '',
      quota numeric(20, 4),
      closed_won numeric(20, 4) not null default 0,
      commit_amount numeric(20, 4) not null default 0,
      best_case numeric(20, 4) not null default 0,
      pipeline numeric(20, 4) not null default 0,
      weighted_pipeline numeric(20, 4) not null default 0,
      deals integer not null default 0,
      as_of timestamptz not null default now(),
      custom jsonb not null default '{}',
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      created_by uuid,
      deleted_at timestamptz,
      primary key (workspace_id, id),
      unique (workspace_id, period, kind, subject_id)
    )`.execute(db);
  await sql`create index forecast_rows_updated on forecast_rows (workspace_id, updated_at, id)`.execute(db);
  await sql`
    create table forecast_rows_state (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      dirty_since timestamptz
    )`.execute(db);
  for (const table of ['forecast_rows', 'forecast_rows_state']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
