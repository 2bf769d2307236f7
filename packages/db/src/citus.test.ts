import { buildRegistry, MODULES } from '@rabita/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../../test/harness.ts';
import {
  CITUS_COLOCATION_ANCHOR,
  CITUS_LOCAL_TABLES,
  citusPlan,
  distributeTables,
  hasCitus,
} from './citus.ts';
import { openOwnerDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';

describe('the Citus step on one PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(() => database?.drop());

  it('does nothing without the citus extension: no table placed, the schema as the migrations left it', async () => {
    const owner = openOwnerDatabase(database.url);
    try {
      await migrateToLatest(owner);
      expect(await hasCitus(owner)).toBe(false);
      const before = await sql<{ n: string }>`select count(*)::text as n from pg_class`.execute(owner);
      expect(await distributeTables(owner)).toEqual({ citus: false, done: [] });
      const after = await sql<{ n: string }>`select count(*)::text as n from pg_class`.execute(owner);
      expect(after.rows).toEqual(before.rows);
    } finally {
      await owner.destroy();
    }
  });

  it('plans reference tables first, then workspaces, then tenant tables; skips local and placed ones', () => {
    const plan = citusPlan([
      { table: 'roles', tenant: true, placed: false },
      { table: 'users', tenant: false, placed: false },
      { table: 'workspaces', tenant: false, placed: false },
      { table: 'rabita_migration', tenant: false, placed: false },
      { table: 'people', tenant: true, placed: true },
      { table: 'rabita_derived.deal_totals', tenant: true, placed: false },
    ]);
    expect(plan).toEqual([
      { table: 'users', kind: 'reference' },
      { table: CITUS_COLOCATION_ANCHOR, kind: 'anchor' },
      { table: 'rabita_derived.deal_totals', kind: 'tenant' },
      { table: 'roles', kind: 'tenant' },
    ]);
  });
});

const citusUrl = process.env.RABITA_TEST_CITUS_URL;

/** Drops what Rabita's migrations create, keeping the citus extension (whose objects live partly in public). */
const RESET = `do $$
declare
  statement text;
  -- Written out before any is run: a cascade drops objects later rows name.
  statements text[] := array(
    select format('drop %s if exists %s cascade',
      case c.relkind when 'v' then 'view' when 'm' then 'materialized view' else 'table' end,
      c.oid::regclass)
    from pg_class c
    where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
      and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
    union all
    select format('drop routine if exists %s cascade', p.oid::regprocedure)
    from pg_proc p
    where p.pronamespace = 'public'::regnamespace
      and not exists (select 1 from pg_depend d where d.classid = 'pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
    union all
    select format('drop type if exists %s cascade', t.oid::regtype)
    from pg_type t left join pg_class c on c.oid = t.typrelid
    where t.typnamespace = 'public'::regnamespace and (t.typtype in ('e', 'd') or c.relkind = 'c')
      and not exists (select 1 from pg_depend d where d.classid = 'pg_type'::regclass and d.objid = t.oid and d.deptype = 'e')
    union all
    select format('drop extension if exists %I cascade', extname)
    from pg_extension where extnamespace = 'public'::regnamespace and extname not like 'citus%');
begin
  drop schema if exists rabita_derived cascade;
  drop schema if exists graphile_worker cascade;
  foreach statement in array statements loop
    execute statement;
  end loop;
end $$`;

interface CitusRow {
  table: string;
  tenant: boolean;
  method: string | null;
  repmodel: string | null;
  column: string | null;
  colocation: number | null;
}

// Needs a coordinator with workers (scripts/citus-cluster.sh start); the database at the URL is emptied first.
describe.skipIf(!citusUrl)('on a Citus coordinator (skipped unless RABITA_TEST_CITUS_URL is set)', () => {
  const migrations = buildRegistry(MODULES).migrations;
  const owner = citusUrl ? openOwnerDatabase(citusUrl) : undefined;

  beforeAll(async () => {
    if (!owner) return;
    // The citus extension has objects in public, so the schema cannot be dropped: Rabita's objects are, one by one.
    await sql.raw(RESET).execute(owner);
  }, 120_000);
  afterAll(() => owner?.destroy());

  it('migrates, distributing every table with workspace_id by it, colocated, and the rest as reference tables', async () => {
    if (!owner) return;
    await migrateToLatest(owner, migrations);
    const { rows } = await sql<CitusRow>`
      select c.oid::regclass::text as table,
        exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped) as tenant,
        p.partmethod::text as method, p.repmodel::text as repmodel, p.colocationid as colocation,
        case when p.partmethod = 'h' then column_to_column_name(p.logicalrelid, p.partkey) end as column
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      left join pg_dist_partition p on p.logicalrelid = c.oid
      where n.nspname in ('public', 'rabita_derived') and c.relkind in ('r', 'p') and not c.relispartition`.execute(
      owner,
    );
    const anchor = rows.find((r) => r.table === CITUS_COLOCATION_ANCHOR);
    expect(anchor).toMatchObject({ method: 'h', column: 'id' });
    for (const row of rows) {
      if (CITUS_LOCAL_TABLES.includes(row.table)) expect(row.method, row.table).toBeNull();
      else if (row.tenant)
        expect(row, row.table).toMatchObject({
          method: 'h',
          column: 'workspace_id',
          colocation: anchor?.colocation,
        });
      else if (row.table !== CITUS_COLOCATION_ANCHOR)
        expect(row, row.table).toMatchObject({ method: 'n', repmodel: 't' });
    }
  }, 300_000);

  it('has nothing to do on a second migrate', async () => {
    if (!owner) return;
    expect(await migrateToLatest(owner, migrations)).toEqual([]);
    expect(await distributeTables(owner)).toEqual({ citus: true, done: [] });
  }, 120_000);
});
