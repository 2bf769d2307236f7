import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0021-satisfaction`: a ticket keeps its requester's satisfaction rating (1–5, from the latest answered
 * survey of its current resolution), so reports, lists and filters read it like any field — the CSAT metric is a
 * report over tickets. Filled from the surveys already answered.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table tickets add column satisfaction smallint check (satisfaction between 1 and 5)`.execute(
    db,
  );
  // The latest answered survey of each ticket, joined on the workspace (the tables' shared key, also on a cluster).
  await sql`
    update tickets as t set satisfaction = s.rating
    from (
      select distinct on (workspace_id, ticket_id) workspace_id, ticket_id, rating
      from ticket_surveys
      where status = 'answered' and rating is not null
      order by workspace_id, ticket_id, cycle desc, answered_at desc
    ) as s
    where t.workspace_id = s.workspace_id and t.id = s.ticket_id`.execute(db);
}
