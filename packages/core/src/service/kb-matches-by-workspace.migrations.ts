import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0023-kb-matches-by-workspace`: the knowledge base's matches (`rabita_kb_matches`, `service-0017`) take the
 * workspace as their first argument, `p_workspace`, and answer nothing unless it is the transaction's
 * (`rabita_current_workspace()`, checked in each statement itself, so the argument grants nothing and the function
 * runs to its end). Same statements, indexes, scores and limits.
 *
 * For a Citus cluster, where the Citus step distributes every function whose first argument is `p_workspace uuid` by
 * it: a search calls it inside a query that Citus routes to the workspace's shard, where the old function, reading
 * `kb_translations` again, was refused ("cannot execute a distributed query from a query on a shard"), so every
 * knowledge base search answered 500 there. Named by its workspace, the call is run whole on the workspace's worker.
 * One PostgreSQL runs it as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop function rabita_kb_matches(tsquery, tsquery, text, boolean, text, uuid, integer, integer)`.execute(
    db,
  );
  await sql`
    create function rabita_kb_matches(p_workspace uuid, p_en tsquery, p_simple tsquery, p_folded text,
                                      p_published boolean, p_locale text, p_exclude uuid, p_candidates integer,
                                      p_enough integer)
    returns table (article_id uuid, locale text, score float8)
    language plpgsql stable security definer set search_path = public, pg_temp
    set pg_trgm.word_similarity_threshold = 0.45
    as $$
    declare
      by_words integer;
    begin
      return query execute
        'select t.article_id, t.locale, (1 + ts_rank(t.search_head, coalesce($1 || $2, $1, $2), 32))::float8
         from kb_translations t
         where t.workspace_id = $7 and $7 = rabita_current_workspace()
           and (t.search @@ $1 or t.search @@ $2)
           and (not $3 or t.status = ''published'')
           and ($4::text is null or t.locale = $4)
           and ($5::uuid is null or t.article_id <> $5)
         limit least($6, 5000)'
        using p_en, p_simple, p_published, p_locale, p_exclude, p_candidates, p_workspace;
      get diagnostics by_words = row_count;
      if by_words < p_enough then
        return query execute
          'select t.article_id, t.locale, word_similarity($1, t.title_folded)::float8
           from kb_translations t
           where t.workspace_id = $8 and $8 = rabita_current_workspace()
             and $1 <% t.title_folded
             and not (coalesce(t.search @@ $2, false) or coalesce(t.search @@ $3, false))
             and (not $4 or t.status = ''published'')
             and ($5::text is null or t.locale = $5)
             and ($6::uuid is null or t.article_id <> $6)
           limit least($7, 5000)'
          using p_folded, p_en, p_simple, p_published, p_locale, p_exclude, p_candidates, p_workspace;
      end if;
    end
    $$`.execute(db);
  await sql`revoke all on function rabita_kb_matches(uuid, tsquery, tsquery, text, boolean, text, uuid, integer,
    integer) from public`.execute(db);
  await sql`grant execute on function rabita_kb_matches(uuid, tsquery, tsquery, text, boolean, text, uuid, integer,
    integer) to rabita_app`.execute(db);
}
