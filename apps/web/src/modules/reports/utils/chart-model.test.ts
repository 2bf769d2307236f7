import { describe, expect, it } from 'vitest';
import { chartModel, chartOption, isolate, kpis, type Namer } from './chart-model.ts';
import { conditionsOf, drillBase, drillConditions, flatConditions, startOfDay } from './drill-down.ts';
import type { ReportResult } from './report-types.ts';

const namer = (locale: string, digits = 'latn'): Namer => ({
  key: (_dim, key, others) => (others ? 'Others' : (key ?? 'Empty')),
  measure: (i) => `Measure ${i}`,
  quarter: (q, year) => `Q${q} ${year}`,
  fiscal: (year, q) => (q === null ? `FY ${year}` : `Q${q} FY ${year}`),
  locale,
  digits,
});

/** Won deals by Jalali month: Esfand 1403 with two USD deals, Farvardin 1404 empty, Ordibehesht with one. */
const jalali: ReportResult = {
  object: 'deals',
  calendar: 'persian',
  timeZone: 'Asia/Tehran',
  dimensions: [
    {
      field: 'expectedCloseDate',
      type: 'date',
      bucket: 'month',
      weekStart: null,
      step: null,
      by: null,
      since: null,
    },
  ],
  measures: [
    { fn: 'count', field: null, type: null },
    { fn: 'sum', field: 'amount', type: 'money' },
  ],
  buckets: [
    { key: '2025-02-19', from: '2025-02-19', to: '2025-03-20', year: 1403, period: 12 },
    { key: '2025-03-21', from: '2025-03-21', to: '2025-04-20', year: 1404, period: 1 },
    { key: '2025-04-21', from: '2025-04-21', to: '2025-05-21', year: 1404, period: 2 },
  ],
  rows: [
    { keys: ['2025-02-19'], others: [false], currency: 'USD', values: [2, '30.5'] },
    { keys: ['2025-03-21'], others: [false], currency: 'USD', values: [0, null] },
    { keys: ['2025-04-21'], others: [false], currency: 'USD', values: [1, '7'] },
  ],
  currency: 'USD',
  labels: {},
  truncated: false,
  fiscal: null,
};

describe('report charts', () => {
  it('names Jalali months in Persian with Persian digits, in bucket order, empty months as zero', () => {
    const model = chartModel(jalali, namer('fa', 'arabext'));
    // In Persian month names and Persian digits, in the order ICU writes them (year first, logically).
    const [esfand, farvardin, ordibehesht] = model.categories.map((c) => c.label);
    expect(esfand).toContain('اسفند');
    expect(esfand).toContain('۱۴۰۳');
    expect(farvardin).toContain('فروردین');
    expect(farvardin).toContain('۱۴۰۴');
    expect(ordibehesht).toContain('اردیبهشت');
    expect(esfand).toBe(
      new Intl.DateTimeFormat('fa-u-ca-persian-nu-arabext', {
        timeZone: 'UTC',
        year: 'numeric',
        month: 'long',
      }).format(new Date('2025-03-01T12:00:00Z')),
    );
    expect(model.series).toEqual([
      // Converted into the workspace's currency: only the money measure names it.
      { name: 'Measure 0', values: [2, 0, 1], fn: 'count', measure: 0 },
      { name: 'Measure 1 (USD)', values: [30.5, null, 7], fn: 'sum', measure: 1 },
    ]);
    expect(model.categories[1]?.range).toEqual({ from: '2025-03-21', to: '2025-04-20' });
  });

  it('mirrors the axes and the legend right to left and isolates every label', () => {
    const model = chartModel(jalali, namer('fa', 'arabext'));
    const rtl = chartOption(model, { type: 'bar', rtl: true, formatNumber: String }) as {
      xAxis: { inverse: boolean; data: string[] };
      yAxis: { position: string };
      legend: { right?: number; align: string };
    };
    expect(rtl.xAxis.inverse).toBe(true);
    expect(rtl.yAxis.position).toBe('right');
    expect(rtl.legend).toMatchObject({ right: 0, align: 'right' });
    expect(rtl.xAxis.data[0]).toBe(isolate(model.categories[0]!.label));
    expect(rtl.xAxis.data[0]?.startsWith('\u2068')).toBe(true);
    const ltr = chartOption(model, { type: 'bar', rtl: false, formatNumber: String }) as typeof rtl;
    expect(ltr.xAxis.inverse).toBe(false);
    expect(ltr.yAxis.position).toBe('left');
    const horizontal = chartOption(model, { type: 'barHorizontal', rtl: true, formatNumber: String }) as {
      xAxis: { inverse: boolean };
      yAxis: { position: string };
    };
    expect(horizontal.xAxis.inverse).toBe(true);
    expect(horizontal.yAxis.position).toBe('right');
  });

  it('turns a clicked bucket into its exact date range, in the report’s zone for a date-time', () => {
    const month = chartModel(jalali, namer('en')).categories[1]!;
    expect(drillConditions(month, { field: 'expectedCloseDate', type: 'date' }, 'Asia/Tehran')).toEqual([
      { field: 'expectedCloseDate', op: 'gt', value: '2025-03-20' },
      { field: 'expectedCloseDate', op: 'lt', value: '2025-04-21' },
    ]);
    // Tehran is UTC+3:30: 1 Farvardin 1404 begins at 20:30 UTC the day before.
    expect(startOfDay('2025-03-21', 'Asia/Tehran').toISOString()).toBe('2025-03-20T20:30:00.000Z');
    expect(drillConditions(month, { field: 'dueAt', type: 'dateTime' }, 'Asia/Tehran')).toEqual([
      { field: 'dueAt', op: 'gt', value: '2025-03-20T20:29:59.999Z' },
      { field: 'dueAt', op: 'lt', value: '2025-04-20T20:30:00.000Z' },
    ]);
    expect(
      drillConditions({ key: null, label: '', others: true }, { field: 'status', type: 'select' }, 'UTC'),
    ).toBe(null);
    expect(conditionsOf({ and: [{ field: 'status', op: 'eq', value: 'won' }] })).toEqual([
      { field: 'status', op: 'eq', value: 'won' },
    ]);
  });

  it('makes one series per group of the second dimension, with every bucket', () => {
    const two: ReportResult = {
      ...jalali,
      dimensions: [
        jalali.dimensions[0]!,
        { field: 'status', type: 'select', bucket: null, weekStart: null, step: null, by: null, since: null },
      ],
      measures: [{ fn: 'count', field: null, type: null }],
      rows: [
        { keys: ['2025-02-19', 'won'], others: [false, false], values: [2] },
        { keys: ['2025-02-19', null], others: [false, true], values: [5] },
        { keys: ['2025-04-21', 'won'], others: [false, false], values: [1] },
      ],
    };
    const model = chartModel(two, namer('en'));
    expect(model.series).toEqual([
      { name: 'won', values: [2, 0, 1], fn: 'count', measure: 0 },
      { name: 'Others', values: [5, 0, 0], fn: 'count', measure: 0 },
    ]);
  });

  it('makes a KPI of the latest period against the one before it, or a total without dates', () => {
    const model = chartModel(jalali, namer('en'));
    const [count] = kpis(model);
    expect(count).toMatchObject({ value: 1, previous: { value: 0 } });
    expect(count?.period).toContain('1404');
    const flat = chartModel(
      {
        ...jalali,
        dimensions: [],
        buckets: [],
        rows: [{ keys: [], others: [], currency: 'USD', values: [3, '9'] }],
      },
      namer('en'),
    );
    expect(kpis(flat).map((k) => [k.value, k.previous])).toEqual([
      [3, undefined],
      [9, undefined],
    ]);
  });

  it('names fiscal buckets by their fiscal year — 2024/25 from July, 1404 from Farvardin — in the reader’s digits', () => {
    const egypt: ReportResult = {
      ...jalali,
      calendar: 'gregory',
      dimensions: [{ ...jalali.dimensions[0]!, bucket: 'fiscalQuarter' }],
      buckets: [
        { key: '2024-07-01', from: '2024-07-01', to: '2024-09-30', year: 2024, period: 1 },
        { key: '2025-01-01', from: '2025-01-01', to: '2025-03-31', year: 2024, period: 3 },
      ],
      rows: [],
      fiscal: { calendar: 'gregory', startMonth: 7 },
    };
    expect(chartModel(egypt, namer('en')).categories.map((c) => c.label)).toEqual([
      'Q1 FY 2024/25',
      'Q3 FY 2024/25',
    ]);
    const iran: ReportResult = {
      ...egypt,
      dimensions: [{ ...jalali.dimensions[0]!, bucket: 'fiscalYear' }],
      buckets: [{ key: '2025-03-21', from: '2025-03-21', to: '2026-03-20', year: 1404, period: null }],
      fiscal: { calendar: 'persian', startMonth: 1 },
    };
    expect(chartModel(iran, namer('fa', 'arabext')).categories[0]!.label).toBe('FY ۱۴۰۴');
    // A fiscal year turning in a year ending in 99 names the next by its last two digits.
    expect(
      chartModel({ ...egypt, buckets: [{ ...egypt.buckets[0]!, year: 2099 }] }, namer('en')).categories[0]!
        .label,
    ).toBe('Q1 FY 2099/00');
  });

  it('compares a KPI with the same period a year earlier when the report holds it', () => {
    const months: ReportResult = {
      ...jalali,
      measures: [{ fn: 'count', field: null, type: null }],
      buckets: [
        { key: '2024-03-20', from: '2024-03-20', to: '2024-04-19', year: 1403, period: 1 },
        { key: '2024-04-20', from: '2024-04-20', to: '2024-05-20', year: 1403, period: 2 },
        { key: '2025-02-19', from: '2025-02-19', to: '2025-03-20', year: 1403, period: 12 },
        { key: '2025-03-21', from: '2025-03-21', to: '2025-04-20', year: 1404, period: 1 },
      ],
      rows: [
        { keys: ['2024-03-20'], others: [false], values: [4] },
        { keys: ['2024-04-20'], others: [false], values: [1] },
        { keys: ['2025-02-19'], others: [false], values: [2] },
        { keys: ['2025-03-21'], others: [false], values: [6] },
      ],
    };
    const model = chartModel(months, namer('en'));
    // Farvardin 1404 against Farvardin 1403, not against Esfand 1403 before it.
    expect(kpis(model, 'previousYear')[0]).toMatchObject({ value: 6, previous: { value: 4 } });
    expect(kpis(model, 'previous')[0]).toMatchObject({ value: 6, previous: { value: 2 } });
    // Without the year before in the report there is nothing to compare with.
    const short = chartModel(
      { ...months, buckets: months.buckets.slice(2), rows: months.rows.slice(2) },
      namer('en'),
    );
    expect(kpis(short, 'previousYear')[0]?.previous).toBeUndefined();
    // Days compare with the day 52 weeks before (the same weekday).
    const days = chartModel(
      {
        ...months,
        dimensions: [{ ...jalali.dimensions[0]!, bucket: 'day' }],
        buckets: [
          { key: '2024-03-22', from: '2024-03-22', to: '2024-03-22', year: null, period: null },
          { key: '2025-03-21', from: '2025-03-21', to: '2025-03-21', year: null, period: null },
        ],
        rows: [
          { keys: ['2024-03-22'], others: [false], values: [3] },
          { keys: ['2025-03-21'], others: [false], values: [5] },
        ],
      },
      namer('en'),
    );
    expect(kpis(days, 'previousYear')[0]).toMatchObject({ value: 5, previous: { value: 3 } });
  });

  it('opens a team as its members, “no team” as nobody of any team, and nothing it cannot say', () => {
    const teams = [
      { id: 't1', members: ['u1', 'u2'] },
      { id: 't2', members: ['u2', 'u3'] },
    ];
    const owner = { field: 'owner', type: 'user', by: 'team' as const };
    expect(drillConditions({ key: 't1', label: '', others: false }, owner, 'UTC', teams)).toEqual([
      { field: 'owner', op: 'in', value: ['u1', 'u2'] },
    ]);
    expect(drillConditions({ key: null, label: '', others: false }, owner, 'UTC', teams)).toEqual([
      { field: 'owner', op: 'nin', value: ['u1', 'u2', 'u3'] },
    ]);
    // A team the reader cannot list (or none listed at all) opens nothing rather than every record.
    expect(drillConditions({ key: 't9', label: '', others: false }, owner, 'UTC', teams)).toBeNull();
    expect(drillConditions({ key: null, label: '', others: false }, owner, 'UTC', [])).toBeNull();
    // A dashboard's filter (its owner and period `and`-ed with the widget's own) flattens; an `or` does not.
    expect(
      flatConditions({
        and: [
          { field: 'status', op: 'eq', value: 'won' },
          { and: [{ field: 'owner', op: 'in', value: ['u1'] }] },
          { and: [{ field: 'closedAt', op: 'gte', value: '2025-01-01' }] },
        ],
      }),
    ).toEqual([
      { field: 'status', op: 'eq', value: 'won' },
      { field: 'owner', op: 'in', value: ['u1'] },
      { field: 'closedAt', op: 'gte', value: '2025-01-01' },
    ]);
    expect(flatConditions(undefined)).toEqual([]);
    expect(flatConditions({ or: [] })).toBeNull();
    expect(flatConditions({ and: [{ not: { field: 'x', op: 'eq', value: 1 } }] })).toBeNull();
  });

  it('opens a number range as its two ends', () => {
    expect(
      drillConditions(
        { key: '1000', label: '', others: false },
        { field: 'size', type: 'number', step: 500 },
        'UTC',
      ),
    ).toEqual([
      { field: 'size', op: 'gte', value: 1000 },
      { field: 'size', op: 'lt', value: 1500 },
    ]);
  });

  it('draws a donut with a hole, a pie without one, and a funnel in the categories’ order', () => {
    const model = chartModel(jalali, namer('en'));
    const pie = (type: 'pie' | 'donut' | 'funnel') =>
      (
        chartOption(model, { type, rtl: false, formatNumber: String }) as {
          series: Record<string, unknown>[];
        }
      ).series[0]!;
    expect(pie('donut').radius).toEqual(['40%', '70%']);
    expect(pie('pie').radius).toEqual([0, '70%']);
    const funnel = pie('funnel');
    expect(funnel).toMatchObject({ type: 'funnel', sort: 'none' });
    expect((funnel.data as { value: number }[]).map((d) => d.value)).toEqual([2, 0, 1]);
  });

  it('draws a report without a dimension as a funnel of its measures, each a stage', () => {
    const stages: ReportResult = {
      ...jalali,
      dimensions: [],
      measures: [0, 1, 2, 3].map(() => ({ fn: 'count', field: null, type: null })),
      buckets: [],
      rows: [{ keys: [], others: [], values: [6, 5, 3, 2] }],
      currency: null,
    };
    const option = chartOption(chartModel(stages, namer('en')), {
      type: 'funnel',
      rtl: false,
      formatNumber: String,
    }) as {
      series: { data: { name: string; value: number }[] }[];
    };
    expect(option.series[0]!.data).toEqual([
      { name: 'Measure 0', value: 6 },
      { name: 'Measure 1', value: 5 },
      { name: 'Measure 2', value: 3 },
      { name: 'Measure 3', value: 2 },
    ]);
  });

  it('draws a cohort matrix: first-won months along the axis, ages as series in their order, empty cells zero', () => {
    const cohort: ReportResult = {
      ...jalali,
      dimensions: [
        {
          field: 'customerSince',
          type: 'date',
          bucket: 'month',
          weekStart: null,
          step: null,
          by: null,
          since: null,
        },
        {
          field: 'expectedCloseDate',
          type: 'date',
          bucket: 'month',
          weekStart: null,
          step: null,
          by: null,
          since: 'customerSince',
        },
      ],
      measures: [{ fn: 'distinct', field: 'company', type: 'relation' }],
      buckets: jalali.buckets.slice(0, 2),
      currency: null,
      // As the server orders them: by cohort, then by age; the second cohort has an age the first lacks.
      rows: [
        { keys: ['2025-02-19', '0'], others: [false, false], values: [3] },
        { keys: ['2025-02-19', '2'], others: [false, false], values: [1] },
        { keys: ['2025-03-21', '0'], others: [false, false], values: [2] },
        { keys: ['2025-03-21', '1'], others: [false, false], values: [2] },
      ],
    };
    const model = chartModel(cohort, namer('en'));
    expect(model.categoryDim).toBe(0);
    expect(model.categories.map((c) => c.key)).toEqual(['2025-02-19', '2025-03-21']);
    expect(model.series.map((s) => [s.name, s.values])).toEqual([
      ['0', [3, 2]],
      ['1', [0, 2]],
      ['2', [1, 0]],
    ]);
    // An age is no value of the field: a click on it opens nothing rather than a wrong list.
    expect(
      drillConditions({ key: '2', label: '', others: false }, cohort.dimensions[1]!, 'Asia/Tehran'),
    ).toBeNull();
  });

  it('keeps a measure’s own records when its series is clicked: the report’s filter and the measure’s where', () => {
    const won = { field: 'status', op: 'eq', value: 'won' };
    const definition = {
      filter: { field: 'pipeline', op: 'eq', value: 'p1' },
      measures: [{}, { where: won }, { where: { or: [won, { field: 'status', op: 'eq', value: 'lost' }] } }],
    };
    expect(drillBase(definition)).toEqual([{ field: 'pipeline', op: 'eq', value: 'p1' }]);
    expect(drillBase(definition, 0)).toEqual([{ field: 'pipeline', op: 'eq', value: 'p1' }]);
    expect(drillBase(definition, 1)).toEqual([
      { field: 'pipeline', op: 'eq', value: 'p1' },
      { field: 'status', op: 'eq', value: 'won' },
    ]);
    // An `or` a list cannot hold: the click opens nothing rather than a wider list.
    expect(drillBase(definition, 2)).toBeNull();
  });
});
