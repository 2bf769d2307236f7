import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0024-inbox-by-owner`: the inbox's Mine (`owner = me`, not done) read the open tickets in deadline order
 * from `tickets_inbox_open_idx` (service-0016) and dropped every other agent's until it had a page of the agent's:
 * about 3,000 rows read for 50 at 1,000,000 tickets with 50 agents, and more as a desk has more agents. The list API
 * now compiles a user field's `eq` and `in` as a comparison of the stored uuid, which an index can range over, so
 * these two indexes give each order of the view (time left, and priority then time left) for one owner, under the
 * same condition as service-0016's and service-0018's open indexes (written exactly as the API compiles the status
 * filter, so the planner proves the view's filter implies it).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index tickets_inbox_owner_open_idx on tickets (workspace_id, owner_id, sla_due_at, created_at, id)
    where deleted_at is null
      and coalesce(not coalesce(status = any('{resolved,closed}'::text[]), false), false)`.execute(db);
  await sql`
    create index tickets_inbox_owner_priority_open_idx
      on tickets (workspace_id, owner_id, priority_rank desc, sla_due_at, created_at, id)
    where deleted_at is null
      and coalesce(not coalesce(status = any('{resolved,closed}'::text[]), false), false)`.execute(db);
}
