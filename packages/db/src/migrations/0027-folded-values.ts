import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Text filters on the folded name columns (migration 0021) answer a page from their index alone.
//
// (1) Each folded column's index also holds the record's id: `(workspace_id, x_folded, id)`. A filter on the
// column, sorted by id, then finds its page's ids without reading a row (an index-only scan, even when thousands
// of people share a last name), and only the page's rows are read.
//
// (2) `contains` finds the distinct folded values holding the text, from a small table of them with a trigram
// index, then those values' ids through (1). Names repeat (a last name is shared by thousands at a million
// people), so the distinct values are few where the rows are many; and there are never more values than rows.
// The table only grows (statement triggers add new values; a value nobody holds any more is a candidate that
// finds nobody). Like the other derived tables it lives in `rabita_derived`, which backups leave out: restoring
// the records rebuilds it (the triggers fire).

const FOLDED: Record<string, string[]> = {
  people: ['first_name', 'last_name'],
  companies: ['name'],
  leads: ['name'],
  deals: ['name'],
};

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const [table, columns] of Object.entries(FOLDED)) {
    for (const column of columns) {
      const folded = `${column}_folded`;
      await sql`
        create index ${sql.id(`${table}_${folded}_id_idx`)} on ${sql.table(table)} (workspace_id, ${sql.ref(folded)}, id)
          where deleted_at is null`.execute(db);
      await sql`drop index ${sql.id(`${table}_${folded}_idx`)}`.execute(db);
    }
  }

  await sql`
    create table rabita_derived.folded_values (
      workspace_id uuid not null references public.workspaces (id) on delete cascade,
      column_key text not null,
      value text collate "C" not null,
      primary key (workspace_id, column_key, value)
    )`.execute(db);
  await sql`
    create index folded_values_trgm on rabita_derived.folded_values using gin (value gin_trgm_ops)`.execute(
    db,
  );
  await sql`alter table rabita_derived.folded_values enable row level security`.execute(db);
  await sql`
    create policy tenant_isolation on rabita_derived.folded_values
    using (workspace_id = rabita_current_workspace())`.execute(db);

  for (const [table, columns] of Object.entries(FOLDED)) {
    const values = (rows: string) =>
      columns
        .map(
          (column) => `
      insert into rabita_derived.folded_values (workspace_id, column_key, value)
      select distinct workspace_id, '${table}.${column}', ${column}_folded from ${rows}
      where ${column}_folded is not null and ${column}_folded <> ''
      order by 1, 3
      on conflict do nothing;`,
        )
        .join('\n');
    await sql.raw(values(table)).execute(db);
    await sql
      .raw(`
        create function rabita_derived.${table}_folded_values() returns trigger
        language plpgsql security definer set search_path = public, pg_temp
        as $$ begin ${values('new_rows')} return null; end $$`)
      .execute(db);
    await sql.raw(`revoke all on function rabita_derived.${table}_folded_values() from public`).execute(db);
    for (const event of ['insert', 'update']) {
      await sql
        .raw(`
          create trigger ${table}_folded_values_${event} after ${event} on ${table}
          referencing new table as new_rows
          for each statement execute function rabita_derived.${table}_folded_values()`)
        .execute(db);
    }
  }

  // The folded values of one column (`people.last_name`) in the transaction's workspace matching a LIKE pattern
  // (already folded and escaped): run as the owner, as `rabita_filter_documents` is, so the trigram index serves it.
  await sql`
    create function rabita_folded_values(p_column text, p_pattern text)
    returns setof text
    language plpgsql stable security definer set search_path = public, pg_temp
    rows 20
    as $$
    begin
      return query execute
        'select v.value from rabita_derived.folded_values v
         where v.workspace_id = rabita_current_workspace() and v.column_key = $1 and v.value like $2'
        using p_column, p_pattern;
    end
    $$`.execute(db);
  await sql.raw('revoke all on function rabita_folded_values(text, text) from public').execute(db);
  await sql.raw('grant execute on function rabita_folded_values(text, text) to rabita_app').execute(db);
}
