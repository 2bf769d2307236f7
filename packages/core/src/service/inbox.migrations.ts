import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0010-inbox-indexes`: the agents' inbox lists tickets by time left to breach, then by age
 * (`sort=slaDueAt,createdAt`). This index gives that whole order (nulls last, as the list API sorts), so every
 * inbox view is read in order and stops after its page; `tickets_sla_due_idx` (sla_due_at, id) left ties and the
 * many tickets without a deadline to an incremental sort that read the whole tie group.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index tickets_inbox_sla_idx on tickets (workspace_id, sla_due_at, created_at, id)
    where deleted_at is null`.execute(db);
}
