import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0015-deal-money`: deals' amounts converted into the workspace's currency, kept per (pipeline, stage, owner,
 * currency, scale), so "deals by stage and owner, summed in the workspace's currency" reads a few hundred rows
 * instead of converting every deal (500,000 deals: 0.76 s of CPU per report).
 *
 * A deal converts at the latest rate on or before the civil day it was created on, in a time zone; the kept figures
 * use one zone per workspace (`deal_money_basis.time_zone`: the zone most of its members had when it was first
 * needed) and the currency the workspace had (`deal_money_basis.currency`). A report in another zone or currency
 * takes the general path. Three tables, all in `rabita_derived` (kept by triggers, left out of backups, rebuilt by
 * restoring what they derive from):
 *
 * - `deal_money_basis`: per workspace, the zone and currency of the kept figures. Every deal write takes it `for
 *   share` before it reads the rates; a rate change or a change of the workspace's currency takes it `for update`
 *   while it recomputes, so a deal written at the same time is converted at the rate that commits, never the one
 *   before it.
 * - `deal_money_days`: live deals' amounts (sum and how many) per key, currency, scale and creation day in the
 *   basis zone. Only what a rate change needs: which amounts a rate for a currency and a day applies to.
 * - `deal_money_totals`: per key, currency and scale, the converted sum (amount × rate, exact `numeric`), how many
 *   deals it holds (`convs`) and how many had an amount but no rate (`missing`). Deal writes add their change;
 *   a rate added, changed or removed recomputes that currency's rows from `deal_money_days` (one row per key and
 *   day, not per deal); a change of the workspace's currency recomputes all of them.
 *
 * Keys have up to eight rows, `slot` = the writing transaction's id modulo 8, as the deal totals (0031): one rep's
 * deals written at once do not wait on one row. Scale is a key as in 0019: a converted value's digits are the
 * amount's plus the rate's (12; none for the workspace's own currency, which converts at 1), so a sum read from
 * these rows has the scale a sum over the deals would have.
 */
export const SLOTS = 8;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table rabita_derived.deal_money_basis (
      workspace_id uuid primary key references public.workspaces (id) on delete cascade,
      time_zone text not null,
      currency text not null
    )`.execute(db);
  await sql`
    create table rabita_derived.deal_money_days (
      workspace_id uuid not null references public.workspaces (id) on delete cascade,
      currency text,
      day date not null,
      pipeline_id uuid,
      stage_id uuid,
      owner_id uuid,
      scale integer not null,
      slot smallint not null,
      amounts bigint not null,
      amount numeric not null
    )`.execute(db);
  await sql`
    create unique index deal_money_days_key on rabita_derived.deal_money_days
      (workspace_id, currency, day, pipeline_id, stage_id, owner_id, scale, slot) nulls not distinct`.execute(
    db,
  );
  await sql`
    create table rabita_derived.deal_money_totals (
      workspace_id uuid not null references public.workspaces (id) on delete cascade,
      currency text,
      pipeline_id uuid,
      stage_id uuid,
      owner_id uuid,
      scale integer not null,
      slot smallint not null,
      convs bigint not null,
      missing bigint not null,
      converted numeric not null
    )`.execute(db);
  await sql`
    create unique index deal_money_totals_key on rabita_derived.deal_money_totals
      (workspace_id, currency, pipeline_id, stage_id, owner_id, scale, slot) nulls not distinct`.execute(db);
  for (const table of ['deal_money_basis', 'deal_money_days', 'deal_money_totals']) {
    await sql`alter table ${sql.table(`rabita_derived.${table}`)} enable row level security`.execute(db);
    await sql`
      create policy tenant_isolation on ${sql.table(`rabita_derived.${table}`)}
      using (workspace_id = rabita_current_workspace())`.execute(db);
    // Written only by the triggers (as the owner): the application reads the figures, it never makes them.
    await sql`grant select on ${sql.table(`rabita_derived.${table}`)} to rabita_app`.execute(db);
  }

  const definer = async (signature: string, returns: string, language: string, body: string) => {
    await sql
      .raw(`
        create function rabita_derived.${signature} returns ${returns}
        language ${language} security definer set search_path = public, pg_temp
        as $fn$ ${body} $fn$`)
      .execute(db);
    await sql.raw(`revoke all on function rabita_derived.${signature} from public`).execute(db);
  };

  // One unit of a currency in the basis currency on a day: as the sales module's `rateOn` (sales/rate-lookup.ts)
  // computes it inside a report — 1 (scale 0) for the basis currency itself, else the latest rate on or before the
  // day, null when there is none.
  await definer(
    'deal_money_rate(ws uuid, base text, cur text, on_day date)',
    'numeric',
    'sql stable',
    `select case when cur = base then 1::numeric else (
       select e.rate from exchange_rates e
       where e.workspace_id = ws and e.currency = cur and e.on_date <= on_day
       order by e.on_date desc limit 1) end`,
  );

  // A workspace's converted totals for some currencies (all when null) recomputed from its days and the rates now.
  await definer(
    'deal_money_recompute(ws uuid, currencies text[])',
    'void',
    'plpgsql',
    `declare
       b rabita_derived.deal_money_basis;
     begin
       select * into b from rabita_derived.deal_money_basis where workspace_id = ws;
       if not found then return; end if;
       delete from rabita_derived.deal_money_totals t
       where t.workspace_id = ws and (currencies is null or t.currency = any(currencies));
       -- The rates first, once per (currency, day), kept apart (a function call the planner could otherwise repeat
       -- per row of a nested loop); joined back by hash (no null currency: '' stands for it, which has no rate).
       with r as materialized (
         select x.currency, x.day, rabita_derived.deal_money_rate(ws, b.currency, x.currency, x.day) as rate
         from (select distinct currency, day from rabita_derived.deal_money_days
               where workspace_id = ws and (currencies is null or currency = any(currencies))) x
       )
       insert into rabita_derived.deal_money_totals
         (workspace_id, currency, pipeline_id, stage_id, owner_id, scale, slot, convs, missing, converted)
       select ws, d.currency, d.pipeline_id, d.stage_id, d.owner_id, d.scale, 0,
              coalesce(sum(d.amounts) filter (where r.rate is not null), 0),
              coalesce(sum(d.amounts) filter (where r.rate is null), 0),
              coalesce(sum(d.amount * r.rate) filter (where r.rate is not null), 0)
       from rabita_derived.deal_money_days d
       left join r on coalesce(r.currency, '') = coalesce(d.currency, '') and r.day = d.day
       where d.workspace_id = ws and (currencies is null or d.currency = any(currencies))
       group by d.currency, d.pipeline_id, d.stage_id, d.owner_id, d.scale
       having sum(d.amounts) <> 0 or sum(d.amount) <> 0;
     end;`,
  );

  // Everything of a workspace rebuilt from its deals, in a zone (the migration, and a change of zone).
  await definer(
    'deal_money_rebuild(ws uuid, zone text)',
    'void',
    'plpgsql',
    `begin
       insert into rabita_derived.deal_money_basis as b (workspace_id, time_zone, currency)
       select w.id, zone, w.default_currency from public.workspaces w where w.id = ws
       on conflict (workspace_id) do update set time_zone = excluded.time_zone, currency = excluded.currency;
       perform 1 from rabita_derived.deal_money_basis where workspace_id = ws for update;
       delete from rabita_derived.deal_money_days where workspace_id = ws;
       insert into rabita_derived.deal_money_days
         (workspace_id, currency, day, pipeline_id, stage_id, owner_id, scale, slot, amounts, amount)
       select ws, amount_currency, (created_at at time zone zone)::date, pipeline_id, stage_id, owner_id,
              scale(amount_value), 0, count(*), sum(amount_value)
       from deals
       where workspace_id = ws and deleted_at is null and amount_value is not null
       group by 2, 3, 4, 5, 6, 7;
       perform rabita_derived.deal_money_recompute(ws, null);
     end;`,
  );

  // The zone a workspace's figures are kept in when none is yet: the one most of its members use (UTC for none).
  await definer(
    'deal_money_zone(ws uuid)',
    'text',
    'sql stable',
    `select coalesce((select mode() within group (order by u.time_zone)
                      from memberships m join users u on u.id = m.user_id where m.workspace_id = ws), 'UTC')`,
  );

  // A deals statement's change: per changed live deal with an amount, +1 for new rows and -1 for old ones, into the
  // days and, converted at the rate of its day, into the totals. Workspaces without a basis get one first (inserts
  // and updates; a delete only takes away from what is kept, and only while its workspace exists).
  const apply = (rows: string, makeBasis: boolean) => `
    ${
      makeBasis
        ? `insert into rabita_derived.deal_money_basis (workspace_id, time_zone, currency)
    select w.id, rabita_derived.deal_money_zone(w.id), w.default_currency
    from public.workspaces w where w.id in (select workspace_id from (${rows}) c)
      and not exists (select from rabita_derived.deal_money_basis b where b.workspace_id = w.id)
    order by w.id
    on conflict (workspace_id) do nothing;`
        : ''
    }
    perform 1 from rabita_derived.deal_money_basis b
    where b.workspace_id in (select workspace_id from (${rows}) c)
    order by b.workspace_id for share;
    with d as (
      select c.workspace_id, c.currency, (c.created_at at time zone b.time_zone)::date as day, c.pipeline_id,
             c.stage_id, c.owner_id, scale(c.amount_value) as scale, b.currency as base,
             sum(c.sign) as amounts, sum(c.sign * c.amount_value) as amount
      from (${rows}) c
      join rabita_derived.deal_money_basis b on b.workspace_id = c.workspace_id
      where c.amount_value is not null
        and exists (select from public.workspaces w where w.id = c.workspace_id)
      group by 1, 2, 3, 4, 5, 6, 7, 8
      having sum(c.sign) <> 0 or sum(c.sign * c.amount_value) <> 0
    ), days as (
      insert into rabita_derived.deal_money_days as t
        (workspace_id, currency, day, pipeline_id, stage_id, owner_id, scale, slot, amounts, amount)
      select workspace_id, currency, day, pipeline_id, stage_id, owner_id, scale,
             (pg_current_xact_id()::text::bigint % ${SLOTS})::smallint, amounts, amount
      from d order by 1, 2, 3, 4, 5, 6, 7
      on conflict (workspace_id, currency, day, pipeline_id, stage_id, owner_id, scale, slot) do update
        set amounts = t.amounts + excluded.amounts, amount = t.amount + excluded.amount
    ), r as materialized (
      -- Each (currency, day) rate looked up once, kept apart, joined back by hash ('' for no currency: no rate).
      select x.workspace_id, x.currency, x.day,
             rabita_derived.deal_money_rate(x.workspace_id, x.base, x.currency, x.day) as rate
      from (select distinct workspace_id, base, currency, day from d) x
    ), rated as (
      select d.*, r.rate
      from d join r on r.workspace_id = d.workspace_id and coalesce(r.currency, '') = coalesce(d.currency, '')
        and r.day = d.day
    )
    insert into rabita_derived.deal_money_totals as t
      (workspace_id, currency, pipeline_id, stage_id, owner_id, scale, slot, convs, missing, converted)
    select workspace_id, currency, pipeline_id, stage_id, owner_id, scale,
           (pg_current_xact_id()::text::bigint % ${SLOTS})::smallint,
           coalesce(sum(amounts) filter (where rate is not null), 0),
           coalesce(sum(amounts) filter (where rate is null), 0),
           coalesce(sum(amount * rate) filter (where rate is not null), 0)
    from rated
    group by 1, 2, 3, 4, 5, 6
    order by 1, 2, 3, 4, 5, 6
    on conflict (workspace_id, currency, pipeline_id, stage_id, owner_id, scale, slot) do update
      set convs = t.convs + excluded.convs, missing = t.missing + excluded.missing,
          converted = t.converted + excluded.converted;`;
  const live = (table: string, sign: number) =>
    `select workspace_id, amount_currency as currency, created_at, pipeline_id, stage_id, owner_id, amount_value,
            ${sign} as sign
     from ${table} where deleted_at is null`;
  const trigger = async (name: string, body: string) => {
    await definer(`${name}()`, 'trigger', 'plpgsql', `begin ${body} return null; end;`);
  };
  await trigger('deal_money_inserted', apply(live('new_rows', 1), true));
  await trigger(
    'deal_money_updated',
    apply(`${live('new_rows', 1)} union all ${live('old_rows', -1)}`, true),
  );
  await trigger('deal_money_deleted', apply(live('old_rows', -1), false));
  await sql`
    create trigger deal_money_inserted after insert on deals
    referencing new table as new_rows
    for each statement execute function rabita_derived.deal_money_inserted()`.execute(db);
  await sql`
    create trigger deal_money_updated after update on deals
    referencing old table as old_rows new table as new_rows
    for each statement execute function rabita_derived.deal_money_updated()`.execute(db);
  await sql`
    create trigger deal_money_deleted after delete on deals
    referencing old table as old_rows
    for each statement execute function rabita_derived.deal_money_deleted()`.execute(db);

  // A rate added, changed or removed: the currencies it names recomputed in each workspace that keeps figures
  // (the basis currency's own rates change nothing: it converts at 1).
  const rates = (rows: string) => `
    declare
      c record;
    begin
      for c in
        select x.workspace_id, array_agg(distinct x.currency) as currencies
        from (${rows}) x
        join rabita_derived.deal_money_basis b on b.workspace_id = x.workspace_id and b.currency <> x.currency
        group by x.workspace_id order by x.workspace_id
      loop
        perform 1 from rabita_derived.deal_money_basis where workspace_id = c.workspace_id for update;
        perform rabita_derived.deal_money_recompute(c.workspace_id, c.currencies);
      end loop;
      return null;
    end;`;
  await definer(
    'deal_money_rates_inserted()',
    'trigger',
    'plpgsql',
    rates('select workspace_id, currency from new_rows'),
  );
  await definer(
    'deal_money_rates_updated()',
    'trigger',
    'plpgsql',
    rates(`select workspace_id, currency from new_rows union all
           select workspace_id, currency from old_rows`),
  );
  await definer(
    'deal_money_rates_deleted()',
    'trigger',
    'plpgsql',
    rates('select workspace_id, currency from old_rows'),
  );
  await sql`
    create trigger deal_money_rates_inserted after insert on exchange_rates
    referencing new table as new_rows
    for each statement execute function rabita_derived.deal_money_rates_inserted()`.execute(db);
  await sql`
    create trigger deal_money_rates_updated after update on exchange_rates
    referencing old table as old_rows new table as new_rows
    for each statement execute function rabita_derived.deal_money_rates_updated()`.execute(db);
  await sql`
    create trigger deal_money_rates_deleted after delete on exchange_rates
    referencing old table as old_rows
    for each statement execute function rabita_derived.deal_money_rates_deleted()`.execute(db);

  // The workspace's currency changed: every figure is in another currency now.
  await definer(
    'deal_money_rebased()',
    'trigger',
    'plpgsql',
    `begin
       update rabita_derived.deal_money_basis set currency = new.default_currency where workspace_id = new.id;
       perform rabita_derived.deal_money_recompute(new.id, null);
       return null;
     end;`,
  );
  await sql`
    create trigger deal_money_rebased after update of default_currency on workspaces
    for each row when (old.default_currency is distinct from new.default_currency)
    execute function rabita_derived.deal_money_rebased()`.execute(db);

  // Every existing workspace, in the zone most of its members use.
  await sql`select rabita_derived.deal_money_rebuild(w.id, rabita_derived.deal_money_zone(w.id)) from workspaces w`.execute(
    db,
  );
}
