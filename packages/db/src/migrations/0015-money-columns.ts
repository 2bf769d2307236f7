import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Money kept in typed columns beside its jsonb (`{amount, currency}`), so sums and filters read a numeric and a
// text column instead of parsing jsonb, and a covering index answers "deals by stage and owner" with an
// index-only scan. Every standard money column `x` gets `x_value` (numeric, exact) and `x_currency`; deals
// already had `amount_value`.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table deals
      add column amount_currency text generated always as (amount ->> 'currency') stored`.execute(db);
  await sql`
    alter table companies
      add column annual_revenue_value numeric generated always as ((annual_revenue ->> 'amount')::numeric) stored,
      add column annual_revenue_currency text generated always as (annual_revenue ->> 'currency') stored`.execute(
    db,
  );
  // The pipeline's totals and the group-by report: one index entry per live deal holds every column they read.
  await sql`
    create index deals_stage_owner_amount_idx on deals (workspace_id, stage_id, owner_id)
      include (amount_value, amount_currency) where deleted_at is null`.execute(db);
}
