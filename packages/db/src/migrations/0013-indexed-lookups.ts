import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Under row-level security PostgreSQL evaluates only leakproof operators inside an index scan; LIKE, trigram
// similarity and array or JSON containment are not leakproof, so for the application role those conditions
// become filters over every row of the workspace. These functions run the hot lookups as the tables' owner —
// through the indexes — and confine themselves to the workspace of the caller's transaction
// (rabita_current_workspace(), null outside a workspace transaction, so nothing is returned).

export async function up(db: Kysely<unknown>): Promise<void> {
  // Search, tier 1: titles starting with the folded query, in title order.
  await sql`
    create function rabita_search_prefix(p_objects text[], p_prefix text, p_limit integer)
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
         order by left(d.content, 200), d.record_id
         limit least($3, 1000)'
        using p_objects, p_prefix, p_limit;
    end
    $$`.execute(db);

  // Search, tier 2: the query anywhere in the folded text, spaced or spaceless, a bounded number ranked.
  await sql`
    create function rabita_search_contains(p_objects text[], p_folded text, p_contains text, p_compact text,
                                           p_candidates integer, p_limit integer)
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
           where d.workspace_id = rabita_current_workspace() and d.object_key = any($1)
             and (d.content like $3 or d.compact like $4)
           limit least($5, 5000)
         ) c
         order by c.score desc, c.updated_at desc, c.record_id
         limit least($6, 1000)'
        using p_objects, p_folded, p_contains, p_compact, p_candidates, p_limit;
    end
    $$`.execute(db);

  // Search, tier 3: near words (small typos) by trigram word similarity.
  await sql`
    create function rabita_search_near(p_objects text[], p_folded text, p_candidates integer, p_limit integer)
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
           where d.workspace_id = rabita_current_workspace() and d.object_key = any($1)
             and $2 <% d.content
           limit least($3, 5000)
         ) c
         order by c.score desc, c.updated_at desc, c.record_id
         limit least($4, 1000)'
        using p_objects, p_folded, p_candidates, p_limit;
    end
    $$`.execute(db);

  // Live records holding a phone number (E.164) in a standard phone column, by its GIN index.
  await sql`
    create function rabita_records_by_phone(p_table text, p_e164 text, p_limit integer)
    returns setof uuid
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    begin
      if p_table not in ('people', 'companies', 'leads') then
        raise exception 'rabita: no phone column on %', p_table;
      end if;
      return query execute format(
        'select id from %I where workspace_id = rabita_current_workspace() and deleted_at is null
           and phone_numbers @> array[$1]::text[] limit $2', p_table)
        using p_e164, least(p_limit, 1000);
    end
    $$`.execute(db);

  // Activities linked to a record: through a standard link column, or a custom relation field (containment).
  await sql`
    create function rabita_linked_activities(p_column text, p_record uuid, p_custom jsonb[])
    returns setof uuid
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    declare
      doc jsonb;
    begin
      if p_column is not null then
        if p_column not in ('person_ids', 'company_ids', 'deal_ids', 'lead_ids') then
          raise exception 'rabita: no activity link column %', p_column;
        end if;
        return query execute format(
          'select id from activities where workspace_id = rabita_current_workspace() and deleted_at is null
             and %I @> array[$1]::uuid[]', p_column)
          using p_record;
      end if;
      foreach doc in array coalesce(p_custom, '{}') loop
        return query
          select a.id from activities a
          where a.workspace_id = rabita_current_workspace() and a.deleted_at is null and a.custom @> doc;
      end loop;
    end
    $$`.execute(db);

  for (const fn of [
    'rabita_search_prefix(text[], text, integer)',
    'rabita_search_contains(text[], text, text, text, integer, integer)',
    'rabita_search_near(text[], text, integer, integer)',
    'rabita_records_by_phone(text, text, integer)',
    'rabita_linked_activities(text, uuid, jsonb[])',
  ]) {
    await sql.raw(`revoke all on function ${fn} from public`).execute(db);
    await sql.raw(`grant execute on function ${fn} to rabita_app`).execute(db);
  }
}
