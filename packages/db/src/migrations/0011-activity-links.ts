import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Activities linked to records of any object through custom relation fields: containment lookups on the
// `custom` document (`custom @> {"project": "…"}`) by index.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create index activities_custom_idx on activities using gin (custom jsonb_path_ops)`.execute(db);
}
