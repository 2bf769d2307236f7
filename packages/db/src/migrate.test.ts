import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../../test/harness.ts';
import { openDatabase, openOwnerDatabase } from './database.ts';
import { migrateToLatest, missingMigrations, pendingMigrations } from './migrate.ts';
import { migrations } from './migrations/index.ts';

describe('migrations', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(() => database?.drop());

  it('apply every migration to an empty database, then have nothing left to do', async () => {
    const owner = openOwnerDatabase(database.url);
    try {
      expect(await pendingMigrations(owner)).toEqual(Object.keys(migrations));
      expect(await migrateToLatest(owner)).toEqual(Object.keys(migrations));
      expect(await pendingMigrations(owner)).toEqual([]);
      expect(await migrateToLatest(owner)).toEqual([]);
      const { rows } = await sql<{ count: string }>`
        select count(*) from pg_tables where schemaname = 'public' and tablename in
        ('users', 'workspaces', 'roles', 'memberships', 'sessions', 'invitations', 'api_keys')`.execute(
        owner,
      );
      expect(Number(rows[0]?.count)).toBe(7);
    } finally {
      await owner.destroy();
    }
  });

  it('let the application role see that the schema is current', async () => {
    const handle = openDatabase(database.url, { poolSize: 1 });
    try {
      expect(await missingMigrations(handle.db)).toEqual([]);
    } finally {
      await handle.close();
    }
  });

  it('keep tenant keys led by workspace_id', async () => {
    const owner = openOwnerDatabase(database.url);
    try {
      const { rows } = await sql<{ table: string; first: string }>`
        select c.conrelid::regclass::text as table, a.attname as first
        from pg_constraint c
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
        where c.contype = 'p' and c.conrelid::regclass::text in ('roles', 'memberships', 'invitations', 'api_keys')`.execute(
        owner,
      );
      expect(rows).toHaveLength(4);
      for (const row of rows) expect(row.first, row.table).toBe('workspace_id');
    } finally {
      await owner.destroy();
    }
  });
});
