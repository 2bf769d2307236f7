import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `workflows-0002-inbound-hooks`: a workflow's inbound webhook secret (sealed with the server's secret key, never
 * stored in clear, never shown again after it is made). Its signature is checked on every inbound call.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table workflows add column hook_secret text`.execute(db);
}
