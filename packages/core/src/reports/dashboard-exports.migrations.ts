import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `reports-0005-dashboard-exports`: a dashboard exported as PDF is an export like a report's — the same job, the
 * same row with its file kept for a short time — so `report_exports` names either a saved report or a dashboard,
 * exactly one of them. Deleting the dashboard deletes its exports, as deleting a report does. (Print tokens already
 * name their kind, `dashboard` among them.)
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table report_exports alter column report_id drop not null`.execute(db);
  await sql`alter table report_exports add column dashboard_id uuid`.execute(db);
  await sql`
    alter table report_exports
      add constraint report_exports_dashboard foreign key (workspace_id, dashboard_id)
        references dashboards (workspace_id, id) on delete cascade,
      add constraint report_exports_one_target check (num_nonnulls(report_id, dashboard_id) = 1)`.execute(db);
  await sql`create index report_exports_dashboard on report_exports (workspace_id, dashboard_id)
    where dashboard_id is not null`.execute(db);
}
