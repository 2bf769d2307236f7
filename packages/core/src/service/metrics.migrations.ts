import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0008-metrics`: the indexes the desk's resolution metrics read by — tickets by when they were resolved,
 * and a requester's tickets by when they were opened (a repeat contact within days of a resolution).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index tickets_resolved_idx on tickets (workspace_id, resolved_at)
    where resolved_at is not null and deleted_at is null`.execute(db);
  await sql`
    create index tickets_requester_created_idx on tickets (workspace_id, requester_id, created_at)
    where deleted_at is null`.execute(db);
}
