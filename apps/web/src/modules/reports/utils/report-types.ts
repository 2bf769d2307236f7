import type { components, paths } from '../../../api/schema.gen.ts';

/** What a report asks (the body of POST /reports/run). */
export type ReportDefinition = NonNullable<
  paths['/api/v1/reports/run']['post']['requestBody']
>['content']['application/json'];
export type ReportResult = components['schemas']['ReportResult'];
export type SavedReport = components['schemas']['SavedReport'];
export type Dimension = NonNullable<ReportDefinition['groupBy']>[number];
export type Measure = ReportDefinition['measures'][number];
export type Bucket = NonNullable<Dimension['bucket']>;
export type ChartType = NonNullable<ReportDefinition['chart']>;
export const CHART_TYPES: readonly ChartType[] = [
  'bar',
  'barHorizontal',
  'barStacked',
  'line',
  'area',
  'pie',
  'donut',
  'funnel',
  'kpi',
  'table',
  'pivot',
];
export const BUCKETS: readonly Bucket[] = [
  'day',
  'week',
  'month',
  'quarter',
  'year',
  'fiscalQuarter',
  'fiscalYear',
];
/** How a KPI chart compares its latest period: with the one before it, or the same period a year earlier. */
export type KpiCompare = NonNullable<ReportDefinition['compare']>;
export const MEASURE_FNS: readonly Measure['fn'][] = [
  'count',
  'distinct',
  'sum',
  'avg',
  'min',
  'max',
  'share',
  'formula',
];

/** Whether a measure says all it needs: a count as it is, a share its filter, a formula its expression, the others their field. */
export const measureReady = (m: Measure): boolean =>
  m.fn === 'count' ||
  (m.fn === 'share'
    ? m.where !== undefined && m.where !== null
    : m.fn === 'formula'
      ? Boolean(m.expression?.trim())
      : Boolean(m.field));

/** Whether a dimension is a date bucket along the calendar (not a count of periods since another date). */
export const isDateBucket = (d: { bucket?: string | null | undefined; since?: string | null | undefined }) =>
  Boolean(d.bucket) && !d.since;

/** A catalogue metric (GET /reports/metrics). */
export type ReportMetric = components['schemas']['ReportMetric'];

/**
 * The measures once the one at `removed` is gone: each formula's m0…m9 follow their measures to their new places,
 * and a formula that read the removed one says so (`m?`, which the server refuses until it is rewritten) rather
 * than reading whichever measure took its place.
 */
export function withoutMeasure(measures: readonly Measure[], removed: number): Measure[] {
  return measures
    .filter((_, i) => i !== removed)
    .map((m) =>
      m.fn === 'formula' && m.expression
        ? {
            ...m,
            expression: m.expression.replace(/m(\d)(?!\d)/g, (_, d: string) => {
              const j = Number(d);
              return j < removed ? `m${j}` : j === removed ? 'm?' : `m${j - 1}`;
            }),
          }
        : m,
    );
}
