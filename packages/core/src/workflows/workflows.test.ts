import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { drainRuns } from './test-kit.ts';

describe('workflows', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  /** Runs every queued or running run's steps until none is left (what the worker's jobs do). */
  const drain = () => drainRuns(t.handle.db, admin.workspaceId);
  const create = async (body: unknown) => {
    const res = await call('POST', '/workflows', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('publishes a record trigger with a field filter, starts a run in the write, and runs its steps once', async () => {
    const w = await create({
      name: 'Tag VIPs',
      draft: {
        trigger: {
          type: 'record',
          object: 'people',
          events: ['created', 'updated'],
          fields: ['jobTitle'],
          condition: { expr: 'record.jobTitle == "مدیر"' },
        },
        start: 's1',
        steps: [
          {
            id: 's1',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { expr: 'record.jobTitle + " ارشد"' } },
            next: null,
          },
        ],
      },
    });
    const published = await call('POST', `/workflows/${w.id}/publish`);
    expect(published.statusCode, published.body).toBe(200);
    expect((await call('PATCH', `/workflows/${w.id}`, { enabled: true })).statusCode).toBe(200);

    const miss = await call('POST', '/objects/people', { firstName: 'Sara', jobTitle: 'کارمند' });
    expect(miss.statusCode, miss.body).toBe(201);
    const hit = await call('POST', '/objects/people', { firstName: 'علی', jobTitle: 'مدیر' });
    const person = hit.json() as { id: string };
    const runs = (await call('GET', `/workflow-runs?workflowId=${w.id}`)).json() as {
      data: { id: string; status: string; triggerRecordId: string }[];
    };
    expect(runs.data).toHaveLength(1);
    expect(runs.data[0]).toMatchObject({ status: 'queued', triggerRecordId: person.id });

    await drain();
    const run = (await call('GET', `/workflow-runs/${runs.data[0]!.id}`)).json() as {
      status: string;
      steps: { stepId: string; status: string }[];
    };
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([['s1', 'succeeded']]);
    const after = (await call('GET', `/objects/people/${person.id}`)).json() as { jobTitle: string };
    expect(after.jobTitle).toBe('مدیر ارشد');
    // Its own write on the same record started nothing.
    const again = (await call('GET', `/workflow-runs?workflowId=${w.id}`)).json() as { data: unknown[] };
    expect(again.data).toHaveLength(1);
  });

  it('names the step and field of a draft that cannot be published', async () => {
    const w = await create({
      name: 'Broken',
      draft: {
        trigger: { type: 'record', object: 'people', events: ['created'] },
        start: 'a',
        steps: [
          { id: 'a', type: 'updateRecord', target: 'trigger', values: { nope: { value: 1 } }, next: 'b' },
          { id: 'b', type: 'branch', condition: { expr: 'record.x >' }, whenTrue: 'a', whenFalse: 'zz' },
        ],
      },
    });
    const res = await call('POST', `/workflows/${w.id}/publish`);
    expect(res.statusCode).toBe(400);
    const messages = (res.json() as { errors: { field: string; message: string }[] }).errors
      .map((e) => e.message)
      .join('\n');
    expect(messages).toMatch(/Step "b": its whenFalse names step "zz"/);
    expect(messages).toMatch(/leads back to itself/);
    expect(messages).toMatch(/Step "a": there is no field "nope" on people/);
    expect(messages).toMatch(/Step "b": the expression does not compile/);
  });

  it('refuses a trigger on records a module keeps: no record event announces their changes', async () => {
    for (const trigger of [
      { type: 'record', object: 'npsSurveys', events: ['updated'] },
      { type: 'date', object: 'forecastRows', field: 'periodEnd', offset: 1, unit: 'days' },
    ]) {
      const w = await create({
        name: `Kept ${trigger.type}`,
        draft: {
          trigger,
          start: 'a',
          steps: [
            {
              id: 'a',
              type: 'updateRecord',
              target: 'trigger',
              values: { name: { value: 'x' } },
              next: null,
            },
          ],
        },
      });
      const res = await call('POST', `/workflows/${w.id}/publish`);
      expect(res.statusCode, res.body).toBe(400);
      const errors = (res.json() as { errors: { field: string; message: string }[] }).errors;
      expect(JSON.stringify(errors)).toContain('kept by the');
    }
  });

  it('refuses hostile drafts with 400', async () => {
    const w = await create({ name: 'x' });
    const huge = {
      trigger: { type: 'manual', object: 'people' },
      start: null,
      steps: Array.from({ length: 201 }, (_, i) => ({ id: `s${i}`, type: 'stop' })),
    };
    expect((await call('PATCH', `/workflows/${w.id}`, { draft: huge })).statusCode).toBe(400);
    expect((await call('PATCH', `/workflows/${w.id}`, { name: 'a\u0000b' })).statusCode).toBe(400);
    expect(
      (
        await call('PATCH', `/workflows/${w.id}`, {
          draft: { trigger: { type: 'manual', object: 'people' }, start: 'BAD', steps: [] },
        })
      ).statusCode,
    ).toBe(400);
  });

  it('a test run shows what each step would do and writes nothing', async () => {
    const person = (await call('POST', '/objects/people', { firstName: 'Test', jobTitle: 'x' })).json() as {
      id: string;
    };
    const w = await create({
      name: 'Dry',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 'b',
        steps: [
          {
            id: 'b',
            type: 'branch',
            condition: { expr: 'record.jobTitle == "x"' },
            whenTrue: 'u',
            whenFalse: null,
          },
          {
            id: 'u',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { value: 'changed' } },
            next: 'w',
          },
          { id: 'w', type: 'wait', minutes: 60, next: null },
        ],
      },
    });
    const res = await call('POST', `/workflows/${w.id}/test-run`, { recordId: person.id });
    expect(res.statusCode, res.body).toBe(200);
    const steps = (res.json() as { steps: { stepId: string; output: unknown }[] }).steps;
    expect(steps.map((s) => s.stepId)).toEqual(['b', 'u', 'w']);
    expect(steps[0]!.output).toEqual({ result: true });
    const after = (await call('GET', `/objects/people/${person.id}`)).json() as { jobTitle: string };
    expect(after.jobTitle).toBe('x');
  });

  it('a manual run waits, can be cancelled while waiting, and a failed run retries from its failed step', async () => {
    const person = (await call('POST', '/objects/people', { firstName: 'Wait' })).json() as { id: string };
    const w = await create({
      name: 'Waits',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 'w',
        steps: [{ id: 'w', type: 'wait', minutes: 5, next: null }],
      },
    });
    await call('POST', `/workflows/${w.id}/publish`);
    await call('PATCH', `/workflows/${w.id}`, { enabled: true });
    const started = await call('POST', `/workflows/${w.id}/run`, { recordIds: [person.id] });
    expect(started.statusCode, started.body).toBe(202);
    const [runId] = (started.json() as { runIds: string[] }).runIds;
    await drain();
    expect(((await call('GET', `/workflow-runs/${runId}`)).json() as { status: string }).status).toBe(
      'waiting',
    );
    const cancelled = await call('POST', `/workflow-runs/${runId}/cancel`);
    expect(cancelled.statusCode).toBe(200);
    expect((cancelled.json() as { status: string }).status).toBe('cancelled');
    expect((await call('POST', `/workflow-runs/${runId}/retry`)).statusCode).toBe(409);

    const f = await create({
      name: 'Fails',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 'u',
        steps: [
          {
            id: 'u',
            type: 'updateRecord',
            target: 'trigger',
            values: { firstName: { expr: 'record.missing' } },
            next: null,
          },
        ],
      },
    });
    await call('POST', `/workflows/${f.id}/publish`);
    await call('PATCH', `/workflows/${f.id}`, { enabled: true });
    const [failing] = (
      (await call('POST', `/workflows/${f.id}/run`, { recordIds: [person.id] })).json() as {
        runIds: string[];
      }
    ).runIds;
    await drain();
    const failed = (await call('GET', `/workflow-runs/${failing}`)).json() as {
      status: string;
      error: string;
      currentStep: string;
    };
    expect(failed).toMatchObject({ status: 'failed', currentStep: 'u' });
    expect(failed.error).toMatch(/Step "u".*expression/);
    // Fix the cause (the expression cannot change in the version, so make it retry and fail again on its step).
    const retried = await call('POST', `/workflow-runs/${failing}/retry`);
    expect(retried.statusCode).toBe(200);
    await drain();
    const again = (await call('GET', `/workflow-runs/${failing}`)).json() as {
      status: string;
      steps: { stepId: string; attempt: number }[];
    };
    expect(again.steps.map((s) => [s.stepId, s.attempt])).toEqual([
      ['u', 1],
      ['u', 2],
    ]);
  });

  it('a rolled-back write leaves no run, and a depth of 5 is skipped as a loop', async () => {
    const { startTriggeredRuns } = await import('./trigger.ts');
    const w = await create({
      name: 'Loop',
      draft: { trigger: { type: 'record', object: 'people', events: ['created'] }, start: null, steps: [] },
    });
    await call('POST', `/workflows/${w.id}/publish`);
    await call('PATCH', `/workflows/${w.id}`, { enabled: true });
    const event = (depth: number) => ({
      workspaceId: admin.workspaceId,
      object: 'people',
      recordId: '01900000-0000-7000-8000-000000000001',
      kind: 'created' as const,
      changes: {},
      actor: { userId: admin.userId, apiKeyId: null },
      ownerId: null,
      source: 'workflow' as const,
      cause: { kind: 'workflow', runId: '01900000-0000-7000-8000-0000000000ff', depth },
      at: new Date().toISOString(),
    });
    await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      await startTriggeredRuns(trx, admin.workspaceId, [event(5)]);
      throw new Error('roll back');
    }).catch(() => undefined);
    const none = (await call('GET', `/workflow-runs?workflowId=${w.id}`)).json() as { data: unknown[] };
    expect(none.data).toHaveLength(0);
    await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      startTriggeredRuns(trx, admin.workspaceId, [event(5)]),
    );
    const skipped = (await call('GET', `/workflow-runs?workflowId=${w.id}`)).json() as {
      data: { status: string; reason: string }[];
    };
    expect(skipped.data).toEqual([expect.objectContaining({ status: 'skipped', reason: 'loop' })]);
  });

  it('keeps workspaces apart and refuses a member without workflows.manage', async () => {
    const w = await create({ name: 'Mine' });
    expect((await call('GET', `/workflows/${w.id}`, undefined, other.cookie)).statusCode).toBe(404);
    expect(
      ((await call('GET', '/workflow-runs', undefined, other.cookie)).json() as { data: unknown[] }).data,
    ).toHaveLength(0);
    expect(
      ((await call('GET', '/workflows', undefined, other.cookie)).json() as { data: unknown[] }).data,
    ).toHaveLength(0);
  });

  it('a workflow turned on or off is seen by the very next write (the automation version, not a timed cache)', async () => {
    const fresh = await signUp(t.app);
    const as = (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
      call(method, url, body, fresh.cookie);
    const automationVersion = async () =>
      (
        await withWorkspace(t.handle.db, fresh.workspaceId, (trx) =>
          sql<{ v: string }>`select automation_version::text as v from workspaces`.execute(trx),
        )
      ).rows[0]!.v;
    // A write in a workspace without workflows: this process now knows it has none, at this version.
    expect((await as('POST', '/objects/people', { firstName: 'Reza' })).statusCode).toBe(201);
    const before = Number(await automationVersion());
    const created = await as('POST', '/workflows', {
      name: 'Greet',
      draft: {
        trigger: { type: 'record', object: 'people', events: ['created'] },
        start: 'done',
        steps: [{ id: 'done', type: 'stop' }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json() as { id: string };
    expect((await as('POST', `/workflows/${id}/publish`)).statusCode).toBe(200);
    expect((await as('PATCH', `/workflows/${id}`, { enabled: true })).statusCode).toBe(200);
    expect(Number(await automationVersion())).toBe(before + 2);
    // Within a second of turning it on (the old cache held "none" for 10 s), the next write starts a run.
    const hit = await as('POST', '/objects/people', { firstName: 'مریم' });
    const runs = async () =>
      ((await as('GET', `/workflow-runs?workflowId=${id}`)).json() as { data: { triggerRecordId: string }[] })
        .data;
    expect((await runs()).map((r) => r.triggerRecordId)).toEqual([(hit.json() as { id: string }).id]);
    // Turned off: the next write starts nothing, and the workspace is again known to have none.
    expect((await as('PATCH', `/workflows/${id}`, { enabled: false })).statusCode).toBe(200);
    expect((await as('POST', '/objects/people', { firstName: 'Nadia' })).statusCode).toBe(201);
    expect(await runs()).toHaveLength(1);
    expect(Number(await automationVersion())).toBe(before + 3);
  });
});
