import { type Kysely, type Migration, Migrator, sql } from 'kysely';
import { distributeTables } from './citus.ts';
import { withNamesOnlyIntrospection } from './migration-introspection.ts';
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
    // Kysely's own introspection fails when another process renames a table meanwhile (migration-introspection.ts).
    db: withNamesOnlyIntrospection(db),
    provider: { getMigrations: async () => allMigrations(extra) },
    migrationTableName: 'rabita_migration',
    migrationLockTableName: 'rabita_migration_lock',
    // Work lands in parallel: a migration numbered below one already applied (written on another branch) is
    // applied when it arrives instead of stopping start-up. Each migration stands alone, so order between
    // independent ones does not matter.
    allowUnorderedMigrations: true,
  });
}

/** Kysely's migration lock on PostgreSQL: a session advisory lock on this key (pg_locks shows its two halves). */
export const MIGRATION_LOCK_KEY = 3853314791062309107n;

/** Another session holding the migration lock while this one waits for it. */
export interface MigrationLockHolder {
  pid: number;
  clientAddress: string | null;
  applicationName: string;
  state: string | null;
  /** When the holder's current transaction began. */
  since: Date | null;
}

async function lockHolder(db: Kysely<unknown>): Promise<MigrationLockHolder | undefined> {
  const { rows } = await sql<MigrationLockHolder>`
    select a.pid, host(a.client_addr) as "clientAddress", a.application_name as "applicationName", a.state,
           a.xact_start as since
      from pg_locks l join pg_stat_activity a on a.pid = l.pid
     where l.locktype = 'advisory' and l.granted and l.database = (select oid from pg_database where datname = current_database())
       and l.classid = ${Number(MIGRATION_LOCK_KEY >> 32n)} and l.objid = ${Number(MIGRATION_LOCK_KEY & 0xffffffffn)}
       and l.objsubid = 1 and l.pid <> pg_backend_pid()`.execute(db);
  return rows[0];
}

/**
 * The migrating connection's settings: a dead client is noticed within seconds (see migrateToLatest). On a Citus
 * coordinator already placed, a migration that reads or writes distributed tables across shards and then changes a
 * distributed object (a backfill, then a view made again: `email-0009`) is refused in Citus's default parallel mode
 * ("cannot run view command because there was a parallel operation on a distributed table in the transaction"), so
 * the migrations' one transaction runs in its sequential mode; on one PostgreSQL the setting is an inert placeholder.
 */
const SESSION_SETTINGS = [
  ['client_connection_check_interval', '2000'],
  ['tcp_keepalives_idle', '30'],
  ['tcp_keepalives_interval', '10'],
  ['tcp_keepalives_count', '3'],
  ['citus.multi_shard_modify_mode', 'sequential'],
] as const;

export interface MigrateOptions {
  /** Called once when another process holds the migration lock, before this one waits for it. */
  onWaiting?: (holder: MigrationLockHolder) => void;
}

/**
 * Applies every pending migration, the platform's and the modules' (forward only); returns the names applied. On a
 * Citus coordinator it then places the tables not yet distributed (`distributeTables`; nothing without the extension).
 *
 * All pending migrations run in one transaction under a session advisory lock, on one connection: a process killed
 * mid-way (`kill -9`, a lost machine) leaves nothing applied, and the next start applies them all. That connection asks
 * the server to check every 2 s that its client is still there (`client_connection_check_interval`) and keeps TCP
 * keepalives short, so a dead migrator's transaction is rolled back and its lock released within seconds — not when
 * its current statement ends, nor two hours later — while the next start waits for the lock.
 */
export async function migrateToLatest(
  db: Kysely<unknown>,
  extra: ModuleMigrations = {},
  options: MigrateOptions = {},
): Promise<string[]> {
  const { error, results } = await db.connection().execute(async (connection) => {
    // Each alone: a platform without the check (Windows) refuses that one setting, and migrating goes on without it.
    for (const [name, value] of SESSION_SETTINGS)
      await sql`select set_config(${name}, ${value}, false)`.execute(connection).catch(() => {});
    try {
      const holder = options.onWaiting ? await lockHolder(connection) : undefined;
      if (holder) options.onWaiting?.(holder);
      return await migrator(connection, extra).migrateToLatest();
    } finally {
      for (const [name] of SESSION_SETTINGS)
        await sql`reset ${sql.id(name)}`.execute(connection).catch(() => {});
    }
  });
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
