import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `records-0001-idempotency`: the answers to record creates sent with an `Idempotency-Key`, per workspace and
 * caller (a person or an API key) and key, with a fingerprint of the request they answered, for 24 hours. The
 * hourly purge reaches across workspaces through one `SECURITY DEFINER` function that only deletes expired rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table idempotency_keys (
      workspace_id uuid not null references workspaces (id) on delete cascade,
      caller text not null check (caller ~ '^(user|key):[0-9a-f-]{36}$'),
      key text not null check (length(key) between 1 and 255),
      fingerprint text not null,
      status integer,
      body text,
      created_at timestamptz not null default now(),
      primary key (workspace_id, caller, key)
    )`.execute(db);
  await sql`create index idempotency_keys_created on idempotency_keys (created_at)`.execute(db);
  await sql`alter table idempotency_keys enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on idempotency_keys
    using (workspace_id = rabita_current_workspace())
    with check (workspace_id = rabita_current_workspace())`.execute(db);
  await sql`grant select, insert, update, delete on idempotency_keys to rabita_app`.execute(db);
  await sql`
    create function rabita_purge_idempotency_keys(p_limit integer) returns integer
    language sql volatile security definer set search_path = public, pg_temp
    as $$
      with gone as (
        delete from idempotency_keys where ctid in (
          select ctid from idempotency_keys where created_at < now() - interval '24 hours'
          order by created_at limit least(p_limit, 10000))
        returning 1)
      select count(*)::integer from gone
    $$`.execute(db);
  await sql`revoke all on function rabita_purge_idempotency_keys(integer) from public`.execute(db);
  await sql`grant execute on function rabita_purge_idempotency_keys(integer) to rabita_app`.execute(db);
}
