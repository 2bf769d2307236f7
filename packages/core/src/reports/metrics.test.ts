import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

interface Metric {
  key: string;
  module: string;
  names: { en: string; ar?: string; fa?: string };
  formula: { en: string };
  definition: Record<string, unknown>;
}
interface Result {
  rows: { keys: (string | null)[]; values: (number | string | null)[] }[];
}

describe('the metrics catalogue and the share measure', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let seller: { userId: string; cookie: string };
  let blind: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const metrics = async (as?: string) => {
    const res = await call('GET', '/reports/metrics', undefined, as);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Metric[] }).data;
  };
  const run = async (body: unknown, as?: string) => {
    const res = await call('POST', '/reports/run', body, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Result;
  };
  const role = async (key: string, objects: Record<string, unknown>) => {
    const res = await call('POST', '/roles', { key, name: key, permissions: { actions: [], objects } });
    expect(res.statusCode, res.body).toBe(201);
  };
  const read = { read: true, create: false, update: false, delete: false };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    await role('deals_only', { deals: read, stages: read, pipelines: read });
    seller = await joinByInvitation(t.app, admin.cookie, {
      email: `seller.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'deals_only',
      name: 'Seller',
    });
    await role('no_status', { deals: { ...read, hiddenFields: ['status'] }, tickets: read });
    blind = await joinByInvitation(t.app, admin.cookie, {
      email: `blind.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'no_status',
      name: 'Blind',
    });
    const pipeline = await call('POST', '/objects/pipelines', { name: 'فروش', currency: 'USD' });
    const stage = await call('POST', '/objects/stages', {
      name: 'مذاکره',
      pipeline: pipeline.json().id,
      position: 1,
    });
    expect(stage.statusCode, stage.body).toBe(201);
    // Azar 1405 (2026-11-22 .. 2026-12-21): three won and one lost; Dey: one won, one lost; and two still open.
    const deal = (status: string, date: string, amount: string) => ({
      name: `${status} ${date}`,
      stage: stage.json().id,
      status,
      expectedCloseDate: date,
      amount: { amount, currency: 'USD' },
    });
    const batch = await call('POST', '/objects/deals/batch', {
      records: [
        deal('won', '2026-11-25', '100.00'),
        deal('won', '2026-12-01', '200.00'),
        deal('won', '2026-12-20', '300.00'),
        deal('lost', '2026-12-02', '50.00'),
        deal('won', '2026-12-25', '400.00'),
        deal('lost', '2027-01-10', '60.00'),
        deal('open', '2026-12-03', '70.00'),
        deal('open', '2027-01-03', '80.00'),
      ],
    });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
    expect(JSON.stringify(batch.json())).not.toContain('"error');
    // Tickets in a few statuses, so the service metrics run over rows.
    for (const status of ['open', 'resolved', 'closed', 'new']) {
      const res = await call('POST', '/objects/tickets', { subject: `تیکت ${status}`, status, owner: null });
      expect(res.statusCode, res.body).toBe(201);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists what the modules define, each with its formula in three languages, only over objects the caller reads', async () => {
    const all = await metrics();
    const keys = all.map((m) => m.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'sales.pipelineByStage',
        'sales.winRate',
        'sales.averageDealSize',
        'service.slaCompliance',
        'service.firstContactResolution',
        'service.backlog',
        'service.reopenRate',
      ]),
    );
    for (const m of all) {
      expect(m.names.fa, m.key).toBeTruthy();
      expect(m.names.ar, m.key).toBeTruthy();
      expect(m.formula.en.length, m.key).toBeGreaterThan(20);
    }
    // A role reading deals but not tickets sees the sales metrics only.
    const theirs = (await metrics(seller.cookie)).map((m) => m.key);
    expect(theirs).toContain('sales.winRate');
    expect(theirs.filter((k) => k.startsWith('service.'))).toEqual([]);
    expect((await call('GET', '/reports/metrics', undefined, '')).statusCode).toBe(401);
  });

  it('runs every metric as it is defined, and the win rate is won ÷ closed per close month in the viewer’s calendar', async () => {
    for (const m of await metrics())
      await run({ ...m.definition, calendar: 'persian', timeZone: 'Asia/Tehran' });
    const winRate = (await metrics()).find((m) => m.key === 'sales.winRate')!;
    const result = await run({ ...winRate.definition, calendar: 'persian', timeZone: 'Asia/Tehran' });
    const byMonth = Object.fromEntries(result.rows.map((r) => [r.keys[0], r.values.map(Number)]));
    // Azar 1405 starts on 2026-11-22: 3 won of 4 closed; Dey 1405 (from 2026-12-22): 1 of 2.
    expect(byMonth['2026-11-22']).toEqual([0.75, 4]);
    expect(byMonth['2026-12-22']).toEqual([0.5, 2]);
    // Copied into the caller's own reports, it runs the same.
    const saved = await call('POST', '/reports', { name: 'نرخ موفقیت من', definition: winRate.definition });
    expect(saved.statusCode, saved.body).toBe(201);
    const again = await call('POST', `/reports/${saved.json().id}/run`, {});
    expect(again.statusCode, again.body).toBe(200);
  });

  it('refuses a share without where, with a field, a where over a hidden field, and bad formulas and day counts', async () => {
    const refused = async (measures: unknown, as?: string) => {
      const res = await call('POST', '/reports/run', { object: 'deals', measures }, as);
      expect(res.statusCode, res.body).toBe(400);
      return (res.json() as { errors: { field: string }[] }).errors.map((e) => e.field);
    };
    expect(await refused([{ fn: 'share' }])).toContain('body.measures.0.where');
    expect(
      await refused([{ fn: 'share', field: 'amount', where: { field: 'status', op: 'eq', value: 'won' } }]),
    ).toContain('body.measures.0.field');
    // A count of only some records is allowed; over a field hidden from the reader it is refused like a share.
    const onlyWon = { fn: 'count', where: { field: 'status', op: 'eq', value: 'won' } };
    expect((await run({ object: 'deals', measures: [onlyWon] })).rows[0]!.values).toEqual([4]);
    expect(
      (await refused([{ fn: 'count' }, onlyWon], blind.cookie)).some((f) =>
        f.startsWith('body.measures.1.where'),
      ),
    ).toBe(true);
    const formula = (expression: string) => [{ fn: 'count' }, { fn: 'formula', expression }];
    for (const bad of [
      'm0 +',
      'm5 / m0',
      'm1 * 2',
      'eval(m0)',
      'm0 / m0)',
      '',
      `${'('.repeat(40)}m0${')'.repeat(40)}`,
    ])
      expect(await refused(formula(bad)), bad).toContain('body.measures.1.expression');
    expect(await refused([{ fn: 'formula', expression: 'm0', field: 'amount' }])).toContain(
      'body.measures.0',
    );
    expect(await refused([{ fn: 'count', expression: 'm0' }])).toContain('body.measures.0.expression');
    expect(await refused([{ fn: 'sum', field: 'amount', since: 'createdAt' }])).toContain(
      'body.measures.0.since',
    );
    expect(await refused([{ fn: 'avg', field: 'expectedCloseDate', since: 'name' }])).toContain(
      'body.measures.0.since',
    );
    expect(await refused([{ fn: 'count', label: 'a\u0000b' }])).not.toEqual([]);
    expect(await refused([{ fn: 'count', label: '\ud800' }])).not.toEqual([]);
    const hidden = await refused(
      [{ fn: 'count' }, { fn: 'share', where: { field: 'status', op: 'eq', value: 'won' } }],
      blind.cookie,
    );
    expect(hidden.some((f) => f.startsWith('body.measures.1.where'))).toBe(true);
    expect(
      await refused([{ fn: 'share', where: { field: 'status', op: 'eq', value: 'a\u0000b' } }]),
    ).not.toEqual([]);
    expect(await refused([{ fn: 'share', where: { field: 'nope', op: 'eq', value: 1 } }])).toContain(
      'body.measures.0.where.field',
    );
  });

  it('measures only some records, days between two dates, and formulas over the other measures', async () => {
    // When each deal was created, as a UTC civil day: the days to its close date are counted from it.
    const list = await call('GET', '/objects/deals?limit=100&fields=status,expectedCloseDate,createdAt');
    expect(list.statusCode, list.body).toBe(200);
    const deals = (
      list.json() as { data: { status: string; expectedCloseDate: string; createdAt: string }[] }
    ).data;
    const days = (d: { expectedCloseDate: string; createdAt: string }) =>
      (Date.parse(`${d.expectedCloseDate}T00:00:00Z`) - Date.parse(`${d.createdAt.slice(0, 10)}T00:00:00Z`)) /
      86_400_000;
    const wonDays = deals.filter((d) => d.status === 'won').map(days);
    const result = await run({
      object: 'deals',
      timeZone: 'UTC',
      measures: [
        { fn: 'count' },
        { fn: 'count', where: { field: 'status', op: 'eq', value: 'won' }, label: 'برنده' },
        { fn: 'sum', field: 'amount', where: { field: 'status', op: 'eq', value: 'won' } },
        {
          fn: 'avg',
          field: 'expectedCloseDate',
          since: 'createdAt',
          where: { field: 'status', op: 'eq', value: 'won' },
        },
        { fn: 'formula', expression: 'm2 / m1', label: 'میانگین' },
        { fn: 'formula', expression: '-(m1 / m0) * 100 + 100' },
        { fn: 'formula', expression: 'm0 / (m1 - m1)' },
      ],
    });
    const [row] = result.rows;
    expect(row!.values.slice(0, 3)).toEqual([8, 4, '1000.00']);
    expect(Number(row!.values[3])).toBeCloseTo(wonDays.reduce((a, b) => a + b, 0) / wonDays.length, 6);
    expect(row!.values.slice(4)).toEqual(['250', '50', null]);
    const described = (result as unknown as { measures: Record<string, unknown>[] }).measures;
    expect(described[1]).toMatchObject({ fn: 'count', label: 'برنده' });
    expect(described[3]).toMatchObject({ field: 'expectedCloseDate', since: 'createdAt', type: 'number' });
    expect(described[4]).toMatchObject({
      fn: 'formula',
      expression: 'm2 / m1',
      type: 'number',
      label: 'میانگین',
    });

    // Deals by stage, counted only when won: never the kept figures (which count every deal).
    const stages = await run({
      object: 'deals',
      groupBy: [{ field: 'stage' }],
      measures: [{ fn: 'count' }, { fn: 'count', where: { field: 'status', op: 'eq', value: 'won' } }],
    });
    expect(stages.rows.map((r) => r.values)).toEqual([[8, 4]]);

    // Hours between two instants, to the second: the longest a deal went from creation to its last change.
    const changed = await call('GET', '/objects/deals?limit=100&fields=createdAt,updatedAt');
    const spans = (changed.json() as { data: { createdAt: string; updatedAt: string }[] }).data.map(
      (d) => (Date.parse(d.updatedAt) - Date.parse(d.createdAt)) / 3_600_000,
    );
    const hours = await run({
      object: 'deals',
      measures: [{ fn: 'max', field: 'updatedAt', since: 'createdAt', unit: 'hours' }],
    });
    expect(Number(hours.rows[0]!.values[0])).toBeCloseTo(Math.max(...spans), 5);
    const refusedUnit = async (measure: unknown) => {
      const res = await call('POST', '/reports/run', { object: 'deals', measures: [measure] });
      expect(res.statusCode, res.body).toBe(400);
      return (res.json() as { errors: { field: string }[] }).errors.map((e) => e.field);
    };
    expect(
      await refusedUnit({ fn: 'avg', field: 'expectedCloseDate', since: 'createdAt', unit: 'hours' }),
    ).toContain('body.measures.0.unit');
    expect(await refusedUnit({ fn: 'avg', field: 'amount', unit: 'hours' })).toContain(
      'body.measures.0.unit',
    );

    // By Jalali month (the daily path), sorted by a formula: won ÷ closed, largest first, empty last.
    const months = await run({
      object: 'deals',
      calendar: 'persian',
      timeZone: 'Asia/Tehran',
      groupBy: [{ field: 'status' }, { field: 'expectedCloseDate', bucket: 'month' }],
      measures: [
        { fn: 'count' },
        { fn: 'sum', field: 'amount', where: { field: 'status', op: 'eq', value: 'won' } },
        { fn: 'formula', expression: 'm1 / m0' },
      ],
      sort: { measure: 2, direction: 'desc' },
    });
    const azar = months.rows.filter((r) => r.keys[1] === '2026-11-22');
    expect(azar.map((r) => [r.keys[0], ...r.values])).toEqual([
      ['won', 3, '600.00', '200'],
      ['lost', 1, null, null],
      ['open', 1, null, null],
    ]);

    // The catalogue's velocity and cycle run as they are defined, their measures named in three languages.
    const all = await metrics();
    for (const key of ['sales.velocity', 'sales.averageCycle', 'service.responseTimes']) {
      const metric = all.find((m) => m.key === key) as Metric & { measureNames: { fa: string }[] };
      expect(metric.measureNames.length).toBe((metric.definition.measures as unknown[]).length);
      expect(metric.measureNames.every((n) => n.fa)).toBe(true);
      const answer = await run({ ...metric.definition, calendar: 'persian', timeZone: 'Asia/Tehran' });
      expect(answer.rows.length).toBeGreaterThan(0);
    }
    const velocity = all.find((m) => m.key === 'sales.velocity')!;
    const v = await run({ ...velocity.definition, calendar: 'persian', timeZone: 'Asia/Tehran' });
    for (const r of v.rows) {
      const [formulaValue, closed, won, average, toWin] = r.values;
      const expected =
        closed && won && average !== null && toWin !== null && Number(toWin) !== 0
          ? (Number(won) * Number(average)) / Number(toWin)
          : null;
      if (expected === null) expect(formulaValue).toBeNull();
      else expect(Number(formulaValue)).toBeCloseTo(expected, 4);
    }
  });

  it('counts the lead funnel stage by stage, and conversion by source with "others" past the ten largest', async () => {
    const lead = (name: string, status: string, source: string) => ({ name, status, source });
    const batch = await call('POST', '/objects/leads/batch', {
      records: [
        lead('نرگس', 'new', 'اینستاگرام'),
        lead('پویا', 'contacted', 'اینستاگرام'),
        lead('ژاله', 'disqualified', 'اینستاگرام'),
        lead('سینا', 'qualified', 'google'),
        lead('رها', 'converted', 'google'),
        lead('کیان', 'converted', 'google'),
      ],
    });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
    expect(JSON.stringify(batch.json())).not.toContain('"error');
    const all = await metrics();
    const funnel = all.find((m) => m.key === 'sales.leadFunnel')!;
    expect((await run(funnel.definition)).rows.map((r) => r.values)).toEqual([[6, 5, 3, 2]]);
    const bySource = all.find((m) => m.key === 'sales.leadConversionBySource')!;
    const rows = (await run(bySource.definition)).rows.map((r) => [r.keys[0], ...r.values]);
    expect(rows).toEqual([
      ['google', 3, 2, '0.666667'],
      ['اینستاگرام', 3, 0, '0'],
    ]);
  });
});
