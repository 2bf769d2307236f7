import { type DatabaseIntrospector, type Kysely, sql, type TableMetadata } from 'kysely';

/**
 * The database as Kysely's migrator sees it, with an introspection that reads only schema and table names.
 *
 * The migrator asks whether its own tables exist by listing every column of every table in the database, and
 * Kysely's PostgreSQL introspection calls `pg_get_serial_sequence('<schema>.<table>', column)` on each: a lookup by
 * name, outside the query's snapshot, so a table that another process renames or drops while the list is read
 * fails the whole migration with `relation "…" does not exist`. That happened when several `rabita start` and
 * `rabita worker` processes started at once on a fresh database: one worker's graphile-worker migration renamed
 * `graphile_worker.known_crontabs` while another process's migrator read the list (test/scale/many-instances.test.ts).
 * The names come from one catalog query under one snapshot here; the migrator needs nothing else.
 */
export function withNamesOnlyIntrospection<T>(db: Kysely<T>): Kysely<T> {
  const getTables = async (): Promise<TableMetadata[]> => {
    const { rows } = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'v', 'p') and n.nspname !~ '^pg_' and n.nspname <> 'information_schema'
        and has_schema_privilege(n.nspname, 'USAGE')`.execute(db);
    return rows.map((r) => ({ name: r.name, schema: r.schema, isView: r.kind === 'v', columns: [] }));
  };
  const introspection: DatabaseIntrospector = {
    getSchemas: async () =>
      (await sql<{ name: string }>`select nspname as name from pg_catalog.pg_namespace`.execute(db)).rows,
    getTables,
    getMetadata: async () => ({ tables: await getTables() }),
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === 'introspection') return introspection;
      // Kysely's methods read private fields: they must run on the instance itself, not on the proxy.
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
