import { randomUUID } from 'node:crypto';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase } from '../../../../test/harness.ts';
import { openOwnerDatabase } from '../database.ts';
import { migrateToLatest } from '../migrate.ts';
import { migrations } from './index.ts';

describe('migration 0014: pipeline and stage names per language', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    database = await createEmptyDatabase();
  });
  afterAll(() => database?.drop());

  it('fills in every language for the default pipelines made before it, and leaves names people gave alone', async () => {
    const owner = openOwnerDatabase(database.url);
    try {
      // The schema of the release before: every migration up to 0013.
      const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0014'));
      const { error } = await new Migrator({
        db: owner,
        provider: { getMigrations: async () => before },
        migrationTableName: 'rabita_migration',
        migrationLockTableName: 'rabita_migration_lock',
      }).migrateToLatest();
      expect(error).toBeUndefined();

      const ws = randomUUID();
      const sales = randomUUID();
      const renewals = randomUUID();
      await sql`insert into workspaces (id, name, default_locale) values (${ws}, 'Arabic workspace', 'ar')`.execute(
        owner,
      );
      await sql`insert into pipelines (workspace_id, id, name, is_default) values
        (${ws}, ${sales}, 'المبيعات', true), (${ws}, ${renewals}, 'Renewals', false)`.execute(owner);
      await sql`insert into stages (workspace_id, id, pipeline_id, name, position) values
        (${ws}, ${randomUUID()}, ${sales}, 'التأهيل', 0), (${ws}, ${randomUUID()}, ${sales}, 'رابحة', 1),
        (${ws}, ${randomUUID()}, ${sales}, 'Signed by the board', 2),
        (${ws}, ${randomUUID()}, ${renewals}, 'Won', 0)`.execute(owner);

      expect(await migrateToLatest(owner)).toContain('0014-stage-labels');

      const pipelines = await sql<Record<string, string | null>>`
        select name, name_en, name_ar, name_fa from pipelines order by is_default desc`.execute(owner);
      expect(pipelines.rows).toEqual([
        { name: 'المبيعات', name_en: 'Sales', name_ar: 'المبيعات', name_fa: 'فروش' },
        { name: 'Renewals', name_en: null, name_ar: null, name_fa: null },
      ]);
      const stages = await sql<Record<string, string | null>>`
        select s.name, s.name_en, s.name_ar, s.name_fa from stages s
        join pipelines p on p.id = s.pipeline_id order by p.is_default desc, s.position`.execute(owner);
      expect(stages.rows).toEqual([
        { name: 'التأهيل', name_en: 'Qualification', name_ar: 'التأهيل', name_fa: 'ارزیابی' },
        { name: 'رابحة', name_en: 'Won', name_ar: 'رابحة', name_fa: 'موفق' },
        // A stage someone named, and a stage of another pipeline, keep only their stored name.
        { name: 'Signed by the board', name_en: null, name_ar: null, name_fa: null },
        { name: 'Won', name_en: null, name_ar: null, name_fa: null },
      ]);
    } finally {
      await owner.destroy();
    }
  });
});
