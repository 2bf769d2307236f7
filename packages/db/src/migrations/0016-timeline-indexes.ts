import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Each part of a record's timeline stops after a page of rows through an index in timeline order:
// - its changes by (record, created_at, id) and its tasks by (linked record, created_at, id);
// - its activities through `rabita_derived.activity_links`, one row per (record, activity) of the activity's
//   standard link columns, kept by statement triggers on activities. The link arrays' GIN indexes find a
//   record's activities but not in time order, so every page read and sorted all of them (1,000 for a busy
//   customer).
// Tables derived from others by triggers live in the `rabita_derived` schema, which backups leave out (they
// copy the `public` schema): restoring the tables they derive from rebuilds them.

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create index record_changes_timeline_idx on record_changes (workspace_id, object_key, record_id, created_at, id)`.execute(
    db,
  );
  await sql`drop index record_changes_record_idx`.execute(db);
  await sql`
    create index tasks_linked_timeline_idx on tasks (workspace_id, linked_object, linked_record_id, created_at, id)`.execute(
    db,
  );
  await sql`drop index tasks_linked_idx`.execute(db);

  await sql`create schema rabita_derived`.execute(db);
  await sql`grant usage on schema rabita_derived to rabita_app`.execute(db);
  await sql`
    create table rabita_derived.activity_links (
      workspace_id uuid not null,
      record_id uuid not null,
      at timestamptz not null,
      activity_id uuid not null
    )`.execute(db);
  await sql`set local maintenance_work_mem = '256MB'`.execute(db);
  await sql`
    insert into rabita_derived.activity_links (workspace_id, record_id, at, activity_id)
    select a.workspace_id, r.id, coalesce(a.occurred_at, a.created_at), a.id
    from activities a
    cross join lateral (
      select distinct x as id from unnest(a.person_ids || a.company_ids || a.deal_ids || a.lead_ids) x
    ) r
    where a.deleted_at is null`.execute(db);
  // Newest first is this key read backwards.
  await sql`
    alter table rabita_derived.activity_links
      add primary key (workspace_id, record_id, at, activity_id),
      add foreign key (workspace_id) references public.workspaces (id) on delete cascade`.execute(db);
  await sql`alter table rabita_derived.activity_links enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on rabita_derived.activity_links
    using (workspace_id = rabita_current_workspace())`.execute(db);
  // Written only by the triggers (as the owner): the application reads the links, it never makes them.
  await sql`grant select on rabita_derived.activity_links to rabita_app`.execute(db);

  // Statement triggers with transition tables: a COPY or a multi-row insert of activities writes its links in
  // one statement. A live activity links each id of its four link columns, at its time (when it happened,
  // else when it was logged); an update rewrites the links of the rows whose links, time or liveness changed.
  const linksOf = (alias: string) =>
    `${alias}.person_ids || ${alias}.company_ids || ${alias}.deal_ids || ${alias}.lead_ids`;
  const at = (alias: string) => `coalesce(${alias}.occurred_at, ${alias}.created_at)`;
  const changed = `(o.person_ids, o.company_ids, o.deal_ids, o.lead_ids, ${at('o')}, o.deleted_at is null)
    is distinct from (n.person_ids, n.company_ids, n.deal_ids, n.lead_ids, ${at('n')}, n.deleted_at is null)`;
  const addLinks = (rows: string, condition: string) => `
    insert into rabita_derived.activity_links (workspace_id, record_id, at, activity_id)
    select distinct n.workspace_id, x, ${at('n')}, n.id
    from ${rows} cross join lateral unnest(${linksOf('n')}) x
    where n.deleted_at is null and ${condition}
    on conflict do nothing;`;
  const dropLinks = (rows: string, condition: string) => `
    delete from rabita_derived.activity_links l using ${rows}
    where l.workspace_id = o.workspace_id and l.activity_id = o.id and l.at = ${at('o')}
      and l.record_id = any(${linksOf('o')}) and ${condition};`;
  const trigger = async (name: string, body: string) => {
    await sql
      .raw(`
        create function rabita_derived.${name}() returns trigger
        language plpgsql security definer set search_path = public, pg_temp
        as $$ begin ${body} return null; end $$`)
      .execute(db);
    await sql.raw(`revoke all on function rabita_derived.${name}() from public`).execute(db);
  };
  const both = 'old_rows o join new_rows n on n.workspace_id = o.workspace_id and n.id = o.id';
  await trigger('activity_links_inserted', addLinks('new_rows n', 'true'));
  await trigger('activity_links_updated', dropLinks(both, changed) + addLinks(both, changed));
  await trigger('activity_links_deleted', dropLinks('old_rows o', 'true'));
  await sql`
    create trigger activity_links_inserted after insert on activities
    referencing new table as new_rows
    for each statement execute function rabita_derived.activity_links_inserted()`.execute(db);
  await sql`
    create trigger activity_links_updated after update on activities
    referencing old table as old_rows new table as new_rows
    for each statement execute function rabita_derived.activity_links_updated()`.execute(db);
  await sql`
    create trigger activity_links_deleted after delete on activities
    referencing old table as old_rows
    for each statement execute function rabita_derived.activity_links_deleted()`.execute(db);
}
