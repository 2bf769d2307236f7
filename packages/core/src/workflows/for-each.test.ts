import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { startCalledRun } from './runs.ts';
import { drainRuns, publishWorkflow } from './test-kit.ts';

// A loop of several steps: a `runWorkflow` step with `forEach` starts the called workflow once on each related
// record, and each record's run carries the called workflow's steps on its own.
describe('a runWorkflow step over related records', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const post = async (path: string, body: unknown) => {
    const res = await call('POST', path, body);
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  };
  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('starts the called workflow once on each related record matching the filter, each run with its own steps', async () => {
    const company = await post('/objects/companies', { name: 'شرکت پارس' });
    const other = await post('/objects/companies', { name: 'Other' });
    const staff: string[] = [];
    for (const name of ['علی', 'بیتا', 'کوروش'])
      staff.push(await post('/objects/people', { firstName: name, company }));
    const outsider = await post('/objects/people', { firstName: 'دارا', company: other });
    // The loop's body: two steps on each person (a title, then a task about them).
    const body = await publishWorkflow(call, {
      name: 'Welcome one person',
      draft: {
        trigger: { type: 'called', object: 'people' },
        start: 'title',
        steps: [
          {
            id: 'title',
            type: 'updateRecord',
            target: 'trigger',
            values: { jobTitle: { value: 'خوش‌آمد گفته شد' } },
            next: 'task',
          },
          {
            id: 'task',
            type: 'createRecord',
            object: 'tasks',
            values: { title: { expr: '"تماس با " + record.firstName' } },
            next: null,
          },
        ],
      },
    });
    const loop = await publishWorkflow(call, {
      name: 'Welcome a company',
      draft: {
        trigger: { type: 'manual', object: 'companies' },
        start: 'each',
        steps: [
          {
            id: 'each',
            type: 'runWorkflow',
            workflowId: body,
            forEach: {
              object: 'people',
              via: 'company',
              filter: { field: 'firstName', op: 'neq', value: 'کوروش' },
              limit: 50,
            },
            next: null,
          },
        ],
      },
    });

    // The test run says on whom it would start, and starts nothing.
    const dry = await call('POST', `/workflows/${loop}/test-run`, { recordId: company });
    expect(dry.statusCode, dry.body).toBe(200);
    const expected = [staff[0]!, staff[1]!].sort();
    expect((dry.json() as { steps: { output: unknown }[] }).steps[0]!.output).toEqual({
      wouldStart: body,
      on: expected,
      more: false,
    });

    const started = await call('POST', `/workflows/${loop}/run`, { recordIds: [company] });
    expect(started.statusCode, started.body).toBe(202);
    const runId = (started.json() as { runIds: string[] }).runIds[0]!;
    await drainRuns(t.handle.db, admin.workspaceId);

    const person = async (id: string) =>
      (await call('GET', `/objects/people/${id}`)).json() as { jobTitle: string | null };
    expect(await Promise.all([...staff, outsider].map(async (id) => (await person(id)).jobTitle))).toEqual([
      'خوش‌آمد گفته شد',
      'خوش‌آمد گفته شد',
      null,
      null,
    ]);
    const tasks = (
      (await call('GET', '/objects/tasks?limit=50')).json() as { data: { title: string }[] }
    ).data.map((task) => task.title);
    expect(tasks.sort()).toEqual(['تماس با بیتا', 'تماس با علی'].sort());

    const run = (await call('GET', `/workflow-runs/${runId}`)).json() as {
      status: string;
      steps: { output: { started: { runId: string; status: string }[]; more: boolean } }[];
    };
    expect(run.status).toBe('succeeded');
    const out = run.steps[0]!.output;
    expect(out.more).toBe(false);
    expect(out.started.map((s) => s.status)).toEqual(['queued', 'queued']);
    // Each started run is on its person, at the next depth, and ran both of its steps.
    const children = async () =>
      (
        await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
          sql<{ triggerRecordId: string; status: string; depth: number }>`
            select trigger_record_id, status, depth from workflow_runs
            where workspace_id = ${admin.workspaceId} and workflow_id = ${body}
            order by trigger_record_id`.execute(trx),
        )
      ).rows;
    expect(await children()).toEqual(
      expected.map((id) => ({ triggerRecordId: id, status: 'succeeded', depth: 1 })),
    );

    // A retried step starts nobody twice: the same call for the same record answers the run already there.
    const again = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      startCalledRun(trx, admin.workspaceId, {
        workflowId: body,
        callerRunId: runId,
        callerWorkflowId: loop,
        stepId: 'each',
        depth: 1,
        object: 'people',
        recordId: expected[0]!,
        startedBy: admin.userId,
        perRecord: true,
      }),
    );
    // (The loop goes in id order, as `expected` is sorted.)
    expect(again).toEqual({ runId: out.started[0]!.runId, status: 'succeeded', reason: null });
    expect(await children()).toHaveLength(2);
  });

  it('refuses at publish a loop whose called workflow starts on other records, or whose field points elsewhere', async () => {
    const onCompanies = await publishWorkflow(call, {
      name: 'On companies',
      draft: { trigger: { type: 'called', object: 'companies' }, start: null, steps: [] },
    });
    const draft = (forEach: Record<string, unknown>) => ({
      trigger: { type: 'manual', object: 'companies' },
      start: 'each',
      steps: [{ id: 'each', type: 'runWorkflow', workflowId: onCompanies, forEach, next: null }],
    });
    const wrongObject = await post('/workflows', {
      name: 'Wrong object',
      draft: draft({ object: 'people', via: 'company' }),
    });
    const refused = await call('POST', `/workflows/${wrongObject}/publish`);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ errors: [{ field: 'body.steps.0.workflowId' }] });
    expect((refused.json() as { detail: string }).detail).toContain('does not start on people records');

    const wrongVia = await post('/workflows', {
      name: 'Wrong via',
      draft: draft({ object: 'people', via: 'jobTitle' }),
    });
    const refusedVia = await call('POST', `/workflows/${wrongVia}/publish`);
    expect(refusedVia.statusCode).toBe(400);
    expect(refusedVia.json()).toMatchObject({
      errors: expect.arrayContaining([expect.objectContaining({ field: 'body.steps.0.forEach.via' })]),
    });

    // Over 500 records a loop is refused as it is saved.
    const huge = await call('POST', '/workflows', {
      name: 'Huge',
      draft: draft({ object: 'people', via: 'company', limit: 501 }),
    });
    expect(huge.statusCode).toBe(400);
  });
});
