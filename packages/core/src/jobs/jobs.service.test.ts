// Scheduling jobs by key from a workspace transaction, as the application role: run at their time, replaced and
// cancelled by key, kept apart per workspace, queued only on commit, and held until a worker first starts.
import { type Tx, withWorkspace } from '@rabita/db';
import { Logger, type Runner, type TaskList } from 'graphile-worker';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { createJobsDatabase, type JobsDatabase } from './fixtures/jobs-database.ts';
import { startJobWorker } from './job-worker.ts';
import { cancelJob, type ScheduleJobInput, scheduleJob } from './jobs.service.ts';

const TASK = 'rabita:test-record';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Run {
  payload: Record<string, unknown>;
  at: number;
}

/** A worker in this process whose one task records each run it makes. */
async function startRecordingWorker(db: JobsDatabase, runs: Run[]): Promise<Runner> {
  const taskList: TaskList = {
    [TASK]: async (payload) => {
      runs.push({ payload: payload as Record<string, unknown>, at: Date.now() });
    },
  };
  return startJobWorker({
    pgPool: db.owner,
    concurrency: 2,
    taskList,
    crontab: '',
    logger: new Logger(() => () => {}),
    pollInterval: 100,
  });
}

const schedule = (db: JobsDatabase, workspaceId: string, input: Partial<ScheduleJobInput>) =>
  withWorkspace(db.app.db, workspaceId, (trx) => scheduleJob(trx, { task: TASK, payload: {}, ...input }));
const cancel = (db: JobsDatabase, workspaceId: string, input: { task?: string; key: string }) =>
  withWorkspace(db.app.db, workspaceId, (trx) => cancelJob(trx, input));
const inMs = (ms: number) => new Date(Date.now() + ms);

async function until(condition: () => boolean, ms = 5000) {
  for (let waited = 0; !condition() && waited < ms; waited += 50) await sleep(50);
}

describe('jobs scheduled before any worker has started', () => {
  let db: JobsDatabase;
  let runner: Runner | undefined;
  beforeAll(async () => {
    db = await createJobsDatabase();
  });
  afterAll(async () => {
    await runner?.stop();
    await db?.close();
  });

  it('are held, replaced and cancelled by key, then queued when the first worker starts', async () => {
    const workspaceId = await db.createWorkspace();
    const schema = await db.owner.query(`select to_regnamespace('graphile_worker') as s`);
    expect(schema.rows[0].s).toBeNull();

    await schedule(db, workspaceId, { key: 'early', payload: { n: 1 } });
    await schedule(db, workspaceId, { key: 'early', payload: { n: 2 } });
    await schedule(db, workspaceId, { key: 'dropped', payload: { n: 3 } });
    expect(await cancel(db, workspaceId, { key: 'dropped' })).toBe(true);
    const held = await db.owner.query(`select task, job_key, payload from pending_jobs`);
    expect(held.rows).toEqual([
      { task: TASK, job_key: `ws:${workspaceId}:early`, payload: { n: 2, workspaceId } },
    ]);

    const runs: Run[] = [];
    runner = await startRecordingWorker(db, runs);
    await until(() => runs.length > 0);
    await sleep(300);
    expect(runs.map((run) => run.payload)).toEqual([{ n: 2, workspaceId }]);
    expect((await db.owner.query('select 1 from pending_jobs')).rowCount).toBe(0);
  });
});

describe('jobs held by the application role', () => {
  let db: JobsDatabase;
  beforeAll(async () => {
    db = await createJobsDatabase();
  });
  afterAll(() => db?.close());

  it('are its own workspace’s only, naming that workspace in their payload', async () => {
    const a = await db.createWorkspace();
    const b = await db.createWorkspace();
    await schedule(db, b, { key: 'theirs', payload: { n: 0 } });
    // Held and cancelled in a transaction that also wrote the workspace's rows, as creating a ticket does.
    await withWorkspace(db.app.db, a, async (trx) => {
      await sql`update workspaces set name = name where id = ${a}`.execute(trx);
      await scheduleJob(trx, { task: TASK, key: 'mine', payload: { n: 1 } });
      await scheduleJob(trx, { task: TASK, key: 'dropped', payload: { n: 2 } });
      expect(await cancelJob(trx, { key: 'dropped' })).toBe(true);
      expect(await cancelJob(trx, { key: 'theirs' })).toBe(false);
    });
    const held = await db.owner.query(
      `select job_key, payload from pending_jobs order by workspace_id = $1 desc, job_key`,
      [a],
    );
    expect(held.rows).toEqual([
      { job_key: `ws:${a}:mine`, payload: { n: 1, workspaceId: a } },
      { job_key: `ws:${b}:theirs`, payload: { n: 0, workspaceId: b } },
    ]);
    // Written directly, a held job of another workspace is refused, by its row or by its payload.
    const insert = (workspaceId: string, payload: Record<string, unknown>) =>
      withWorkspace(db.app.db, a, (trx) =>
        sql`insert into pending_jobs (workspace_id, task, payload, run_at, max_attempts)
            values (${workspaceId}, ${TASK}, ${JSON.stringify(payload)}::jsonb, now(), 1)`.execute(trx),
      );
    await expect(insert(b, { workspaceId: b })).rejects.toMatchObject({ code: '42501' });
    await expect(insert(a, { workspaceId: b })).rejects.toMatchObject({ code: '23514' });
    // Nor a task that is not Rabita's, another workspace's key, or attempts the functions would refuse.
    const row = (task: string, key: string | null, attempts: number) =>
      withWorkspace(db.app.db, a, (trx) =>
        sql`insert into pending_jobs (workspace_id, task, job_key, payload, run_at, max_attempts)
            values (${a}, ${task}, ${key}, ${JSON.stringify({ workspaceId: a })}::jsonb, now(), ${attempts})`.execute(
          trx,
        ),
      );
    await expect(row('graphile_worker_task', null, 1)).rejects.toMatchObject({ code: '23514' });
    await expect(row(TASK, `ws:${b}:stolen`, 1)).rejects.toMatchObject({ code: '23514' });
    await expect(row(TASK, 'no-prefix', 1)).rejects.toMatchObject({ code: '23514' });
    await expect(row(TASK, null, 99)).rejects.toMatchObject({ code: '23514' });
    const seen = await withWorkspace(db.app.db, a, (trx) =>
      sql<{ k: string }>`select job_key as k from pending_jobs`.execute(trx),
    );
    expect(seen.rows).toEqual([{ k: `ws:${a}:mine` }]);
  });
});

describe('scheduleJob and cancelJob', () => {
  let db: JobsDatabase;
  let runner: Runner;
  const runs: Run[] = [];
  let a: string;
  let b: string;
  beforeAll(async () => {
    db = await createJobsDatabase();
    a = await db.createWorkspace();
    b = await db.createWorkspace();
    runner = await startRecordingWorker(db, runs);
  });
  afterAll(async () => {
    await runner?.stop();
    await db?.close();
  });
  const runsOf = (tag: string) => runs.filter((run) => run.payload.tag === tag);

  it('runs a job at its time and not before', async () => {
    const runAt = inMs(1500);
    await schedule(db, a, { key: 'timed', runAt, payload: { tag: 'timed' } });
    await sleep(1000);
    expect(runsOf('timed')).toEqual([]);
    await until(() => runsOf('timed').length > 0);
    const [run] = runsOf('timed');
    expect(run?.at).toBeGreaterThanOrEqual(runAt.getTime() - 20);
    expect(run?.at).toBeLessThan(runAt.getTime() + 3000);
  });

  it('replaces the job of the same key: one run, with the last payload and time', async () => {
    await schedule(db, a, { key: 'moved', runAt: inMs(400), payload: { tag: 'moved', n: 1 } });
    const later = inMs(1200);
    await schedule(db, a, { key: 'moved', runAt: later, payload: { tag: 'moved', n: 2 } });
    await until(() => runsOf('moved').length > 0);
    await sleep(800);
    expect(runsOf('moved').map((run) => run.payload.n)).toEqual([2]);
    expect(runsOf('moved')[0]?.at).toBeGreaterThanOrEqual(later.getTime() - 20);
  });

  it('cancels a job by key, only of the named task when one is named; cancelling again finds nothing', async () => {
    await schedule(db, a, { key: 'cancelled', runAt: inMs(800), payload: { tag: 'cancelled' } });
    expect(await cancel(db, a, { task: 'rabita:another-task', key: 'cancelled' })).toBe(false);
    expect(await cancel(db, a, { task: TASK, key: 'cancelled' })).toBe(true);
    expect(await cancel(db, a, { key: 'cancelled' })).toBe(false);
    await sleep(1500);
    expect(runsOf('cancelled')).toEqual([]);
  });

  it("keeps another workspace's job of the same key apart", async () => {
    await schedule(db, a, { key: 'shared', runAt: inMs(600), payload: { tag: 'shared' } });
    await schedule(db, b, { key: 'shared', runAt: inMs(600), payload: { tag: 'shared' } });
    await schedule(db, a, { key: 'kept', runAt: inMs(600), payload: { tag: 'kept' } });
    await schedule(db, b, { key: 'kept', runAt: inMs(600), payload: { tag: 'kept' } });
    expect(await cancel(db, b, { key: 'kept' })).toBe(true);
    await until(() => runsOf('shared').length === 2 && runsOf('kept').length === 1);
    await sleep(500);
    expect(
      runsOf('shared')
        .map((run) => run.payload.workspaceId)
        .sort(),
    ).toEqual([a, b].sort());
    expect(runsOf('kept').map((run) => run.payload.workspaceId)).toEqual([a]);
  });

  it('sets the payload’s workspace itself, whatever the caller put there', async () => {
    await schedule(db, a, { payload: { tag: 'forged', workspaceId: b } });
    await until(() => runsOf('forged').length > 0);
    expect(runsOf('forged').map((run) => run.payload.workspaceId)).toEqual([a]);
  });

  it('queues nothing when the transaction rolls back', async () => {
    await expect(
      withWorkspace(db.app.db, a, async (trx) => {
        await scheduleJob(trx, { task: TASK, key: 'rolled-back', payload: { tag: 'rolled-back' } });
        throw new Error('the write failed');
      }),
    ).rejects.toThrow('the write failed');
    const queued = await db.owner.query(`select 1 from graphile_worker.jobs where key = $1`, [
      `ws:${a}:rolled-back`,
    ]);
    expect(queued.rowCount).toBe(0);
    await sleep(500);
    expect(runsOf('rolled-back')).toEqual([]);
  });

  it('works as the application role, which cannot reach the queue itself or schedule outside a workspace', async () => {
    const role = await withWorkspace(db.app.db, a, (trx) =>
      sql<{ role: string }>`select current_user as role`.execute(trx),
    );
    expect(role.rows[0]?.role).toBe('rabita_app');
    await expect(
      withWorkspace(db.app.db, a, (trx) =>
        sql`select graphile_worker.add_job('rabita:test-record', '{}'::json)`.execute(trx),
      ),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(
      db.app.db
        .transaction()
        .execute((trx: Tx) => scheduleJob(trx, { task: TASK, payload: { tag: 'no-workspace' } })),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('refuses bad input with validation_failed, naming the field', async () => {
    const cases: [Partial<ScheduleJobInput>, string][] = [
      [{ task: 'cleanup' }, 'task'],
      [{ task: 'rabita:Not A Name' }, 'task'],
      [{ key: '' }, 'key'],
      [{ key: 'k'.repeat(201) }, 'key'],
      [{ key: 'nul\u0000' }, 'key'],
      [{ payload: [] as unknown as Record<string, unknown> }, 'payload'],
      [{ payload: { big: 'x'.repeat(17_000) } }, 'payload'],
      [{ payload: { text: 'lone \ud800' } }, 'payload'],
      [{ maxAttempts: 0 }, 'maxAttempts'],
      [{ maxAttempts: 26 }, 'maxAttempts'],
      [{ runAt: new Date(Number.NaN) }, 'runAt'],
    ];
    for (const [input, field] of cases) {
      const error = await schedule(db, a, input).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(AppError);
      expect(error).toMatchObject({ code: 'validation_failed', errors: [{ field }] });
    }
    await expect(cancel(db, a, { key: 'k'.repeat(201) })).rejects.toMatchObject({
      code: 'validation_failed',
      errors: [{ field: 'key' }],
    });
  });
});
