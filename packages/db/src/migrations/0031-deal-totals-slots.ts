import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// The deal totals of migration 0019 were one row per (pipeline, stage, owner, currency, scale): every new deal of
// one rep in the first stage updated the same row, so one rep's conversions (or an integration writing deals as one
// user) waited for each other's commits one by one (bench/sales-speed.ts: 48 of 50 samples waiting on that row).
// Each key now has up to eight rows, `slot` = the writing transaction's id modulo 8: transactions running at once
// have neighbouring ids, so they add to different rows, and readers add the rows of a key up (they already summed per group). A hard
// delete subtracts through the same path, into its own slot, and only while its workspace exists (when a workspace
// is deleted its totals may already be gone in the same cascade).

export const SLOTS = 8;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table rabita_derived.deal_totals add column slot smallint not null default 0`.execute(db);
  await sql`drop index rabita_derived.deal_totals_key`.execute(db);
  await sql`
    create unique index deal_totals_key on rabita_derived.deal_totals
      (workspace_id, pipeline_id, stage_id, owner_id, currency, scale, slot) nulls not distinct`.execute(db);

  const apply = (rows: string, where = '') => `
    insert into rabita_derived.deal_totals as t
      (workspace_id, pipeline_id, stage_id, owner_id, currency, scale, slot, deals, amounts, amount)
    select workspace_id, pipeline_id, stage_id, owner_id, currency, scale(amount_value), (pg_current_xact_id()::text::bigint % ${SLOTS})::smallint,
           sum(sign), sum(sign * (amount_value is not null)::int), coalesce(sum(sign * amount_value), 0)
    from (${rows}) d
    ${where}
    group by 1, 2, 3, 4, 5, 6, 7
    having sum(sign) <> 0 or sum(sign * (amount_value is not null)::int) <> 0
        or coalesce(sum(sign * amount_value), 0) <> 0
    order by 1, 2, 3, 4, 5, 6, 7
    on conflict (workspace_id, pipeline_id, stage_id, owner_id, currency, scale, slot) do update
      set deals = t.deals + excluded.deals, amounts = t.amounts + excluded.amounts,
          amount = t.amount + excluded.amount;`;
  const live = (table: string, sign: number) =>
    `select workspace_id, pipeline_id, stage_id, owner_id, amount_currency as currency, amount_value, ${sign} as sign
     from ${table} where deleted_at is null`;
  const replace = async (name: string, body: string) => {
    await sql
      .raw(`
        create or replace function rabita_derived.${name}() returns trigger
        language plpgsql security definer set search_path = public, pg_temp
        as $$ begin ${body} return null; end $$`)
      .execute(db);
  };
  await replace('deal_totals_inserted', apply(live('new_rows', 1)));
  await replace('deal_totals_updated', apply(`${live('new_rows', 1)} union all ${live('old_rows', -1)}`));
  await replace(
    'deal_totals_deleted',
    apply(live('old_rows', -1), 'where exists (select from public.workspaces w where w.id = d.workspace_id)'),
  );
}
