import { CamelCasePlugin, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.gen.ts';
import { cacheStatements } from './statement-cache.ts';
import { foldWorkspaceBegin } from './tenancy.ts';

export type Database = Kysely<DB>;

// Timestamps come back as Date, bigint (int8) as string; numeric stays a string so money never loses precision;
// a date stays its 'YYYY-MM-DD' text (as a JS Date it would shift with the process's time zone).
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

export interface DatabaseHandle {
  /** Queries run as `rabita_app`, the role row-level security applies to. */
  readonly db: Database;
  /** The raw pool behind `db` (for libraries that take a pg Pool). */
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

/** A database problem phrased for the person starting Rabita. */
export class DatabaseUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

export function describeTarget(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'the configured address';
  }
}

/** Turns a connection failure into one sentence that names the problem and the fix. */
export function explainConnectionError(error: unknown, connectionString: string): DatabaseUnavailableError {
  const e = error as { code?: string; message?: string };
  const where = describeTarget(connectionString);
  const fix = 'check DATABASE_URL, or unset it to use the embedded database';
  switch (e.code) {
    case 'ECONNREFUSED':
      return new DatabaseUnavailableError(
        `The database at ${where} refused the connection (is PostgreSQL running?); ${fix}.`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DatabaseUnavailableError(
        `The database host in DATABASE_URL (${where}) could not be found; ${fix}.`,
      );
    case 'ETIMEDOUT':
    case 'CONNECT_TIMEOUT':
      return new DatabaseUnavailableError(`The database at ${where} did not answer in time; ${fix}.`);
    case '28P01':
    case '28000':
      return new DatabaseUnavailableError(
        `The database at ${where} rejected the user name or password; ${fix}.`,
      );
    case '3D000':
      return new DatabaseUnavailableError(
        `The database named in DATABASE_URL (${where}) does not exist; create it or ${fix}.`,
      );
    default:
      return new DatabaseUnavailableError(
        `The database at ${where} could not be used (${e.message ?? String(error)}); ${fix}.`,
      );
  }
}

/** How many statements each of the application's connections keeps prepared by default (`cacheStatements`). */
export const DEFAULT_STATEMENT_CACHE = 200;

export function createPool(
  connectionString: string,
  max: number,
  applicationName: string,
  role?: string,
  statementCache = 0,
): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    // Set at connection start-up, so no query can ever run as the connecting user.
    ...(role ? { options: `-c role=${role}` } : {}),
    max,
    application_name: applicationName,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    foldWorkspaceBegin(client);
    cacheStatements(client, statementCache);
  });
  return pool;
}

/**
 * Opens the application's pool: every connection runs as the `rabita_app` role from its start-up and keeps its
 * most used `statementCache` statements prepared (0: none, for a pooler in transaction mode in front of PostgreSQL).
 */
export function openDatabase(
  connectionString: string,
  options: { poolSize?: number; statementCache?: number } = {},
): DatabaseHandle {
  const pool = createPool(
    connectionString,
    options.poolSize ?? 10,
    'rabita',
    'rabita_app',
    options.statementCache ?? DEFAULT_STATEMENT_CACHE,
  );
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] });
  return {
    db,
    pool,
    close: () => db.destroy(),
  };
}

/** Opens a short-lived connection as the configured (owning) user, for migrations and maintenance. */
export function openOwnerDatabase(connectionString: string): Kysely<unknown> {
  return new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: createPool(connectionString, 2, 'rabita-owner') }),
  });
}

/** Fails with a clear sentence unless the server answers and runs PostgreSQL 15 or newer. */
export async function checkServer(connectionString: string): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const { rows } = await client.query<{ server_version_num: string }>('show server_version_num');
    const version = Number(rows[0]?.server_version_num ?? 0);
    if (version < 150000) {
      throw new DatabaseUnavailableError(
        `The database at ${describeTarget(connectionString)} runs PostgreSQL ${Math.floor(version / 10000)}; Rabita needs 15 or newer, so upgrade it or point DATABASE_URL at a newer server.`,
      );
    }
  } catch (error) {
    if (error instanceof DatabaseUnavailableError) throw error;
    throw explainConnectionError(error, connectionString);
  } finally {
    await client.end().catch(() => {});
  }
}
