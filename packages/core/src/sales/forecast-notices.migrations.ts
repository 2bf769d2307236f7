import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `sales-0012-forecast-notices`: what a kept forecast is made of announces its changes. The sales tables a forecast
 * reads besides deals and stages (rates, settings, quotas, adjustments, submissions) notify `rabita_sales` with the
 * writing workspace's id once per statement, delivered when the transaction commits (deals and stages announce
 * themselves through their record events). Also: the deal history by close date, for the forecast as it stood at
 * the start of a period (accuracy), and pending re-assignments by workspace, so the check made on every lead,
 * activity and task write stays one index probe however many other workspaces have some pending.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function rabita_sales_changed() returns trigger language plpgsql as $$
    begin
      perform pg_notify('rabita_sales', coalesce(rabita_current_workspace()::text, ''));
      return null;
    end $$`.execute(db);
  for (const table of [
    'exchange_rates',
    'forecast_settings',
    'forecast_quotas',
    'forecast_adjustments',
    'forecast_submissions',
  ])
    await sql`
      create trigger ${sql.id(`${table}_changed`)} after insert or update or delete on ${sql.table(table)}
        for each statement execute function rabita_sales_changed()`.execute(db);

  await sql`
    create index deal_history_close_date on deal_history (workspace_id, close_date, at)
      where close_date is not null`.execute(db);
  await sql`
    create index lead_assignments_reassign_pending on lead_assignments (workspace_id)
      where reassign_due_at is not null`.execute(db);
}
