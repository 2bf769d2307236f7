import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `records-0002-idempotency-purge-by-key`: the hourly purge of expired idempotency keys deletes them by their
 * primary key instead of by `ctid`. Same signature, attributes and result (up to `p_limit`, at most 10,000, oldest
 * first); a Citus cluster cannot delete from a distributed table by `ctid` (a row's place on one shard says nothing
 * on the coordinator), and the key names the row on every node.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function rabita_purge_idempotency_keys(p_limit integer) returns integer
    language sql volatile security definer set search_path = public, pg_temp
    as $$
      with expired as materialized (
        select workspace_id, caller, key from idempotency_keys where created_at < now() - interval '24 hours'
        order by created_at limit least(p_limit, 10000)),
      gone as (
        delete from idempotency_keys k using expired e
        where k.workspace_id = e.workspace_id and k.caller = e.caller and k.key = e.key
        returning 1)
      select count(*)::integer from gone
    $$`.execute(db);
  await sql`revoke all on function rabita_purge_idempotency_keys(integer) from public`.execute(db);
  await sql`grant execute on function rabita_purge_idempotency_keys(integer) to rabita_app`.execute(db);
}
