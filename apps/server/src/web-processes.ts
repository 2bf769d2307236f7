// Rabita's HTTP server in several processes on one machine (`RABITA_WEB_PROCESSES`; ARCHITECTURE.md, "Several web
// processes on one machine"). One Node.js process is one event loop: a contact centre's call events, screen pops and
// lists then wait on one core behind each other while the machine's other cores idle. Above 1, `rabita start` keeps
// the database (embedded or not), the migrations and the job worker in its first process and serves HTTP from that
// many children (node:cluster), which share the listening socket. A child accepts a connection when its event loop
// is free (`SCHED_NONE`): the first process, which also runs jobs, is not a hop every connection waits on, and a busy
// child does not take connections from an idle one. Each child opens its own pool and its own LISTEN connection; what they share lives in PostgreSQL,
// as it does between machines behind a load balancer.
import cluster, { type Worker } from 'node:cluster';
import { openDatabase } from '@rabita/db';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import type { Config } from './config.ts';
import { isUserFacing, type Log, StartupError } from './runtime.ts';

/** Where a web process finds the first process's database (the embedded one's address, or DATABASE_URL's). */
const DATABASE_VARIABLE = 'RABITA_WEB_PROCESS_DATABASE';
/** A web process that stopped this many times within a minute is not started again: Rabita stops. */
const RESTARTS_PER_MINUTE = 5;
/** How long a web process may take to finish its requests once asked to stop, before it is killed. */
const STOP_MS = 25_000;
/**
 * How long a web process stopped by SIGINT, SIGTERM or SIGHUP waits to be called unexpected. Ctrl-C at a terminal and
 * a service manager's stop reach the whole process group: a web process may go (one still starting goes at once)
 * before this process has heard the same signal and begun to stop, and it would be started again, its going logged
 * as an error. Waited this long, a stop that is under way is seen; a web process stopped alone by such a signal is
 * started again after it.
 */
const GROUP_SIGNAL_MS = 2_000;

/** What a web process tells the first one. */
type Report = { rabita: 'listening' } | { rabita: 'failed'; message: string; userFacing: boolean };
/** What the first process tells a web process. */
const STOP_MESSAGE = { rabita: 'stop' } as const;

/** True in a child started by `startWebProcesses`. */
export function isWebProcess(): boolean {
  return cluster.isWorker && process.env[DATABASE_VARIABLE] !== undefined;
}

/** Listens on the configured port, or throws a StartupError that says how to fix what stopped it. */
export async function listenOrExplain(app: FastifyInstance, config: Config): Promise<void> {
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new StartupError(
        `Port ${config.port} is already in use on ${config.host}; stop the program using it, or set PORT to a free port.`,
      );
    }
    if (code === 'EACCES') {
      throw new StartupError(
        `Port ${config.port} needs privileges this user lacks; set PORT to 1024 or above.`,
      );
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
      throw new StartupError(
        `HOST ${config.host} is not an address of this machine; set HOST to 127.0.0.1 or 0.0.0.0.`,
      );
    }
    throw error;
  }
}

/**
 * Starts `config.webProcesses` web processes on `connectionString` and settles once every one listens (or rejects
 * with the first one's failure, having stopped the others). A web process that stops on its own is started again;
 * one that keeps stopping (more than five times a minute) makes `onGiveUp` run. `stop` asks each to finish its
 * requests and waits for them.
 */
export async function startWebProcesses(
  config: Config,
  connectionString: string,
  log: Log,
  onGiveUp: (error: Error) => void,
): Promise<{ stop(): Promise<void> }> {
  const workers = new Set<Worker>();
  let started = false;
  let stopping = false;
  let restarts: number[] = [];

  // Before the first fork: the children accept from the shared socket themselves.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const fork = (): Promise<void> => {
    const worker = cluster.fork({ [DATABASE_VARIABLE]: connectionString });
    workers.add(worker);
    // A message to a process that has just gone (its channel closed) is not a reason to stop this one.
    worker.on('error', (error) => log.debug({ err: error, pid: worker.process.pid }, 'web process channel'));
    return new Promise<void>((resolve, reject) => {
      let failure: Error | undefined;
      worker.on('message', (message: Report) => {
        if (message?.rabita === 'listening') resolve();
        if (message?.rabita === 'failed') {
          failure = message.userFacing ? new StartupError(message.message) : new Error(message.message);
        }
      });
      worker.once('exit', (code, signal) => {
        workers.delete(worker);
        reject(
          failure ?? new Error(`a web process stopped while starting (${signal ?? `exit code ${code}`})`),
        );
        const groupSignal = signal === 'SIGINT' || signal === 'SIGTERM' || signal === 'SIGHUP';
        if (groupSignal && started && !stopping)
          setTimeout(() => replace(code, signal), GROUP_SIGNAL_MS).unref();
        else replace(code, signal);
      });
      const replace = (code: number | null, signal: string | null) => {
        if (stopping || !started) return;
        const now = Date.now();
        restarts = [...restarts.filter((at) => now - at < 60_000), now];
        if (restarts.length > RESTARTS_PER_MINUTE) {
          onGiveUp(
            new Error(`web processes stopped ${restarts.length} times within a minute; see the log above`),
          );
          return;
        }
        log.error(
          { pid: worker.process.pid, code, signal },
          'a web process stopped unexpectedly; starting another',
        );
        fork().catch((error) => {
          // One asked to stop while it started is not a failure (the group's signal may reach it first: see above).
          setTimeout(() => {
            if (!stopping) log.error({ err: error }, 'a replacement web process did not start');
          }, GROUP_SIGNAL_MS).unref();
        });
      };
    });
  };

  const stop = async () => {
    stopping = true;
    await Promise.all(
      [...workers].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const kill = setTimeout(() => worker.process.kill('SIGKILL'), STOP_MS);
            worker.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            // A Ctrl-C reaches the whole process group: the web process may be stopping on its own already, its
            // channel closed. Asked then, the send fails into its callback (without one it would be an error event
            // that ends this process with exit code 1 before the database has stopped).
            if (worker.isConnected()) worker.send(STOP_MESSAGE, () => {});
          }),
      ),
    );
  };

  const outcomes = await Promise.allSettled(Array.from({ length: config.webProcesses }, fork));
  const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failed) {
    await stop();
    throw failed.reason;
  }
  started = true;
  return { stop };
}

/**
 * In a web process: opens its own pool on the first process's database, builds the app and listens on the shared
 * port, then tells the first process. `requestStop` is called when the first process asks this one to stop or goes
 * away. A failure to start is reported to the first process (which says it once) and ends this one.
 */
export async function serveWebProcess(
  config: Config,
  log: Log,
  requestStop: () => void,
): Promise<() => Promise<void>> {
  const connectionString = process.env[DATABASE_VARIABLE] as string;
  // Not handed on to anything this process starts (a browser printing a PDF).
  delete process.env[DATABASE_VARIABLE];
  process.on('message', (message: unknown) => {
    if ((message as { rabita?: string } | null)?.rabita === STOP_MESSAGE.rabita) requestStop();
  });
  process.on('disconnect', requestStop);
  const handle = openDatabase(connectionString, {
    poolSize: config.dbPoolSize,
    statementCache: config.dbStatementCache,
  });
  try {
    const app = await buildApp(config, { db: handle.db, pool: handle.pool });
    try {
      await listenOrExplain(app, config);
    } catch (error) {
      await app.close();
      throw error;
    }
    process.send?.({ rabita: 'listening' } satisfies Report);
    log.debug({ pid: process.pid }, 'web process listening');
    return async () => {
      await app.close();
      await handle.close();
    };
  } catch (error) {
    await handle.close();
    const report: Report = {
      rabita: 'failed',
      message: error instanceof Error ? error.message : String(error),
      userFacing: isUserFacing(error),
    };
    await new Promise<void>((resolve) => (process.send ? process.send(report, () => resolve()) : resolve()));
    process.exit(1);
  }
}
