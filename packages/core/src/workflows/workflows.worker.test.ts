// The real path: a write commits a run and its first rabita:workflow-step job; the job worker (graphile-worker,
// as `rabita start` runs it) takes the steps one job at a time, through a wait of two seconds and an email to a
// local SMTP receiver, to the end. Nothing here calls the step runner itself.
import { loadConfig, startWorker } from '@rabita/server';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, ownerPool, signUp, type TestApp } from '../../../../test/harness.ts';
import { type SmtpReceiver, startSmtpReceiver } from './smtp-receiver.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('workflow runs on the job worker', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let owner: pg.Pool;
  let smtp: SmtpReceiver;
  const received: string[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    owner = ownerPool(t.url, 2);
    smtp = await startSmtpReceiver((raw) => {
      received.push(raw);
    });
  });
  afterAll(async () => {
    await smtp?.close();
    await owner?.end();
    await t?.close();
  });

  it('takes a triggered run from queued through a 2 s wait and an email to succeeded, one job per step', async () => {
    const created = await call('POST', '/workflows', {
      name: 'Welcome',
      draft: {
        trigger: { type: 'record', object: 'people', events: ['created'] },
        start: 'mark',
        steps: [
          {
            id: 'mark',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { value: 'در انتظار' } },
            next: 'pause',
          },
          { id: 'pause', type: 'wait', until: { expr: 'now + duration("2s")' }, next: 'mail' },
          {
            id: 'mail',
            type: 'sendEmail',
            to: [{ expr: 'record.emails' }],
            subject: 'خوش آمدید {{ record.firstName }}',
            body: 'سلام {{ record.firstName }}',
            next: 'done',
          },
          {
            id: 'done',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { value: 'خوش‌آمد گفته شد' } },
            next: null,
          },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const w = created.json() as { id: string };
    expect((await call('POST', `/workflows/${w.id}/publish`)).statusCode).toBe(200);
    expect((await call('PATCH', `/workflows/${w.id}`, { enabled: true })).statusCode).toBe(200);

    // The write commits the run (queued) and its first job; no worker runs yet.
    const person = (
      await call('POST', '/objects/people', { firstName: 'نسرین', emails: ['nasrin@example.com'] })
    ).json() as { id: string };
    const runs = (await call('GET', `/workflow-runs?workflowId=${w.id}`)).json() as {
      data: { id: string; status: string }[];
    };
    expect(runs.data.map((r) => r.status)).toEqual(['queued']);
    const runId = runs.data[0]!.id;
    // (Held in pending_jobs until the worker's first start creates graphile-worker's schema and queues it.)
    const jobs = await owner.query<{ task: string; key: string }>(
      'select task, job_key as key from pending_jobs',
    );
    expect(jobs.rows).toContainEqual({
      task: 'rabita:workflow-step',
      key: `ws:${admin.workspaceId}:workflow-run:${runId}`,
    });

    const config = loadConfig({
      DATABASE_URL: t.url,
      LOG_LEVEL: 'silent',
      RABITA_WORKER_CONCURRENCY: '1',
      RABITA_SMTP_URL: smtp.url,
      RABITA_SMTP_FROM: 'crm@rabita.example',
    });
    const runner = await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }));
    const seen: string[] = [];
    let run: {
      status: string;
      startedAt: string | null;
      steps: { stepId: string; status: string; startedAt: string; finishedAt: string | null }[];
    } = { status: 'queued', startedAt: null, steps: [] };
    try {
      const started = Date.now();
      while (run.status !== 'succeeded' && run.status !== 'failed' && Date.now() - started < 30_000) {
        run = (await call('GET', `/workflow-runs/${runId}`)).json() as typeof run;
        if (seen.at(-1) !== run.status) seen.push(run.status);
        await sleep(50);
      }
    } finally {
      await runner.stop();
    }
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    // It waited between the first step and the email (status `waiting`), then went on.
    expect(seen).toContain('waiting');
    expect(seen.at(-1)).toBe('succeeded');
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['mark', 'succeeded'],
      ['pause', 'succeeded'],
      ['mail', 'succeeded'],
      ['done', 'succeeded'],
    ]);
    const pausedAt = Date.parse(run.steps[1]!.finishedAt!);
    expect(Date.parse(run.steps[2]!.startedAt) - pausedAt).toBeGreaterThanOrEqual(1900);
    // The run keeps its first start (its first step's claim), not the start of the steps after the wait.
    expect(Date.parse(run.startedAt!)).toBeLessThanOrEqual(Date.parse(run.steps[0]!.startedAt));

    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(new RegExp(`^Message-ID: <${runId}\\.mail@rabita\\.example>\\r$`, 'mi'));
    expect(received[0]).toMatch(/^To: nasrin@example\.com\r$/m);
    const after = (await call('GET', `/objects/people/${person.id}`)).json() as { jobTitle: string };
    expect(after.jobTitle).toBe('خوش‌آمد گفته شد');
    // Every job of the run is done and gone.
    const left = await owner.query(`select 1 from graphile_worker.jobs where key = $1`, [
      `ws:${admin.workspaceId}:workflow-run:${runId}`,
    ]);
    expect(left.rowCount).toBe(0);
  }, 60_000);
});
