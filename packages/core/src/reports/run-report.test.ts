import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

interface Result {
  calendar: string;
  timeZone: string;
  buckets: { key: string; from: string; to: string; year: number | null; period: number | null }[];
  rows: {
    keys: (string | null)[];
    others: boolean[];
    currency?: string | null;
    values: (number | string | null)[];
    unconverted?: number;
  }[];
  currency: string | null;
  labels: Record<string, string | null>;
  truncated: boolean;
}

const DAY = 86_400_000;

/** A civil date's year and month in a calendar, as ICU says (what the test's expectations are computed with). */
function partsOf(calendar: string, date: string) {
  const parts = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(new Date(`${date}T00:00:00Z`));
  const of = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: of('year'), month: of('month'), day: of('day') };
}
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
/** The first day of the calendar month holding `date`. */
function monthStart(calendar: string, date: string): string {
  return iso(Date.parse(`${date}T00:00:00Z`) - (partsOf(calendar, date).day - 1) * DAY);
}
/** Adds decimals with two places exactly (cents as BigInt). */
const addCents = (a: string, b: string) => {
  const cents = (v: string) => BigInt(Math.round(Number(v) * 100));
  const sum = cents(a) + cents(b);
  return `${sum / 100n}.${String(sum % 100n).padStart(2, '0')}`;
};
const decimal = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));

describe('running reports', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let rep: { userId: string; cookie: string };
  let blind: { userId: string; cookie: string };
  let stageId: string;
  let stageName: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const run = async (body: unknown, as?: string) => {
    const res = await call('POST', '/reports/run', body, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Result;
  };

  /** The hand-made data set: 60 deals over two Jalali years, two currencies, three statuses, two owners. */
  const deals: {
    name: string;
    date: string;
    amount: string;
    currency: string;
    status: string;
    owner: 'admin' | 'rep';
  }[] = [];
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    const own = await call('POST', '/roles', {
      key: 'own_deals',
      name: 'Own deals',
      permissions: {
        actions: [],
        objects: {
          deals: { read: true, create: true, update: true, delete: false, ownRecordsOnly: true },
          stages: { read: true, create: false, update: false, delete: false },
          pipelines: { read: true, create: false, update: false, delete: false },
        },
      },
    });
    expect(own.statusCode, own.body).toBe(201);
    rep = await joinByInvitation(t.app, admin.cookie, {
      email: `rep.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'own_deals',
      name: 'Rep',
    });
    const hiding = await call('POST', '/roles', {
      key: 'no_amounts',
      name: 'No amounts',
      permissions: {
        actions: [],
        objects: {
          deals: {
            read: true,
            create: false,
            update: false,
            delete: false,
            hiddenFields: ['amount', 'expectedCloseDate'],
          },
        },
      },
    });
    expect(hiding.statusCode, hiding.body).toBe(201);
    blind = await joinByInvitation(t.app, admin.cookie, {
      email: `blind.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'no_amounts',
      name: 'Blind',
    });

    const pipeline = await call('POST', '/objects/pipelines', { name: 'Reports', currency: 'USD' });
    expect(pipeline.statusCode, pipeline.body).toBe(201);
    stageName = 'Negotiation';
    const stage = await call('POST', '/objects/stages', {
      name: stageName,
      pipeline: pipeline.json().id,
      position: 1,
    });
    expect(stage.statusCode, stage.body).toBe(201);
    stageId = stage.json().id;

    // 1403-01-01 is 2024-03-20; the deals fall between then and the end of 1404, leaving some months empty.
    const first = Date.parse('2024-03-20T00:00:00Z');
    for (let i = 0; i < 60; i++) {
      let offset = Math.floor(random() * 700);
      // Mehr 1403 (2024-09-22 .. 2024-10-21) stays empty, so a bucket has to be filled in.
      if (offset >= 186 && offset <= 215) offset += 40;
      const date = iso(first + offset * DAY);
      deals.push({
        name: `Deal ${i}`,
        date,
        amount: `${100 + Math.floor(random() * 9000)}.${String(Math.floor(random() * 100)).padStart(2, '0')}`,
        currency: random() < 0.7 ? 'USD' : 'EUR',
        status: ['won', 'won', 'lost', 'open'][Math.floor(random() * 4)]!,
        owner: random() < 0.3 ? 'rep' : 'admin',
      });
    }
    // Year boundaries: the last day of Esfand 1403 and the first of Farvardin 1404.
    deals.push({
      name: 'Esfand end',
      date: '2025-03-20',
      amount: '10.00',
      currency: 'USD',
      status: 'won',
      owner: 'admin',
    });
    deals.push({
      name: 'Nowruz',
      date: '2025-03-21',
      amount: '20.00',
      currency: 'USD',
      status: 'won',
      owner: 'admin',
    });
    const batch = await call('POST', '/objects/deals/batch', {
      records: deals.map((d) => ({
        name: d.name,
        stage: stageId,
        status: d.status,
        expectedCloseDate: d.date,
        amount: { amount: d.amount, currency: d.currency },
        owner: d.owner === 'rep' ? rep.userId : admin.userId,
      })),
    });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
    expect(JSON.stringify(batch.json())).not.toContain('"error');
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  const wonByJalaliMonth = {
    object: 'deals',
    filter: { field: 'status', op: 'eq', value: 'won' },
    groupBy: [{ field: 'expectedCloseDate', bucket: 'month' }],
    measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
    calendar: 'persian',
    timeZone: 'Asia/Tehran',
    money: 'perCurrency',
  };

  it('counts and sums won deals by Jalali month, every month of the span present, empty ones as zero', async () => {
    const result = await run(wonByJalaliMonth);
    expect(result.calendar).toBe('persian');
    // Expected from the data: each won deal's Jalali month start, per currency.
    const expected = new Map<string, { count: number; sum: string }>();
    for (const d of deals.filter((x) => x.status === 'won')) {
      const key = `${monthStart('persian', d.date)} ${d.currency}`;
      const e = expected.get(key) ?? { count: 0, sum: '0.00' };
      expected.set(key, { count: e.count + 1, sum: addCents(e.sum, d.amount) });
    }
    const got = new Map(
      result.rows
        .filter((r) => r.currency !== null && r.values[0] !== 0)
        .map((r) => [
          `${r.keys[0]} ${r.currency}`,
          { count: r.values[0] as number, sum: Number(r.values[1]).toFixed(2) },
        ]),
    );
    expect(got).toEqual(expected);
    // Buckets: consecutive Jalali months, each the exact range of its month, from the first won deal's to the last's.
    const won = deals
      .filter((d) => d.status === 'won')
      .map((d) => d.date)
      .sort();
    expect(result.buckets[0]!.key).toBe(monthStart('persian', won[0]!));
    expect(result.buckets.at(-1)!.key).toBe(monthStart('persian', won.at(-1)!));
    for (const [i, b] of result.buckets.entries()) {
      expect(b.from).toBe(b.key);
      const p = partsOf('persian', b.from);
      expect(p.day).toBe(1);
      expect({ year: b.year, period: b.period }).toEqual({ year: p.year, period: p.month });
      const next = iso(Date.parse(`${b.to}T00:00:00Z`) + DAY);
      expect(partsOf('persian', next).day).toBe(1);
      if (i > 0) expect(result.buckets[i - 1]!.to).toBe(iso(Date.parse(`${b.from}T00:00:00Z`) - DAY));
    }
    // Mehr 1403 had no deal at all: its bucket is there, counted zero.
    const mehr = result.buckets.find((b) => b.year === 1403 && b.period === 7)!;
    expect(mehr).toEqual({ key: '2024-09-22', from: '2024-09-22', to: '2024-10-21', year: 1403, period: 7 });
    const mehrRows = result.rows.filter((r) => r.keys[0] === mehr.key);
    expect(mehrRows.length).toBeGreaterThan(0);
    expect(mehrRows.every((r) => r.values[0] === 0 && r.values[1] === null)).toBe(true);
    // Esfand 1403's last day and 1 Farvardin 1404 fall in different months and years.
    const esfand = result.buckets.find((b) => b.to === '2025-03-20')!;
    expect({ year: esfand.year, period: esfand.period }).toEqual({ year: 1403, period: 12 });
    expect(result.buckets.find((b) => b.from === '2025-03-21')).toMatchObject({ year: 1404, period: 1 });
  });

  it('fills a whole range given in civil dates, and buckets by quarter, year and Saturday week', async () => {
    const quarters = await run({
      ...wonByJalaliMonth,
      groupBy: [{ field: 'expectedCloseDate', bucket: 'quarter' }],
      range: { from: '2024-01-01', to: '2026-12-31' },
    });
    // From the Jalali quarter holding 2024-01-01 (Dey 1402, quarter 4) to the one holding 2026-12-31.
    expect(quarters.buckets[0]).toMatchObject({ key: '2023-12-22', year: 1402, period: 4 });
    expect(quarters.buckets.at(-1)).toMatchObject({ year: 1405, period: 4 });
    expect(quarters.buckets).toHaveLength(13);
    const counted = quarters.rows.reduce((n, r) => n + (r.values[0] as number), 0);
    expect(counted).toBe(deals.filter((d) => d.status === 'won').length);

    const years = await run({
      ...wonByJalaliMonth,
      measures: [{ fn: 'count' }],
      groupBy: [{ field: 'expectedCloseDate', bucket: 'year' }],
    });
    const byYear = new Map<number, number>();
    for (const d of deals.filter((x) => x.status === 'won'))
      byYear.set(partsOf('persian', d.date).year, (byYear.get(partsOf('persian', d.date).year) ?? 0) + 1);
    expect(
      new Map(years.rows.map((r) => [years.buckets.find((b) => b.key === r.keys[0])!.year!, r.values[0]])),
    ).toEqual(byYear);

    const weeks = await run({
      ...wonByJalaliMonth,
      measures: [{ fn: 'count' }],
      groupBy: [{ field: 'expectedCloseDate', bucket: 'week', weekStart: 'saturday' }],
      range: { from: '2025-03-15', to: '2025-03-28' },
    });
    expect(weeks.buckets.map((b) => [b.from, b.to])).toEqual([
      ['2025-03-15', '2025-03-21'],
      ['2025-03-22', '2025-03-28'],
    ]);
    const inFirstWeek = deals.filter(
      (d) => d.status === 'won' && d.date >= '2025-03-15' && d.date <= '2025-03-21',
    ).length;
    expect(weeks.rows.find((r) => r.keys[0] === '2025-03-15')!.values[0]).toBe(inFirstWeek);
  });

  it('puts a date-time in the day of the report’s time zone, and buckets by Hijri month', async () => {
    // 21:00 UTC on 2025-03-20 is 00:30 on 2025-03-21 in Tehran: Farvardin 1404 there, Esfand 1403 in UTC.
    const task = await call('POST', '/objects/tasks', {
      title: 'Around Nowruz',
      dueAt: '2025-03-20T21:00:00Z',
    });
    expect(task.statusCode, task.body).toBe(201);
    const ramadan = await call('POST', '/objects/tasks', {
      title: 'First of Ramadan',
      dueAt: '2024-03-11T09:00:00Z',
    });
    expect(ramadan.statusCode, ramadan.body).toBe(201);
    const byMonth = (timeZone: string, calendar = 'persian') =>
      run({
        object: 'tasks',
        groupBy: [{ field: 'dueAt', bucket: 'month' }],
        measures: [{ fn: 'count' }],
        calendar,
        timeZone,
        range: { from: '2025-03-01', to: '2025-04-30' },
      });
    const tehran = await byMonth('Asia/Tehran');
    expect(tehran.rows.find((r) => r.keys[0] === '2025-03-21')?.values[0]).toBe(1);
    const utc = await byMonth('UTC');
    expect(utc.rows.find((r) => r.keys[0] === '2025-02-19')?.values[0]).toBe(1);
    expect(utc.rows.find((r) => r.keys[0] === '2025-03-21')?.values[0]).toBe(0);
    const hijri = await run({
      object: 'tasks',
      groupBy: [{ field: 'dueAt', bucket: 'month' }],
      measures: [{ fn: 'count' }],
      calendar: 'islamic-umalqura',
      timeZone: 'Asia/Riyadh',
      range: { from: '2024-03-01', to: '2024-03-31' },
    });
    const ramadanBucket = hijri.buckets.find((b) => b.key === '2024-03-11')!;
    expect(ramadanBucket).toMatchObject({ year: 1445, period: 9, from: '2024-03-11' });
    expect(hijri.rows.find((r) => r.keys[0] === '2024-03-11')?.values[0]).toBe(1);
  });

  it('uses the viewer’s own calendar and time zone when the report names none', async () => {
    const me = await call('PATCH', '/me', { calendar: 'persian', timeZone: 'Asia/Tehran' });
    expect(me.statusCode, me.body).toBe(200);
    const result = await run({
      object: 'deals',
      groupBy: [{ field: 'expectedCloseDate', bucket: 'month' }],
      measures: [{ fn: 'count' }],
    });
    expect({ calendar: result.calendar, timeZone: result.timeZone }).toEqual({
      calendar: 'persian',
      timeZone: 'Asia/Tehran',
    });
    expect(result.buckets.every((b) => partsOf('persian', b.from).day === 1)).toBe(true);
  });

  it('keeps the largest groups under a limit and adds the rest up as "others", with averages from the rows', async () => {
    const result = await run({
      object: 'deals',
      groupBy: [{ field: 'status' }],
      measures: [{ fn: 'count' }, { fn: 'max', field: 'probability' }],
      limit: 1,
    });
    const counts = new Map<string, number>();
    for (const d of deals) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
    const [top] = [...counts].sort((a, b) => b[1] - a[1]);
    expect(result.rows).toHaveLength(2);
    expect(result.rows[0]).toMatchObject({ keys: [top![0]], others: [false], values: [top![1], null] });
    expect(result.rows[1]).toMatchObject({
      keys: [null],
      others: [true],
      values: [deals.length - top![1], null],
    });
  });

  it('orders the groups by the measure and direction asked, empty values and "others" last', async () => {
    const counts = new Map<string, number>();
    for (const d of deals) counts.set(d.status, (counts.get(d.status) ?? 0) + 1);
    const ascending = [...counts].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
    const base = { object: 'deals', groupBy: [{ field: 'status' }] };
    // The default: the first measure, largest first.
    const largest = await run({ ...base, measures: [{ fn: 'count' }] });
    expect(largest.rows.map((r) => r.values[0])).toEqual([...ascending].reverse().map(([, n]) => n));
    const smallest = await run({
      ...base,
      measures: [{ fn: 'count' }],
      sort: { measure: 0, direction: 'asc' },
    });
    expect(smallest.rows.map((r) => r.keys[0])).toEqual(ascending.map(([k]) => k));
    expect(smallest.rows.map((r) => r.values[0])).toEqual(ascending.map(([, n]) => n));
    // By the second measure: the largest amount first, whatever the counts; a limit's "others" stays last.
    const byAmount = await run({
      ...base,
      measures: [{ fn: 'count' }, { fn: 'max', field: 'amount' }],
      money: 'perCurrency',
      sort: { measure: 1, direction: 'desc' },
    });
    const maxima = byAmount.rows.map((r) => decimal(r.values[1] as string));
    expect(maxima.length).toBeGreaterThan(1);
    expect(maxima).toEqual([...maxima].sort((a, b) => (b ?? -Infinity) - (a ?? -Infinity)));
    const limited = await run({
      ...base,
      measures: [{ fn: 'count' }],
      limit: 1,
      sort: { measure: 0, direction: 'asc' },
    });
    expect(limited.rows.at(-1)).toMatchObject({ others: [true] });
    // A measure the report does not have is refused, by name.
    const bad = await call('POST', '/reports/run', {
      ...base,
      measures: [{ fn: 'count' }],
      sort: { measure: 1, direction: 'asc' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([expect.objectContaining({ field: 'body.sort.measure' })]);
    const hostile = await call('POST', '/reports/run', {
      ...base,
      measures: [{ fn: 'count' }],
      sort: { measure: 0, direction: 'sideways' },
    });
    expect(hostile.statusCode).toBe(400);
  });

  it('names related records by their titles, and groups by a date bucket and a field together', async () => {
    const byStage = await run({
      object: 'deals',
      groupBy: [{ field: 'stage' }],
      measures: [{ fn: 'count' }],
    });
    expect(byStage.rows).toEqual([{ keys: [stageId], others: [false], values: [deals.length] }]);
    expect(byStage.labels).toEqual({ [stageId]: stageName });
    const twoWays = await run({
      object: 'deals',
      groupBy: [{ field: 'expectedCloseDate', bucket: 'year' }, { field: 'status' }],
      measures: [{ fn: 'count' }],
      calendar: 'gregory',
    });
    // Every status appears in every year (zero where it had none), and the counts add up.
    const statuses = new Set(deals.map((d) => d.status));
    expect(twoWays.rows).toHaveLength(twoWays.buckets.length * statuses.size);
    for (const b of twoWays.buckets)
      for (const s of statuses) {
        const want = deals.filter((d) => d.status === s && d.date.slice(0, 4) === b.key.slice(0, 4)).length;
        expect(
          twoWays.rows.find((r) => r.keys[0] === b.key && r.keys[1] === s)?.values[0],
          `${b.key} ${s}`,
        ).toBe(want);
      }
  });

  it('converts money into the workspace’s currency at each deal’s day’s rate, and says when a rate is missing', async () => {
    const byYear = {
      object: 'deals',
      groupBy: [{ field: 'expectedCloseDate', bucket: 'year' }],
      measures: [{ fn: 'sum', field: 'amount' }, { fn: 'count' }],
      calendar: 'gregory',
    };
    // No EUR rate yet: every year holding a EUR deal has no total, and says how many deals lacked a rate.
    const before = await run(byYear);
    expect(before.currency).toBe('USD');
    for (const b of before.buckets) {
      const inYear = deals.filter((d) => d.date.slice(0, 4) === b.key.slice(0, 4));
      const eur = inYear.filter((d) => d.currency === 'EUR').length;
      const row = before.rows.find((r) => r.keys[0] === b.key)!;
      expect(row.currency).toBe('USD');
      expect(row.values[1]).toBe(inYear.length);
      if (eur > 0)
        expect({ sum: row.values[0], unconverted: row.unconverted }).toEqual({ sum: null, unconverted: eur });
    }
    // Rates on two days: a deal takes the latest on or before its close date.
    const rates: [string, string][] = [
      ['2024-01-01', '1.1'],
      ['2025-01-01', '1.05'],
    ];
    for (const [date, rate] of rates) {
      const res = await call('PUT', '/exchange-rates', { currency: 'EUR', date, rate });
      expect(res.statusCode, res.body).toBe(200);
    }
    const rateOn = (date: string) => (date >= '2025-01-01' ? 1.05 : 1.1);
    const after = await run(byYear);
    for (const b of after.buckets) {
      const inYear = deals.filter((d) => d.date.slice(0, 4) === b.key.slice(0, 4));
      const want = inYear.reduce(
        (sum, d) => sum + Number(d.amount) * (d.currency === 'EUR' ? rateOn(d.date) : 1),
        0,
      );
      const row = after.rows.find((r) => r.keys[0] === b.key)!;
      expect(row.unconverted).toBeUndefined();
      expect(Number(row.values[0])).toBeCloseTo(want, 6);
    }
  });

  it('reports on a custom object by a custom date (Hijri quarters) and sums a custom money field converted', async () => {
    const created = await call('POST', '/metadata/objects', {
      key: 'projects',
      labels: { singular: { en: 'Project', fa: 'پروژه' }, plural: { en: 'Projects', fa: 'پروژه‌ها' } },
    });
    expect(created.statusCode, created.body).toBe(201);
    for (const field of [
      { key: 'startedOn', type: 'date', labels: { en: 'Started' } },
      { key: 'budget', type: 'money', labels: { en: 'Budget' } },
      { key: 'size', type: 'number', labels: { en: 'Size' } },
    ]) {
      const res = await call('POST', '/metadata/objects/projects/fields', field);
      expect(res.statusCode, res.body).toBe(201);
    }
    const projects = [
      { name: 'A', startedOn: '2024-03-11', budget: { amount: '100', currency: 'USD' }, size: 3 },
      { name: 'B', startedOn: '2024-03-12', budget: { amount: '200', currency: 'EUR' }, size: 5 },
      { name: 'C', startedOn: '2024-08-01', budget: { amount: '50', currency: 'USD' }, size: 1 },
      { name: 'D', size: 7 },
    ];
    for (const p of projects) {
      const res = await call('POST', '/objects/projects', p);
      expect(res.statusCode, res.body).toBe(201);
    }
    expect(
      (await call('PUT', '/exchange-rates', { currency: 'EUR', date: '2024-01-01', rate: '1.1' })).statusCode,
    ).toBe(200);
    const result = await run({
      object: 'projects',
      groupBy: [{ field: 'startedOn', bucket: 'quarter' }],
      measures: [{ fn: 'count' }, { fn: 'sum', field: 'budget' }, { fn: 'max', field: 'size' }],
      calendar: 'islamic-umalqura',
    });
    // Expected from ICU: each project's Hijri quarter (months 1-3, 4-6, …).
    const quarterOf = (date: string) => {
      const p = partsOf('islamic-umalqura', date);
      return `${p.year}-Q${Math.floor((p.month - 1) / 3) + 1}`;
    };
    const label = (key: string | null) => {
      const b = result.buckets.find((x) => x.key === key);
      return b ? `${b.year}-Q${b.period}` : null;
    };
    const counts = new Map<string | null, number>();
    for (const p of projects) {
      const k = p.startedOn ? quarterOf(p.startedOn) : null;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const got = new Map(
      result.rows.filter((r) => r.values[0] !== 0).map((r) => [label(r.keys[0] ?? null), r.values[0]]),
    );
    expect(got).toEqual(counts);
    // The EUR budget converts at the rate on its day (1.1 from 2024-01-01); the one without a date is its own group.
    const ramadanQuarter = result.rows.find((r) => label(r.keys[0] ?? null) === quarterOf('2024-03-11'))!;
    expect(Number(ramadanQuarter.values[1])).toBeCloseTo(100 + 200 * 1.1, 6);
    expect(ramadanQuarter.values[2]).toBe('5');
    const undated = result.rows.find((r) => r.keys[0] === null)!;
    expect(undated.values).toEqual([1, null, '7']);
    // Sizes 3, 5, 1, 7 in ranges five wide: [0, 5) holds two, [5, 10) two, in order of their lower ends.
    const bySize = await run({
      object: 'projects',
      groupBy: [{ field: 'size', step: 5 }],
      measures: [{ fn: 'count' }],
    });
    expect(bySize.rows.map((r) => [r.keys[0], r.values[0]])).toEqual([
      ['0', 2],
      ['5', 2],
    ]);
    const notNumber = await call('POST', '/reports/run', {
      object: 'projects',
      groupBy: [{ field: 'startedOn', step: 5 }],
      measures: [{ fn: 'count' }],
    });
    expect(notNumber.statusCode, notNumber.body).toBe(400);
  });

  it('counts only the viewer’s own deals under "own records only", never the owner’s view', async () => {
    const mine = deals.filter((d) => d.owner === 'rep');
    const result = await run(
      {
        object: 'deals',
        groupBy: [],
        measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
        money: 'perCurrency',
      },
      rep.cookie,
    );
    const perCurrency = new Map<string, number>();
    for (const d of mine) perCurrency.set(d.currency, (perCurrency.get(d.currency) ?? 0) + 1);
    expect(new Map(result.rows.map((r) => [r.currency, r.values[0]]))).toEqual(perCurrency);
    for (const r of result.rows) {
      const want = mine
        .filter((d) => d.currency === r.currency)
        .reduce((s, d) => addCents(s, d.amount), '0.00');
      expect(decimal(r.values[1])).toBeCloseTo(Number(want), 2);
    }
  });

  it('refuses hidden fields in dimensions, measures and filters, and counts without them', async () => {
    for (const body of [
      {
        object: 'deals',
        groupBy: [{ field: 'expectedCloseDate', bucket: 'month' }],
        measures: [{ fn: 'count' }],
      },
      { object: 'deals', groupBy: [], measures: [{ fn: 'sum', field: 'amount' }] },
      {
        object: 'deals',
        filter: { field: 'amount', op: 'gt', value: 1 },
        groupBy: [],
        measures: [{ fn: 'count' }],
      },
    ]) {
      const res = await call('POST', '/reports/run', body, blind.cookie);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.body).not.toMatch(/\d{3,}\.\d{2}/);
    }
    const counted = await run(
      { object: 'deals', groupBy: [{ field: 'status' }], measures: [{ fn: 'count' }] },
      blind.cookie,
    );
    expect(counted.rows.reduce((n, r) => n + (r.values[0] as number), 0)).toBe(deals.length);
    expect(JSON.stringify(counted)).not.toContain('amount');
  });

  it('never counts another workspace’s records', async () => {
    const result = await run({ object: 'deals', groupBy: [], measures: [{ fn: 'count' }] }, other.cookie);
    expect(result.rows).toEqual([{ keys: [], others: [], values: [0] }]);
    const byStage = await run(
      {
        object: 'deals',
        groupBy: [{ field: 'stage' }],
        measures: [{ fn: 'count' }],
        filter: { field: 'stage', op: 'eq', value: stageId },
      },
      other.cookie,
    );
    expect(byStage.rows).toEqual([]);
    expect(byStage.labels).toEqual({});
  });

  it('filters on a name and a phone, in its filter and in a share, as the records hold them', async () => {
    // A `contains` on a stored folded name and a phone list's `eq` find their values through owner-run lookups
    // (`rabita_folded_values`, `rabita_match_list`); on a Citus cluster they run before the report's query and are
    // bound into it (a lookup inside the routed query is refused there).
    const inDeal1 = deals.filter((d) => d.name.toLowerCase().includes('deal 1'));
    const byName = await run({
      object: 'deals',
      filter: { field: 'name', op: 'contains', value: 'deal 1' },
      groupBy: [{ field: 'status' }],
      measures: [{ fn: 'count' }],
    });
    const counts = Object.fromEntries(byName.rows.map((r) => [r.keys[0], r.values[0]]));
    const want: Record<string, number> = {};
    for (const d of inDeal1) want[d.status] = (want[d.status] ?? 0) + 1;
    expect(counts).toEqual(want);
    expect(inDeal1.length).toBe(11);

    const numbered = deals.filter((d) => d.name.startsWith('Deal '));
    const shared = await run({
      object: 'deals',
      filter: { field: 'name', op: 'contains', value: 'Deal' },
      groupBy: [],
      measures: [{ fn: 'count' }, { fn: 'share', where: { field: 'name', op: 'contains', value: 'DEAL 1' } }],
    });
    expect(shared.rows).toHaveLength(1);
    expect(shared.rows[0]!.values[0]).toBe(numbered.length);
    expect(Number(shared.rows[0]!.values[1])).toBeCloseTo(inDeal1.length / numbered.length, 12);

    const people = [
      { firstName: 'Reportee', lastName: 'Caller', phones: ['+989121230001'] },
      { firstName: 'Reportee', lastName: 'Second', phones: ['+989121230002', '+989121230001'] },
      { firstName: 'Reportee', lastName: 'Third', phones: ['+989121230003'] },
    ];
    for (const person of people) {
      const res = await call('POST', '/objects/people', person);
      expect(res.statusCode, res.body).toBe(201);
    }
    const byPhone = await run({
      object: 'people',
      filter: { field: 'phones', op: 'eq', value: '+989121230001' },
      groupBy: [{ field: 'lastName' }],
      measures: [{ fn: 'count' }],
    });
    expect(
      byPhone.rows
        .map((r) => [r.keys[0], r.values[0]])
        .sort(([a], [b]) => String(a).localeCompare(String(b))),
    ).toEqual([
      ['Caller', 1],
      ['Second', 1],
    ]);
    const phoneShare = await run({
      object: 'people',
      filter: { field: 'firstName', op: 'eq', value: 'Reportee' },
      groupBy: [],
      measures: [
        { fn: 'count' },
        { fn: 'share', where: { field: 'phones', op: 'hasAny', value: ['+989121230003'] } },
      ],
    });
    expect(phoneShare.rows[0]!.values[0]).toBe(3);
    expect(Number(phoneShare.rows[0]!.values[1])).toBeCloseTo(1 / 3, 12);
  });

  it('answers hostile input with a 4xx problem, never a 500', async () => {
    const bad: unknown[] = [
      { object: 'deals', groupBy: [], measures: [{ fn: 'count' }], timeZone: 'Mars/Olympus' },
      { object: 'deals', groupBy: [], measures: [{ fn: 'count' }], timeZone: 'UTC\u0000' },
      {
        object: 'deals',
        groupBy: [],
        measures: [{ fn: 'count' }],
        filter: { field: 'name', op: 'eq', value: 'a\u0000b' },
      },
      {
        object: 'deals',
        groupBy: [],
        measures: [{ fn: 'count' }],
        filter: { field: 'name', op: 'eq', value: 'a\uD800b' },
      },
      { object: 'deals', groupBy: [{ field: 'name', bucket: 'month' }], measures: [{ fn: 'count' }] },
      { object: 'deals', groupBy: [{ field: 'nope' }], measures: [{ fn: 'count' }] },
      {
        object: 'deals',
        groupBy: [{ field: 'a' }, { field: 'b' }, { field: 'c' }],
        measures: [{ fn: 'count' }],
      },
      { object: 'deals', groupBy: [], measures: [{ fn: 'sum', field: 'name' }] },
      { object: 'deals', groupBy: [], measures: [{ fn: 'sum' }] },
      { object: 'deals', groupBy: [], measures: [] },
      { object: 'deals', groupBy: [], measures: [{ fn: 'count' }], limit: 10_000 },
      {
        object: 'deals',
        groupBy: [{ field: 'expectedCloseDate', bucket: 'day' }],
        measures: [{ fn: 'count' }],
        range: { from: '2025-02-30' },
      },
      {
        object: 'deals',
        groupBy: [{ field: 'expectedCloseDate', bucket: 'day' }],
        measures: [{ fn: 'count' }],
        range: { from: '2026-01-01', to: '2025-01-01' },
      },
      {
        object: 'deals',
        groupBy: [
          { field: 'expectedCloseDate', bucket: 'month' },
          { field: 'createdAt', bucket: 'month' },
        ],
        measures: [{ fn: 'count' }],
      },
      { object: 'no_such_object', groupBy: [], measures: [{ fn: 'count' }] },
      { object: `deals${'x'.repeat(10_000)}`, groupBy: [], measures: [{ fn: 'count' }] },
      { object: "deals'; drop table deals; --", groupBy: [], measures: [{ fn: 'count' }] },
      { object: 'deals', groupBy: [], measures: [{ fn: 'count' }], extra: true },
    ];
    for (const body of bad) {
      const res = await call('POST', '/reports/run', body);
      expect(res.statusCode, `${JSON.stringify(body).slice(0, 200)} → ${res.body}`).toBeGreaterThanOrEqual(
        400,
      );
      expect(res.statusCode, res.body).toBeLessThan(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    // A day report over the calendar's whole span is cut at the bucket maximum and says so.
    const wide = await run({
      object: 'deals',
      groupBy: [{ field: 'expectedCloseDate', bucket: 'day' }],
      measures: [{ fn: 'count' }],
      range: { from: '1900-01-01', to: '2100-12-31' },
    });
    expect(wide.truncated).toBe(true);
    expect(wide.buckets.length).toBe(2500);
    // Days by deal name: 62 series over 1,000 days would be 62,000 filled rows; the answer stops at 20,000.
    const many = await run({
      object: 'deals',
      groupBy: [{ field: 'expectedCloseDate', bucket: 'day' }, { field: 'name' }],
      measures: [{ fn: 'count' }],
      range: { from: '2024-01-01', to: '2026-09-26' },
    });
    expect(many.truncated).toBe(true);
    expect(many.rows.length).toBeLessThanOrEqual(20_000);
    expect(many.rows.filter((r) => r.values[0] !== 0).length).toBe(deals.length);
    // Without a session: 401.
    expect((await call('POST', '/reports/run', wonByJalaliMonth, '')).statusCode).toBe(401);
  });
});
