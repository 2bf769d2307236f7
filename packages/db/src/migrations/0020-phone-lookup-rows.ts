import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// A phone number belongs to one record, or a few: say so to the planner. With PostgreSQL's default guess for a set
// returning function (1,000 rows) the search's join of the lookup to the search documents became a hash join over
// every document of the workspace (a workspace of 60,000 documents: 30 ms for a number instead of 1 ms), which a
// contact centre pays on every incoming call.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter function rabita_records_by_phone(text, text, integer) rows 3`.execute(db);
}
