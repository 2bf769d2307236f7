import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { planOf } from '../../../../test/plan.ts';
import { principalForMember } from '../auth/members.service.ts';
import { compileAggregateQuery } from './aggregate.service.ts';

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

  it('sums money exactly from its typed columns, which follow every change of amount and currency', async () => {
    const pipeline = (await call('GET', '/objects/pipelines')).json().data[0];
    const made = async (name: string, amount: string) =>
      (
        await call('POST', '/objects/deals', {
          name,
          pipeline: pipeline.id,
          stage: stages[2]!.id,
          amount: { amount, currency: 'SAR' },
        })
      ).json().id as string;
    await made('tenth', '0.10');
    const fifth = await made('fifth', '0.20');
    const sums = async () =>
      (
        await call('POST', '/objects/deals/aggregate', {
          filter: { field: 'name', op: 'in', value: ['tenth', 'fifth'] },
          metrics: [{ fn: 'sum', field: 'amount' }],
        })
      )
        .json()
        .data.map((r: { keys: { currency: string }; values: Record<string, string> }) => [
          r.keys.currency,
          r.values['sum:amount'],
        ])
        .sort();
    expect(await sums()).toEqual([['SAR', '0.30']]);
    const moved = await call('PATCH', `/objects/deals/${fifth}`, {
      amount: { amount: '0.25', currency: 'EUR' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(await sums()).toEqual([
      ['EUR', '0.25'],
      ['SAR', '0.10'],
    ]);
  });

  it("sums a company's annual revenue per currency through the same columns", async () => {
    await call('POST', '/objects/companies', {
      name: 'Kish Trading',
      annualRevenue: { amount: '1500.75', currency: 'IRR' },
    });
    await call('POST', '/objects/companies', {
      name: 'Gulf Foods',
      annualRevenue: { amount: '20.25', currency: 'IRR' },
    });
    const r = await call('POST', '/objects/companies/aggregate', {
      metrics: [
        { fn: 'sum', field: 'annualRevenue' },
        { fn: 'max', field: 'annualRevenue' },
      ],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().data).toEqual([
      {
        keys: { currency: 'IRR' },
        values: { 'sum:annualRevenue': '1521.00', 'max:annualRevenue': '1500.75' },
      },
    ]);
  });

  it('answers a filtered report of deals by stage and owner from the covering index alone (an index-only scan)', async () => {
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const query = await compileAggregateQuery({ db: t.handle.db, principal }, 'deals', {
      filter: { field: 'stage', op: 'isNotNull' },
      groupBy: ['stage', 'owner'],
      metrics: [{ fn: 'sum', field: 'amount' }, { fn: 'count' }],
    });
    // Vacuumed, as a table at scale mostly is: its pages all-visible, so reading an index alone costs less than an
    // index that also reads the table (else, on a few rows, any small index of deals — the report keys' of
    // sales-0016 — ties with the covering ones).
    const ownerClient = new pg.Client({ connectionString: t.url });
    await ownerClient.connect();
    await ownerClient.query('vacuum (analyze) deals');
    await ownerClient.end();
    const plan = await planOf(t.handle, admin.workspaceId, query);
    const scans = plan.filter((n) => n['Node Type'].includes('Scan'));
    expect(scans.map((n) => n['Node Type'])).toEqual(['Index Only Scan']);
    // This index, or the sales forecast's (migration sales-0013), which holds the same columns: on a few rows the
    // planner may take either; both answer without reading the table.
    expect(['deals_stage_owner_amount_idx', 'deals_forecast_idx']).toContain(scans[0]?.['Index Name']);
    // Grouped on the ids themselves (16 bytes each), not on their text.
    expect(plan.find((n) => n['Group Key'])?.['Group Key']).toEqual([
      'stage_id',
      'owner_id',
      'amount_currency',
    ]);
  });

  it('answers deals by pipeline, stage and owner from the kept totals, as the deals themselves would, through every kind of write', async () => {
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const unfiltered = {
      groupBy: ['stage', 'owner'],
      metrics: [{ fn: 'sum' as const, field: 'amount' }, { fn: 'count' as const }],
    };
    const plan = await planOf(
      t.handle,
      admin.workspaceId,
      await compileAggregateQuery({ db: t.handle.db, principal }, 'deals', unfiltered),
    );
    // The only table read is the totals, through their key (the subquery adds up a key's slots).
    expect(
      plan
        .filter((n) => n['Node Type'].includes('Scan') && n['Node Type'] !== 'Subquery Scan')
        .map((n) => n['Index Name']),
    ).toEqual(['deal_totals_key']);

    const pipelines = (await call('GET', '/objects/pipelines')).json().data;
    const second = (await call('POST', '/objects/pipelines', { name: 'Renewals' })).json();
    const secondStage = (
      await call('POST', '/objects/stages', {
        name: 'Due',
        pipeline: second.id,
        position: 0,
        probability: 50,
        kind: 'open',
      })
    ).json();
    const member = (await call('GET', '/members')).json().data[0].userId;
    // Every kind of write: single and batch creates, moves between stages and pipelines, new owners, amounts
    // changed (scale and currency too), removed and restored, deleted and restored.
    const ids: string[] = [];
    const batch = await call('POST', '/objects/deals/batch', {
      records: Array.from({ length: 12 }, (_, i) => ({
        name: `batch ${i}`,
        stage: stages[i % 3]!.id,
        ...(i % 4 === 0
          ? {}
          : { amount: { amount: i % 2 ? `${i}.5` : `${i * 10}`, currency: i % 3 ? 'SAR' : 'USD' } }),
        ...(i % 5 === 0 ? { owner: member } : {}),
      })),
    });
    ids.push(...batch.json().data.map((r: { id: string }) => r.id));
    ids.push(
      (
        await call('POST', '/objects/deals', { name: 'single', amount: { amount: '0.125', currency: 'SAR' } })
      ).json().id,
    );
    await call('PATCH', `/objects/deals/${ids[1]}`, {
      stage: stages[2]!.id,
      amount: { amount: '7', currency: 'EUR' },
    });
    await call('PATCH', `/objects/deals/${ids[2]}`, { pipeline: second.id, stage: secondStage.id });
    await call('PATCH', `/objects/deals/${ids[3]}`, { amount: null });
    await call('PATCH', `/objects/deals/${ids[5]}`, { owner: null });
    await call('PATCH', `/objects/deals/${ids[12]}`, { amount: { amount: '0.1', currency: 'SAR' } });
    await call('DELETE', `/objects/deals/${ids[6]}`);
    await call('DELETE', `/objects/deals/${ids[7]}`);
    await call('POST', `/objects/deals/${ids[7]}/restore`);
    expect(pipelines.length).toBeGreaterThan(0);
    // One owner's deals of one key written from many connections at once (each connection adds to its own slot
    // of the key's totals, so none waits for another's commit), then some of them moved and deleted.
    const parallel = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        call('POST', '/objects/deals', {
          name: `parallel ${i}`,
          amount: { amount: '2.25', currency: 'SAR' },
        }),
      ),
    );
    for (const r of parallel) expect(r.statusCode, r.body).toBe(201);
    await Promise.all(
      parallel
        .slice(0, 6)
        .map((r, i) =>
          i % 2
            ? call('DELETE', `/objects/deals/${r.json().id}`)
            : call('PATCH', `/objects/deals/${r.json().id}`, { stage: stages[1]!.id }),
        ),
    );

    // The same question through the general query (a filter every deal passes forces it).
    const every = {
      or: [
        { field: 'name', op: 'isNull' },
        { field: 'name', op: 'isNotNull' },
      ],
    };
    const sorted = (rows: { keys: object; values: object }[]) => rows.map((r) => JSON.stringify(r)).sort();
    for (const question of [
      unfiltered,
      { groupBy: ['pipeline'], metrics: [{ fn: 'count' as const }, { fn: 'avg' as const, field: 'amount' }] },
      {
        groupBy: ['owner'],
        metrics: [
          { fn: 'count' as const, field: 'amount' },
          { fn: 'sum' as const, field: 'amount' },
        ],
      },
      { groupBy: [], metrics: [{ fn: 'count' as const }] },
      { groupBy: [], metrics: [{ fn: 'sum' as const, field: 'amount' }] },
    ]) {
      const kept = await call('POST', '/objects/deals/aggregate', question);
      const counted = await call('POST', '/objects/deals/aggregate', { ...question, filter: every });
      expect(kept.statusCode, kept.body).toBe(200);
      expect(sorted(kept.json().data), JSON.stringify(question)).toEqual(sorted(counted.json().data));
    }
    // Another workspace's deals never count, and an empty workspace counts none.
    const theirs = await call(
      'POST',
      '/objects/deals/aggregate',
      { metrics: [{ fn: 'count' }] },
      other.cookie,
    );
    expect(theirs.json().data).toEqual([{ keys: {}, values: { count: 1 } }]);
    const empty = await signUp(t.app);
    const none = await call('POST', '/objects/deals/aggregate', { metrics: [{ fn: 'count' }] }, empty.cookie);
    expect(none.json().data).toEqual([{ keys: {}, values: { count: 0 } }]);

    // Deleting a workspace takes its deals and their totals with it.
    const leaving = await signUp(t.app);
    await call(
      'POST',
      '/objects/deals',
      { name: 'last', amount: { amount: '5', currency: 'SAR' } },
      leaving.cookie,
    );
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query('delete from workspaces where id = $1', [leaving.workspaceId]);
      const left = await owner.query(
        'select count(*)::int as n from rabita_derived.deal_totals where workspace_id = $1',
        [leaving.workspaceId],
      );
      expect(left.rows[0].n).toBe(0);
    } finally {
      await owner.end();
    }
  });
});
