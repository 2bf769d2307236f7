import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, ownerPool, signUp, type TestApp } from '../../../../test/harness.ts';
import { runWorkflowStep } from './run-step.ts';
import { runJobKey } from './runs.ts';

describe('a waitFor step: the record’s change, or the timeout', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let owner: pg.Pool;
  let workflowId = '';
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const runOn = async (personId: string) =>
    withWorkspace(
      t.handle.db,
      admin.workspaceId,
      async (trx) =>
        (
          await sql<{ id: string; status: string; current_step: string | null }>`
          select id, status, current_step from workflow_runs where trigger_record_id = ${personId}`.execute(
            trx.withoutPlugins(),
          )
        ).rows,
    );
  const step = (runId: string) =>
    runWorkflowStep(t.handle.db, { workspaceId: admin.workspaceId, runId }, { allowPrivate: false });
  const jobsOf = async (runId: string) =>
    (
      await owner.query<{ run_at: Date }>('select run_at from pending_jobs where job_key = $1', [
        `ws:${admin.workspaceId}:${runJobKey(runId)}`,
      ])
    ).rows;
  const lastName = async (id: string) =>
    ((await call('GET', `/objects/people/${id}`)).json() as { lastName: string | null }).lastName;
  const patch = async (id: string, body: unknown) =>
    expect((await call('PATCH', `/objects/people/${id}`, body)).statusCode).toBe(200);

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    owner = ownerPool(t.url, 2);
    const created = await call('POST', '/workflows', {
      name: 'Wait for a reply',
      draft: {
        trigger: { type: 'record', object: 'people', events: ['created'] },
        start: 'wait',
        steps: [
          {
            id: 'wait',
            type: 'waitFor',
            events: ['updated'],
            fields: ['jobTitle'],
            condition: { expr: 'record.jobTitle == "پاسخ داد"' },
            timeoutMinutes: 2880,
            next: 'replied',
            whenTimeout: 'remind',
          },
          {
            id: 'replied',
            type: 'updateRecord',
            target: 'trigger',
            values: { lastName: { value: 'event' } },
            next: null,
          },
          {
            id: 'remind',
            type: 'updateRecord',
            target: 'trigger',
            values: { lastName: { value: 'timeout' } },
            next: null,
          },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    workflowId = (created.json() as { id: string }).id;
    const published = await call('POST', `/workflows/${workflowId}/publish`);
    expect(published.statusCode, published.body).toBe(200);
    expect((await call('PATCH', `/workflows/${workflowId}`, { enabled: true })).statusCode).toBe(200);
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('wakes on the change it waits for, only that one, and goes on its "next" way with one job', async () => {
    const person = ((await call('POST', '/objects/people', { firstName: 'Nima' })).json() as { id: string })
      .id;
    const [run] = await runOn(person);
    await step(run!.id);
    expect((await runOn(person))[0]).toMatchObject({ status: 'waiting', current_step: 'wait' });
    const [timeout] = await jobsOf(run!.id);
    expect(timeout!.run_at.getTime()).toBeGreaterThan(Date.now() + 47 * 3_600_000);

    // Not the field it waits on; the field, but the condition does not hold: still waiting, the timeout kept.
    await patch(person, { firstName: 'نیما' });
    await patch(person, { jobTitle: 'در راه' });
    expect((await runOn(person))[0]!.status).toBe('waiting');
    expect((await jobsOf(run!.id)).map((j) => j.run_at.getTime())).toEqual([timeout!.run_at.getTime()]);

    // The awaited change: the job comes forward to now (replacing the timeout's), and the run takes "next".
    await patch(person, { jobTitle: 'پاسخ داد' });
    const jobs = await jobsOf(run!.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.run_at.getTime()).toBeLessThan(Date.now() + 1000);
    await step(run!.id);
    await step(run!.id);
    expect((await runOn(person))[0]!.status).toBe('succeeded');
    expect(await lastName(person)).toBe('event');
    const detail = (await call('GET', `/workflow-runs/${run!.id}`)).json() as {
      steps: { stepId: string; output: Record<string, unknown> }[];
    };
    expect(detail.steps.map((s) => s.stepId)).toEqual(['wait', 'wait', 'replied']);
    expect(detail.steps[1]!.output).toMatchObject({ event: { kind: 'updated', fields: ['jobTitle'] } });
  });

  it('takes the "whenTimeout" way once its time has come with no such change, and a too-early wake waits on', async () => {
    const person = ((await call('POST', '/objects/people', { firstName: 'Leila' })).json() as { id: string })
      .id;
    const [run] = await runOn(person);
    await step(run!.id);
    // Woken early with nothing happened (a retried job): it waits on to the same deadline.
    await step(run!.id);
    expect((await runOn(person))[0]).toMatchObject({ status: 'waiting', current_step: 'wait' });
    // The deadline passes.
    await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      sql`update workflow_runs set outputs = jsonb_set(outputs, '{wait,deadline}', to_jsonb((now() - interval '1 minute')::text))
          where id = ${run!.id}`.execute(trx.withoutPlugins()),
    );
    await step(run!.id);
    await step(run!.id);
    expect((await runOn(person))[0]!.status).toBe('succeeded');
    expect(await lastName(person)).toBe('timeout');
    // A change after the run moved on wakes nothing.
    await patch(person, { jobTitle: 'پاسخ داد' });
    expect(await lastName(person)).toBe('timeout');
  });

  it('refuses to publish a wait whose timeout names a step that does not exist', async () => {
    const created = await call('POST', '/workflows', {
      name: 'Dangling timeout',
      draft: {
        trigger: { type: 'record', object: 'people', events: ['created'] },
        start: 'wait',
        steps: [
          {
            id: 'wait',
            type: 'waitFor',
            events: ['updated'],
            timeoutMinutes: 60,
            next: null,
            whenTimeout: 'nowhere',
          },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const res = await call('POST', `/workflows/${(created.json() as { id: string }).id}/publish`);
    expect(res.statusCode, res.body).toBe(400);
    expect((res.json() as { errors: { field: string; message: string }[] }).errors).toContainEqual({
      field: 'body.steps.0.whenTimeout',
      message: 'Step "wait": its whenTimeout names step "nowhere", which does not exist.',
    });
  });
});
