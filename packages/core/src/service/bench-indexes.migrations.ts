import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0016-bench-indexes`: the inbox's views read by time left from `tickets_inbox_sla_idx`, which holds every
 * ticket; the done ones (most of a desk's history, without a deadline) sort among the open ones without one, so a
 * view whose tickets have no deadline (pending: the clocks are paused) walked past nearly all of them (measured by
 * bench/service-speed.ts, docs/PERFORMANCE.md "Service desk"). These two hold only the tickets a view can show:
 * those not done (every view but pending) and those waiting (pending). Their conditions are written exactly as
 * the list API compiles the views' status filters (`not in` resolved, closed; `in` the three waiting statuses),
 * so the planner proves a query's filter implies them.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index tickets_inbox_open_idx on tickets (workspace_id, sla_due_at, created_at, id)
    where deleted_at is null
      and coalesce(not coalesce(status = any('{resolved,closed}'::text[]), false), false)`.execute(db);
  await sql`
    create index tickets_inbox_pending_idx on tickets (workspace_id, sla_due_at, created_at, id)
    where deleted_at is null
      and coalesce(status = any('{pending_customer,pending_third_party,on_hold}'::text[]), false)`.execute(
    db,
  );
}
