import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

interface Metric {
  key: string;
  definition: Record<string, unknown>;
}
interface Result {
  dimensions: { field: string; bucket: string | null; since: string | null }[];
  rows: { keys: (string | null)[]; values: (number | string | null)[] }[];
}
interface Deal {
  id: string;
  name: string;
  customerSince: string | null;
  returningCustomer: boolean;
  repeatSale: boolean;
}

describe('customers since their first won deal: cohorts, retention and churn', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const companies: Record<string, string> = {};
  let stage = '';
  const run = async (body: unknown) => {
    const res = await call('POST', '/reports/run', body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Result;
  };
  const metric = async (key: string) => {
    const res = await call('GET', '/reports/metrics');
    const found = (res.json() as { data: Metric[] }).data.find((m) => m.key === key);
    expect(found, key).toBeDefined();
    return found!.definition;
  };
  const deals = async () => {
    const res = await call('POST', '/objects/deals/query', {
      fields: ['name', 'customerSince', 'returningCustomer', 'repeatSale'],
      limit: 100,
    });
    expect(res.statusCode, res.body).toBe(200);
    return new Map((res.json() as { data: Deal[] }).data.map((d) => [d.name, d]));
  };
  const deal = (name: string, company: string | null, status: string, date: string, amount: string) => ({
    name,
    stage,
    status,
    company: company ? companies[company] : null,
    expectedCloseDate: date,
    amount: { amount, currency: 'USD' },
  });
  const byName = async (name: string) => (await deals()).get(name)!;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    for (const name of ['آلفا', 'بتا', 'گاما', 'دلتا']) {
      const res = await call('POST', '/objects/companies', { name });
      expect(res.statusCode, res.body).toBe(201);
      companies[name] = res.json().id;
    }
    const pipeline = await call('POST', '/objects/pipelines', { name: 'فروش', currency: 'USD' });
    const created = await call('POST', '/objects/stages', {
      name: 'مذاکره',
      pipeline: pipeline.json().id,
      position: 1,
    });
    expect(created.statusCode, created.body).toBe(201);
    stage = created.json().id;
    // Alpha first won on 10 January (20 Dey 1404) and again on 5 March (14 Esfand); Beta once on 20 January;
    // Gamma twice on one day, 15 February (a first sale, twice); Delta only lost; one deal has no company.
    const batch = await call('POST', '/objects/deals/batch', {
      records: [
        deal('a1', 'آلفا', 'won', '2026-01-10', '100.00'),
        deal('a2', 'آلفا', 'lost', '2026-02-01', '40.00'),
        deal('a3', 'آلفا', 'won', '2026-03-05', '50.00'),
        deal('b1', 'بتا', 'won', '2026-01-20', '200.00'),
        deal('c1', 'گاما', 'won', '2026-02-15', '70.00'),
        deal('c2', 'گاما', 'won', '2026-02-15', '30.00'),
        deal('d1', 'دلتا', 'lost', '2026-01-05', '10.00'),
        deal('x1', null, 'won', '2026-01-07', '5.00'),
      ],
    });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
    expect(JSON.stringify(batch.json())).not.toContain('"error');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps on every deal when its company became a customer, whether it came back, and which sales were repeats', async () => {
    const d = await deals();
    for (const n of ['a1', 'a2', 'a3'])
      expect(d.get(n), n).toMatchObject({ customerSince: '2026-01-10', returningCustomer: true });
    expect([d.get('a1')!.repeatSale, d.get('a2')!.repeatSale, d.get('a3')!.repeatSale]).toEqual([
      false,
      false,
      true,
    ]);
    expect(d.get('b1')).toMatchObject({
      customerSince: '2026-01-20',
      returningCustomer: false,
      repeatSale: false,
    });
    // Two wins on the first day are both first sales.
    for (const n of ['c1', 'c2'])
      expect(d.get(n), n).toMatchObject({
        customerSince: '2026-02-15',
        returningCustomer: false,
        repeatSale: false,
      });
    expect(d.get('d1')).toMatchObject({ customerSince: null, returningCustomer: false, repeatSale: false });
    expect(d.get('x1')).toMatchObject({ customerSince: null, repeatSale: false });
    // Kept by the module: nobody writes them.
    const res = await call('PATCH', `/objects/deals/${d.get('b1')!.id}`, { customerSince: '2020-01-01' });
    expect(res.statusCode).toBe(400);
    expect((await byName('b1')).customerSince).toBe('2026-01-20');
  });

  it('draws the cohort matrix by first-won month and months since, in the Jalali calendar too', async () => {
    const def = await metric('sales.cohorts');
    const cells = (r: Result) =>
      r.rows
        .filter((row) => row.values[0] !== 0)
        .map((row) => [...row.keys, ...row.values.map((v) => (v === null ? null : Number(v)))]);
    const gregorian = await run({ ...def, calendar: 'gregory', timeZone: 'UTC' });
    expect(gregorian.dimensions[1]).toMatchObject({ field: 'expectedCloseDate', since: 'customerSince' });
    expect(cells(gregorian)).toEqual([
      ['2026-01-01', '0', 2, 300],
      ['2026-01-01', '2', 1, 50],
      ['2026-02-01', '0', 1, 100],
    ]);
    // 10 and 20 January are Dey 1404 (from 22 December); 15 February is Bahman (from 21 January); 5 March is
    // Esfand, two Jalali months after Dey.
    const jalali = await run({ ...def, calendar: 'persian', timeZone: 'Asia/Tehran' });
    expect(cells(jalali)).toEqual([
      ['2025-12-22', '0', 2, 300],
      ['2025-12-22', '2', 1, 50],
      ['2026-01-21', '0', 1, 100],
    ]);
    // By week and by day the ages are counted in those periods (5 March is 54 days after 10 January).
    const days = await run({
      object: 'deals',
      filter: { field: 'status', op: 'eq', value: 'won' },
      groupBy: [{ field: 'expectedCloseDate', bucket: 'day', since: 'customerSince' }],
      measures: [{ fn: 'count' }],
      calendar: 'gregory',
    });
    expect(days.rows.map((r) => [r.keys[0], r.values[0]])).toEqual([
      ['0', 4],
      ['54', 1],
      [null, 1],
    ]);
  });

  it('measures retention and churn of logos and revenue per first-won quarter', async () => {
    const def = await metric('sales.retention');
    const result = await run({ ...def, calendar: 'gregory', timeZone: 'UTC' });
    const q1 = result.rows.find((r) => r.keys[0] === '2026-01-01')!;
    // Customers Alpha, Beta, Gamma; Alpha bought again. First sales 100 + 200 + 70 + 30; repeat 50; Beta's and
    // Gamma's first sales never returned.
    const values = q1.values.map(Number);
    expect(values.slice(0, 2)).toEqual([3, 1]);
    expect(values[2]).toBeCloseTo(1 / 3, 5);
    expect(values[3]).toBeCloseTo(2 / 3, 5);
    expect(values.slice(4)).toEqual([400, 50, 300, 0.125, 0.75]);
  });

  it('follows the deals: a first win lost, a deal moved to another company, deleted and restored', async () => {
    const d = await deals();
    // Alpha's first win is lost: it became a customer on 5 March, and has not come back.
    let res = await call('PATCH', `/objects/deals/${d.get('a1')!.id}`, { status: 'lost' });
    expect(res.statusCode, res.body).toBe(200);
    let now = await deals();
    for (const n of ['a1', 'a2', 'a3'])
      expect(now.get(n), n).toMatchObject({ customerSince: '2026-03-05', returningCustomer: false });
    expect(now.get('a3')!.repeatSale).toBe(false);
    // Beta's only deal moves to Gamma: Beta is no customer; Gamma first won on 20 January and came back in February.
    res = await call('PATCH', `/objects/deals/${d.get('b1')!.id}`, { company: companies.گاما });
    expect(res.statusCode, res.body).toBe(200);
    now = await deals();
    for (const n of ['b1', 'c1', 'c2'])
      expect(now.get(n), n).toMatchObject({ customerSince: '2026-01-20', returningCustomer: true });
    expect([now.get('c1')!.repeatSale, now.get('c2')!.repeatSale]).toEqual([true, true]);
    // Deleting that deal gives Gamma its own first day back; restoring it, the January one again.
    res = await call('DELETE', `/objects/deals/${d.get('b1')!.id}`);
    expect(res.statusCode, res.body).toBeLessThan(300);
    now = await deals();
    expect(now.get('c1')).toMatchObject({ customerSince: '2026-02-15', returningCustomer: false });
    res = await call('POST', `/objects/deals/${d.get('b1')!.id}/restore`);
    expect(res.statusCode, res.body).toBeLessThan(300);
    expect(await byName('c1')).toMatchObject({ customerSince: '2026-01-20', repeatSale: true });
    // Taking a deal's company away empties its marks.
    res = await call('PATCH', `/objects/deals/${d.get('a3')!.id}`, { company: null });
    expect(res.statusCode, res.body).toBe(200);
    expect(await byName('a3')).toMatchObject({ customerSince: null, repeatSale: false });
    expect(await byName('a2')).toMatchObject({ customerSince: null, returningCustomer: false });
  });

  it('refuses periods since a field that is no date, without a bucket or by a fiscal one, and counts distinct values', async () => {
    const bad = async (groupBy: unknown, path: string) => {
      const res = await call('POST', '/reports/run', {
        object: 'deals',
        groupBy,
        measures: [{ fn: 'count' }],
      });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.body).toContain(path);
    };
    await bad([{ field: 'expectedCloseDate', since: 'customerSince' }], 'groupBy.0.since');
    await bad([{ field: 'expectedCloseDate', bucket: 'month', since: 'name' }], 'groupBy.0.since');
    await bad(
      [{ field: 'expectedCloseDate', bucket: 'fiscalYear', since: 'customerSince' }],
      'groupBy.0.since',
    );
    await bad([{ field: 'expectedCloseDate', bucket: 'month', since: 'nothing' }], 'groupBy.0.since');
    const noField = await call('POST', '/reports/run', { object: 'deals', measures: [{ fn: 'distinct' }] });
    expect(noField.statusCode).toBe(400);
    const days = await call('POST', '/reports/run', {
      object: 'deals',
      measures: [{ fn: 'distinct', field: 'expectedCloseDate', since: 'createdAt' }],
    });
    expect(days.statusCode).toBe(400);
    // Distinct companies by the month deals were created, in a zone with a steady offset (read in one level).
    const result = await run({
      object: 'deals',
      groupBy: [{ field: 'createdAt', bucket: 'month' }],
      measures: [{ fn: 'distinct', field: 'company' }, { fn: 'count' }],
      timeZone: 'Asia/Tehran',
      calendar: 'persian',
    });
    expect(result.rows.map((r) => r.values)).toEqual([[3, 8]]);
  });
});
