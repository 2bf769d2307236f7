import {
  type Bucket,
  type ChartType,
  isDateBucket,
  type KpiCompare,
  type ReportResult,
} from './report-types.ts';

/** Okabe–Ito: eight colours told apart with every common colour-vision deficiency. */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
];

/** One category of the chart's axis (a bucket or a group) and the date range a click on it opens. */
export interface Category {
  key: string | null;
  label: string;
  others: boolean;
  /** For a date bucket: its first and last civil day (inclusive). */
  range?: { from: string; to: string } | undefined;
  /** For a date bucket: its year and period (month, quarter, week), as the answer names them. */
  year?: number | null | undefined;
  period?: number | null | undefined;
}
export interface Series {
  name: string;
  values: (number | null)[];
  /** The measure's function (a share's values are fractions, shown as percentages). */
  fn?: string | undefined;
  /** The measure it draws, by place (a drill-down from it also keeps that measure's records: its `where`). */
  measure: number;
}
export interface ChartModel {
  categories: Category[];
  series: Series[];
  /** Index of the dimension the categories are (-1: none, a single total). */
  categoryDim: number;
}

/** How the model names things: groups by dimension, measures, and bucket periods in words. */
export interface Namer {
  key(dim: number, key: string | null, others: boolean): string;
  measure(index: number): string;
  quarter(quarter: number, year: string): string;
  /** A fiscal year (`year` already written: 1404, 2024/25) or a quarter of it. */
  fiscal(year: string, quarter: number | null): string;
  locale: string;
  digits: string;
}

/** Wraps text in first-strong isolates so a Latin name inside Persian (or the reverse) keeps its own order. */
export const isolate = (text: string) => `\u2068${text}\u2069`;

/**
 * A fiscal year's number in the reader's digits: the calendar year it starts in, and the next one's last two digits
 * when it does not start in the calendar's first month (Egypt's 2024/25; Iran's 1404).
 */
export function fiscalYearText(year: number, startMonth: number, namer: Namer): string {
  const digits = (n: number, min = 1) =>
    new Intl.NumberFormat(`${namer.locale}-u-nu-${namer.digits}`, {
      useGrouping: false,
      minimumIntegerDigits: min,
    }).format(n);
  return startMonth === 1 ? digits(year) : `${digits(year)}/${digits((year + 1) % 100, 2)}`;
}

/** A bucket's name in the report's calendar (a fiscal one by its fiscal year), in the reader's language and digits. */
export function bucketLabel(
  bucket: ReportResult['buckets'][number],
  kind: Bucket,
  calendar: string,
  namer: Namer,
  fiscal?: ReportResult['fiscal'] | undefined,
): string {
  if (kind === 'fiscalQuarter' || kind === 'fiscalYear') {
    const year = fiscalYearText(bucket.year ?? 0, fiscal?.startMonth ?? 1, namer);
    return namer.fiscal(year, kind === 'fiscalQuarter' ? (bucket.period ?? 0) : null);
  }
  const date = new Date(`${bucket.from}T12:00:00Z`);
  const format = (options: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(`${namer.locale}-u-ca-${calendar}-nu-${namer.digits}`, {
      timeZone: 'UTC',
      ...options,
    }).format(date);
  switch (kind) {
    case 'day':
      return format({ year: 'numeric', month: 'short', day: 'numeric' });
    case 'week':
      return format({ year: 'numeric', month: 'short', day: 'numeric' });
    case 'month':
      return format({ year: 'numeric', month: 'long' });
    case 'quarter':
      return namer.quarter(bucket.period ?? 0, format({ year: 'numeric' }));
    default:
      return format({ year: 'numeric' });
  }
}

const number = (v: number | string | null | undefined) =>
  v === null || v === undefined || v === '' ? null : Number(v);

/**
 * The chart's categories and series from a report's answer: the date dimension (or the first) along the axis, the
 * other dimension (and each currency of a money measure) as series; with one dimension each measure is a series.
 */
export function chartModel(result: ReportResult, namer: Namer): ChartModel {
  const dims = result.dimensions;
  const dateAt = dims.findIndex(isDateBucket);
  const categoryDim = dateAt >= 0 ? dateAt : dims.length > 0 ? 0 : -1;
  const seriesDim = dims.length === 2 ? 1 - categoryDim : -1;
  const categories: Category[] = [];
  const catIndex = new Map<string, number>();
  const catKey = (key: string | null, others: boolean) => `${others ? 'o' : 'k'}:${key ?? ''}`;
  if (dateAt >= 0) {
    const kind = dims[dateAt]!.bucket as Bucket;
    for (const b of result.buckets) {
      catIndex.set(catKey(b.key, false), categories.length);
      categories.push({
        key: b.key,
        label: bucketLabel(b, kind, result.calendar, namer, result.fiscal),
        others: false,
        range: { from: b.from, to: b.to },
        year: b.year,
        period: b.period,
      });
    }
  }
  if (categoryDim < 0) categories.push({ key: null, label: namer.measure(0), others: false });
  for (const row of result.rows) {
    if (categoryDim < 0) break;
    const key = row.keys[categoryDim] ?? null;
    const others = row.others[categoryDim] ?? false;
    const id = catKey(key, others);
    if (catIndex.has(id)) continue;
    catIndex.set(id, categories.length);
    categories.push({ key, label: namer.key(categoryDim, key, others), others });
  }
  const series: Series[] = [];
  const seriesIndex = new Map<string, number>();
  /** A series' key as a number, to order ages and ranges by (no key: last). */
  const seriesKeys = new Map<string, number>();
  const money = result.rows.some((r) => r.currency);
  for (const row of result.rows) {
    const at =
      categoryDim < 0
        ? 0
        : (catIndex.get(catKey(row.keys[categoryDim] ?? null, row.others[categoryDim] ?? false)) ?? -1);
    if (at < 0) continue;
    const measures = seriesDim >= 0 ? [0] : result.measures.map((_, i) => i);
    for (const m of measures) {
      // Added per currency, every measure's series is one currency's; converted into the workspace's, only money
      // says its currency (a count, a day count or a formula has none).
      const currency =
        money && row.currency && (result.currency === null || result.measures[m]?.type === 'money')
          ? ` (${row.currency})`
          : '';
      const name =
        seriesDim >= 0
          ? `${namer.key(seriesDim, row.keys[seriesDim] ?? null, row.others[seriesDim] ?? false)}${currency}`
          : `${namer.measure(m)}${currency}`;
      // Money without a currency and without a value (an empty bucket's filler) adds nothing to any series.
      if (money && !row.currency && number(row.values[m]) === null) continue;
      let s = seriesIndex.get(name);
      if (seriesDim >= 0 && !seriesKeys.has(name)) {
        const key = row.keys[seriesDim];
        seriesKeys.set(name, key === null || key === undefined ? Number.MAX_SAFE_INTEGER : Number(key));
      }
      if (s === undefined) {
        s = series.length;
        seriesIndex.set(name, s);
        series.push({ name, values: categories.map(() => null), fn: result.measures[m]?.fn, measure: m });
      }
      const value = number(row.values[m]);
      const old = series[s]!.values[at];
      series[s]!.values[at] = value === null ? (old ?? null) : (old ?? 0) + value;
    }
  }
  // Counts are zero, not missing, in an empty bucket.
  for (const [i, s] of series.entries()) {
    const fn =
      seriesDim >= 0 ? result.measures[0]?.fn : result.measures[i % Math.max(1, result.measures.length)]?.fn;
    if (fn === 'count' || fn === 'distinct') s.values = s.values.map((v) => v ?? 0);
  }
  // Ages (periods since a date) and number ranges as series read in their order: month 0, 1, 2…
  const ordered = seriesDim >= 0 && (dims[seriesDim]!.since || dims[seriesDim]!.step);
  if (ordered) series.sort((a, b) => (seriesKeys.get(a.name) ?? 0) - (seriesKeys.get(b.name) ?? 0));
  return { categories, series, categoryDim };
}

/** What the chart needs from the page: direction, how numbers are written, the chart's type. */
export interface ChartLook {
  type: ChartType;
  rtl: boolean;
  formatNumber: (value: number) => string;
}

/**
 * The ECharts option for a model. Right to left (ar, fa) the category axis runs from the right, the value axis
 * stands on the right, the legend reads from the right, and every label is isolated (FSI…PDI).
 */
export function chartOption(model: ChartModel, look: ChartLook): Record<string, unknown> {
  const { rtl, type } = look;
  const names = model.categories.map((c) => isolate(c.label));
  const tooltip = {
    trigger: type === 'pie' || type === 'donut' ? 'item' : 'axis',
    textStyle: { align: rtl ? 'right' : 'left' },
    valueFormatter: (v: unknown) => (typeof v === 'number' ? look.formatNumber(v) : '—'),
  };
  const legend = {
    type: 'scroll',
    top: 0,
    ...(rtl ? { right: 0, align: 'right' } : { left: 0, align: 'left' }),
    formatter: (name: string) => isolate(name),
  };
  const base = {
    color: PALETTE,
    aria: { enabled: true, decal: { show: true } },
    tooltip,
    legend,
    animation: false,
  };
  if (type === 'funnel') {
    const first = model.series[0];
    // Without a dimension, a report of several measures is a funnel of its measures (leads → contacted →
    // qualified → converted), each a stage; with one, the first measure's groups are the stages.
    const stages =
      model.categoryDim < 0 && model.series.length > 1
        ? model.series.map((s) => ({ name: s.name, value: s.values[0] ?? 0 }))
        : names.map((name, i) => ({ name, value: first?.values[i] ?? 0 }));
    return {
      ...base,
      tooltip: { ...tooltip, trigger: 'item' },
      series: [
        {
          type: 'funnel',
          top: 40,
          bottom: 10,
          sort: 'none',
          label: { position: 'inside' },
          data: stages,
        },
      ],
    };
  }
  if (type === 'pie' || type === 'donut') {
    const first = model.series[0];
    return {
      ...base,
      series: [
        {
          type: 'pie',
          radius: type === 'donut' ? ['40%', '70%'] : [0, '70%'],
          top: 30,
          label: { formatter: '{b}: {d}%' },
          data: names.map((name, i) => ({ name, value: first?.values[i] ?? 0 })),
        },
      ],
    };
  }
  const horizontal = type === 'barHorizontal';
  const categoryAxis = {
    type: 'category',
    data: names,
    inverse: horizontal ? false : rtl,
    axisLabel: { hideOverlap: true },
    ...(horizontal ? { position: rtl ? 'right' : 'left' } : {}),
  };
  const valueAxis = {
    type: 'value',
    inverse: horizontal ? rtl : false,
    ...(horizontal ? {} : { position: rtl ? 'right' : 'left' }),
    axisLabel: { formatter: (v: number) => look.formatNumber(v) },
  };
  const kind = type === 'line' || type === 'area' ? 'line' : 'bar';
  return {
    ...base,
    grid: { top: 40, left: 16, right: 16, bottom: 16, containLabel: true },
    xAxis: horizontal ? valueAxis : categoryAxis,
    yAxis: horizontal ? categoryAxis : valueAxis,
    series: model.series.map((s) => ({
      type: kind,
      name: s.name,
      data: s.values,
      ...(type === 'barStacked' ? { stack: 'all' } : {}),
      ...(type === 'area' ? { areaStyle: {}, stack: 'all' } : {}),
      ...(kind === 'line' ? { connectNulls: false, showSymbol: model.categories.length < 60 } : {}),
    })),
  };
}

/** A KPI: the series' figure and, for a date grouping, the latest period's against the one before it. */
export interface Kpi {
  name: string;
  value: number;
  /** The period before the latest one (date groupings of two or more buckets). */
  previous?: { value: number; label: string } | undefined;
  /** The latest period's name (date groupings). */
  period?: string | undefined;
}

const DAY = 86_400_000;

/**
 * The bucket a year before `at`: the one of the year before with the same period (this Jalali month of last year,
 * the same fiscal quarter, ISO week), or for days and Saturday weeks the one starting 52 weeks earlier.
 */
function yearBefore(categories: Category[], at: number): number {
  const c = categories[at]!;
  if (c.year !== null && c.year !== undefined)
    return categories.findIndex((o) => o.year === c.year! - 1 && (o.period ?? null) === (c.period ?? null));
  if (!c.range) return -1;
  const from = new Date(Date.parse(`${c.range.from}T00:00:00Z`) - 364 * DAY).toISOString().slice(0, 10);
  return categories.findIndex((o) => o.range?.from === from);
}

/**
 * KPIs of a model: with a date grouping, each series' latest bucket compared with the bucket before it (this Jalali
 * month against the last) or, with `previousYear`, the same period a year earlier when the report holds it;
 * otherwise each series' total.
 */
export function kpis(model: ChartModel, compare: KpiCompare = 'previous'): Kpi[] {
  const dated = model.categories.length > 0 && model.categories.every((c) => c.range);
  return model.series.map((s) => {
    if (dated && model.categories.length >= 2) {
      const last = model.categories.length - 1;
      const before = compare === 'previousYear' ? yearBefore(model.categories, last) : last - 1;
      return {
        name: s.name,
        value: s.values[last] ?? 0,
        period: model.categories[last]!.label,
        previous:
          before >= 0 ? { value: s.values[before] ?? 0, label: model.categories[before]!.label } : undefined,
      };
    }
    return { name: s.name, value: s.values.reduce<number>((sum, v) => sum + (v ?? 0), 0) };
  });
}
