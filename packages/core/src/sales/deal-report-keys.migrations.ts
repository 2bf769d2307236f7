import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0016-deal-report-keys`: live deals' plain keys in one small index — status, stage, forecast category,
 * owner, pipeline — so a report or dashboard widget grouping deals by any of them (and one counting them under
 * "own records only", which narrows by owner) reads the index alone instead of the whole table. Its entries repeat
 * a few hundred key combinations, which the index stores once each with their rows' positions (deduplication):
 * 3.8 MB for 500,000 deals where the table is 126 MB; a twelve-widget dashboard reads four of its widgets this way
 * (docs/PERFORMANCE.md, Reports). Every column is already in another index of deals, so an update that changes
 * none of them stays a heap-only update; an insert writes one more index entry.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index deals_report_keys_idx on deals (workspace_id, status, stage_id, forecast_category, owner_id, pipeline_id)
      where deleted_at is null`.execute(db);
}
