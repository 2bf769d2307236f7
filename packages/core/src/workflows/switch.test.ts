import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { drainRuns, publishWorkflow } from './test-kit.ts';

type RunView = {
  status: string;
  error: string | null;
  steps: { stepId: string; status: string; input: unknown; output: unknown }[];
};

describe('a switch step', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const drain = () => drainRuns(t.handle.db, admin.workspaceId);
  const runsOf = async (workflowId: string) =>
    (
      (await call('GET', `/workflow-runs?workflowId=${workflowId}`)).json() as {
        data: { id: string; triggerRecordId: string }[];
      }
    ).data;
  const runView = async (runId: string) => (await call('GET', `/workflow-runs/${runId}`)).json() as RunView;
  const setSource = (id: string, source: string, next: string | null = null) => ({
    id,
    type: 'updateRecord',
    target: 'trigger',
    values: { source: { value: source } },
    next,
  });
  /** People by job title: managers one way, staff another, everyone else a third. */
  const byJobTitle = {
    trigger: { type: 'record', object: 'people', events: ['created'] },
    start: 'sw',
    steps: [
      {
        id: 'sw',
        name: 'مسیر بر اساس عنوان',
        type: 'switch',
        value: { expr: 'record.jobTitle' },
        cases: [
          { equals: 'مدیر', next: 'mgr', label: 'مدیران' },
          { equals: 'کارمند', next: 'staff' },
        ],
        otherwise: 'rest',
      },
      setSource('mgr', 'manager'),
      setSource('staff', 'staff'),
      setSource('rest', 'otherwise'),
    ],
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends three records three ways: the first matching case, else otherwise', async () => {
    const id = await publishWorkflow(call, { name: 'By job title', draft: byJobTitle });
    const people: Record<string, string> = {};
    for (const jobTitle of ['مدیر', 'کارمند', 'مشاور']) {
      const res = await call('POST', '/objects/people', { firstName: 'Sara', jobTitle });
      expect(res.statusCode, res.body).toBe(201);
      people[jobTitle] = (res.json() as { id: string }).id;
    }
    await drain();
    const source = async (personId: string) =>
      ((await call('GET', `/objects/people/${personId}`)).json() as { source: string | null }).source;
    expect(await source(people.مدیر!)).toBe('manager');
    expect(await source(people.کارمند!)).toBe('staff');
    expect(await source(people.مشاور!)).toBe('otherwise');

    const runs = await runsOf(id);
    expect(runs).toHaveLength(3);
    const seen = new Map<string, RunView>();
    for (const r of runs) seen.set(r.triggerRecordId, await runView(r.id));
    const trail = (personId: string) => seen.get(personId)!.steps.map((s) => [s.stepId, s.status]);
    expect(trail(people.مدیر!)).toEqual([
      ['sw', 'succeeded'],
      ['mgr', 'succeeded'],
    ]);
    expect(trail(people.مشاور!)).toEqual([
      ['sw', 'succeeded'],
      ['rest', 'succeeded'],
    ]);
    // Recorded like a branch: what it compared, the value it got and the case it took (null: otherwise).
    const first = seen.get(people.کارمند!)!.steps[0]!;
    expect(first.input).toEqual({ value: { expr: 'record.jobTitle' } });
    expect(first.output).toEqual({ value: 'کارمند', matched: 1 });
    expect(seen.get(people.مشاور!)!.steps[0]!.output).toEqual({ value: 'مشاور', matched: null });
    // Off again, so the people the next tests create start nothing here.
    expect((await call('PATCH', `/workflows/${id}`, { enabled: false })).statusCode).toBe(200);
  });

  it('compares numbers as numbers, however CEL wrote them, and never as text', async () => {
    const deal = (await call('POST', '/objects/deals', { name: 'قرارداد', probability: 50 })).json() as {
      id: string;
    };
    const setName = (id: string, name: string) => ({
      id,
      type: 'updateRecord',
      target: 'trigger',
      values: { name: { value: name } },
      next: null,
    });
    const id = await publishWorkflow(call, {
      name: 'By probability',
      draft: {
        trigger: { type: 'manual', object: 'deals' },
        start: 'tens',
        steps: [
          {
            // An integer (CEL int) compared with a case written as 5, after a text "5" that must not match it.
            id: 'tens',
            type: 'switch',
            value: { expr: 'int(record.probability) / 10' },
            cases: [
              { equals: '5', next: 'wrong' },
              { equals: 5, next: 'exact' },
            ],
            otherwise: 'wrong',
          },
          {
            // A double (the stored number) and an unsigned int literal both equal the case 50.
            id: 'exact',
            type: 'switch',
            value: { expr: 'record.probability' },
            cases: [{ equals: 50, next: 'unsigned' }],
            otherwise: 'wrong',
          },
          {
            id: 'unsigned',
            type: 'switch',
            value: { expr: '50u' },
            cases: [
              { equals: true, next: 'wrong' },
              { equals: 50, next: 'right' },
            ],
            otherwise: 'wrong',
          },
          setName('right', 'matched'),
          setName('wrong', 'missed'),
        ],
      },
    });
    const started = (await call('POST', `/workflows/${id}/run`, { recordIds: [deal.id] })).json() as {
      runIds: string[];
    };
    await drain();
    const run = await runView(started.runIds[0]!);
    expect(run.status).toBe('succeeded');
    expect(run.steps.map((s) => [s.stepId, s.output])).toEqual([
      ['tens', { value: 5, matched: 1 }],
      ['exact', { value: 50, matched: 0 }],
      ['unsigned', { value: 50, matched: 1 }],
      ['right', expect.anything()],
    ]);
    expect(((await call('GET', `/objects/deals/${deal.id}`)).json() as { name: string }).name).toBe(
      'matched',
    );
  });

  it('fails the step with a sentence naming the step and its value when the expression fails', async () => {
    const person = (await call('POST', '/objects/people', { firstName: 'Dara' })).json() as { id: string };
    const id = await publishWorkflow(call, {
      name: 'Broken switch',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 'sw',
        steps: [
          {
            id: 'sw',
            type: 'switch',
            value: { expr: 'record.noSuchField + 1' },
            cases: [{ equals: 1, next: 'u' }],
            otherwise: null,
          },
          setSource('u', 'never'),
        ],
      },
    });
    const started = (await call('POST', `/workflows/${id}/run`, { recordIds: [person.id] })).json() as {
      runIds: string[];
    };
    await drain();
    const run = await runView(started.runIds[0]!);
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^Step "sw", value to compare: the expression could not be evaluated/);
    expect(run.steps.map((s) => [s.stepId, s.status])).toEqual([['sw', 'failed']]);
    expect(((await call('GET', `/objects/people/${person.id}`)).json() as { source: unknown }).source).toBe(
      null,
    );
  });

  it('refuses to publish missing targets, equal cases, an expression that does not compile and a loop', async () => {
    const publish = async (draft: unknown) => {
      const created = await call('POST', '/workflows', { name: 'Refused', draft });
      expect(created.statusCode, created.body).toBe(201);
      const res = await call('POST', `/workflows/${(created.json() as { id: string }).id}/publish`);
      expect(res.statusCode).toBe(400);
      return res.json() as { detail: string; errors: { field: string; message: string }[] };
    };
    const broken = await publish({
      trigger: { type: 'manual', object: 'people' },
      start: 'sw',
      steps: [
        {
          id: 'sw',
          type: 'switch',
          value: { expr: 'record.jobTitle ==' },
          cases: [
            { equals: 'a', next: 'ghost' },
            { equals: 2, next: 'u' },
            { equals: 2, next: null },
            { equals: '2', next: null },
          ],
          otherwise: 'phantom',
        },
        setSource('u', 'x'),
      ],
    });
    expect(broken.errors).toEqual(
      expect.arrayContaining([
        {
          field: 'body.steps.0.cases.0.next',
          message: 'Step "sw": case 1 names step "ghost", which does not exist.',
        },
        {
          field: 'body.steps.0.otherwise',
          message: 'Step "sw": its otherwise names step "phantom", which does not exist.',
        },
        {
          field: 'body.steps.0.cases.2.equals',
          message: 'Step "sw": case 3 compares with 2, as case 2 does.',
        },
        expect.objectContaining({
          field: 'body.steps.0.value.expr',
          message: expect.stringMatching(/^Step "sw", value to compare: the expression does not compile/),
        }),
      ]),
    );
    // The text "2" is not the number 2: no problem on case 4.
    expect(broken.errors.map((e) => e.field)).not.toContain('body.steps.0.cases.3.equals');
    expect(broken.errors).toHaveLength(4);

    // A loop only one case leads into (the walk follows every case, not just the first).
    const looped = await publish({
      trigger: { type: 'manual', object: 'people' },
      start: 'sw',
      steps: [
        {
          id: 'sw',
          type: 'switch',
          value: { expr: 'record.jobTitle' },
          cases: [
            { equals: 'a', next: null },
            { equals: 'b', next: 'u' },
          ],
          otherwise: null,
        },
        setSource('u', 'x', 'sw'),
      ],
    });
    expect(looped.detail).toMatch(/leads back to itself \((sw → u → sw|u → sw → u)\)/);
  });

  it('refuses hostile or oversized cases when the draft is saved', async () => {
    const save = (cases: unknown) =>
      call('POST', '/workflows', {
        name: 'Hostile',
        draft: {
          trigger: { type: 'manual', object: 'people' },
          start: 'sw',
          steps: [{ id: 'sw', type: 'switch', value: { expr: 'record.jobTitle' }, cases, otherwise: null }],
        },
      });
    for (const cases of [
      [{ equals: 'a\u0000b', next: null }],
      [{ equals: 'a', next: null, label: 'x\ud800y' }],
      [{ equals: { nested: true }, next: null }],
      [],
      Array.from({ length: 21 }, (_, i) => ({ equals: i, next: null })),
    ]) {
      const res = await save(cases);
      expect(res.statusCode, JSON.stringify(cases).slice(0, 80)).toBe(400);
    }
    expect((await save(Array.from({ length: 20 }, (_, i) => ({ equals: i, next: null })))).statusCode).toBe(
      201,
    );
  });

  it('a test run shows which case it took, and writes nothing', async () => {
    const created = await call('POST', '/workflows', { name: 'Test me', draft: byJobTitle });
    const { id } = created.json() as { id: string };
    const person = (
      await call('POST', '/objects/people', { firstName: 'Bita', jobTitle: 'کارمند' })
    ).json() as {
      id: string;
    };
    const res = await call('POST', `/workflows/${id}/test-run`, { recordId: person.id });
    expect(res.statusCode, res.body).toBe(200);
    const steps = (res.json() as { steps: { stepId: string; output: unknown; error: string | null }[] })
      .steps;
    expect(steps.map((s) => s.stepId)).toEqual(['sw', 'staff']);
    expect(steps[0]).toMatchObject({ output: { value: 'کارمند', matched: 1 }, error: null });
    expect(((await call('GET', `/objects/people/${person.id}`)).json() as { source: unknown }).source).toBe(
      null,
    );
  });
});
