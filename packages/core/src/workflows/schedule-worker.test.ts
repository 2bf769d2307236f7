// The real path of a schedule: graphile-worker (as `rabita start` runs it) takes the schedule's job, which starts
// the run and queues the next fire under the same key while it still holds its own; the run's steps follow on the
// same worker. Nothing here calls the job's function itself.
import { loadConfig, startWorker } from '@rabita/server';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, ownerPool, signUp, type TestApp } from '../../../../test/harness.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a schedule on the job worker', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let owner: pg.Pool;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    owner = ownerPool(t.url, 2);
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('fires once at its time, runs the steps, and leaves exactly one job: the next fire', async () => {
    const created = await call('POST', '/workflows', {
      name: 'Every day',
      draft: {
        trigger: { type: 'schedule', cron: '0 9 * * *', timeZone: 'Asia/Riyadh' },
        start: 'note',
        steps: [
          {
            id: 'note',
            type: 'createRecord',
            object: 'people',
            values: { firstName: { value: 'تقرير الصباح' } },
          },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = (created.json() as { id: string }).id;
    expect((await call('POST', `/workflows/${id}/publish`)).statusCode).toBe(200);
    expect((await call('PATCH', `/workflows/${id}`, { enabled: true })).statusCode).toBe(200);

    // The worker's clock cannot be moved, so the held job is made due now, as if its fire time were a minute ago
    // (within the grace hour: it runs).
    const key = `ws:${admin.workspaceId}:workflow-schedule:${id}`;
    const due = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const moved = await owner.query(
      `update pending_jobs set run_at = now(), payload = jsonb_set(payload, '{fireAt}', to_jsonb($2::text))
       where job_key = $1`,
      [key, due.toISOString()],
    );
    expect(moved.rowCount).toBe(1);

    const config = loadConfig({ DATABASE_URL: t.url, LOG_LEVEL: 'silent', RABITA_WORKER_CONCURRENCY: '1' });
    const runner = await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }));
    let runs: { id: string; status: string; trigger: { fireAt?: string } }[] = [];
    try {
      const started = Date.now();
      while (Date.now() - started < 30_000) {
        runs = (
          (await call('GET', `/workflow-runs?workflowId=${id}`)).json() as {
            data: typeof runs;
          }
        ).data;
        if (runs[0]?.status === 'succeeded') break;
        await sleep(100);
      }
    } finally {
      await runner.stop();
    }
    expect(runs.map((r) => [r.status, r.trigger.fireAt])).toEqual([['succeeded', due.toISOString()]]);
    const people = (await call('GET', '/objects/people?limit=50')).json() as {
      data: { firstName: string }[];
    };
    expect(people.data.filter((p) => p.firstName === 'تقرير الصباح')).toHaveLength(1);

    // One job left under the schedule's key: the next 09:00 in Riyadh (06:00 UTC), after now.
    const left = await owner.query<{ run_at: Date; payload: { fireAt: string } }>(
      'select run_at, payload from graphile_worker._private_jobs where key = $1',
      [key],
    );
    expect(left.rows).toHaveLength(1);
    expect(left.rows[0]!.payload.fireAt).toMatch(/T06:00:00\.000Z$/);
    expect(left.rows[0]!.run_at.getTime()).toBeGreaterThan(Date.now());
  }, 60_000);
});
