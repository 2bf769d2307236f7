// The job worker's heartbeat: a worker process killed while it holds a job has the job released and run by another
// within two minutes (seconds here, with short settings), a live worker's job is never taken from it, and the sweep
// tells dead pools from live ones by their heartbeats.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { withWorkspace } from '@rabita/db';
import { runMigrations } from 'graphile-worker';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJobsDatabase, type JobsDatabase } from './fixtures/jobs-database.ts';
import { releaseDeadWorkers } from './jobs.repository.ts';
import { scheduleJob } from './jobs.service.ts';

const FIXTURE = path.resolve(import.meta.dirname, 'fixtures/crash-worker.ts');
const SETTINGS = { HEARTBEAT_INTERVAL_MS: '300', HEARTBEAT_STALE_MS: '1500', HEARTBEAT_ORPHAN_MS: '600000' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<unknown>;
}

describe('a worker process that dies holding a job', () => {
  let t: JobsDatabase;
  let owner: pg.Pool;
  const running = new Set<WorkerProcess>();

  /** Starts the crash-test worker in its own process and waits until it is taking jobs. */
  async function startWorkerProcess(): Promise<WorkerProcess> {
    const child = spawn(process.execPath, [FIXTURE], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: t.url, ...SETTINGS },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout?.on('data', (d) => {
      out += d;
    });
    child.stderr?.on('data', (d) => {
      out += d;
    });
    const worker = { child, output: () => out, exited: new Promise((r) => child.once('exit', r)) };
    running.add(worker);
    void worker.exited.then(() => running.delete(worker));
    for (let i = 0; i < 300 && !out.includes('ready'); i++) {
      if (child.exitCode !== null) break;
      await sleep(100);
    }
    if (!out.includes('ready')) throw new Error(`the worker did not start: ${out}`);
    return worker;
  }

  const runs = async () =>
    (
      await owner.query<{ pid: number; attempt: number; phase: string }>(
        'select * from crash_runs order by at',
      )
    ).rows;

  beforeAll(async () => {
    t = await createJobsDatabase();
    owner = t.owner;
    await owner.query(`
      create table crash_runs (
        job_id bigint not null, attempt integer not null, pid integer not null, phase text not null,
        at timestamptz not null default clock_timestamp()
      )`);
  });
  afterAll(async () => {
    for (const worker of running) worker.child.kill('SIGKILL');
    await Promise.all([...running].map((w) => w.exited));
    await t?.close();
  });

  it('has its job run by another worker within two minutes of a kill -9, and never before', async () => {
    const first = await startWorkerProcess();
    const workspaceId = await t.createWorkspace();
    await withWorkspace(t.app.db, workspaceId, (trx) =>
      scheduleJob(trx, { task: 'rabita:test-crash', key: 'slow', payload: {}, maxAttempts: 3 }),
    );
    for (let i = 0; i < 100 && (await runs()).length === 0; i++) await sleep(100);
    expect(await runs()).toMatchObject([{ pid: first.child.pid, attempt: 1, phase: 'started' }]);

    // A second worker beats and sweeps beside the first for twice the silence that means death: the first is
    // alive, so its job stays with it.
    const watcher = await startWorkerProcess();
    await sleep(3000);
    expect(await runs()).toHaveLength(1);
    const held = await owner.query<{ locked_by: string | null }>(
      `select locked_by from graphile_worker.jobs where task_identifier = 'rabita:test-crash'`,
    );
    const deadPool = held.rows[0]?.locked_by;
    expect(deadPool).toMatch(/^pool-/);
    const beats = await owner.query<{ pool_id: string; pid: number }>(
      'select pool_id, pid from worker_heartbeats',
    );
    expect(beats.rows).toContainEqual({ pool_id: deadPool, pid: first.child.pid });
    expect(beats.rows).toHaveLength(2);

    first.child.kill('SIGKILL');
    await first.exited;
    const killedAt = Date.now();
    const replacement = await startWorkerProcess();

    let finished: { pid: number; attempt: number } | undefined;
    while (!finished && Date.now() - killedAt < 120_000) {
      await sleep(200);
      finished = (await runs()).find((run) => run.phase === 'finished');
    }
    if (!finished) {
      // Say what the workers and the job looked like, so a failure on a loaded machine can be explained.
      const job = await owner.query(
        `select attempts, locked_by, locked_at, run_at, last_error from graphile_worker.jobs
         where task_identifier = 'rabita:test-crash'`,
      );
      const beatsNow = await owner.query('select pool_id, pid, seen_at from worker_heartbeats');
      expect.fail(
        `the job did not run again within 120 s: job ${JSON.stringify(job.rows)}; heartbeats ${JSON.stringify(beatsNow.rows)}; runs ${JSON.stringify(await runs())}; watcher said: ${watcher.output().slice(-2000)}; replacement said: ${replacement.output().slice(-2000)}`,
      );
    }
    expect(Date.now() - killedAt).toBeLessThan(120_000);
    expect([watcher.child.pid, replacement.child.pid]).toContain(finished?.pid);
    expect(finished?.attempt).toBe(2);
    // Run once more, not twice; the job is done and gone; the dead pool is forgotten.
    expect((await runs()).filter((run) => run.phase === 'started')).toHaveLength(2);
    expect(
      (await owner.query(`select 1 from graphile_worker.jobs where task_identifier = 'rabita:test-crash'`))
        .rowCount,
    ).toBe(0);
    for (let i = 0; i < 50; i++) {
      const left = await owner.query('select 1 from worker_heartbeats where pool_id = $1', [deadPool]);
      if (left.rowCount === 0) break;
      await sleep(100);
    }
    expect(
      (await owner.query('select 1 from worker_heartbeats where pool_id = $1', [deadPool])).rowCount,
    ).toBe(0);

    // A clean stop forgets its own heartbeat.
    replacement.child.kill('SIGTERM');
    await replacement.exited;
    const after = await owner.query<{ pid: number }>('select pid from worker_heartbeats');
    expect(after.rows).toEqual([{ pid: watcher.child.pid }]);
  }, 150_000);
});

describe('the sweep', () => {
  let t: JobsDatabase;
  let owner: pg.Pool;
  beforeAll(async () => {
    t = await createJobsDatabase();
    owner = t.owner;
    await runMigrations({ pgPool: owner });
  });
  afterAll(() => t?.close());

  /** Adds a job and marks it locked by `poolId` since `lockedAgo`. */
  async function lockedJob(poolId: string, lockedAgo: string): Promise<string> {
    const { rows } = await owner.query<{ id: string }>(
      `select id from graphile_worker.add_job('rabita:test-sweep', '{}'::json)`,
    );
    const id = rows[0]?.id as string;
    await owner.query(
      `update graphile_worker._private_jobs set locked_by = $1, locked_at = now() - $2::interval where id = $3`,
      [poolId, lockedAgo, id],
    );
    return id;
  }

  it('releases pools whose heartbeat went stale or that never beat and held long, and no others', async () => {
    await owner.query(`
      insert into worker_heartbeats (pool_id, host, pid, seen_at) values
        ('pool-live', 'here', 1, now()),
        ('pool-stale', 'here', 2, now() - interval '61 seconds')`);
    const live = await lockedJob('pool-live', '3 hours');
    const stale = await lockedJob('pool-stale', '5 seconds');
    const orphan = await lockedJob('pool-orphan', '16 minutes');
    const young = await lockedJob('pool-young', '1 minute');

    const released = await releaseDeadWorkers(owner, { staleSeconds: 60, orphanSeconds: 900 });
    expect(released.sort()).toEqual(['pool-orphan', 'pool-stale']);

    const { rows } = await owner.query<{ id: string; locked_by: string | null }>(
      'select id::text, locked_by from graphile_worker.jobs where id = any($1::bigint[]) order by id',
      [[live, stale, orphan, young]],
    );
    expect(Object.fromEntries(rows.map((r) => [r.id, r.locked_by]))).toEqual({
      [live]: 'pool-live',
      [stale]: null,
      [orphan]: null,
      [young]: 'pool-young',
    });
    const beats = await owner.query<{ pool_id: string }>('select pool_id from worker_heartbeats');
    expect(beats.rows).toEqual([{ pool_id: 'pool-live' }]);
  });
});
