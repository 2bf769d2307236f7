import { EventEmitter } from 'node:events';
import os from 'node:os';
import { type Logger, type Runner, run, type TaskList, type WorkerEvents } from 'graphile-worker';
import type pg from 'pg';
import {
  deleteHeartbeats,
  queuePendingJobs,
  releaseDeadWorkers,
  upsertHeartbeat,
} from './jobs.repository.ts';

/** How often a worker process says it is alive, and when silence means it is dead. */
export interface HeartbeatSettings {
  /** Between two heartbeats (each also sweeps and queues held jobs). */
  intervalMs: number;
  /** A worker pool whose heartbeat is older than this is dead: its jobs are released. */
  staleAfterMs: number;
  /** A pool with no heartbeat at all (killed before its first, or not Rabita's) is dead once its lock is this old. */
  orphanAfterMs: number;
}

/**
 * 20 s beats and a 60 s silence: a killed worker's jobs are free again at most 80 s after its last beat (one more
 * beat of any surviving worker), well within two minutes, and a live worker misses two beats before it counts as
 * dead.
 */
export const DEFAULT_HEARTBEAT: HeartbeatSettings = {
  intervalMs: 20_000,
  staleAfterMs: 60_000,
  orphanAfterMs: 15 * 60_000,
};

export interface JobWorkerOptions {
  /** A pool connecting as the database owner (graphile-worker creates and owns its schema). */
  pgPool: pg.Pool;
  concurrency: number;
  taskList: TaskList;
  crontab: string;
  logger: Logger;
  heartbeat?: Partial<HeartbeatSettings> | undefined;
  /** graphile-worker's polling for jobs due later (default 2 s); tests shorten it. */
  pollInterval?: number | undefined;
}

/**
 * Starts graphile-worker with a heartbeat: the process records each of its worker pools every interval, releases
 * the jobs of pools that stopped beating, and queues jobs scheduled before graphile-worker's schema existed.
 * Stopping the runner also stops the heartbeat and forgets the pool.
 */
export async function startJobWorker(options: JobWorkerOptions): Promise<Runner> {
  const settings = { ...DEFAULT_HEARTBEAT, ...options.heartbeat };
  const log = options.logger.scope({ label: 'heartbeat' });
  const owner = options.pgPool;
  const identity = { host: os.hostname(), pid: process.pid };
  const poolIds: string[] = [];
  let stopped = false;
  let tick: Promise<void> = Promise.resolve();

  const beat = async () => {
    for (const poolId of poolIds) await upsertHeartbeat(owner, { poolId, ...identity });
  };
  const sweep = async () => {
    await beat();
    const released = await releaseDeadWorkers(owner, {
      staleSeconds: settings.staleAfterMs / 1000,
      orphanSeconds: settings.orphanAfterMs / 1000,
    });
    if (released.length > 0) log.warn(`released the jobs of dead workers ${released.join(', ')}`);
    const queued = await queuePendingJobs(owner);
    if (queued > 0) log.info(`queued ${queued} jobs scheduled before the worker first started`);
  };
  // One beat at a time; a failure (the database away for a moment) is logged and the next beat tries again.
  const next = (work: () => Promise<void>) => {
    tick = tick.then(work).catch((error: unknown) => {
      log.warn(`heartbeat failed: ${error instanceof Error ? error.message : String(error)}`);
    });
    return tick;
  };

  const events = new EventEmitter() as WorkerEvents;
  // Emitted while `run` builds the pool, before its first job is taken: the first beat goes out at once.
  events.on('pool:create', ({ workerPool }) => {
    poolIds.push(workerPool.id);
    void next(beat);
  });
  const runner = await run({
    pgPool: owner,
    concurrency: options.concurrency,
    noHandleSignals: true,
    taskList: options.taskList,
    crontab: options.crontab,
    logger: options.logger,
    events,
    ...(options.pollInterval === undefined ? {} : { pollInterval: options.pollInterval }),
  });
  await next(sweep);
  const timer = setInterval(() => void next(sweep), settings.intervalMs);
  timer.unref();

  const stopHeartbeat = async () => {
    if (stopped) return tick;
    stopped = true;
    clearInterval(timer);
    return next(() => deleteHeartbeats(owner, poolIds));
  };
  return {
    ...runner,
    stop: async (reason?: string) => {
      try {
        await runner.stop(reason);
      } finally {
        await stopHeartbeat();
      }
    },
    promise: runner.promise.finally(stopHeartbeat),
  };
}
