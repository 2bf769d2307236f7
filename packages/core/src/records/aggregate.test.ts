import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

describe('aggregates', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  let stages: { id: string; name: string }[] = [];

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    const pipeline = (await call('GET', '/objects/pipelines')).json().data[0];
    stages = (
      await call(
        'GET',
        `/objects/stages?sort=position&filter=${encodeURIComponent(JSON.stringify({ field: 'pipeline', op: 'eq', value: pipeline.id }))}`,
      )
    ).json().data;
    const deal = (name: string, stage: string, amount: string, currency: string) =>
      call('POST', '/objects/deals', { name, pipeline: pipeline.id, stage, amount: { amount, currency } });
    await deal('a', stages[0]!.id, '100.50', 'SAR');
    await deal('b', stages[0]!.id, '200', 'SAR');
    await deal('c', stages[0]!.id, '1000', 'IRR');
    await deal('d', stages[1]!.id, '50', 'SAR');
    await call(
      'POST',
      '/objects/deals',
      { name: 'theirs', amount: { amount: '999999', currency: 'SAR' } },
      other.cookie,
    );
  });
  afterAll(() => t?.close());

  it('sums deals by stage and owner, money per currency, decimals exact', async () => {
    const r = await call('POST', '/objects/deals/aggregate', {
      groupBy: ['stage', 'owner'],
      metrics: [{ fn: 'sum', field: 'amount' }, { fn: 'count' }],
    });
    expect(r.statusCode, r.body).toBe(200);
    const rows = r.json().data as { keys: Record<string, unknown>; values: Record<string, unknown> }[];
    const find = (stage: string, currency: string) =>
      rows.find((x) => x.keys.stage === stage && x.keys.currency === currency);
    expect(find(stages[0]!.id, 'SAR')).toMatchObject({
      keys: { owner: admin.userId },
      values: { 'sum:amount': '300.50', count: 2 },
    });
    expect(find(stages[0]!.id, 'IRR')?.values).toMatchObject({ 'sum:amount': '1000', count: 1 });
    expect(find(stages[1]!.id, 'SAR')?.values).toMatchObject({ 'sum:amount': '50', count: 1 });
    expect(JSON.stringify(rows)).not.toContain('999999');
  });

  it('applies the filter language and counts without grouping', async () => {
    const r = await call('POST', '/objects/deals/aggregate', {
      filter: { field: 'name', op: 'in', value: ['a', 'b'] },
      metrics: [{ fn: 'count' }, { fn: 'max', field: 'amount' }],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().data).toHaveLength(1);
    expect(r.json().data[0].values.count).toBe(2);
  });

  it('refuses unknown, hidden and ungroupable fields, non-numeric sums and bad bodies, naming each', async () => {
    const bad = await call('POST', '/objects/deals/aggregate', {
      groupBy: ['nothing', 'amount'],
      metrics: [{ fn: 'sum', field: 'name' }, { fn: 'avg' }],
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.groupBy.0', 'body.groupBy.1', 'body.metrics.0.field', 'body.metrics.1.field']);
    expect((await call('POST', '/objects/deals/aggregate', { metrics: [] })).statusCode).toBe(400);
    expect(
      (
        await call('POST', '/objects/deals/aggregate', {
          groupBy: ['a', 'b', 'c'],
          metrics: [{ fn: 'count' }],
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (await call('POST', '/objects/deals/aggregate', { metrics: [{ fn: 'median', field: 'amount' }] }))
        .statusCode,
    ).toBe(400);
    expect(
      (await call('POST', '/objects/deals/aggregate', { groupBy: ['name:week'], metrics: [{ fn: 'count' }] }))
        .statusCode,
    ).toBe(400);
    expect(
      (await call('POST', '/objects/nothing/aggregate', { metrics: [{ fn: 'count' }] })).statusCode,
    ).toBe(404);
    const role = await call('POST', '/roles', {
      key: 'noamount',
      name: 'No amounts',
      permissions: {
        actions: [],
        objects: {
          deals: { read: true, create: false, update: false, delete: false, hiddenFields: ['amount'] },
        },
      },
    });
    expect(role.statusCode).toBe(201);
    const key = (await call('POST', '/api-keys', { name: 'k', role: 'noamount' })).json().token;
    const hidden = await call(
      'POST',
      '/objects/deals/aggregate',
      { metrics: [{ fn: 'sum', field: 'amount' }] },
      { authorization: `Bearer ${key}` },
    );
    expect(hidden.statusCode).toBe(400);
  });

  it('buckets a date field by month', async () => {
    const r = await call('POST', '/objects/deals/aggregate', {
      groupBy: ['createdAt:month'],
      metrics: [{ fn: 'count' }],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().data[0].keys['createdAt:month']).toMatch(/^\d{4}-\d{2}$/);
    expect(r.json().data[0].values.count).toBe(4);
  });

  it('answers each workspace only its own records', async () => {
    const theirs = await call(
      'POST',
      '/objects/deals/aggregate',
      { groupBy: ['stage'], metrics: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }] },
      other.cookie,
    );
    expect(theirs.statusCode, theirs.body).toBe(200);
    const rows = theirs.json().data as { keys: Record<string, unknown>; values: Record<string, unknown> }[];
    expect(rows.reduce((n, r) => n + Number(r.values.count), 0)).toBe(1);
    expect(rows[0]?.values['sum:amount']).toBe('999999');
    // A filter naming our stage from their workspace matches nothing of ours.
    const cross = await call(
      'POST',
      '/objects/deals/aggregate',
      { filter: { field: 'stage', op: 'eq', value: stages[0]!.id }, metrics: [{ fn: 'count' }] },
      other.cookie,
    );
    expect(cross.statusCode, cross.body).toBe(200);
    expect(cross.json().data[0].values.count).toBe(0);
  });

  it('refuses hostile and oversized field names, hidden fields in filters and objects a role cannot read', async () => {
    const hostile = await call('POST', '/objects/deals/aggregate', {
      groupBy: ['stage"); drop table deals; --'],
      metrics: [{ fn: 'sum', field: 'amount) from deals; --' }],
    });
    expect(hostile.statusCode).toBe(400);
    expect(hostile.headers['content-type']).toContain('application/problem+json');
    expect((await call('GET', '/objects/deals')).json().data.length).toBe(4);
    expect(
      (
        await call('POST', '/objects/deals/aggregate', {
          groupBy: ['x'.repeat(5000)],
          metrics: [{ fn: 'count' }],
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (
        await call('POST', '/objects/deals/aggregate', {
          metrics: Array.from({ length: 11 }, () => ({ fn: 'count' })),
        })
      ).statusCode,
    ).toBe(400);
    expect(
      (await call('POST', '/objects/deals/aggregate', { metrics: [{ fn: 'count', extra: 1 }] })).statusCode,
    ).toBe(400);
    const role = await call('POST', '/roles', {
      key: 'nodeals',
      name: 'No deals',
      permissions: {
        actions: [],
        objects: {
          deals: { read: false, create: false, update: false, delete: false },
          people: { read: true, create: false, update: false, delete: false, hiddenFields: ['jobTitle'] },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const key = (await call('POST', '/api-keys', { name: 'k2', role: 'nodeals' })).json().token;
    const auth = { authorization: `Bearer ${key}` };
    expect(
      (await call('POST', '/objects/deals/aggregate', { metrics: [{ fn: 'count' }] }, auth)).statusCode,
    ).toBe(403);
    const byHidden = await call(
      'POST',
      '/objects/people/aggregate',
      { filter: { field: 'jobTitle', op: 'eq', value: 'CEO' }, metrics: [{ fn: 'count' }] },
      auth,
    );
    expect(byHidden.statusCode).toBe(400);
    expect(
      (
        await call(
          'POST',
          '/objects/people/aggregate',
          { groupBy: ['jobTitle'], metrics: [{ fn: 'count' }] },
          auth,
        )
      ).statusCode,
    ).toBe(400);
    expect(
      (await call('POST', '/objects/people/aggregate', { metrics: [{ fn: 'count' }] }, auth)).statusCode,
    ).toBe(200);
  });
});
