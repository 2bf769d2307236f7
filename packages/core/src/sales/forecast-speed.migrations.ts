import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0013-forecast-speed`: the stage totals get up to eight rows per key, one per writer's slot (the writing
 * transaction's id modulo 8, as the deal totals of platform migration 0031): one rep's new deals no longer wait on
 * each other's commits for the same row; readers add a key's rows up. And the forecast's sums read the period's
 * won and open deals from one index holding every column they need (an index-only scan), by status first: the
 * period's lost deals (often the most) are never touched. The index by close date stays for the drill-down's
 * pages in close-date order.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table deal_stage_totals add column slot smallint not null default 0`.execute(db);
  await sql`alter table deal_stage_totals drop constraint deal_stage_totals_pkey`.execute(db);
  await sql`
    alter table deal_stage_totals add primary key (workspace_id, pipeline_id, stage_id, owner_id, status, slot)`.execute(
    db,
  );
  await sql`
    create index deals_forecast_idx on deals (workspace_id, status, expected_close_date)
      include (owner_id, forecast_category, amount_value, amount_currency, stage_id, pipeline_id, id)
      where deleted_at is null`.execute(db);
}
