import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0010-wrap-up-labels`: a wrap-up code's label in each of the app's languages. `labels` is an object of
 * locale (`en`, `ar`, `fa`) → text beside `label`, which stays the default: what a reader sees in a language the
 * code has no label in. On the workspace's codes and on queues' own; the codes kept before have none (`{}`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['call_wrap_up_codes', 'call_queue_wrap_up_codes'])
    await sql`
      alter table ${sql.id(table)}
        add column labels jsonb not null default '{}'::jsonb
          constraint ${sql.id(`${table}_labels_check`)} check (jsonb_typeof(labels) = 'object')`.execute(db);
}
