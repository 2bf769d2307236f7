import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `webhooks-0001-due-targets`: the worker finds which targets (webhooks) have a delivery due, one row per target
 * (its first due delivery), leaving out targets it is already sending to, so one busy receiver with thousands of
 * due deliveries cannot crowd the others out of a batch. Like `rabita_due_webhook_deliveries` it runs as the
 * table's owner across workspaces and tells the worker only keys.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function rabita_due_webhook_targets(p_limit integer, p_busy uuid[])
    returns table (workspace_id uuid, webhook_id uuid)
    language sql stable security definer set search_path = public, pg_temp
    as $$
      select h.workspace_id, h.webhook_id from (
        select distinct on (d.workspace_id, d.webhook_id) d.workspace_id, d.webhook_id, d.next_attempt_at
        from webhook_deliveries d
        where d.status = 'pending' and d.next_attempt_at <= now() and d.webhook_id <> all(p_busy)
        order by d.workspace_id, d.webhook_id, d.next_attempt_at
      ) h
      order by h.next_attempt_at
      limit p_limit
    $$`.execute(db);
  await sql`revoke all on function rabita_due_webhook_targets(integer, uuid[]) from public`.execute(db);
  await sql`grant execute on function rabita_due_webhook_targets(integer, uuid[]) to rabita_app`.execute(db);
}
