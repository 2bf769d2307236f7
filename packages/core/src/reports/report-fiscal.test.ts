// Fiscal quarters and years in reports and dashboards, and a KPI against the same period a year earlier. The
// workspace's fiscal year is the forecast's (`PUT /sales/forecast/settings`); the expectations are golden dates
// (Egypt's FY 2024/25, Iran's 1404) and, for periods around today, the sales module's own fiscal functions (ICU
// through `Intl`, an implementation independent of the report's SQL over `calendar_days`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { type FiscalCalendarSettings, periodOf, shiftPeriod } from '../sales/fiscal-periods.ts';

interface Bucket {
  key: string;
  from: string;
  to: string;
  year: number | null;
  period: number | null;
}
interface Result {
  buckets: Bucket[];
  rows: { keys: (string | null)[]; values: (number | string | null)[] }[];
  dimensions: { bucket: string | null }[];
  fiscal: { calendar: string; startMonth: number } | null;
}
interface Range {
  from: string;
  to: string;
}

const DAY = 86_400_000;
const dayBefore = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - DAY).toISOString().slice(0, 10);
/** A fiscal period of the sales module's functions as inclusive days. */
const inclusive = (p: { start: string; end: string } | undefined): Range | undefined =>
  p ? { from: p.start, to: dayBefore(p.end) } : undefined;
/** Today in a time zone, as a civil date. */
const todayIn = (timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(),
  );

describe('fiscal periods in reports and dashboards', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let stageId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (method: 'POST' | 'PUT' | 'PATCH' | 'GET', url: string, body?: unknown) => {
    const r = await call(method, url, body);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json();
  };
  const fiscalYear = (calendar: 'gregorian' | 'persian' | 'islamic-umalqura', startMonth: number) =>
    ok('PUT', '/sales/forecast/settings', { calendar, startMonth, probability: 'stage' });
  const deals = async (dates: string[], name: string) =>
    ok('POST', '/objects/deals/batch', {
      records: dates.map((d, i) => ({ name: `${name} ${i}`, stage: stageId, expectedCloseDate: d })),
    });
  const byFiscal = async (bucket: 'fiscalQuarter' | 'fiscalYear', name: string, range?: Range) =>
    (await ok('POST', '/reports/run', {
      object: 'deals',
      filter: { field: 'name', op: 'startsWith', value: name },
      groupBy: [{ field: 'expectedCloseDate', bucket }],
      measures: [{ fn: 'count' }],
      ...(range ? { range } : {}),
    })) as Result;
  const countIn = (r: Result, key: string) =>
    r.rows.filter((row) => row.keys[0] === key).reduce((n, row) => n + Number(row.values[0] ?? 0), 0);

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    const pipeline = await ok('POST', '/objects/pipelines', { name: 'P', currency: 'USD' });
    stageId = (await ok('POST', '/objects/stages', { name: 'Open', pipeline: pipeline.id, position: 1 })).id;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('counts Egypt’s fiscal year from 1 July: FY 2024/25 is 2024-07-01 … 2025-06-30', async () => {
    await fiscalYear('gregorian', 7);
    await deals(['2024-06-30', '2024-07-01', '2025-01-15', '2025-06-30', '2025-07-01'], 'EG');
    const years = await byFiscal('fiscalYear', 'EG');
    expect(years.fiscal).toEqual({ calendar: 'gregory', startMonth: 7 });
    expect(years.dimensions[0]?.bucket).toBe('fiscalYear');
    expect(years.buckets).toEqual([
      { key: '2023-07-01', from: '2023-07-01', to: '2024-06-30', year: 2023, period: null },
      { key: '2024-07-01', from: '2024-07-01', to: '2025-06-30', year: 2024, period: null },
      { key: '2025-07-01', from: '2025-07-01', to: '2026-06-30', year: 2025, period: null },
    ]);
    expect([
      countIn(years, '2023-07-01'),
      countIn(years, '2024-07-01'),
      countIn(years, '2025-07-01'),
    ]).toEqual([1, 3, 1]);
    // Its quarters: Q1 is July–September, Q3 January–March of the next calendar year.
    const quarters = await byFiscal('fiscalQuarter', 'EG', { from: '2024-07-01', to: '2025-06-30' });
    expect(quarters.buckets).toEqual([
      { key: '2024-07-01', from: '2024-07-01', to: '2024-09-30', year: 2024, period: 1 },
      { key: '2024-10-01', from: '2024-10-01', to: '2024-12-31', year: 2024, period: 2 },
      { key: '2025-01-01', from: '2025-01-01', to: '2025-03-31', year: 2024, period: 3 },
      { key: '2025-04-01', from: '2025-04-01', to: '2025-06-30', year: 2024, period: 4 },
    ]);
    // Empty quarters are there with a zero count; only the range's records are counted.
    expect(quarters.buckets.map((b) => countIn(quarters, b.key))).toEqual([1, 0, 1, 1]);
  });

  it('counts Iran’s fiscal year as the Jalali year: 1404 is 2025-03-21 … 2026-03-20', async () => {
    await fiscalYear('persian', 1);
    await deals(['2025-03-20', '2025-03-21', '2025-09-01', '2026-03-20', '2026-03-21'], 'IR');
    const years = await byFiscal('fiscalYear', 'IR');
    expect(years.fiscal).toEqual({ calendar: 'persian', startMonth: 1 });
    expect(years.buckets.map((b) => [b.year, b.from, b.to])).toEqual([
      [1403, '2024-03-20', '2025-03-20'],
      [1404, '2025-03-21', '2026-03-20'],
      [1405, '2026-03-21', '2027-03-20'],
    ]);
    expect(years.buckets.map((b) => countIn(years, b.key))).toEqual([1, 3, 1]);
    // Quarters of 1404: Farvardin–Khordad, … , Dey–Esfand (ICU: 1 Tir 1404 is 2025-06-22).
    const quarters = await byFiscal('fiscalQuarter', 'IR', { from: '2025-03-21', to: '2026-03-20' });
    expect(quarters.buckets.map((b) => [b.period, b.from, b.to])).toEqual([
      [1, '2025-03-21', '2025-06-21'],
      [2, '2025-06-22', '2025-09-22'],
      [3, '2025-09-23', '2025-12-21'],
      [4, '2025-12-22', '2026-03-20'],
    ]);
    // A fiscal year starting in Mehr (month 7): 1404 runs from 1 Mehr 1404 to the end of Shahrivar 1405.
    await fiscalYear('persian', 7);
    const fromMehr = await byFiscal('fiscalYear', 'IR');
    expect(fromMehr.buckets.map((b) => [b.year, b.from, b.to])).toEqual([
      [1403, '2024-09-22', '2025-09-22'],
      [1404, '2025-09-23', '2026-09-22'],
    ]);
  });

  it('counts Saudi Arabia’s fiscal year as the Gregorian year, and every bucket maps back to its days', async () => {
    await fiscalYear('gregorian', 1);
    await deals(['2023-12-31', '2024-01-01', '2024-12-31'], 'SA');
    const years = await byFiscal('fiscalYear', 'SA');
    expect(years.buckets.map((b) => [b.year, b.from, b.to])).toEqual([
      [2023, '2023-01-01', '2023-12-31'],
      [2024, '2024-01-01', '2024-12-31'],
    ]);
    // The drill-down's contract: a bucket's records are exactly those dated from its first to its last day.
    for (const b of years.buckets) {
      const listed = await ok('POST', '/objects/deals/query', {
        filter: {
          and: [
            { field: 'name', op: 'startsWith', value: 'SA' },
            { field: 'expectedCloseDate', op: 'gte', value: b.from },
            { field: 'expectedCloseDate', op: 'lte', value: b.to },
          ],
        },
        limit: 50,
      });
      expect(listed.data.length, b.key).toBe(countIn(years, b.key));
    }
    // Hijri fiscal years come from the same table (ICU's Umm al-Qura): 1446 began on 2024-07-07.
    await fiscalYear('islamic-umalqura', 1);
    const hijri = await byFiscal('fiscalYear', 'SA', { from: '2024-07-07', to: '2024-07-07' });
    expect(hijri.buckets.map((b) => [b.year, b.from])).toEqual([[1446, '2024-07-07']]);
  });

  it('narrows a dashboard to this fiscal quarter or year, and compares a fiscal quarter with last year’s', async () => {
    await fiscalYear('gregorian', 7);
    const settings: FiscalCalendarSettings = { calendar: 'gregorian', startMonth: 7 };
    const today = todayIn('UTC');
    const quarter = inclusive(periodOf(settings, 'quarter', today))!;
    const year = inclusive(periodOf(settings, 'year', today))!;
    const lastYearsQuarter = inclusive(shiftPeriod(settings, periodOf(settings, 'quarter', today)!, -4))!;
    await deals([quarter.from, quarter.to, lastYearsQuarter.from], 'FQ');
    const d = await ok('POST', '/dashboards', {
      name: 'Fiscal',
      layout: [
        {
          id: 'k',
          x: 0,
          y: 0,
          w: 3,
          h: 2,
          kind: 'kpi',
          kpi: {
            object: 'deals',
            measure: { fn: 'count' },
            filter: { field: 'name', op: 'startsWith', value: 'FQ' },
            dateField: 'expectedCloseDate',
            compare: 'previousYear',
          },
        },
      ],
    });
    const run = async (period: string) =>
      ok('POST', `/dashboards/${d.id}/widgets/k/run`, { filters: { period } });
    const thisQuarter = await run('thisFiscalQuarter');
    expect(thisQuarter.applied.period).toEqual(quarter);
    expect(thisQuarter.data.result.rows[0].values[0]).toBe(2);
    expect(thisQuarter.data.compare).toBe('previousYear');
    expect(thisQuarter.data.previousPeriod).toEqual(lastYearsQuarter);
    expect(thisQuarter.data.previous.rows[0].values[0]).toBe(1);
    expect((await run('thisFiscalYear')).applied.period).toEqual(year);
    expect((await run('lastFiscalYear')).applied.period).toEqual(
      inclusive(shiftPeriod(settings, periodOf(settings, 'year', today)!, -1)),
    );
    expect((await run('lastFiscalQuarter')).applied.period).toEqual(
      inclusive(shiftPeriod(settings, periodOf(settings, 'quarter', today)!, -1)),
    );
  });

  it('compares a KPI with the same Jalali month a year earlier, for a reader in Tehran', async () => {
    await ok('PATCH', '/me', {
      calendar: 'persian',
      timeZone: 'Asia/Tehran',
      locale: 'fa',
      digits: 'arabext',
    });
    const jalali: FiscalCalendarSettings = { calendar: 'persian', startMonth: 1 };
    const today = todayIn('Asia/Tehran');
    const month = inclusive(periodOf(jalali, 'month', today))!;
    const sameMonthLastYear = inclusive(shiftPeriod(jalali, periodOf(jalali, 'month', today)!, -12))!;
    const lastMonth = inclusive(shiftPeriod(jalali, periodOf(jalali, 'month', today)!, -1))!;
    await deals([month.from, sameMonthLastYear.from, sameMonthLastYear.to, lastMonth.to], 'JM');
    const kpi = (compare: unknown) => ({
      object: 'deals',
      measure: { fn: 'count' },
      filter: { field: 'name', op: 'startsWith', value: 'JM' },
      dateField: 'expectedCloseDate',
      compare,
    });
    const place = { x: 0, y: 0, w: 3, h: 2 };
    const d = await ok('POST', '/dashboards', {
      name: 'Months',
      filters: { period: 'thisMonth' },
      layout: [
        { ...place, id: 'year', kind: 'kpi', kpi: kpi('previousYear') },
        { ...place, id: 'prev', kind: 'kpi', kpi: kpi('previous'), x: 3 },
        { ...place, id: 'old', kind: 'kpi', kpi: kpi(true), x: 6 },
      ],
    });
    const run = async (w: string, filters?: unknown) =>
      ok('POST', `/dashboards/${d.id}/widgets/${w}/run`, filters ? { filters } : {});
    const yearly = await run('year');
    expect(yearly.applied.period).toEqual(month);
    expect(yearly.data.previousPeriod).toEqual(sameMonthLastYear);
    expect(yearly.data.result.rows[0].values[0]).toBe(1);
    expect(yearly.data.previous.rows[0].values[0]).toBe(2);
    // `previous` (and `true`, as before) is still the month before.
    for (const w of ['prev', 'old']) {
      const r = await run(w);
      expect(r.data.compare).toBe('previous');
      expect(r.data.previousPeriod).toEqual(lastMonth);
      expect(r.data.previous.rows[0].values[0]).toBe(1);
    }
    // Civil dates move a year back in the reader's calendar: 1 Farvardin 1404 → 1 Farvardin 1403.
    const nowruz = await run('year', { period: { from: '2025-03-21', to: '2025-04-20' } });
    expect(nowruz.data.previousPeriod).toEqual({ from: '2024-03-20', to: '2024-04-19' });
    // 30 Esfand 1403 (a leap year) a year earlier is 29 Esfand 1402, the last day of that month.
    const leap = await run('year', { period: { from: '2025-03-20', to: '2025-03-20' } });
    expect(leap.data.previousPeriod).toEqual({ from: '2024-03-19', to: '2024-03-19' });
    // In the Gregorian calendar 29 February becomes 28 February.
    await ok('PATCH', '/me', { calendar: 'gregory' });
    const feb = await run('year', { period: { from: '2024-02-29', to: '2024-02-29' } });
    expect(feb.data.previousPeriod).toEqual({ from: '2023-02-28', to: '2023-02-28' });
    await ok('PATCH', '/me', { calendar: 'persian' });
  });

  it('refuses a fiscal bucket on a field that is not a date, and hostile comparisons', async () => {
    const r = await call('POST', '/reports/run', {
      object: 'deals',
      groupBy: [{ field: 'name', bucket: 'fiscalYear' }],
      measures: [{ fn: 'count' }],
    });
    expect(r.statusCode, r.body).toBe(400);
    for (const compare of ['nextYear', 'previous\u0000', 1]) {
      const bad = await call('POST', '/dashboards', {
        name: 'Bad',
        layout: [
          {
            id: 'k',
            x: 0,
            y: 0,
            w: 3,
            h: 2,
            kind: 'kpi',
            kpi: { object: 'deals', measure: { fn: 'count' }, compare },
          },
        ],
      });
      expect(bad.statusCode, bad.body).toBe(400);
    }
    expect(
      (await call('POST', '/dashboards/home/widgets/x/run', { filters: { period: 'thisFiscalDecade' } }))
        .statusCode,
    ).toBe(400);
  });
});
