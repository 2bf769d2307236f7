import { setWorkspaceStatement } from '@rabita/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { explainable, type PlanNode, planNodes } from '../../../../test/plan.ts';
import { principalForMember } from '../auth/members.service.ts';
import type { ReportDefinition } from './report-definition.ts';
import { compileReportQuery } from './run-report.ts';

// A report with a date bucket adds its records up per civil day first and finishes from those daily partials
// (run-report.ts, "two levels"). This compares random reports of that kind — every measure, money converted at
// each day's rate or kept per currency, a second dimension with "others" beyond a limit, ranges — with the
// straightforward computation over the records in JavaScript.

type Money = { amount: string; currency: string };
type Rec = { on: string | null; price: Money | null; size: number | null; kind: string | null };
type Measure = { fn: string; field?: string; where?: unknown };
type Def = {
  object: 'gadgets';
  groupBy: { field: string; bucket?: string; weekStart?: string }[];
  measures: Measure[];
  calendar: 'gregory' | 'persian';
  money: 'converted' | 'perCurrency';
  limit?: number;
  range?: { from?: string; to?: string };
};
interface Row {
  keys: (string | null)[];
  others: boolean[];
  currency?: string | null;
  values: (number | string | null)[];
  unconverted?: number;
}

const BASE = 'USD';
const KINDS = ['a', 'b', 'c', 'd', 'e'];
/** EUR has rates from 2024 on; GBP has none, so its money is never converted. */
const RATES: Record<string, [string, number][]> = {
  EUR: [
    ['2024-01-01', 1.1],
    ['2024-06-15', 1.0825],
    ['2025-02-01', 1.05],
  ],
};
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);
const time = (date: string) => Date.parse(`${date}T00:00:00Z`);

function partsOf(calendar: string, date: string) {
  const parts = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(new Date(time(date)));
  const of = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { month: of('month'), day: of('day') };
}

/** The first day of the bucket holding `date`, as ICU counts months in the calendar. */
function bucketOf(bucket: string, calendar: string, weekStart: string, date: string): string {
  if (bucket === 'day') return date;
  if (bucket === 'week') {
    const dow = new Date(time(date)).getUTCDay();
    return iso(time(date) - ((weekStart === 'saturday' ? dow + 1 : dow + 6) % 7) * DAY);
  }
  const months = bucket === 'month' ? 1 : bucket === 'quarter' ? 3 : 12;
  let start = iso(time(date) - (partsOf(calendar, date).day - 1) * DAY);
  while ((partsOf(calendar, start).month - 1) % months !== 0) {
    const before = iso(time(start) - DAY);
    start = iso(time(before) - (partsOf(calendar, before).day - 1) * DAY);
  }
  return start;
}

/** One unit of `currency` in USD on `day`: the latest rate on or before it; null when none. */
function rateOn(currency: string, day: string | null): number | null {
  if (currency === BASE) return 1;
  if (day === null) return null;
  let rate: number | null = null;
  for (const [from, r] of RATES[currency] ?? []) if (from <= day) rate = r;
  return rate;
}

/** A measure over records: its value (what the SQL aggregate gives) and how many records had no rate. */
function measure(
  records: Rec[],
  m: Measure,
  converted: boolean,
): { value: number | null; unconverted: number } {
  if (m.fn === 'count' && !m.field) return { value: records.length, unconverted: 0 };
  if (m.fn === 'share')
    return { value: records.filter((r) => r.kind === 'a').length / records.length, unconverted: 0 };
  let unconverted = 0;
  const values: number[] = [];
  for (const r of records) {
    if (m.field === 'size') {
      if (r.size !== null) values.push(r.size);
    } else if (r.price) {
      if (!converted) values.push(Number(r.price.amount));
      else {
        const rate = rateOn(r.price.currency, r.on);
        if (rate === null) unconverted++;
        else values.push(Number(r.price.amount) * rate);
      }
    }
  }
  const counted = values.length + (m.fn === 'count' ? unconverted : 0);
  if (m.fn === 'count') return { value: counted, unconverted: 0 };
  if (values.length === 0) return { value: null, unconverted };
  const sum = values.reduce((a, b) => a + b, 0);
  const value =
    m.fn === 'sum'
      ? sum
      : m.fn === 'avg'
        ? sum / values.length
        : m.fn === 'min'
          ? Math.min(...values)
          : Math.max(...values);
  return { value, unconverted: m.field === 'price' && converted ? unconverted : 0 };
}

/** The report's groups computed record by record, keyed as the answer's rows are. */
function expected(def: Def, records: Rec[]): Map<string, Row> {
  const converted = def.money === 'converted';
  const money = def.measures.some((m) => m.field === 'price' && m.fn !== 'count');
  const kindAt = def.groupBy.findIndex((d) => d.field === 'kind');
  const inRange = records.filter(
    (r) =>
      !def.range ||
      (r.on !== null &&
        (!def.range.from || r.on >= def.range.from) &&
        (!def.range.to || r.on <= def.range.to)),
  );
  // The kinds kept under a limit: ranked by the first measure over all the report's records, then by key.
  let kept: Set<string | null> | undefined;
  if (def.limit !== undefined && kindAt >= 0) {
    const first = def.measures[0]!;
    const byCount = first.field === 'price' && first.fn !== 'count' && !converted;
    const kinds = [...new Set(inRange.map((r) => r.kind))].map((k) => {
      const mine = inRange.filter((r) => r.kind === k);
      return { k, rank: byCount ? mine.length : measure(mine, first, converted).value };
    });
    kinds.sort((a, b) => {
      if (a.rank !== b.rank) return a.rank === null ? 1 : b.rank === null ? -1 : b.rank - a.rank;
      return a.k === b.k ? 0 : a.k === null ? 1 : b.k === null ? -1 : a.k < b.k ? -1 : 1;
    });
    kept = new Set(kinds.slice(0, def.limit).map((x) => x.k));
  }
  const groups = new Map<string, { row: Row; records: Rec[] }>();
  for (const r of inRange) {
    const keys = def.groupBy.map((d) =>
      d.bucket
        ? r.on === null
          ? null
          : bucketOf(d.bucket, def.calendar, d.weekStart ?? 'monday', r.on)
        : kept && !kept.has(r.kind)
          ? null
          : r.kind,
    );
    const others = def.groupBy.map((d) => !d.bucket && kept !== undefined && !kept.has(r.kind));
    const currency = money ? (converted ? BASE : (r.price?.currency ?? null)) : undefined;
    const key = JSON.stringify([keys, others, currency ?? null]);
    const group = groups.get(key) ?? {
      row: { keys, others, ...(money ? { currency } : {}), values: [] },
      records: [],
    };
    group.records.push(r);
    groups.set(key, group);
  }
  return new Map(
    [...groups].map(([key, { row, records: mine }]) => {
      const measured = def.measures.map((m) => measure(mine, m, converted));
      const unconverted = Math.max(0, ...measured.map((x) => x.unconverted));
      return [
        key,
        {
          ...row,
          values: measured.map((x) => (x.unconverted > 0 ? null : x.value)),
          ...(unconverted > 0 ? { unconverted } : {}),
        },
      ];
    }),
  );
}

const close = (got: number | string | null | undefined, want: number | null) =>
  want === null
    ? got === null
    : got !== null && got !== undefined && Math.abs(Number(got) - want) <= 1e-6 * Math.max(1, Math.abs(want));

describe('reports added up per day first', () => {
  let t: TestApp;
  let cookie: string;
  let admin: { userId: string; workspaceId: string };
  let records: Rec[];
  const post = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { cookie }, payload });

  beforeAll(async () => {
    t = await createTestApp();
    const signed = await signUp(t.app);
    cookie = signed.cookie;
    admin = signed;
    expect(
      (
        await post('/metadata/objects', {
          key: 'gadgets',
          labels: { singular: { en: 'G' }, plural: { en: 'Gs' } },
        })
      ).statusCode,
    ).toBe(201);
    for (const field of [
      { key: 'on', type: 'date', labels: { en: 'On' } },
      { key: 'price', type: 'money', labels: { en: 'Price' } },
      { key: 'size', type: 'number', labels: { en: 'Size' } },
      {
        key: 'kind',
        type: 'select',
        labels: { en: 'Kind' },
        options: KINDS.map((value) => ({ value, labels: { en: value } })),
      },
    ]) {
      const res = await post('/metadata/objects/gadgets/fields', field);
      expect(res.statusCode, res.body).toBe(201);
    }
    records = fc.sample(
      fc.record({
        on: fc.option(
          fc.integer({ min: 0, max: 1095 }).map((d) => iso(time('2023-01-01') + d * DAY)),
          { nil: null, freq: 10 },
        ),
        price: fc.option(
          fc.record({
            amount: fc.integer({ min: 1, max: 999_999 }).map((c) => (c / 100).toFixed(2)),
            currency: fc.constantFrom('USD', 'USD', 'EUR', 'EUR', 'GBP'),
          }),
          { nil: null, freq: 6 },
        ),
        size: fc.option(
          fc.integer({ min: 0, max: 80 }).map((n) => n / 4),
          { nil: null, freq: 6 },
        ),
        kind: fc.option(fc.constantFrom(...KINDS), { nil: null, freq: 8 }),
      }),
      { numRuns: 300, seed: 15 },
    );
    const batch = await post('/objects/gadgets/batch', {
      records: records.map((r, i) => ({ name: `G${i}`, ...r })),
    });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
    expect(JSON.stringify(batch.json())).not.toContain('"error');
    for (const [currency, rates] of Object.entries(RATES))
      for (const [date, rate] of rates) {
        const res = await t.app.inject({
          method: 'PUT',
          url: '/api/v1/exchange-rates',
          headers: { cookie },
          payload: { currency, date, rate: String(rate) },
        });
        expect(res.statusCode, res.body).toBe(200);
      }
  }, 120_000);
  afterAll(() => t?.close());

  const measures = fc.constantFrom<Measure>(
    { fn: 'count' },
    { fn: 'count', field: 'price' },
    { fn: 'sum', field: 'price' },
    { fn: 'avg', field: 'price' },
    { fn: 'min', field: 'price' },
    { fn: 'max', field: 'price' },
    { fn: 'sum', field: 'size' },
    { fn: 'avg', field: 'size' },
    { fn: 'min', field: 'size' },
    { fn: 'max', field: 'size' },
    { fn: 'share', where: { field: 'kind', op: 'eq', value: 'a' } },
  );
  const definitions = fc
    .record({
      bucket: fc.constantFrom('day', 'week', 'month', 'quarter', 'year'),
      weekStart: fc.constantFrom('monday', 'saturday'),
      calendar: fc.constantFrom('gregory', 'persian'),
      kind: fc.constantFrom('none', 'after', 'before'),
      measures: fc.array(measures, { minLength: 1, maxLength: 4 }),
      money: fc.constantFrom('converted', 'perCurrency'),
      limit: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }),
      range: fc.option(
        fc.record(
          {
            from: fc.constantFrom('2023-03-01', '2024-01-01', '2024-06-20'),
            to: fc.constantFrom('2024-12-31', '2025-06-30', '2025-12-31'),
          },
          { requiredKeys: [] },
        ),
        { nil: undefined },
      ),
    })
    .map(({ bucket, weekStart, calendar, kind, measures: ms, money, limit, range }): Def => {
      const date = { field: 'on', bucket, ...(bucket === 'week' ? { weekStart } : {}) };
      const groupBy =
        kind === 'none' ? [date] : kind === 'after' ? [date, { field: 'kind' }] : [{ field: 'kind' }, date];
      return {
        object: 'gadgets',
        groupBy,
        measures: ms,
        calendar,
        money: money as Def['money'],
        ...(limit !== undefined ? { limit } : {}),
        ...(range && (range.from || range.to) ? { range } : {}),
      };
    });

  it('agrees with the computation record by record on random reports', async () => {
    await fc.assert(
      fc.asyncProperty(definitions, async (def) => {
        const res = await post('/reports/run', def);
        expect(res.statusCode, res.body).toBe(200);
        const result = res.json() as { rows: Row[]; truncated: boolean };
        expect(result.truncated).toBe(false);
        const want = expected(def, records);
        const seen = new Set<string>();
        for (const row of result.rows) {
          const key = JSON.stringify([row.keys, row.others, row.currency ?? null]);
          const w = want.get(key);
          if (!w) {
            // A filled-in empty bucket: zero counts, nothing else.
            expect(row.values, `${JSON.stringify(def)}: unexpected ${key}`).toEqual(
              def.measures.map((m) => (m.fn === 'count' ? 0 : null)),
            );
            continue;
          }
          seen.add(key);
          const where = `${JSON.stringify(def)} ${key}: got ${JSON.stringify(row)}, want ${JSON.stringify(w)}`;
          expect(row.unconverted, where).toBe(w.unconverted);
          for (const [i, m] of def.measures.entries()) {
            if (m.fn === 'count') expect(row.values[i], where).toBe(w.values[i]);
            else expect(close(row.values[i], w.values[i] as number | null), where).toBe(true);
          }
        }
        expect(
          [...want.keys()].filter((k) => !seen.has(k)),
          JSON.stringify(def),
        ).toEqual([]);
      }),
      { numRuns: 60, seed: 1515 },
    );
  }, 300_000);

  it('adds the records up per day before the calendar join, in parallel under row-level security', async () => {
    for (const [type, occurredAt] of [
      ['call', '2025-03-20T21:00:00Z'],
      ['note', '2025-04-01T09:00:00Z'],
    ]) {
      const res = await post('/objects/activities', { type, subject: type, occurredAt });
      expect(res.statusCode, res.body).toBe(201);
    }
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const query = await compileReportQuery({ db: t.handle.db, principal }, {
      object: 'activities',
      groupBy: [{ field: 'occurredAt', bucket: 'month' }, { field: 'type' }],
      measures: [{ fn: 'count' }],
      calendar: 'persian',
      timeZone: 'Asia/Tehran',
    } as ReportDefinition);
    type Node = { 'Node Type': string; 'Relation Name'?: string; 'Partial Mode'?: string; Plans?: Node[] };
    const client = await t.handle.pool.connect();
    let plan: Node;
    try {
      await client.query('begin');
      await client.query(setWorkspaceStatement(admin.workspaceId));
      // A tiny table is not worth workers: make them free, so the plan shows whether PostgreSQL may use them at all
      // (it may not when anything in the statement is parallel unsafe, the row-level security policy included).
      for (const setting of [
        'parallel_setup_cost = 0',
        'parallel_tuple_cost = 0',
        'min_parallel_table_scan_size = 0',
        'max_parallel_workers_per_gather = 2',
        // and a few rows read through an index are cheaper still: a report reads all of a workspace's records.
        'enable_indexscan = off',
        'enable_indexonlyscan = off',
        'enable_bitmapscan = off',
      ])
        await client.query(`set local ${setting}`);
      // On a Citus cluster: the plan of the task on the workspace's worker, for the values given (test/plan.ts).
      const statement = explainable(query.sql, query.parameters);
      const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `explain (format json) ${statement.text}`,
        statement.values,
      );
      plan = planNodes(rows[0]!['QUERY PLAN'][0]!.Plan)[0] as Node;
    } finally {
      await client.query('rollback');
      client.release();
    }
    const all = (node: Node): Node[] => [node, ...(node.Plans ?? []).flatMap(all)];
    const scans = (node: Node, table: string) => all(node).filter((n) => n['Relation Name'] === table);
    // The join that meets the calendar for the groups' keys: its other side is an aggregate over the activities,
    // never the activities themselves.
    const joins = all(plan).filter(
      (n) =>
        /Join|Nested Loop/.test(n['Node Type']) &&
        (n.Plans ?? []).some((c) => scans(c, 'calendar_days').length > 0),
    );
    const calendarJoin = joins.find((j) => scans(j, 'activities').length > 0)!;
    expect(calendarJoin, JSON.stringify(plan)).toBeDefined();
    const activitySide = calendarJoin.Plans!.find((c) => scans(c, 'activities').length > 0)!;
    const firstAggregate = all(activitySide).find((n) => n['Node Type'] === 'Aggregate');
    expect(firstAggregate, JSON.stringify(activitySide)).toBeDefined();
    expect(all(activitySide).indexOf(firstAggregate!)).toBeLessThan(
      all(activitySide).findIndex((n) => n['Relation Name'] === 'activities'),
    );
    // The statement is parallel safe, the row-level security policy included: the activities may be read by
    // workers (on a table this small the planner gives them the whole scan; at size M it splits it, each worker
    // adding up its share of the days before the leader finishes — see docs/PERFORMANCE.md, "Reports").
    const gather = all(plan).find(
      (n) => n['Node Type'].startsWith('Gather') && scans(n, 'activities').length > 0,
    );
    expect(gather, JSON.stringify(plan)).toBeDefined();
  });
});
