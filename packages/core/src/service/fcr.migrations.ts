import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0015-fcr`: first-contact resolution as the agent and the customer say it — the agent's disposition on a
 * ticket (`fcr_disposition`: resolved at first contact, needed follow-up, or not applicable; null when not said),
 * and the customer's "was it resolved?" answer on a satisfaction survey (`resolved`: null when not answered).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // No check constraint: like any select, admins may add options, and the record engine checks values against them.
  await sql`alter table tickets add column fcr_disposition text`.execute(db);
  await sql`alter table ticket_surveys add column resolved boolean`.execute(db);
  await sql`
    create index ticket_surveys_resolved on ticket_surveys (workspace_id, ticket_id, cycle desc)
    where resolved is not null`.execute(db);
}
