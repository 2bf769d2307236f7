import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `records-0003-filter-lookups-by-workspace`: a filter's owner-run lookups, and the record matches of imports and
 * mail, each in one call that names its workspace.
 *
 * `rabita_filter_lookups(p_workspace, p_lookups)` answers, for each lookup of a JSON array (in order, from 1: `i`, and `hits`), what
 * `rabita_folded_values` (`{"kind": "folded", "column", "pattern"}`: the folded values of a column matching a LIKE
 * pattern) or `rabita_match_list` (`{"kind": "list", "table", "column", "keys"}`: the distinct ids of the live
 * records holding one of the keys in a list column) answer for the transaction's workspace. It answers nothing
 * unless `p_workspace` is that workspace, so the argument grants nothing. `rabita_match_lists` does the same for
 * `rabita_match_list` with its object and owner (the record matches of `match-records.ts`), and
 * `rabita_custom_linked_activities` for `rabita_linked_activities`' custom relations (a record's timeline).
 *
 * The workspace as the first argument is for a Citus cluster, where the Citus step distributes the functions by it
 * (every function whose first argument is `p_workspace uuid`): a call is then run whole on the workspace's worker,
 * over the transaction's own connection, so it sees and may read what the transaction wrote there. Run on the
 * coordinator as the owner, the old functions could not read a shard the application role had written earlier in
 * the transaction ("cannot perform query on placements that were modified in this transaction by a different
 * user"). One PostgreSQL does not call them: its lookups stay inside the queries.
 */
/** Both functions' start: nothing for another workspace, and an array of at most 200 lookups. */
const GUARD = (fn: string) =>
  sql.raw(`
      if p_workspace is null or p_workspace is distinct from rabita_current_workspace() then
        return;
      end if;
      if jsonb_typeof(p_lookups) is distinct from 'array' or jsonb_array_length(p_lookups) > 200 then
        raise exception '${fn}: the lookups must be an array of at most 200';
      end if;`);

/** A list lookup's table and column, checked against those `rabita_match_list` may probe. */
const LIST_CHECK = (fn: string) =>
  sql.raw(`
        t := l ->> 'table';
        c := l ->> 'column';
        if t is null or c is null or t not in ('people', 'companies', 'leads', 'deals', 'activities', 'tasks', 'records')
           or c not in ('email_addresses', 'phone_numbers', 'domains', 'tags', 'flags') then
          raise exception '${fn}: %.% cannot be matched', t, c;
        end if;`);

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create function rabita_filter_lookups(p_workspace uuid, p_lookups jsonb)
    returns table (i integer, hits text[])
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    declare
      l jsonb;
      t text;
      c text;
    begin
      ${GUARD('rabita_filter_lookups')}
      i := 0;
      for l in select e from jsonb_array_elements(p_lookups) as e loop
        i := i + 1;
        if l ->> 'kind' = 'folded' then
          hits := array(select v.value from rabita_derived.folded_values v
            where v.workspace_id = p_workspace and v.column_key = l ->> 'column' and v.value like l ->> 'pattern');
        elsif l ->> 'kind' = 'list' then
          ${LIST_CHECK('rabita_filter_lookups')}
          execute format(
            'select array(select distinct h.id::text from %I h
               where h.workspace_id = $1 and h.%I && $2 and h.deleted_at is null)', t, c)
            into hits
            using p_workspace, array(select jsonb_array_elements_text(l -> 'keys'));
        else
          raise exception 'rabita_filter_lookups: unknown lookup %', l ->> 'kind';
        end if;
        return next;
      end loop;
    end
    $$`.execute(db);
  await sql`revoke all on function rabita_filter_lookups(uuid, jsonb) from public`.execute(db);
  await sql`grant execute on function rabita_filter_lookups(uuid, jsonb) to rabita_app`.execute(db);
  // What `rabita_match_list` answers for several lookups of a workspace at once (`{"rank", "table", "column", "keys",
  // "objectId", "owner"}`): each live record holding one of the keys, once per key held, with the lookup's rank.
  await sql`
    create function rabita_match_lists(p_workspace uuid, p_lookups jsonb)
    returns table (rank integer, k text, id uuid)
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    declare
      l jsonb;
      t text;
      c text;
    begin
      ${GUARD('rabita_match_lists')}
      for l in select e from jsonb_array_elements(p_lookups) as e loop
        ${LIST_CHECK('rabita_match_lists')}
        return query execute format(
          'select $5, x.k, h.id from %I h, unnest(h.%I) as x(k)
           where h.workspace_id = $1 and h.%I && $2 and h.deleted_at is null and x.k = any($2) %s %s',
          t, c, c,
          case when l ->> 'objectId' is null then '' else 'and h.object_id = $3' end,
          case when l ->> 'owner' is null then '' else 'and h.owner_id = $4' end)
        using p_workspace, array(select jsonb_array_elements_text(l -> 'keys')), (l ->> 'objectId')::uuid,
          (l ->> 'owner')::uuid, (l ->> 'rank')::integer;
      end loop;
    end
    $$`.execute(db);
  await sql`revoke all on function rabita_match_lists(uuid, jsonb) from public`.execute(db);
  await sql`grant execute on function rabita_match_lists(uuid, jsonb) to rabita_app`.execute(db);
  // The activities linked to a record by custom relation fields (containment of each `{field: id}` document), as
  // `rabita_linked_activities(null, …)` finds them, for a cluster's timeline.
  await sql`
    create function rabita_custom_linked_activities(p_workspace uuid, p_custom jsonb[])
    returns setof uuid
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    declare
      doc jsonb;
    begin
      if p_workspace is null or p_workspace is distinct from rabita_current_workspace() then
        return;
      end if;
      foreach doc in array coalesce(p_custom, '{}') loop
        return query
          select a.id from activities a
          where a.workspace_id = p_workspace and a.deleted_at is null and a.custom @> doc;
      end loop;
    end
    $$`.execute(db);
  await sql`revoke all on function rabita_custom_linked_activities(uuid, jsonb[]) from public`.execute(db);
  await sql`grant execute on function rabita_custom_linked_activities(uuid, jsonb[]) to rabita_app`.execute(
    db,
  );
}
