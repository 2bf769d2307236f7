import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0014-nps`: net promoter score surveys. The workspace's NPS settings; relationship campaigns (people
 * matching a filter, surveyed at a time and again every N months); one survey per person per campaign run, or per
 * resolution of a ticket (transactional); and the throttle, one row per person and kind holding when they were last
 * surveyed — claimed with a conditional upsert, so two jobs at once never survey one person twice in a window.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table nps_settings (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      transactional_enabled boolean not null default false,
      transactional_delay_minutes integer not null default 60,
      relationship_throttle_months integer not null default 6,
      transactional_throttle_days integer not null default 90,
      expiry_days integer not null default 14,
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`
    create table nps_campaigns (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      name text not null,
      filter jsonb,
      owner_user_id uuid not null,
      first_run_at timestamptz not null,
      repeat_months integer check (repeat_months between 1 and 24),
      next_run_at timestamptz,
      active boolean not null default true,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`
    create table nps_runs (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      campaign_id uuid not null,
      run_at timestamptz not null,
      status text not null check (status in ('running', 'done')),
      finished_at timestamptz,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, campaign_id, run_at),
      foreign key (workspace_id, campaign_id) references nps_campaigns (workspace_id, id) on delete cascade
    )`.execute(db);
  await sql`
    create table nps_surveys (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      kind text not null check (kind in ('relationship', 'transactional')),
      person_id uuid not null,
      run_id uuid,
      ticket_id uuid,
      cycle integer,
      owner_user_id uuid,
      status text not null check (status in ('scheduled', 'sent', 'answered', 'cancelled', 'skipped')),
      reason text,
      score smallint check (score between 0 and 10),
      comment text,
      send_at timestamptz not null,
      sent_at timestamptz,
      expires_at timestamptz,
      answered_at timestamptz,
      follow_up_task_id uuid,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id),
      unique (workspace_id, run_id, person_id),
      unique (workspace_id, ticket_id, cycle),
      check ((kind = 'relationship') = (run_id is not null)),
      check ((kind = 'transactional') = (ticket_id is not null and cycle is not null))
    )`.execute(db);
  await sql`create index nps_surveys_person on nps_surveys (workspace_id, person_id, created_at desc)`.execute(
    db,
  );
  await sql`create index nps_surveys_sent on nps_surveys (workspace_id, kind, sent_at) where sent_at is not null`.execute(
    db,
  );
  await sql`
    create table nps_throttle (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      person_id uuid not null,
      kind text not null check (kind in ('relationship', 'transactional')),
      last_sent_at timestamptz not null,
      survey_id uuid not null,
      primary key (workspace_id, person_id, kind)
    )`.execute(db);
  for (const table of ['nps_settings', 'nps_campaigns', 'nps_runs', 'nps_surveys', 'nps_throttle']) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(table)} to rabita_app`.execute(db);
  }
}
