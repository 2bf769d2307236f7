import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Search, tier 1, in the prefix index's own order. The index on `left(content, 200)` uses text_pattern_ops, which
// orders text by bytes (`~<~`), while a plain ORDER BY uses the database's collation: PostgreSQL then read every
// title starting with the query and sorted them to keep 60 (a common first name at a million people: thousands of
// rows, 60-70 ms). Ordered `using ~<~`, the index scan itself is in order and stops after the page.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create or replace function rabita_search_prefix(p_objects text[], p_prefix text, p_limit integer)
    returns table (object_key text, record_id uuid, title text, subtitle text, score float8)
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    begin
      -- EXECUTE plans with the values known, so the LIKE prefix becomes an index range.
      return query execute
        'select d.object_key, d.record_id, d.title, d.subtitle, 0.95::float8
         from search_documents d
         where d.workspace_id = rabita_current_workspace() and d.object_key = any($1)
           and left(d.content, 200) like $2
         order by left(d.content, 200) using ~<~, d.record_id
         limit least($3, 1000)'
        using p_objects, p_prefix, p_limit;
    end
    $$`.execute(db);
}
