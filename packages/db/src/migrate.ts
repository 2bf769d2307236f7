import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { distributeTables } from './citus.ts';
import { migrations } from './migrations/index.ts';
import type { DB } from './schema.gen.ts';

/** Migrations a module owns, by permanent name, applied beside the platform's own (in name order). */
export type ModuleMigrations = Record<string, Migration>;

function allMigrations(extra: ModuleMigrations): Record<string, Migration> {
  for (const name of Object.keys(extra))
    if (name in migrations) throw new Error(`A module's migration is named ${name}, as a platform one is.`);
  return { ...migrations, ...extra };
}

function migrator(db: Kysely<unknown>, extra: ModuleMigrations = {}): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => allMigrations(extra) },
    migrationTableName: 'rabita_migration',
    migrationLockTableName: 'rabita_migration_lock',
    // Work lands in parallel: a migration numbered below one already applied (written on another branch) is
    // applied when it arrives instead of stopping start-up. Each migration stands alone, so order between
    // independent ones does not matter.
    allowUnorderedMigrations: true,
  });
}

/**
 * Applies every pending migration, the platform's and the modules' (forward only); returns the names applied. On a
 * Citus coordinator it then places the tables not yet distributed (`distributeTables`; nothing without the extension).
 */
export async function migrateToLatest(db: Kysely<unknown>, extra: ModuleMigrations = {}): Promise<string[]> {
  const { error, results } = await migrator(db, extra).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? '(unknown)'} failed: ${(error as Error).message}`, {
      cause: error,
    });
  }
  await distributeTables(db);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of migrations not yet applied to this database. */
export async function pendingMigrations(
  db: Kysely<unknown>,
  extra: ModuleMigrations = {},
): Promise<string[]> {
  const all = await migrator(db, extra).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Names of migrations the code knows but the database lacks, read as the application role. */
export async function missingMigrations(db: Kysely<DB>, extra: ModuleMigrations = {}): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from rabita_migration`.execute(db);
  const applied = new Set(rows.map((r) => r.name));
  return Object.keys(allMigrations(extra)).filter((name) => !applied.has(name));
}
