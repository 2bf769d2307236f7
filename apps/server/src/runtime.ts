import fs from 'node:fs/promises';
import path from 'node:path';
import {
  assertSettingsRead,
  crontab,
  lazySecretBox,
  readOrCreateSecretKey,
  registry,
  restoreBackup,
  startJobWorker,
  startServices,
  taskDeps,
  writeBackup,
} from '@rabita/core';
import {
  checkServer,
  createPool,
  type DatabaseHandle,
  DatabaseUnavailableError,
  DataFolderError,
  EMBEDDED_MAX_CONNECTIONS,
  type EmbeddedDatabase,
  ensureWritableFolder,
  lockDataFolder,
  migrateToLatest,
  openDatabase,
  openOwnerDatabase,
  startEmbeddedPostgres,
  upgradeEmbeddedCluster,
} from '@rabita/db';
import { type Runner, Logger as WorkerLogger } from 'graphile-worker';
import pino from 'pino';
import { buildApp } from './app.ts';
import { type Config, ConfigError } from './config.ts';
import { ensureWebApp } from './web.ts';
import { listenOrExplain, startWebProcesses } from './web-processes.ts';

/** A start-up failure the person starting Rabita can fix; its message is one sentence with the fix. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** True for failures whose message is meant for the person at the terminal (no stack trace needed). */
export function isUserFacing(error: unknown): error is Error {
  return (
    error instanceof StartupError ||
    error instanceof ConfigError ||
    error instanceof DataFolderError ||
    error instanceof DatabaseUnavailableError
  );
}

export type Log = pino.Logger;

export function createLogger(config: Pick<Config, 'logLevel'>): Log {
  return pino({ level: config.logLevel, base: { app: 'rabita' } });
}

/** Undo steps run in reverse order; each failure is logged and the rest still run. */
class Teardown {
  private readonly steps: { name: string; run: () => Promise<unknown> }[] = [];
  private readonly log: Log;
  constructor(log: Log) {
    this.log = log;
  }
  add(name: string, run: () => Promise<unknown>) {
    this.steps.push({ name, run });
  }
  async run() {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.run();
        this.log.debug(`${step.name} stopped`);
      } catch (error) {
        this.log.warn({ err: error }, `${step.name} did not stop cleanly`);
      }
    }
  }
}

export interface DatabaseRuntime {
  connectionString: string;
  /** True when Rabita started its own embedded PostgreSQL. */
  embedded: boolean;
  stop(): Promise<void>;
}

/**
 * Makes the database ready: the external one from DATABASE_URL, or the embedded one in the data folder
 * (locked for this process). Checks the server version and applies pending migrations.
 */
export async function startDatabase(config: Config, log: Log): Promise<DatabaseRuntime> {
  const teardown = new Teardown(log);
  try {
    let connectionString = config.databaseUrl;
    if (!connectionString) {
      await ensureWritableFolder(config.dataDir);
      const release = await lockDataFolder(config.dataDir, (error) =>
        log.error({ err: error }, 'data folder lock lost'),
      );
      teardown.add('data folder lock', release);
      // A data folder made by an older PostgreSQL major moves to the one Rabita runs (ARCHITECTURE.md, "Upgrades").
      await upgradeEmbeddedCluster({
        dataDir: config.dataDir,
        copy: (from, to) => copyThroughBackup(config.dataDir, from, to),
        log: (message) => log.info(message),
      });
      log.info({ dataDir: config.dataDir }, 'starting the embedded database');
      const embedded: EmbeddedDatabase = await startEmbeddedPostgres({
        dataDir: config.dataDir,
        onLog: (line) => log.trace({ postgres: line }),
      });
      teardown.add('embedded database', () => embedded.stop());
      connectionString = embedded.connectionString;
    }
    await checkServer(connectionString);
    const owner = openOwnerDatabase(connectionString);
    try {
      const applied = await migrateToLatest(owner, registry().migrations, {
        onWaiting: (holder) =>
          log.warn(
            { holder },
            'waiting for another process to finish migrating the database (it holds the lock)',
          ),
      });
      if (applied.length > 0) log.info({ migrations: applied }, 'database migrated');
    } finally {
      await owner.destroy();
    }
    return { connectionString, embedded: !config.databaseUrl, stop: () => teardown.run() };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

/**
 * Copies Rabita's data from one database to an empty one through the logical backup and restore: the source is first
 * migrated to this version's schema (a restore takes a backup of the schema it migrates to), the file is kept in the
 * data folder only while it is needed.
 */
export async function copyThroughBackup(dataDir: string, from: string, to: string): Promise<void> {
  const owner = openOwnerDatabase(from);
  try {
    await migrateToLatest(owner, registry().migrations);
  } finally {
    await owner.destroy();
  }
  const file = path.join(dataDir, 'pg-upgrade-backup.zip');
  await writeBackup(from, file);
  await restoreBackup(to, file);
  await fs.rm(file, { force: true });
}

/**
 * Starts graphile-worker on the database with Rabita's task list and schedule, in two sets of slots: quick jobs
 * (`RABITA_WORKER_CONCURRENCY`) and long ones (`RABITA_WORKER_LONG_CONCURRENCY`; imports, re-indexing, rescoring),
 * so an import never keeps a workflow step or an SLA deadline waiting. Each set fetches only its own tasks.
 */
export async function startWorker(
  config: Config,
  connectionString: string,
  db: DatabaseHandle['db'],
  log: Log,
): Promise<Runner> {
  assertSettingsRead(registry().modules, config.moduleSettings);
  const pgPool = createPool(
    connectionString,
    config.workerConcurrency + config.workerLongConcurrency + 2,
    'rabita-worker',
  );
  const deps = taskDeps({
    db,
    session: { idleHours: config.sessionIdleHours, maxDays: config.sessionMaxDays },
    settings: config.moduleSettings,
    publicUrl: config.publicUrl,
    listen: { connectionString },
    secrets: lazySecretBox(async () => config.secretKey ?? (await readOrCreateSecretKey(config.dataDir))),
    log: (level, message, detail) => log[level](detail ?? {}, message),
  });
  const logger = new WorkerLogger((scope) => (level, message, meta) => {
    const method = level === 'warning' ? 'warn' : level === 'error' ? 'error' : 'debug';
    log[method]({ worker: scope, ...meta }, message);
  });
  // With a heartbeat: a worker process that dies has its jobs released by the others within two minutes.
  // The schedule belongs to the quick slots; the jobs it queues are taken by whichever slots run their task.
  const quick = await startJobWorker({
    pgPool,
    concurrency: config.workerConcurrency,
    taskList: registry().taskList(deps, 'quick'),
    crontab: crontab(),
    logger,
  });
  let long: Runner;
  try {
    long = await startJobWorker({
      pgPool,
      concurrency: config.workerLongConcurrency,
      taskList: registry().taskList(deps, 'long'),
      crontab: '',
      logger,
    });
  } catch (error) {
    await quick.stop();
    await pgPool.end();
    throw error;
  }
  // Modules' long-running work (mailbox sync) runs beside the job slots and stops before the runners do.
  const stopServices = startServices(deps);
  // Settles when both sets have stopped (the first failure, if any, is its outcome).
  const promise = Promise.allSettled([quick.promise, long.promise]).then((outcomes) => {
    for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
  });
  // The runners do not own the pool they were given; end it once both have stopped.
  promise.finally(() => pgPool.end()).catch(() => {});
  return {
    ...quick,
    stop: async (reason?: string) => {
      await stopServices();
      await Promise.all([quick.stop(reason), long.stop(reason)]);
    },
    kill: async (reason?: string) => {
      await Promise.all([quick.kill(reason), long.kill(reason)]);
    },
    promise,
  };
}

/**
 * Web processes each hold a pool and a LISTEN connection; the embedded PostgreSQL accepts a fixed number. Refuses a
 * start that would run out of them under load (an external server's limit is its operator's).
 */
function assertEmbeddedConnections(config: Config): void {
  const needed =
    (config.webProcesses + 1) * (config.dbPoolSize + 2) +
    config.workerConcurrency +
    config.workerLongConcurrency +
    2;
  // Room for the migrator, a backup and an operator's psql.
  if (needed > EMBEDDED_MAX_CONNECTIONS - 10) {
    throw new StartupError(
      `RABITA_WEB_PROCESSES=${config.webProcesses} with RABITA_DB_POOL_SIZE=${config.dbPoolSize} needs about ${needed} database connections and the embedded database allows ${EMBEDDED_MAX_CONNECTIONS - 10}; lower one of them, or set DATABASE_URL to a PostgreSQL server sized for it.`,
    );
  }
}

export interface Running {
  /** Where it serves, for the log and the tests. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts all of Rabita: database, migrations, the job worker (by default) and the HTTP server, in this process or,
 * with `RABITA_WEB_PROCESSES` above 1, in that many web processes beside it. `stop` drains HTTP, stops the worker,
 * closes pools, then stops the embedded database. `onFailure` hears a failure after the start (web processes that
 * keep stopping), after which the caller should stop.
 */
export async function startRabita(
  config: Config,
  log: Log = createLogger(config),
  onFailure: (error: Error) => void = (error) => log.error({ err: error }, 'Rabita cannot go on serving'),
): Promise<Running> {
  if (config.webProcesses > 1 && !config.databaseUrl) assertEmbeddedConnections(config);
  const teardown = new Teardown(log);
  try {
    const database = await startDatabase(config, log);
    teardown.add('database', () => database.stop());
    const handle = openDatabase(database.connectionString, {
      poolSize: config.dbPoolSize,
      statementCache: config.dbStatementCache,
    });
    teardown.add('database pool', () => handle.close());
    if (config.inProcessWorker) {
      const runner = await startWorker(config, database.connectionString, handle.db, log);
      teardown.add('job worker', () => runner.stop());
    }
    await ensureWebApp(log);
    if (config.webProcesses > 1) {
      const web = await startWebProcesses(config, database.connectionString, log, onFailure);
      teardown.add('web processes', () => web.stop());
    } else {
      const app = await buildApp(config, { db: handle.db, pool: handle.pool });
      teardown.add('http server', () => app.close());
      await listenOrExplain(app, config);
    }
    const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
    log.info(
      {
        url,
        embedded: database.embedded,
        ...(config.webProcesses > 1 ? { webProcesses: config.webProcesses } : {}),
      },
      'Rabita is ready',
    );
    return { url, stop: () => teardown.run() };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}
