// Migrating while another process changes tables: several Rabita processes started at once on one database each
// run the migrator, and a worker's graphile-worker renames its own tables meanwhile (issue 17).
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../../test/harness.ts';
import { openOwnerDatabase } from './database.ts';
import { migrateToLatest } from './migrate.ts';
import { withNamesOnlyIntrospection } from './migration-introspection.ts';

describe('the migrator beside tables renamed by another process', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let owner: ReturnType<typeof openOwnerDatabase>;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    owner = openOwnerDatabase(database.url);
    await migrateToLatest(owner);
  }, 120_000);
  afterAll(async () => {
    await owner?.destroy();
    await database?.drop();
  });

  it('runs to the end while a table of another schema is renamed back and forth', async () => {
    const other = new pg.Client({ connectionString: database.url });
    await other.connect();
    await other.query(
      `create schema churn; create table churn.a (${Array.from({ length: 40 }, (_, i) => `c${i} int`)})`,
    );
    let renaming = true;
    let renames = 0;
    // What graphile-worker's migrations do to its tables while another process migrates.
    const churn = (async () => {
      while (renaming) {
        await other.query(
          renames % 2 === 0 ? 'alter table churn.a rename to b' : 'alter table churn.b rename to a',
        );
        renames += 1;
      }
    })();
    const outcomes: string[] = [];
    try {
      // Fifteen runs at least, and on until the other process has renamed its table more often than that (on a
      // busy machine the renames can trail the migrator's runs).
      for (let i = 0; i < 15 || (renames <= 15 && i < 200); i++) {
        outcomes.push(
          await migrateToLatest(owner).then(
            (applied) => `ok ${applied.length}`,
            (error: Error) => error.message,
          ),
        );
      }
    } finally {
      renaming = false;
      await churn;
      await other.end();
    }
    expect(renames).toBeGreaterThan(15);
    expect(outcomes.length).toBeGreaterThanOrEqual(15);
    expect(outcomes).toEqual(Array(outcomes.length).fill('ok 0'));
  }, 60_000);

  it('lists tables and schemas by name, as the migrator needs', async () => {
    const db = withNamesOnlyIntrospection(owner);
    const tables = await db.introspection.getTables();
    expect(tables).toContainEqual({ name: 'rabita_migration', schema: 'public', isView: false, columns: [] });
    expect(tables.some((t) => t.schema === 'pg_catalog' || t.schema === 'information_schema')).toBe(false);
    expect((await db.introspection.getSchemas()).map((s) => s.name)).toContain('public');
    // Everything else is the database itself.
    expect(
      (await db
        .selectFrom('rabita_migration' as never)
        .select(({ fn }) => fn.countAll().as('n'))
        .executeTakeFirst()) as { n: string },
    ).toMatchObject({ n: expect.any(String) });
  });
});
