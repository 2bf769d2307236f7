import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0009-keys-led-by-workspace`: every unique key of a tenant table includes `workspace_id`, so the table can
 * be sharded by it (docs/ARCHITECTURE.md "Citus: keys and cleared columns"). A connection's id (a UUID) and its
 * phone system key's hash (of a 256-bit key) were unique alone; each is now unique with its workspace, led by the
 * value, so `rabita_call_connection` finds a connection by either before its workspace is known, as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop index call_connections_key_idx`.execute(db);
  await sql`
    create unique index call_connections_key_idx on call_connections (api_key_hash, workspace_id)
    where api_key_hash is not null`.execute(db);
  await sql`drop index call_connections_id_idx`.execute(db);
  await sql`create unique index call_connections_id_idx on call_connections (id, workspace_id)`.execute(db);
}
