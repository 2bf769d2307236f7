import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * `calls-0002-phone-suffix`: the last 8 digits of every live phone number of people, companies and leads, for the
 * caller match's fallback when no stored number equals the caller's E.164 (a number saved without its country
 * code, under the wrong one, or with a stray trunk digit). The phones are lists (`phone_numbers text[]`), and a
 * GIN index on an expression of them is out of reach of the application's role under row-level security (only
 * leakproof conditions reach an index, and array containment is not one). So the suffixes are rows of their own,
 * and `(workspace_id, suffix) = (…, …)` is a b-tree range the application role reads itself, under the same
 * `tenant_isolation` policy as every tenant table.
 *
 * A table derived by triggers, so it lives in `rabita_derived` (as `activity_links` does): backups leave it out and
 * a restore rebuilds it as it loads the records. The triggers run as the owner and write only what the rows they
 * fire for hold: inserts once per statement, from its new rows (imports and batches write in bulk); an update of
 * the phones or a move to or from the trash, and a delete, per row behind a `WHEN`, so edits that leave the phones
 * alone cost nothing. A record's rows go when it is trashed or deleted, so the lookup needs no join back to check
 * `deleted_at`, and its old rows are found by its old numbers' suffixes through the same key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table rabita_derived.caller_phone_suffixes (
      workspace_id uuid not null references public.workspaces (id) on delete cascade,
      suffix text collate "C" not null,
      object_key text not null check (object_key in ('people', 'companies', 'leads')),
      record_id uuid not null,
      primary key (workspace_id, suffix, object_key, record_id)
    )`.execute(db);
  await sql`alter table rabita_derived.caller_phone_suffixes enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on rabita_derived.caller_phone_suffixes
    using (workspace_id = rabita_current_workspace())`.execute(db);
  // Written only by the triggers (as the owner): the application reads the suffixes, it never makes them.
  await sql`grant select on rabita_derived.caller_phone_suffixes to rabita_app`.execute(db);

  await sql`
    create function rabita_derived.caller_suffixes_changed() returns trigger
    language plpgsql security definer set search_path = public, pg_temp
    as $$
    begin
      delete from rabita_derived.caller_phone_suffixes
      where workspace_id = old.workspace_id
        and suffix = any(array(select right(n, 8) from unnest(old.phone_numbers) as n))
        and object_key = tg_table_name and record_id = old.id;
      if tg_op = 'UPDATE' and new.deleted_at is null then
        insert into rabita_derived.caller_phone_suffixes (workspace_id, suffix, object_key, record_id)
        select new.workspace_id, right(n, 8), tg_table_name, new.id
        from unnest(new.phone_numbers) as n
        where n ~ '^\\+[0-9]{8,15}$'
        on conflict do nothing;
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`
    create function rabita_derived.caller_suffixes_inserted() returns trigger
    language plpgsql security definer set search_path = public, pg_temp
    as $$
    begin
      -- New records have no rows yet: only a record's own numbers sharing their last digits can repeat.
      insert into rabita_derived.caller_phone_suffixes (workspace_id, suffix, object_key, record_id)
      select distinct r.workspace_id, right(n, 8), tg_table_name, r.id
      from new_rows as r, unnest(r.phone_numbers) as n
      where r.deleted_at is null and n ~ '^\\+[0-9]{8,15}$';
      return null;
    end
    $$`.execute(db);
  // TRUNCATE fires no row triggers: a truncated table's suffixes go with it.
  await sql`
    create function rabita_derived.caller_suffixes_truncated() returns trigger
    language plpgsql security definer set search_path = public, pg_temp
    as $$
    begin
      delete from rabita_derived.caller_phone_suffixes where object_key = tg_table_name;
      return null;
    end
    $$`.execute(db);
  for (const fn of ['caller_suffixes_changed', 'caller_suffixes_inserted', 'caller_suffixes_truncated']) {
    await sql.raw(`revoke all on function rabita_derived.${fn}() from public`).execute(db);
  }

  for (const table of ['people', 'companies', 'leads']) {
    await sql`
      create trigger caller_suffixes_inserted after insert on ${sql.table(table)}
      referencing new table as new_rows
      for each statement execute function rabita_derived.caller_suffixes_inserted()`.execute(db);
    await sql`
      create trigger caller_suffixes_updated after update of phone_numbers, deleted_at on ${sql.table(table)}
      for each row when (old.phone_numbers is distinct from new.phone_numbers
                         or (old.deleted_at is null) <> (new.deleted_at is null))
      execute function rabita_derived.caller_suffixes_changed()`.execute(db);
    await sql`
      create trigger caller_suffixes_deleted after delete on ${sql.table(table)}
      for each row when (old.phone_numbers <> '{}')
      execute function rabita_derived.caller_suffixes_changed()`.execute(db);
    await sql`
      create trigger caller_suffixes_truncated after truncate on ${sql.table(table)}
      for each statement execute function rabita_derived.caller_suffixes_truncated()`.execute(db);
    // The numbers already stored.
    await sql`
      insert into rabita_derived.caller_phone_suffixes (workspace_id, suffix, object_key, record_id)
      select t.workspace_id, right(n, 8), ${table}, t.id
      from ${sql.table(table)} as t, unnest(t.phone_numbers) as n
      where t.deleted_at is null and n ~ '^\\+[0-9]{8,15}$'
      on conflict do nothing`.execute(db);
  }
}
