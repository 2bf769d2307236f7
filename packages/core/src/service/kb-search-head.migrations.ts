import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `service-0017-kb-search-head`: KB search through its indexes. A translation's "head" for ranking results, a small tsvector of its folded
 * title (weight A) and the first 600 characters of its folded body (weight B). Matching still reads the whole text
 * (`search`, through its GIN index); ranking a common word's thousands of matches by their whole text meant
 * detoasting every match's full tsvector, most of a search's time (bench/service-speed.ts, docs/PERFORMANCE.md). The
 * head stays small enough to be stored inline with the row. Existing rows are filled with the same folding in SQL
 * (`rabita_fold`, migration 0021), which the application's `normalizeText` mirrors.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Kept in the row (storage `main`): the body and the whole tsvector are compressed or moved out first.
  await sql`alter table kb_translations add column search_head tsvector`.execute(db);
  await sql`alter table kb_translations alter column search_head set storage main`.execute(db);
  await sql`
    update kb_translations set search_head =
      setweight(to_tsvector((case when locale = 'en' then 'english' else 'simple' end)::regconfig, title_folded), 'A')
      || setweight(to_tsvector((case when locale = 'en' then 'english' else 'simple' end)::regconfig,
        rabita_fold(left(body, 600))), 'B')`.execute(db);
  await sql`alter table kb_translations alter column search_head set not null`.execute(db);

  // Under row-level security PostgreSQL uses an index only for leakproof operators, and `@@` and `<%` are not: as the
  // application's role a search read every translation of the workspace and its whole tsvector (migration 0013 explains
  // the same for record search). This runs the match as the table's owner, through the GIN indexes, confined to the
  // caller's workspace (none outside a workspace transaction). Words first: the translations holding them, ranked by
  // the head's word frequencies (`ts_rank`, title words weighing most; the cover density of `ts_rank_cd` cost ten times
  // as much over a thousand matches), scored 1–2. Then, only when fewer than `p_enough` were found, titles within
  // trigram reach of the query (a typo; at 0.45 a one-letter typo in a short Persian or Arabic word still shares about
  // half its trigrams), scored by likeness below 1, so after every match by words. Each pass ranks at most
  // `p_candidates` (≤ 5,000) matches.
  await sql`
    create function rabita_kb_matches(p_en tsquery, p_simple tsquery, p_folded text, p_published boolean,
                                      p_locale text, p_exclude uuid, p_candidates integer, p_enough integer)
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
         where t.workspace_id = rabita_current_workspace()
           and (t.search @@ $1 or t.search @@ $2)
           and (not $3 or t.status = ''published'')
           and ($4::text is null or t.locale = $4)
           and ($5::uuid is null or t.article_id <> $5)
         limit least($6, 5000)'
        using p_en, p_simple, p_published, p_locale, p_exclude, p_candidates;
      get diagnostics by_words = row_count;
      if by_words < p_enough then
        return query execute
          'select t.article_id, t.locale, word_similarity($1, t.title_folded)::float8
           from kb_translations t
           where t.workspace_id = rabita_current_workspace()
             and $1 <% t.title_folded
             and not (coalesce(t.search @@ $2, false) or coalesce(t.search @@ $3, false))
             and (not $4 or t.status = ''published'')
             and ($5::text is null or t.locale = $5)
             and ($6::uuid is null or t.article_id <> $6)
           limit least($7, 5000)'
          using p_folded, p_en, p_simple, p_published, p_locale, p_exclude, p_candidates;
      end if;
    end
    $$`.execute(db);
  await sql`revoke all on function rabita_kb_matches(tsquery, tsquery, text, boolean, text, uuid, integer, integer)
    from public`.execute(db);
  await sql`grant execute on function rabita_kb_matches(tsquery, tsquery, text, boolean, text, uuid, integer, integer)
    to rabita_app`.execute(db);
}
