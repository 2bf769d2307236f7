import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Imports match rows to records by the normalised list columns (email_addresses, phone_numbers, domains), one
// statement per batch of a thousand keys. Two things made those lookups slow, and slower as a table grew:
// - A GIN index with fastupdate (the default) keeps new entries in a pending list that every search reads whole,
//   up to gin_pending_list_limit (4 MB: tens of thousands of entries) before it is merged. A batch of 1,000
//   email keys took 3.4 s against 40,000 people, 19 ms once the list was merged. The lookup indexes are written
//   one entry per address or number, so writing them directly costs little; they no longer keep a pending list.
// - The planner prices a GIN probe of many keys above a scan of the table, and the scan compares every row's
//   array with every key (900 ms for 500 keys over 40,000 rows). rabita_match_list plans without sequential
//   scans, so it always probes the index (cheap for any number of keys once there is no pending list).
// Companies' domains had no index at all; linking a person's company by its web address now has one.

const LOOKUP_INDEXES = [
  'people_email_addresses_idx',
  'people_phone_numbers_idx',
  'companies_phone_numbers_idx',
  'leads_phone_numbers_idx',
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const index of LOOKUP_INDEXES) {
    await sql`alter index ${sql.id(index)} set (fastupdate = off)`.execute(db);
    // Entries already in the pending list stay there until merged: merge them now.
    await sql`select gin_clean_pending_list(${index}::regclass)`.execute(db);
  }
  await sql`create index companies_domains_idx on companies using gin (domains) with (fastupdate = off)`.execute(
    db,
  );

  await sql`
    create or replace function rabita_match_list(p_table text, p_column text, p_keys text[], p_object_id uuid, p_owner uuid)
    returns table (id uuid, k text)
    language plpgsql stable security definer set search_path = public, pg_temp set enable_seqscan = off
    as $$
    declare
      ws uuid := rabita_current_workspace();
    begin
      if ws is null then
        return;
      end if;
      if p_table not in ('people', 'companies', 'leads', 'deals', 'activities', 'tasks', 'records')
         or p_column not in ('email_addresses', 'phone_numbers', 'domains', 'tags', 'flags') then
        raise exception 'rabita_match_list: %.% cannot be matched', p_table, p_column;
      end if;
      return query execute format(
        'with hits as materialized (select t.* from %I t where t.%I && $1)
         select h.id, k from hits h, unnest(h.%I) as k
         where h.workspace_id = $2 and h.deleted_at is null and k = any($1) %s %s',
        p_table, p_column, p_column,
        case when p_object_id is null then '' else 'and h.object_id = $3' end,
        case when p_owner is null then '' else 'and h.owner_id = $4' end)
      using p_keys, ws, p_object_id, p_owner;
    end
    $$`.execute(db);
}
