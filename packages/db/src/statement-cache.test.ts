import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../../test/harness.ts';
import { cacheStatements } from './statement-cache.ts';

describe('prepared statement cache', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let client: pg.Client;

  /** The statements this connection holds prepared, by text. */
  const prepared = async () =>
    (
      await client.query<{ statement: string }>(
        'select statement from pg_prepared_statements order by statement',
      )
    ).rows.map((r) => r.statement);

  beforeAll(async () => {
    database = await createEmptyDatabase();
    client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('create table kept (id int primary key, name text)');
    await client.query(`insert into kept values (1, 'یک'), (2, 'اثنان')`);
    cacheStatements(client as unknown as pg.PoolClient, 2);
  });
  afterAll(async () => {
    await client?.end();
    await database?.drop();
  });

  it('prepares a statement the second time it is sent, keeps the two most recently used and frees the third', async () => {
    const byId = 'select name from kept where id = $1';
    expect((await client.query(byId, [1])).rows).toEqual([{ name: 'یک' }]);
    // Seen once: sent unnamed, nothing kept.
    expect(await prepared()).toEqual([]);
    expect((await client.query(byId, [2])).rows).toEqual([{ name: 'اثنان' }]);
    expect(await prepared()).toEqual([byId]);
    // Reused from here on, with each call's own values.
    expect((await client.query(byId, [1])).rows).toEqual([{ name: 'یک' }]);

    const byName = 'select id from kept where name = $1';
    const count = 'select count(*)::int as n from kept where id > $1';
    for (const value of ['یک', 'اثنان']) await client.query(byName, [value]);
    await client.query(byId, [2]);
    for (const value of [0, 1]) await client.query(count, [value]);
    // Three were used twice; the least recently used of them (by name) is deallocated.
    expect(await prepared()).toEqual([count, byId].sort());
    expect((await client.query(count, [0])).rows).toEqual([{ n: 2 }]);
    expect((await client.query(byName, ['یک'])).rows).toEqual([{ id: 1 }]);
  });

  it('never prepares transaction control, utility statements or calls without values', async () => {
    const before = await prepared();
    for (let i = 0; i < 3; i++) {
      await client.query('begin');
      await client.query('savepoint s', []);
      await client.query('select 1 as one');
      await client.query('rollback');
    }
    expect(await prepared()).toEqual(before);
  });

  it('prepares a statement afresh when a migration changed the columns under its cached plan', async () => {
    const all = 'select * from kept where id = $1';
    await client.query(all, [1]);
    await client.query(all, [1]);
    expect(await prepared()).toContain(all);
    await client.query('alter table kept add column note text');
    // PostgreSQL refuses the cached plan once ("cached plan must not change result type")…
    await expect(client.query(all, [1])).rejects.toMatchObject({ code: '0A000' });
    // …and the next call prepares it again, with the new column.
    expect((await client.query(all, [1])).rows).toEqual([{ id: 1, name: 'یک', note: null }]);
    expect((await client.query(all, [2])).rows).toEqual([{ id: 2, name: 'اثنان', note: null }]);
  });
});
