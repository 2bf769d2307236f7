import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0004-deal-history`: a deal's forecast category (and a stage's, which it follows by default), the reason
 * a deal was won or lost and the competitor it was lost to; the append-only `deal_history`; the admins' lists of
 * win and loss reasons; the sales settings (is a reason required). Row-level security like every tenant table.
 * Existing deals get their category from their stage, one `baseline` history row each and their measures (in
 * their current stage since now), so what is computed from the history has a starting point. The stage totals that
 * statistics read are kept from then on by the sales module's history subscriber. Existing workspaces' admin roles get `sales.reasons.manage`.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const categories = sql`('pipeline', 'best_case', 'commit', 'closed', 'omitted')`;
  await sql`
    alter table stages
      add column forecast_category text check (forecast_category in ${categories})`.execute(db);
  await sql`
    alter table deals
      add column forecast_category text check (forecast_category in ${categories}),
      add column close_reason text,
      add column competitor text,
      add column competitor_company_id uuid`.execute(db);
  await sql`
    update deals d set forecast_category = case s.kind when 'won' then 'closed' when 'lost' then 'omitted'
      else 'pipeline' end
    from stages s where s.workspace_id = d.workspace_id and s.id = d.stage_id`.execute(db);

  // One row per write that changed a tracked field, holding the deal's tracked values after it (for what is
  // computed from the history) and the changed fields' old and new values (for what is shown).
  await sql`
    create table deal_history (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      seq bigint generated always as identity,
      deal_id uuid not null,
      at timestamptz not null default now(),
      kind text not null check (kind in ('created', 'updated', 'baseline')),
      changes jsonb not null,
      pipeline_id uuid,
      stage_id uuid,
      status text,
      amount_value numeric,
      amount_currency text,
      close_date date,
      owner_id uuid,
      forecast_category text,
      actor_user_id uuid,
      actor_api_key_id uuid,
      source text not null,
      cause jsonb,
      primary key (workspace_id, seq)
    )`.execute(db);
  // A deal's history newest first (its page and its stage visits).
  await sql`create index deal_history_deal on deal_history (workspace_id, deal_id, seq)`.execute(db);
  // Never rewritten: the application's role may only add and read rows, and a trigger refuses an update or a
  // delete from anyone — except the cascade of deleting the whole workspace.
  await sql`
    create function deal_history_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'DELETE' and not exists (select from workspaces w where w.id = old.workspace_id) then
        return old;
      end if;
      raise exception 'deal_history is append-only: rows are never updated or deleted'
        using errcode = 'insufficient_privilege';
    end $$`.execute(db);
  await sql`
    create trigger deal_history_append_only before update or delete on deal_history
      for each row execute function deal_history_append_only()`.execute(db);
  await sql`
    create trigger deal_history_no_truncate before truncate on deal_history
      for each statement execute function deal_history_append_only()`.execute(db);

  await sql`
    create table deal_reasons (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      id uuid not null,
      kind text not null check (kind in ('won', 'lost')),
      label jsonb not null,
      position integer not null default 0,
      archived boolean not null default false,
      created_at timestamptz not null default now(),
      primary key (workspace_id, id)
    )`.execute(db);
  await sql`create index deal_reasons_kind on deal_reasons (workspace_id, kind, position)`.execute(db);
  await sql`
    create table sales_settings (
      workspace_id uuid primary key references workspaces (id) on delete cascade,
      require_won_reason boolean not null default false,
      require_lost_reason boolean not null default false,
      updated_at timestamptz not null default now()
    )`.execute(db);

  // What stage statistics read, kept up to date from each write's history in its transaction: a deal's tracked
  // state now (`deal_measures`, with its close-date slippage), each stage it was ever in with its ended visits
  // (`deal_stage_reach`), and per pipeline, stage, current owner (the nil uuid for none) and current status the
  // live deals that reached the stage and their ended visits (`deal_stage_totals`), so statistics read a few rows
  // per stage whatever the number of deals; and per pipeline and current owner the live deals whose close date
  // slipped (`deal_slip_totals`).
  await sql`
    create table deal_measures (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      deal_id uuid not null,
      pipeline_id uuid,
      stage_id uuid,
      entered_at timestamptz,
      owner_id uuid not null,
      status text not null,
      close_date date,
      live boolean not null,
      pushes integer not null default 0,
      slip_days integer not null default 0,
      primary key (workspace_id, deal_id)
    )`.execute(db);
  await sql`
    create table deal_slip_totals (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      pipeline_id uuid not null,
      owner_id uuid not null,
      deals integer not null,
      pushes integer not null,
      days integer not null,
      primary key (workspace_id, pipeline_id, owner_id)
    )`.execute(db);
  await sql`
    create table deal_stage_reach (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      deal_id uuid not null,
      stage_id uuid not null,
      pipeline_id uuid,
      visits integer not null,
      completed integer not null,
      seconds numeric not null,
      primary key (workspace_id, deal_id, stage_id)
    )`.execute(db);
  await sql`
    create table deal_stage_totals (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      pipeline_id uuid not null,
      stage_id uuid not null,
      owner_id uuid not null,
      status text not null,
      reached integer not null,
      completed integer not null,
      seconds numeric not null,
      primary key (workspace_id, pipeline_id, stage_id, owner_id, status)
    )`.execute(db);

  for (const table of [
    'deal_history',
    'deal_reasons',
    'sales_settings',
    'deal_measures',
    'deal_stage_reach',
    'deal_stage_totals',
    'deal_slip_totals',
  ]) {
    await sql`alter table ${sql.table(table)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(table)}
      using (workspace_id = rabita_current_workspace())
      with check (workspace_id = rabita_current_workspace())`.execute(db);
  }
  await sql`grant select, insert on deal_history to rabita_app`.execute(db);
  await sql`
    grant select, insert, update, delete
    on deal_reasons, sales_settings, deal_measures, deal_stage_reach, deal_stage_totals, deal_slip_totals
    to rabita_app`.execute(db);

  await sql`
    insert into deal_history (workspace_id, deal_id, at, kind, changes, pipeline_id, stage_id, status,
      amount_value, amount_currency, close_date, owner_id, forecast_category, source)
    select workspace_id, id, now(), 'baseline', '{}'::jsonb, pipeline_id, stage_id, status, amount_value,
      amount_currency, expected_close_date, owner_id, forecast_category, 'system'
    from deals where deleted_at is null order by workspace_id, created_at, id`.execute(db);
  await sql`
    insert into deal_measures (workspace_id, deal_id, pipeline_id, stage_id, entered_at, owner_id, status,
      close_date, live)
    select workspace_id, id, pipeline_id, stage_id, case when stage_id is not null then now() end,
      coalesce(owner_id, '00000000-0000-0000-0000-000000000000'), status, expected_close_date, deleted_at is null
    from deals`.execute(db);
  await sql`
    insert into deal_stage_reach (workspace_id, deal_id, stage_id, pipeline_id, visits, completed, seconds)
    select workspace_id, deal_id, stage_id, pipeline_id, 1, 0, 0 from deal_measures where stage_id is not null`.execute(
    db,
  );
  await sql`
    insert into deal_stage_totals (workspace_id, pipeline_id, stage_id, owner_id, status, reached, completed, seconds)
    select workspace_id, pipeline_id, stage_id, owner_id, status, count(*), 0, 0 from deal_measures
    where stage_id is not null and pipeline_id is not null and live
    group by workspace_id, pipeline_id, stage_id, owner_id, status`.execute(db);

  await sql`
    update roles set permissions = jsonb_set(permissions, '{actions}',
      coalesce(permissions->'actions', '[]'::jsonb) || jsonb_build_array('sales.reasons.manage'::text))
    where key = 'admin' and not coalesce(permissions->'actions', '[]'::jsonb) ? 'sales.reasons.manage'`.execute(
    db,
  );
}
