import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Deals counted and summed per (pipeline, stage, owner, currency), kept by statement triggers on deals, so the
// pipeline's totals and "deals by stage and owner" read a few hundred rows instead of aggregating every deal on
// every request (500,000 deals: 200-270 ms of hashing per request, seconds when eight arrive at once). Live deals
// only; `amounts` counts the deals that have an amount, so a sum over none stays null. The amount's scale (its
// digits after the point) is part of the key, so a sum read from the totals has the scale a sum over the deals
// would have (the largest among them) even after the deal that brought it was removed: exact decimals, same text. Like the activity links
// it lives in `rabita_derived`, which backups leave out: restoring the deals rebuilds it.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table rabita_derived.deal_totals (
      workspace_id uuid not null references public.workspaces (id) on delete cascade,
      pipeline_id uuid,
      stage_id uuid,
      owner_id uuid,
      currency text,
      scale integer,
      deals bigint not null,
      amounts bigint not null,
      amount numeric not null
    )`.execute(db);
  await sql`
    create unique index deal_totals_key on rabita_derived.deal_totals
      (workspace_id, pipeline_id, stage_id, owner_id, currency, scale) nulls not distinct`.execute(db);
  await sql`
    insert into rabita_derived.deal_totals
    select workspace_id, pipeline_id, stage_id, owner_id, amount_currency, scale(amount_value),
           count(*), count(amount_value), coalesce(sum(amount_value), 0)
    from deals where deleted_at is null
    group by 1, 2, 3, 4, 5, 6`.execute(db);
  await sql`alter table rabita_derived.deal_totals enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on rabita_derived.deal_totals
    using (workspace_id = rabita_current_workspace())`.execute(db);
  // Written only by the triggers (as the owner): the application reads the totals, it never makes them.
  await sql`grant select on rabita_derived.deal_totals to rabita_app`.execute(db);

  // Each statement's change, netted per key and applied in key order (so two statements never take the same
  // rows' locks in opposite orders): +1 for each live new row, -1 for each live old row.
  const apply = (rows: string) => `
    insert into rabita_derived.deal_totals as t
      (workspace_id, pipeline_id, stage_id, owner_id, currency, scale, deals, amounts, amount)
    select workspace_id, pipeline_id, stage_id, owner_id, currency, scale(amount_value),
           sum(sign), sum(sign * (amount_value is not null)::int), coalesce(sum(sign * amount_value), 0)
    from (${rows}) d
    group by 1, 2, 3, 4, 5, 6
    having sum(sign) <> 0 or sum(sign * (amount_value is not null)::int) <> 0
        or coalesce(sum(sign * amount_value), 0) <> 0
    order by 1, 2, 3, 4, 5, 6
    on conflict (workspace_id, pipeline_id, stage_id, owner_id, currency, scale) do update
      set deals = t.deals + excluded.deals, amounts = t.amounts + excluded.amounts,
          amount = t.amount + excluded.amount;`;
  const live = (table: string, sign: number) =>
    `select workspace_id, pipeline_id, stage_id, owner_id, amount_currency as currency, amount_value, ${sign} as sign
     from ${table} where deleted_at is null`;
  const trigger = async (name: string, body: string) => {
    await sql
      .raw(`
        create function rabita_derived.${name}() returns trigger
        language plpgsql security definer set search_path = public, pg_temp
        as $$ begin ${body} return null; end $$`)
      .execute(db);
    await sql.raw(`revoke all on function rabita_derived.${name}() from public`).execute(db);
  };
  await trigger('deal_totals_inserted', apply(live('new_rows', 1)));
  await trigger('deal_totals_updated', apply(`${live('new_rows', 1)} union all ${live('old_rows', -1)}`));
  // A hard delete only takes away from totals that exist: when a workspace is deleted its totals may already be
  // gone in the same cascade, and an insert would then name a workspace that no longer exists.
  await trigger(
    'deal_totals_deleted',
    `update rabita_derived.deal_totals t
       set deals = t.deals - d.deals, amounts = t.amounts - d.amounts, amount = t.amount - d.amount
     from (select workspace_id, pipeline_id, stage_id, owner_id, amount_currency as currency,
                  scale(amount_value) as scale, count(*) as deals, count(amount_value) as amounts,
                  coalesce(sum(amount_value), 0) as amount
           from old_rows where deleted_at is null group by 1, 2, 3, 4, 5, 6) d
     where t.workspace_id = d.workspace_id and t.pipeline_id is not distinct from d.pipeline_id
       and t.stage_id is not distinct from d.stage_id and t.owner_id is not distinct from d.owner_id
       and t.currency is not distinct from d.currency and t.scale is not distinct from d.scale;`,
  );
  await sql`
    create trigger deal_totals_inserted after insert on deals
    referencing new table as new_rows
    for each statement execute function rabita_derived.deal_totals_inserted()`.execute(db);
  await sql`
    create trigger deal_totals_updated after update on deals
    referencing old table as old_rows new table as new_rows
    for each statement execute function rabita_derived.deal_totals_updated()`.execute(db);
  await sql`
    create trigger deal_totals_deleted after delete on deals
    referencing old table as old_rows
    for each statement execute function rabita_derived.deal_totals_deleted()`.execute(db);
}
