import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0020-keys-led-by-workspace`: every unique key of a tenant table includes `workspace_id`, so the table
 * can be sharded by it (docs/ARCHITECTURE.md "Citus: keys and cleared columns"). A knowledge base site's public id
 * (22 random URL-safe characters) was unique alone; it is now unique with its workspace, led by the id, so
 * `rabita_kb_workspace` finds the site's workspace from the id as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index kb_sites_public_id`.execute(db);
  await sql`create unique index kb_sites_public_id on kb_sites (public_id, workspace_id)`.execute(db);
}
