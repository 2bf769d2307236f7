import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, ownerPool, signUp, type TestApp } from '../../../../test/harness.ts';
import { runWorkflowStep, type StepOptions, THROTTLED } from './run-step.ts';
import { runJobKey } from './runs.ts';
import { parseMail, type SmtpReceiver, startSmtpReceiver } from './smtp-receiver.ts';

describe('workflow limits: emails per recipient and steps per workspace a minute', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let owner: pg.Pool;
  let smtp: SmtpReceiver;
  const mails: { to: string[]; raw: string }[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const runsOf = async (workflowId: string) =>
    withWorkspace(
      t.handle.db,
      admin.workspaceId,
      async (trx) =>
        (
          await sql<{ id: string; status: string; reason: string | null; outputs: Record<string, unknown> }>`
          select id, status, reason, outputs from workflow_runs where workflow_id = ${workflowId}
          order by created_at`.execute(trx.withoutPlugins())
        ).rows,
    );
  const step = (runId: string, options: Partial<StepOptions> = {}) =>
    runWorkflowStep(
      t.handle.db,
      { workspaceId: admin.workspaceId, runId },
      { allowPrivate: false, smtp: { url: smtp.url, from: 'crm@rabita.example' }, ...options },
    );
  const manual = async (name: string, steps: unknown[], settings: unknown) => {
    const created = await call('POST', '/workflows', {
      name,
      draft: { trigger: { type: 'manual', object: 'people' }, start: 's1', steps },
      settings,
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    expect((await call('POST', `/workflows/${id}/publish`)).statusCode).toBe(200);
    expect((await call('PATCH', `/workflows/${id}`, { enabled: true })).statusCode).toBe(200);
    return id;
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    owner = ownerPool(t.url, 2);
    smtp = await startSmtpReceiver((raw, session) => {
      mails.push({ raw, to: session.envelope.rcptTo.map((r) => r.address) });
    });
  });
  afterAll(async () => {
    await smtp?.close();
    await owner?.end();
    await t?.close();
  });

  it('sends one address at most perRecipient emails from a workflow in the window, whatever its case; the run goes on', async () => {
    const id = await manual(
      'Reminder',
      [
        {
          id: 's1',
          type: 'sendEmail',
          to: [{ expr: 'record.jobTitle' }, { value: 'team@rabita.example' }],
          subject: 'یادآوری',
          body: 'سلام {{ record.firstName }}',
          next: 's2',
        },
        {
          id: 's2',
          type: 'updateRecord',
          target: 'trigger',
          values: { lastName: { value: 'done' } },
          next: null,
        },
      ],
      { emailLimit: { perRecipient: 2, hours: 24 } },
    );
    const spellings = ['Sara@Example.com', 'sara@example.com', 'SARA@example.com'];
    const people: string[] = [];
    for (const address of spellings) {
      const made = await call('POST', '/objects/people', { firstName: 'سارا', jobTitle: address });
      people.push((made.json() as { id: string }).id);
    }
    // Three runs, one a person, each to Sara (spelt three ways) and the team address; team has its own count.
    for (const person of people) {
      expect((await call('POST', `/workflows/${id}/run`, { recordIds: [person] })).statusCode).toBe(202);
      for (const run of await runsOf(id))
        if (run.status === 'queued' || run.status === 'running') await step(run.id);
      for (const run of await runsOf(id)) if (run.status === 'running') await step(run.id);
    }
    const runs = await runsOf(id);
    expect(runs.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    const toSara = mails.filter((m) => m.to.some((a) => a.toLowerCase() === 'sara@example.com'));
    const toTeam = mails.filter((m) => m.to.includes('team@rabita.example'));
    expect(toSara).toHaveLength(2);
    expect(toTeam).toHaveLength(2);
    // The third run's step says who was left out and why; the run went on to its next step.
    const third = runs[2]!.id;
    const detail = (await call('GET', `/workflow-runs/${third}`)).json() as {
      steps: { stepId: string; status: string; output: unknown }[];
    };
    expect(detail.steps.find((s) => s.stepId === 's1')).toMatchObject({
      status: 'succeeded',
      output: {
        notSent: ['SARA@example.com', 'team@rabita.example'],
        reason: expect.stringMatching(/at most 2 emails/),
      },
    });
    expect(detail.steps.map((s) => s.stepId)).toEqual(['s1', 's2']);
  });

  it('puts off a step over the workspace’s steps a minute to the next minute, never drops it, and goes on after', async () => {
    const id = await manual(
      'Touch',
      [
        {
          id: 's1',
          type: 'updateRecord',
          target: 'trigger',
          values: { lastName: { value: 'لمس' } },
          next: null,
        },
      ],
      { concurrency: 'parallel' },
    );
    const person = (await call('POST', '/objects/people', { firstName: 'Reza' })).json() as { id: string };
    for (let i = 0; i < 3; i++)
      expect((await call('POST', `/workflows/${id}/run`, { recordIds: [person.id] })).statusCode).toBe(202);
    const [a, b, c] = await runsOf(id);
    // The earlier test ran steps in this workspace within the minute: count them into the limit.
    const { rows } = await owner.query<{ n: number }>(
      `select count(*)::int as n from workflow_step_runs where workspace_id = $1 and started_at > now() - interval '1 minute'`,
      [admin.workspaceId],
    );
    const limit = rows[0]!.n + 2;
    await step(a!.id, { stepsPerMinute: limit });
    await step(b!.id, { stepsPerMinute: limit });
    const before = Date.now();
    await step(c!.id, { stepsPerMinute: limit });
    const held = (await runsOf(id))[2]!;
    expect(held).toMatchObject({ status: 'queued', reason: THROTTLED });
    // Its job is there, put off into the next minute.
    const job = await owner.query<{ run_at: Date }>('select run_at from pending_jobs where job_key = $1', [
      `ws:${admin.workspaceId}:${runJobKey(c!.id)}`,
    ]);
    expect(job.rows).toHaveLength(1);
    expect(job.rows[0]!.run_at.getTime()).toBeGreaterThanOrEqual(before + 29_000);
    expect(job.rows[0]!.run_at.getTime()).toBeLessThanOrEqual(Date.now() + 61_000);
    // When its time comes (here: a higher limit), it runs and its reason is cleared.
    await step(c!.id, { stepsPerMinute: limit + 10 });
    expect((await runsOf(id)).map((r) => [r.status, r.reason])).toEqual([
      ['succeeded', null],
      ['succeeded', null],
      ['succeeded', null],
    ]);
  });

  it('writes to each recipient in their language when the email has it, else in the default one', async () => {
    const id = await manual(
      'Welcome in three languages',
      [
        {
          id: 's1',
          type: 'sendEmail',
          to: [{ expr: 'record.emails' }],
          subject: 'Welcome, {{ record.firstName }}',
          body: 'Hello {{ record.firstName }}.',
          translations: {
            fa: { subject: 'خوش آمدید، {{ record.firstName }}', body: 'سلام {{ record.firstName }}.' },
            ar: { subject: 'أهلًا، {{ record.firstName }}', body: 'مرحبًا {{ record.firstName }}.' },
          },
          next: null,
        },
      ],
      {},
    );
    const people = [
      { firstName: 'مریم', preferredLanguage: 'fa', emails: ['maryam@rabita.example'] },
      { firstName: 'سلمى', preferredLanguage: 'ar', emails: ['salma@rabita.example'] },
      { firstName: 'Anna', emails: ['anna@rabita.example'] },
    ];
    const before = mails.length;
    for (const p of people) {
      const made = (await call('POST', '/objects/people', p)).json() as { id: string };
      expect((await call('POST', `/workflows/${id}/run`, { recordIds: [made.id] })).statusCode).toBe(202);
    }
    for (let pass = 0; pass < 3; pass++)
      for (const run of await runsOf(id))
        if (run.status === 'queued' || run.status === 'running') await step(run.id);
    const sent = mails.slice(before).map((m) => {
      const parsed = parseMail(m.raw);
      return [m.to[0], parsed.headers.get('subject'), parsed.headers.get('content-language') ?? null];
    });
    expect(sent.sort()).toEqual(
      [
        ['anna@rabita.example', 'Welcome, Anna', null],
        ['maryam@rabita.example', 'خوش آمدید، مریم', 'fa'],
        ['salma@rabita.example', 'أهلًا، سلمى', 'ar'],
      ].sort(),
    );
  });
});
