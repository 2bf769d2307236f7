import { z } from 'zod';
import { storableString, text } from '../http/route-kit.ts';
import { measureSchema, reportDefinitionSchema } from './report-definition.ts';

/** Widgets one dashboard holds at most. */
export const MAX_WIDGETS = 48;
/** Columns of the dashboard grid. */
export const GRID_COLUMNS = 12;
/** A dashboard's layout and filters as JSON, at most (inline definitions and filters add up). */
export const MAX_DASHBOARD_BYTES = 512 * 1024;

export const PERIOD_PRESETS = [
  'today',
  'thisWeek',
  'thisMonth',
  'thisQuarter',
  'thisYear',
  'lastWeek',
  'lastMonth',
  'lastQuarter',
  'lastYear',
  'thisFiscalQuarter',
  'thisFiscalYear',
  'lastFiscalQuarter',
  'lastFiscalYear',
] as const;
export type PeriodPreset = (typeof PERIOD_PRESETS)[number];
/** How a KPI compares itself: with the period before (last month), or the same period a year earlier. */
export const KPI_COMPARISONS = ['previous', 'previousYear'] as const;
export type KpiComparison = (typeof KPI_COMPARISONS)[number];

const fieldKey = z.string().min(1).max(63);
const uuid = z
  .string()
  .regex(
    /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
    'Must be an id (a UUID).',
  );
const civilDate = reportDefinitionSchema.shape.range.unwrap().shape.from.unwrap();

/**
 * A period: one in the viewer's calendar and time zone (this Jalali month), one of the workspace's fiscal year
 * (this fiscal quarter), or civil dates.
 */
export const periodSchema = z.union([
  z.enum(PERIOD_PRESETS),
  z.object({ from: civilDate, to: civilDate }).strict(),
]);
export type Period = z.infer<typeof periodSchema>;

/**
 * What narrows every widget of a dashboard: a period (on each widget's date field), and an owner (`me`, or a
 * person) or a team (its members) on the owner field of objects that have one. `null` clears a saved one for a run.
 */
export const dashboardFiltersSchema = z
  .object({
    period: periodSchema.nullable().optional(),
    owner: z
      .union([z.literal('me'), uuid])
      .nullable()
      .optional(),
    team: uuid.nullable().optional(),
  })
  .strict();
export type DashboardFilters = z.infer<typeof dashboardFiltersSchema>;

const place = {
  id: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'Letters, digits, - and _ (at most 40).'),
  x: z
    .number()
    .int()
    .min(0)
    .max(GRID_COLUMNS - 1),
  y: z.number().int().min(0).max(10_000),
  w: z.number().int().min(1).max(GRID_COLUMNS),
  h: z.number().int().min(1).max(24),
  title: text(200).optional(),
};

/** A saved report (by id, run as the viewer) or a definition kept in the widget; the period falls on its date dimension. */
const reportWidget = z
  .object({
    ...place,
    kind: z.literal('report'),
    reportId: uuid.optional(),
    definition: reportDefinitionSchema.optional(),
    dateField: fieldKey
      .optional()
      .describe('The date field the period narrows when the report has no date dimension.'),
  })
  .strict();

/** One figure: a measure over an object's records, with the previous period beside it. */
export const kpiSchema = z
  .object({
    object: fieldKey,
    measure: measureSchema,
    filter: z.unknown().optional().describe('The lists’ filter tree.'),
    dateField: fieldKey.optional().describe('The date field the period narrows.'),
    period: z.enum(PERIOD_PRESETS).optional().describe('A period of its own, narrowing the dashboard’s.'),
    compare: z
      .union([z.boolean(), z.enum(KPI_COMPARISONS)])
      .optional()
      .describe(
        'Also a period to compare with: `previous` (or true) the period before, of the same kind (last Jalali month); `previousYear` the same period a year earlier in the viewer’s calendar (this Jalali month of last year).',
      ),
  })
  .strict();
const kpiWidget = z.object({ ...place, kind: z.literal('kpi'), kpi: kpiSchema }).strict();

/** A few records of an object: a saved view's filter, sort and columns, or given here. */
export const listSchema = z
  .object({
    object: fieldKey,
    viewId: uuid.optional(),
    filter: z.unknown().optional().describe('The lists’ filter tree (with a view: narrows it).'),
    sort: storableString().max(200).optional(),
    fields: z.array(fieldKey).max(12).optional(),
    limit: z.number().int().min(1).max(50).optional(),
    dateField: fieldKey.optional().describe('The date field the period narrows.'),
    period: z.enum(PERIOD_PRESETS).optional().describe('A period of its own, narrowing the dashboard’s.'),
  })
  .strict();
const listWidget = z.object({ ...place, kind: z.literal('list'), list: listSchema }).strict();

export const widgetSchema = z
  .discriminatedUnion('kind', [reportWidget, kpiWidget, listWidget])
  .superRefine((w, ctx) => {
    if (w.x + w.w > GRID_COLUMNS)
      ctx.addIssue({ code: 'custom', path: ['w'], message: `x + w must be at most ${GRID_COLUMNS}.` });
    if (w.kind === 'report' && Boolean(w.reportId) === Boolean(w.definition))
      ctx.addIssue({ code: 'custom', path: ['reportId'], message: 'Give a reportId or a definition (one).' });
  });
export type Widget = z.infer<typeof widgetSchema>;

export const layoutSchema = z
  .array(widgetSchema)
  .max(MAX_WIDGETS, `A dashboard holds at most ${MAX_WIDGETS} widgets.`)
  .superRefine((widgets, ctx) => {
    const seen = new Set<string>();
    widgets.forEach((w, i) => {
      if (seen.has(w.id))
        ctx.addIssue({ code: 'custom', path: [i, 'id'], message: 'Widget ids must differ.' });
      seen.add(w.id);
    });
  });
