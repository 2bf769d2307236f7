import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0005-adapters`: what a connection needs to reach its phone system or to check it — `settings` (host,
 * port, user, URLs: nothing secret) and `adapter_secret` (the AMI secret, ARI password or Twilio auth token, sealed
 * like the HMAC secret). The worker keeps one AMI/ARI client per connection across all workspaces, so one
 * owner-run function lists those connections (ids, type and a version that moves with every change) and nothing
 * else; their settings are then read under row-level security in their workspace.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table call_connections
      add column settings jsonb not null default '{}',
      add column adapter_secret text`.execute(db);
  await sql`
    create function rabita_call_adapter_connections()
    returns table (workspace_id uuid, connection_id uuid, type text, version text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select c.workspace_id, c.id, c.type, c.updated_at::text from call_connections c
      where c.type in ('asterisk-ami', 'asterisk-ari')
      order by c.id
      limit 10000
    $$`.execute(db);
  await sql`revoke all on function rabita_call_adapter_connections() from public`.execute(db);
  await sql`grant execute on function rabita_call_adapter_connections() to rabita_app`.execute(db);
}
