import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Search: titles starting with the query, in title order, straight from an index (a search document's text
// begins with its folded title).

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index search_documents_prefix_idx
    on search_documents (workspace_id, left(content, 200) text_pattern_ops)`.execute(db);
}
