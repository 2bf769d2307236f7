import { CALENDARS, isTimeZone } from '@rabita/shared';
import { z } from 'zod';
import { unstorableText } from '../http/route-kit.ts';

export const BUCKETS = ['day', 'week', 'month', 'quarter', 'year', 'fiscalQuarter', 'fiscalYear'] as const;
export type Bucket = (typeof BUCKETS)[number];
/** Buckets of the workspace's fiscal year (its calendar and first month), not of the report's calendar. */
export const FISCAL_BUCKETS: ReadonlySet<Bucket> = new Set(['fiscalQuarter', 'fiscalYear']);
export const MEASURE_FNS = ['count', 'distinct', 'sum', 'avg', 'min', 'max', 'share', 'formula'] as const;
export const CHARTS = [
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
] as const;

const fieldKey = z.string().min(1).max(63);
const civilDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Give a date as YYYY-MM-DD.')
  .refine((v) => {
    const d = new Date(`${v}T00:00:00Z`);
    return (
      !Number.isNaN(d.getTime()) &&
      d.toISOString().slice(0, 10) === v &&
      v >= '1900-01-01' &&
      v <= '2100-12-31'
    );
  }, 'Give a date between 1900-01-01 and 2100-12-31 that exists.');

/**
 * One way to group: a field, and for a date or date-time field the calendar period it is bucketed by (or the
 * workspace's fiscal quarter or year), or for a person field the teams that person belongs to.
 */
export const dimensionSchema = z
  .object({
    field: fieldKey,
    bucket: z
      .enum(BUCKETS)
      .optional()
      .describe(
        'For a date or date-time field: the period of the report’s calendar, or fiscalQuarter / fiscalYear of the workspace’s fiscal year.',
      ),
    by: z
      .literal('team')
      .optional()
      .describe(
        'For a person field (owner): group by the teams that person belongs to — a record counts under each team of its person, and in the "no team" group (a null key) when it has no person or the person no team.',
      ),
    step: z
      .number()
      .positive()
      .max(1e12)
      .optional()
      .describe('For a number or rating field: group into ranges this wide (0–999, 1000–1999, … for 1000).'),
    weekStart: z
      .enum(['monday', 'saturday'])
      .optional()
      .describe('For week buckets; Saturday when absent in fa/ar.'),
    since: fieldKey
      .optional()
      .describe(
        'With a bucket (day, week, month, quarter, year): group by how many of the report calendar’s periods lie from this date field’s period to the field’s — 0 for the same Jalali month, 1 for the next (a cohort’s age). Not filled or ranged like a date bucket.',
      ),
  })
  .strict();

export const measureSchema = z
  .object({
    fn: z.enum(MEASURE_FNS),
    field: fieldKey.optional(),
    where: z
      .unknown()
      .optional()
      .describe(
        'For share: the filter tree (as `filter`) whose records are counted against all of the group’s. For count, sum, avg, min and max: only the group’s records that match it are measured (won deals’ amounts beside every deal’s count).',
      ),
    since: fieldKey
      .optional()
      .describe(
        'With a date or date-time `field` (sum, avg, min, max): the days from this date field to `field`, per record, in the report’s time zone — a sales cycle is avg of expectedCloseDate since createdAt.',
      ),
    unit: z
      .enum(['days', 'hours'])
      .optional()
      .describe(
        'With since: days (civil days in the report’s time zone, the default) or hours (between two date-time fields, to the second; a time to first response).',
      ),
    expression: z
      .string()
      .max(500)
      .optional()
      .describe(
        'For formula: arithmetic over the other measures, named m0…m9 by their place — numbers, + - * /, unary minus and parentheses (m1 * m2 / m3). Empty when an operand is empty or a division is by zero.',
      ),
    label: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .describe('The measure’s name as charts and tables show it (a formula’s, mostly).'),
  })
  .strict()
  .describe(
    'count (of records, or of a field’s values); distinct (of a field’s different values: the companies that bought); sum, avg, min, max of a number or money field, or of days between two dates (since); share: the fraction (0 to 1) of the group’s records that match `where` (a win rate, SLA compliance); or formula: a calculation over the other measures. Any but a formula may measure only the records matching `where`.',
  );

/**
 * What a report asks: an object, the lists' filter tree, up to two dimensions (one of them a date bucketed in a
 * calendar and time zone), measures, a range of civil dates for the date dimension, and a limit beyond which the
 * other dimension's smaller groups are added up as "others".
 */
export const reportDefinitionSchema = z
  .object({
    object: fieldKey,
    filter: z.unknown().optional().describe('The same filter tree as POST /objects/{object}/query.'),
    groupBy: z.array(dimensionSchema).max(2).default([]),
    measures: z.array(measureSchema).min(1).max(10),
    calendar: z
      .enum(CALENDARS)
      .optional()
      .describe('Calendar of the date buckets; the viewer’s when absent.'),
    timeZone: z
      .string()
      .max(64)
      .refine((v) => !v.includes('\u0000') && isTimeZone(v), 'Not a known IANA time zone.')
      .optional()
      .describe('Time zone a date-time falls into its day in; the viewer’s when absent.'),
    range: z
      .object({ from: civilDate.optional(), to: civilDate.optional() })
      .strict()
      .optional()
      .describe(
        'Civil dates (in the time zone) the date dimension covers; empty buckets are filled across it.',
      ),
    limit: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe(
        'Largest groups kept of a dimension that is not a date; the rest add up to one "others" group.',
      ),
    sort: z
      .object({
        measure: z
          .number()
          .int()
          .min(0)
          .max(9)
          .describe('The measure whose values order the groups (its index).'),
        direction: z.enum(['desc', 'asc']).describe('desc: largest first; asc: smallest first.'),
      })
      .strict()
      .optional()
      .describe(
        'How the groups are ordered: by a measure, largest or smallest first (empty values and "others" last). A date dimension keeps its buckets in calendar order and the sort orders the groups within each; a number range dimension, likewise its ranges. Absent: the first measure, largest first.',
      ),
    money: z
      .enum(['converted', 'perCurrency'])
      .optional()
      .describe(
        'Money measures in the workspace’s currency at each record’s day’s rate (converted, the default), or added per currency.',
      ),
    chart: z.enum(CHARTS).optional().describe('How the web app draws it (the server ignores it).'),
    compare: z
      .enum(['previous', 'previousYear'])
      .optional()
      .describe(
        'What a KPI chart compares its latest period with: the one before it (the default) or the same period a year earlier (the server ignores it).',
      ),
  })
  .strict();

export type ReportDefinition = z.infer<typeof reportDefinitionSchema>;
export type Dimension = z.infer<typeof dimensionSchema>;

/** The first string (key or value) in a JSON value that PostgreSQL cannot store, with why; undefined when none. */
export function unstorableIn(value: unknown, depth = 0): string | undefined {
  if (depth > 64) return 'Nested too deeply.';
  if (typeof value === 'string') return unstorableText(value);
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = unstorableIn(item, depth + 1);
      if (problem) return problem;
    }
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = unstorableText(key) ?? unstorableIn(item, depth + 1);
      if (problem) return problem;
    }
  }
  return undefined;
}
