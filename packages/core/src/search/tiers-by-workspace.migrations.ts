import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `search-0001-tiers-by-workspace`: the three search tiers (migrations 0013 and 0018) take the workspace as their
 * first argument, `p_workspace`, and answer nothing unless it is the transaction's (`rabita_current_workspace()`,
 * checked in the statement itself, so the argument grants nothing). Same statements, indexes, order and limits.
 * `rabita_phone_records` is `rabita_records_by_phone` (0013) in the same form, for a cluster's search by phone.
 *
 * For a Citus cluster, where the Citus step distributes every function whose first argument is `p_workspace uuid`
 * by it: a call is run whole on the workspace's worker, so each tier reads one shard instead of asking every shard
 * of `search_documents` (the setting is not a value Citus can route by), and it is a call on the transaction's own
 * connection, which may follow the other lookups run there (`records-0003`). One PostgreSQL runs them as before.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`drop function rabita_search_prefix(text[], text, integer)`.execute(db);
  await sql`drop function rabita_search_contains(text[], text, text, text, integer, integer)`.execute(db);
  await sql`drop function rabita_search_near(text[], text, integer, integer)`.execute(db);

  // Tier 1: titles starting with the folded query, in the prefix index's own (byte) order.
  await sql`
    create function rabita_search_prefix(p_workspace uuid, p_objects text[], p_prefix text, p_limit integer)
    returns table (object_key text, record_id uuid, title text, subtitle text, score float8)
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    begin
      -- EXECUTE plans with the values known, so the LIKE prefix becomes an index range.
      return query execute
        'select d.object_key, d.record_id, d.title, d.subtitle, 0.95::float8
         from search_documents d
         where d.workspace_id = $4 and $4 = rabita_current_workspace() and d.object_key = any($1)
           and left(d.content, 200) like $2
         order by left(d.content, 200) using ~<~, d.record_id
         limit least($3, 1000)'
        using p_objects, p_prefix, p_limit, p_workspace;
    end
    $$`.execute(db);

  // Tier 2: the query anywhere in the folded text, spaced or spaceless, a bounded number ranked.
  await sql`
    create function rabita_search_contains(p_workspace uuid, p_objects text[], p_folded text, p_contains text,
                                           p_compact text, p_candidates integer, p_limit integer)
    returns table (object_key text, record_id uuid, title text, subtitle text, score float8)
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    begin
      return query execute
        'select c.object_key, c.record_id, c.title, c.subtitle, c.score from (
           select d.object_key, d.record_id, d.title, d.subtitle, d.updated_at,
             (case
               when position($2 in d.content) = 1 then 0.95
               when position($2 in d.content) between 1 and length(d.title) then 0.85
               when position($2 in d.content) > 0 then 0.7
               else 0.6 end)::float8 as score
           from search_documents d
           where d.workspace_id = $7 and $7 = rabita_current_workspace() and d.object_key = any($1)
             and (d.content like $3 or d.compact like $4)
           limit least($5, 5000)
         ) c
         order by c.score desc, c.updated_at desc, c.record_id
         limit least($6, 1000)'
        using p_objects, p_folded, p_contains, p_compact, p_candidates, p_limit, p_workspace;
    end
    $$`.execute(db);

  // Tier 3: near words (small typos) by trigram word similarity.
  await sql`
    create function rabita_search_near(p_workspace uuid, p_objects text[], p_folded text, p_candidates integer,
                                       p_limit integer)
    returns table (object_key text, record_id uuid, title text, subtitle text, score float8)
    language plpgsql stable security definer set search_path = public, pg_temp
    set pg_trgm.word_similarity_threshold = 0.5
    as $$
    begin
      return query execute
        'select c.object_key, c.record_id, c.title, c.subtitle, c.score from (
           select d.object_key, d.record_id, d.title, d.subtitle, d.updated_at,
             (word_similarity($2, d.content) * 0.6)::float8 as score
           from search_documents d
           where d.workspace_id = $5 and $5 = rabita_current_workspace() and d.object_key = any($1)
             and $2 <% d.content
           limit least($3, 5000)
         ) c
         order by c.score desc, c.updated_at desc, c.record_id
         limit least($4, 1000)'
        using p_objects, p_folded, p_candidates, p_limit, p_workspace;
    end
    $$`.execute(db);

  // The live records holding a phone number (E.164), as `rabita_records_by_phone` finds them, for a cluster's
  // search by phone (called apart from the documents' read there; one PostgreSQL keeps the old one in its join).
  await sql`
    create function rabita_phone_records(p_workspace uuid, p_table text, p_e164 text, p_limit integer)
    returns setof uuid
    language plpgsql stable security definer set search_path = public, pg_temp
    rows 3
    as $$
    begin
      if p_workspace is null or p_workspace is distinct from rabita_current_workspace() then
        return;
      end if;
      if p_table not in ('people', 'companies', 'leads') then
        raise exception 'rabita: no phone column on %', p_table;
      end if;
      return query execute format(
        'select id from %I where workspace_id = $3 and deleted_at is null
           and phone_numbers @> array[$1]::text[] limit $2', p_table)
        using p_e164, least(p_limit, 1000), p_workspace;
    end
    $$`.execute(db);

  for (const signature of [
    'rabita_phone_records(uuid, text, text, integer)',
    'rabita_search_prefix(uuid, text[], text, integer)',
    'rabita_search_contains(uuid, text[], text, text, text, integer, integer)',
    'rabita_search_near(uuid, text[], text, integer, integer)',
  ]) {
    await sql.raw(`revoke all on function ${signature} from public`).execute(db);
    await sql.raw(`grant execute on function ${signature} to rabita_app`).execute(db);
  }
}
