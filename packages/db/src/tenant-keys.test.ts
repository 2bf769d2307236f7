// Every tenant table can be placed on a cluster sharded by workspace, checked on one PostgreSQL (no cluster needed):
// each key and unique index of a table with `workspace_id` includes it, and each foreign key between tenant tables
// carries it on both sides. Citus refuses to distribute a table that breaks either rule, so a migration written
// later that breaks one fails here on any machine, not only where the Citus step runs (issue 17).
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/harness.ts';
import { CITUS_COLOCATION_ANCHOR, CITUS_LOCAL_TABLES, CITUS_SCHEMAS } from './citus.ts';
import { openOwnerDatabase } from './database.ts';

/** What keeps a table from being placed by workspace, one sentence each. */
async function placementProblems(db: Kysely<unknown>): Promise<string[]> {
  const schemas = sql.join(CITUS_SCHEMAS.map((s) => sql.lit(s)));
  const { rows: uniques } = await sql<{ table: string; index: string; has_workspace: boolean }>`
    select c.oid::regclass::text as table, i.indexrelid::regclass::text as index,
      exists (
        select 1 from pg_attribute a
        where a.attrelid = c.oid and a.attname = 'workspace_id' and a.attnum = any (i.indkey::int2[])
      ) as has_workspace
    from pg_index i
    join pg_class c on c.oid = i.indrelid
    join pg_namespace n on n.oid = c.relnamespace
    where i.indisunique and n.nspname in (${schemas}) and c.relkind in ('r', 'p')
      and exists (
        select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'workspace_id' and not a.attisdropped
      )`.execute(db);
  const { rows: foreign } = await sql<{
    constraint: string;
    table: string;
    target: string;
    from_tenant: boolean;
    to_tenant: boolean;
    pairs: string[];
  }>`
    select k.conname as constraint, k.conrelid::regclass::text as table, k.confrelid::regclass::text as target,
      exists (select 1 from pg_attribute a where a.attrelid = k.conrelid and a.attname = 'workspace_id'
        and not a.attisdropped) as from_tenant,
      exists (select 1 from pg_attribute a where a.attrelid = k.confrelid and a.attname = 'workspace_id'
        and not a.attisdropped) as to_tenant,
      array(
        select f.attname || '=' || t.attname
        from unnest(k.conkey, k.confkey) as p(from_col, to_col)
        join pg_attribute f on f.attrelid = k.conrelid and f.attnum = p.from_col
        join pg_attribute t on t.attrelid = k.confrelid and t.attnum = p.to_col
      ) as pairs
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid
    join pg_namespace n on n.oid = c.relnamespace
    where k.contype = 'f' and n.nspname in (${schemas})`.execute(db);
  const local = (table: string) => CITUS_LOCAL_TABLES.includes(table);
  const problems: string[] = [];
  for (const u of uniques)
    if (!u.has_workspace && !local(u.table))
      problems.push(`${u.table}: the unique index ${u.index} does not include workspace_id`);
  for (const f of foreign) {
    if (local(f.table) || local(f.target)) continue;
    const toAnchor = f.target === CITUS_COLOCATION_ANCHOR;
    if (f.from_tenant && (f.to_tenant || toAnchor)) {
      // Between rows of one workspace: the key must pair the workspaces (the anchor's own is its id).
      const pair = `workspace_id=${toAnchor ? 'id' : 'workspace_id'}`;
      if (!f.pairs.includes(pair))
        problems.push(`${f.table}: the foreign key ${f.constraint} to ${f.target} does not carry ${pair}`);
    } else if (!f.from_tenant && (f.to_tenant || toAnchor) && f.table !== CITUS_COLOCATION_ANCHOR)
      problems.push(
        `${f.table}: a shared table, whose foreign key ${f.constraint} points at the tenant table ${f.target}`,
      );
  }
  return problems.sort();
}

describe('tenant tables placed by workspace', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let owner: Kysely<unknown>;
  beforeAll(async () => {
    database = await createTestDatabase();
    owner = openOwnerDatabase(database.url) as unknown as Kysely<unknown>;
  });
  afterAll(async () => {
    await owner?.destroy();
    await database?.drop();
  });

  it('have workspace_id in every key and unique index, and on both sides of every foreign key between them', async () => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from information_schema.columns
      where column_name = 'workspace_id' and table_schema = 'public'`.execute(owner);
    // The shipped modules' tables are all there (a check over no tables would pass).
    expect(rows[0]!.n).toBeGreaterThan(100);
    expect(await placementProblems(owner)).toEqual([]);
  });

  it('names a later table that breaks either rule', async () => {
    // people's own key is (workspace_id, id): a foreign key on id alone needs a unique index on id to point at.
    await sql`create unique index zz_people_id on people (id)`.execute(owner);
    await sql`create table zz_bad_notes (
      workspace_id uuid not null references workspaces (id),
      id uuid not null,
      code text not null unique,
      person_id uuid,
      primary key (workspace_id, id),
      foreign key (person_id) references people (id)
    )`.execute(owner);
    try {
      const problems = await placementProblems(owner);
      expect(problems).toContainEqual(
        expect.stringMatching(/^zz_bad_notes: the unique index .* workspace_id$/),
      );
      expect(problems).toContainEqual(
        expect.stringMatching(
          /^zz_bad_notes: the foreign key .* to people does not carry workspace_id=workspace_id$/,
        ),
      );
      expect(problems.every((p) => p.startsWith('zz_bad_notes') || p.startsWith('people:'))).toBe(true);
    } finally {
      await sql`drop table zz_bad_notes`.execute(owner);
      await sql`drop index if exists zz_people_id`.execute(owner);
    }
  });
});
