import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

const HOMES = ['dashboard_homes', 'dashboard_team_homes', 'dashboard_person_homes'];

/**
 * `reports-0008-keys-led-by-workspace`: deleting a dashboard clears it from the role, team and person homes in a
 * row trigger instead of `ON DELETE SET NULL (dashboard_id)`, which a table sharded by `workspace_id` does not take
 * on a key that includes it (docs/ARCHITECTURE.md "Citus: keys and cleared columns"). The keys no longer act on
 * delete; the trigger has cleared them first.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function rabita_dashboard_deleted_clear_homes() returns trigger
    language plpgsql volatile set search_path = public, pg_temp
    as $$
    begin
      update dashboard_homes set dashboard_id = null where workspace_id = old.workspace_id and dashboard_id = old.id;
      update dashboard_team_homes set dashboard_id = null
        where workspace_id = old.workspace_id and dashboard_id = old.id;
      update dashboard_person_homes set dashboard_id = null
        where workspace_id = old.workspace_id and dashboard_id = old.id;
      return old;
    end
    $$`.execute(db);
  await sql`
    create trigger dashboards_clear_homes before delete on dashboards
    for each row execute function rabita_dashboard_deleted_clear_homes()`.execute(db);
  for (const table of HOMES) {
    const key = `${table}_workspace_id_dashboard_id_fkey`;
    await sql`
      alter table ${sql.table(table)}
        drop constraint ${sql.id(key)},
        add constraint ${sql.id(key)}
          foreign key (workspace_id, dashboard_id) references dashboards (workspace_id, id)`.execute(db);
  }
}
