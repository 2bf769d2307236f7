import type { Calendar } from '@rabita/shared';
import type { ServiceContext } from '../context.ts';
import { inWorkspace } from '../context.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { hiddenFor } from '../records/access.ts';
import type { RecordView } from '../records/gate.ts';
import { listRecords } from '../records/list-records.ts';
import { workspaceObjects } from '../records/scope.ts';
import { getUser } from '../users/users.service.ts';
import { listViews } from '../views/views.service.ts';
import { teamMemberIds } from '../workspaces/teams.service.ts';
import { dayStart, fiscalPeriodDays, periodDays, yearEarlier } from './dashboards.repository.ts';
import type { DashboardFilters, KpiComparison, Period, PeriodPreset, Widget } from './dashboards.schemas.ts';
import { dashboardForRun } from './dashboards.service.ts';
import { type FiscalYear, fiscalMonths, fiscalYearIn } from './fiscal-year.ts';
import { type ReportDefinition, reportDefinitionSchema } from './report-definition.ts';
import type { ReportResult } from './run-report.ts';
import { getSavedReport } from './saved-reports.service.ts';
import { runReportOnce } from './shared-run.ts';

/** Civil dates, first and last inclusive. */
export interface DayRange {
  from: string;
  to: string;
}

/**
 * A widget's answer: its data as the caller may see it, or why there is none — a saved report not shared with
 * them (`notShared`), an object their role may not read (`notAllowed`), a field hidden from them or a filter that
 * cannot apply (`refused`). One widget's refusal is never the whole dashboard's.
 */
export interface WidgetRun {
  widgetId: string;
  kind: Widget['kind'];
  status: 'ok' | 'notShared' | 'notAllowed' | 'refused';
  message: string | null;
  /** When the data was read. */
  asOf: string;
  /** What of the dashboard's filters narrowed it: the period's days, and whether an owner or team did. */
  applied: { period: DayRange | null; owner: boolean };
  data:
    | {
        kind: 'report';
        reportId: string | null;
        name: string | null;
        definition: ReportDefinition;
        result: ReportResult;
      }
    | {
        kind: 'kpi';
        result: ReportResult;
        period: DayRange | null;
        /** What `previous` is: the period before, or the same period a year earlier (null: no comparison). */
        compare: KpiComparison | null;
        previous: ReportResult | null;
        previousPeriod: DayRange | null;
      }
    | { kind: 'list'; object: string; fields: string[] | null; records: RecordView[]; more: boolean }
    | null;
}

type Tree = Record<string, unknown>;
const PREFIX: Record<Calendar, string> = { gregory: 'g', persian: 'fa', 'islamic-umalqura': 'hj' };
/** Owners one condition names at most (the filter's `in` holds 1,000). */
const IN_CHUNK = 1000;

/** Every part given, joined with `and` (undefined when none). */
function allOf(...parts: unknown[]): unknown {
  const given = parts.filter((p) => p !== undefined && p !== null);
  if (given.length === 0) return undefined;
  return given.length === 1 ? given[0] : { and: given };
}

const nextDay = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const dayBefore = (day: string) =>
  new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
const daysBetween = (a: string, b: string) =>
  Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);

/** A preset of the workspace's fiscal year: its kind, and how many periods back it lies. */
function fiscalPreset(preset: PeriodPreset): { kind: 'quarter' | 'year'; back: number } | undefined {
  switch (preset) {
    case 'thisFiscalQuarter':
      return { kind: 'quarter', back: 0 };
    case 'lastFiscalQuarter':
      return { kind: 'quarter', back: 1 };
    case 'thisFiscalYear':
      return { kind: 'year', back: 0 };
    case 'lastFiscalYear':
      return { kind: 'year', back: 1 };
    default:
      return undefined;
  }
}

/** The calendar column a preset period (not a fiscal one) groups by, and how many periods back it lies. */
function presetColumn(preset: PeriodPreset, calendar: Calendar): { column: string; back: number } {
  const p = PREFIX[calendar];
  const week = calendar === 'gregory' ? 'week_iso' : 'week_sat';
  switch (preset) {
    case 'today':
      return { column: 'day', back: 0 };
    case 'thisWeek':
      return { column: week, back: 0 };
    case 'lastWeek':
      return { column: week, back: 1 };
    case 'thisMonth':
      return { column: `${p}_month_start`, back: 0 };
    case 'lastMonth':
      return { column: `${p}_month_start`, back: 1 };
    case 'thisQuarter':
      return { column: `${p}_quarter_start`, back: 0 };
    case 'lastQuarter':
      return { column: `${p}_quarter_start`, back: 1 };
    case 'thisYear':
      return { column: `${p}_year_start`, back: 0 };
    case 'lastYear':
      return { column: `${p}_year_start`, back: 1 };
    default:
      throw new Error(`${preset} is a fiscal period.`);
  }
}

/** What every widget of one run shares: the viewer's clock, the period's days, the owners to keep. */
interface RunScope {
  ctx: ServiceContext;
  calendar: Calendar;
  timeZone: string;
  today: string;
  period: DayRange | null;
  /** The dashboard's period, to compare with the one before it. */
  periodSpec: Period | null;
  /** Owners a record must have (null: any); an empty list keeps none. */
  owners: string[] | null;
  objects: ObjectDef[];
  /** The workspace's fiscal year (read once, when a fiscal period is asked for). */
  fiscal: () => Promise<FiscalYear>;
}

const outsideCalendar = () =>
  new AppError('validation_failed', 'That period lies outside the calendar (1900–2100).');

async function daysOf(
  s: Pick<RunScope, 'ctx' | 'calendar' | 'today' | 'fiscal'>,
  period: Period,
  back = 0,
): Promise<DayRange> {
  if (typeof period !== 'string') {
    if (period.from > period.to)
      throw new AppError('validation_failed', 'The period ends before it starts.', {
        errors: [{ field: 'filters.period.to', message: 'Must not be before period.from.' }],
      });
    if (back === 0) return period;
    // The same number of days just before it.
    const length = daysBetween(period.from, period.to) + 1;
    const to = dayBefore(period.from);
    return {
      from: new Date(Date.parse(`${to}T00:00:00Z`) - (length - 1) * 86_400_000).toISOString().slice(0, 10),
      to,
    };
  }
  const fiscal = fiscalPreset(period);
  if (fiscal) {
    const year = await s.fiscal();
    const days = await inWorkspace(s.ctx, (trx) =>
      fiscalPeriodDays(trx, year, fiscalMonths(fiscal.kind), s.today, fiscal.back + back),
    );
    if (!days) throw outsideCalendar();
    return days;
  }
  const { column, back: b } = presetColumn(period, s.calendar);
  const days = await inWorkspace(s.ctx, (trx) => periodDays(trx, column, s.today, b + back));
  if (!days) throw outsideCalendar();
  return days;
}

/**
 * The same period a year earlier, in the viewer's calendar: this Jalali month → the same Jalali month of last year,
 * this week → the week holding the same date last year, today → the same date, a fiscal quarter → the same fiscal
 * quarter of the year before, civil dates → each date a year earlier (a day the earlier month lacks: its last).
 */
async function yearBefore(
  s: Pick<RunScope, 'ctx' | 'calendar' | 'today' | 'fiscal'>,
  period: Period,
): Promise<DayRange> {
  const earlier = async (day: string) => {
    const found = await inWorkspace(s.ctx, (trx) => yearEarlier(trx, s.calendar, day));
    if (!found) throw outsideCalendar();
    return found;
  };
  if (typeof period !== 'string') {
    const days = await daysOf(s, period);
    return { from: await earlier(days.from), to: await earlier(days.to) };
  }
  const fiscal = fiscalPreset(period);
  if (fiscal) return daysOf(s, period, fiscal.kind === 'quarter' ? 4 : 1);
  const days = await daysOf(s, period);
  if (period === 'today') {
    const day = await earlier(days.from);
    return { from: day, to: day };
  }
  const { column } = presetColumn(period, s.calendar);
  const start = await earlier(days.from);
  const found = await inWorkspace(s.ctx, (trx) => periodDays(trx, column, start, 0));
  if (!found) throw outsideCalendar();
  return found;
}

/** The viewer's today, calendar and time zone, the period's days and the owners the filters keep. */
async function openRun(ctx: ServiceContext, filters: DashboardFilters): Promise<RunScope> {
  const user = ctx.principal.userId ? await getUser(ctx.db, ctx.principal.userId) : undefined;
  const calendar = (user?.calendar as Calendar | undefined) ?? 'gregory';
  const timeZone = user?.timeZone ?? 'UTC';
  const today = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date());
  let fiscalYear: Promise<FiscalYear> | undefined;
  const fiscal = () => {
    fiscalYear ??= inWorkspace(ctx, (trx, ws) => fiscalYearIn(trx, ws));
    return fiscalYear;
  };
  const scope = { ctx, calendar, today, fiscal };
  const period = filters.period ? await daysOf(scope, filters.period) : null;
  let owners: string[] | null = null;
  if (filters.owner)
    owners =
      filters.owner === 'me'
        ? ctx.principal.userId
          ? [ctx.principal.userId]
          : []
        : [filters.owner.toLowerCase()];
  if (filters.team) {
    const team = filters.team.toLowerCase();
    const members = await inWorkspace(ctx, (trx, ws) => teamMemberIds(trx, ws, team));
    owners = owners === null ? members : owners.filter((o) => members.includes(o));
  }
  const objects = await inWorkspace(ctx, (trx, ws) => workspaceObjects(trx, ws));
  return { ...scope, timeZone, period, periodSpec: filters.period ?? null, owners, objects };
}

/** The owner condition on an object with an owner field (undefined: no owner filter, or no owner field). */
function ownerTree(s: RunScope, object: ObjectDef | undefined): Tree | undefined {
  if (s.owners === null || !object?.fields.some((f) => f.key === 'owner')) return undefined;
  if (s.owners.length === 0) return { or: [] };
  const chunks: Tree[] = [];
  for (let i = 0; i < s.owners.length; i += IN_CHUNK)
    chunks.push({ field: 'owner', op: 'in', value: s.owners.slice(i, i + IN_CHUNK) });
  return chunks.length === 1 ? chunks[0] : { or: chunks };
}

/** The condition keeping a date or date-time field inside the days (in the viewer's time zone). */
async function periodTree(
  s: RunScope,
  object: ObjectDef | undefined,
  field: string,
  days: DayRange,
): Promise<Tree> {
  const def = object?.fields.find((f) => f.key === field);
  if (def?.type === 'dateTime') {
    const [from, to] = await inWorkspace(s.ctx, async (trx) => [
      await dayStart(trx, days.from, s.timeZone),
      await dayStart(trx, nextDay(days.to), s.timeZone),
    ]);
    return {
      and: [
        { field, op: 'gte', value: from },
        { field, op: 'lt', value: to },
      ],
    };
  }
  if (def && def.type !== 'date')
    throw new AppError('validation_failed', `"${field}" is not a date; the period cannot narrow it.`);
  // An unknown field is refused by the filter itself, as for any other filter.
  return {
    and: [
      { field, op: 'gte', value: days.from },
      { field, op: 'lte', value: days.to },
    ],
  };
}

/** A list view's stored filter (`{join, conditions}`) as a filter tree. */
function viewFilter(state: Record<string, unknown>): unknown {
  const filter = state.filter as { join?: unknown; conditions?: unknown } | undefined;
  if (!filter || !Array.isArray(filter.conditions)) return undefined;
  const parts = (filter.conditions as Tree[])
    .filter((c) => c && typeof c === 'object' && c.field && c.op)
    .map((c) =>
      c.op === 'isNull' || c.op === 'isNotNull'
        ? { field: c.field, op: c.op }
        : { field: c.field, op: c.op, value: c.value },
    );
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { [filter.join === 'or' ? 'or' : 'and']: parts };
}

async function runReportWidget(
  s: RunScope,
  w: Extract<Widget, { kind: 'report' }>,
): Promise<Pick<WidgetRun, 'data' | 'applied'>> {
  let name: string | null = null;
  let raw: unknown = w.definition;
  if (w.reportId) {
    const report = await getSavedReport(s.ctx, w.reportId);
    name = report.name;
    raw = report.definition;
  }
  const parsed = reportDefinitionSchema.safeParse(raw);
  if (!parsed.success)
    throw new AppError('validation_failed', 'The report’s definition no longer reads; save it again.');
  const def: ReportDefinition = { ...parsed.data };
  const object = s.objects.find((o) => o.key === def.object);
  const owner = ownerTree(s, object);
  let periodFilter: unknown;
  let applied: DayRange | null = null;
  if (s.period) {
    const dated = def.groupBy.find((d) => d.bucket);
    if (dated) {
      // The period narrows the report's own range: the days both keep (none: nothing is counted).
      const from = def.range?.from && def.range.from > s.period.from ? def.range.from : s.period.from;
      const to = def.range?.to && def.range.to < s.period.to ? def.range.to : s.period.to;
      if (from > to) {
        def.range = s.period;
        periodFilter = { or: [] };
      } else def.range = { from, to };
      applied = s.period;
    } else if (w.dateField) {
      periodFilter = await periodTree(s, object, w.dateField, s.period);
      applied = s.period;
    }
  }
  def.filter = allOf(def.filter, owner, periodFilter);
  const result = await runReportOnce(s.ctx, def);
  return {
    applied: { period: applied, owner: owner !== undefined },
    data: { kind: 'report', reportId: w.reportId ?? null, name, definition: def, result },
  };
}

async function runKpiWidget(
  s: RunScope,
  w: Extract<Widget, { kind: 'kpi' }>,
): Promise<Pick<WidgetRun, 'data' | 'applied'>> {
  const k = w.kpi;
  const object = s.objects.find((o) => o.key === k.object);
  const owner = ownerTree(s, object);
  const own = k.period && k.dateField ? await daysOf(s, k.period) : null;
  const parts: unknown[] = [k.filter, owner];
  if (k.dateField && s.period) parts.push(await periodTree(s, object, k.dateField, s.period));
  if (k.dateField && own) parts.push(await periodTree(s, object, k.dateField, own));
  const definition = (filter: unknown): ReportDefinition => ({
    object: k.object,
    filter,
    groupBy: [],
    measures: [k.measure],
  });
  const result = await runReportOnce(s.ctx, definition(allOf(...parts)));
  // Beside it, the period before the widget's own (or the dashboard's), of the same kind (last Jalali month), or
  // the same period a year earlier (this Jalali month of last year).
  const spec: Period | null = k.period ?? s.periodSpec;
  const compare: KpiComparison | null =
    k.compare === 'previousYear' ? 'previousYear' : k.compare ? 'previous' : null;
  let previous: ReportResult | null = null;
  let previousPeriod: DayRange | null = null;
  if (compare && k.dateField && spec) {
    previousPeriod = compare === 'previousYear' ? await yearBefore(s, spec) : await daysOf(s, spec, 1);
    previous = await runReportOnce(
      s.ctx,
      definition(allOf(k.filter, owner, await periodTree(s, object, k.dateField, previousPeriod))),
    );
  }
  const period = own ?? (k.dateField ? s.period : null);
  return {
    applied: { period: k.dateField ? s.period : null, owner: owner !== undefined },
    data: {
      kind: 'kpi',
      result,
      period,
      compare: previous ? compare : null,
      previous,
      previousPeriod,
    },
  };
}

async function runListWidget(
  s: RunScope,
  w: Extract<Widget, { kind: 'list' }>,
): Promise<Pick<WidgetRun, 'data' | 'applied'>> {
  const l = w.list;
  const object = s.objects.find((o) => o.key === l.object);
  let fromView: unknown;
  let sort = l.sort;
  let fields = l.fields;
  if (l.viewId) {
    const views = s.ctx.principal.userId ? await listViews(s.ctx, l.object) : [];
    const view = views.find((v) => v.id === l.viewId?.toLowerCase());
    if (!view) throw new AppError('not_found', `There is no view ${l.viewId}.`);
    fromView = viewFilter(view.state);
    if (!sort && typeof view.state.sort === 'string') sort = view.state.sort;
    if (!fields && Array.isArray(view.state.columns))
      fields = (view.state.columns as unknown[])
        .filter((c): c is string => typeof c === 'string')
        .slice(0, 12);
  }
  // Columns hidden from this viewer are left out (the gate would not show them anyway); filters on them are refused.
  const hidden = hiddenFor(s.ctx.principal);
  const shown = fields?.filter((f) => !hidden(l.object, f));
  const owner = ownerTree(s, object);
  const parts: unknown[] = [fromView, l.filter, owner];
  if (l.dateField && s.period) parts.push(await periodTree(s, object, l.dateField, s.period));
  if (l.dateField && l.period)
    parts.push(await periodTree(s, object, l.dateField, await daysOf(s, l.period)));
  const page = await listRecords(s.ctx, l.object, {
    filter: allOf(...parts),
    sort,
    limit: l.limit ?? 10,
    ...(shown && shown.length > 0
      ? {
          fields: [...new Set(['id', ...shown])].filter(
            (f) => f === 'id' || object?.fields.some((d) => d.key === f),
          ),
        }
      : {}),
  });
  return {
    applied: { period: l.dateField ? s.period : null, owner: owner !== undefined },
    data: {
      kind: 'list',
      object: l.object,
      fields: shown ?? null,
      records: page.data,
      more: page.nextCursor !== null,
    },
  };
}

/**
 * Runs one widget of a dashboard (or of the caller's home, `home`) as the caller: a saved report or a definition
 * through the report engine with the viewer's role, a KPI likewise, a list through the record engine's gate. The
 * dashboard's filters (those saved, replaced by any given for this run) narrow each widget and never widen it: the
 * period falls on the report's date dimension (its range cut to the days both keep) or the widget's date field,
 * the owner and team on the object's owner field, all `and`-ed with the widget's own filter.
 */
export async function runDashboardWidget(
  ctx: ServiceContext,
  dashboardId: string,
  widgetId: string,
  override: DashboardFilters = {},
): Promise<WidgetRun> {
  const dashboard = await dashboardForRun(ctx, dashboardId);
  const widget = dashboard.layout.find((w) => w.id === widgetId);
  if (!widget)
    throw new AppError('not_found', `There is no widget ${widgetId.slice(0, 64)} on this dashboard.`);
  const filters: DashboardFilters = { ...dashboard.filters };
  for (const key of ['period', 'owner', 'team'] as const)
    if (override[key] !== undefined) (filters as Record<string, unknown>)[key] = override[key];
  const asOf = new Date().toISOString();
  const s = await openRun(ctx, filters);
  const base = { widgetId, kind: widget.kind, asOf };
  try {
    const ran =
      widget.kind === 'report'
        ? await runReportWidget(s, widget)
        : widget.kind === 'kpi'
          ? await runKpiWidget(s, widget)
          : await runListWidget(s, widget);
    return { ...base, status: 'ok', message: null, ...ran };
  } catch (error) {
    if (!isAppError(error)) throw error;
    const refusal = { ...base, message: error.message, applied: { period: null, owner: false }, data: null };
    if (error.code === 'not_found' && widget.kind === 'report' && widget.reportId)
      return { ...refusal, status: 'notShared' };
    if (error.code === 'not_found' && widget.kind === 'list' && widget.list.viewId)
      return { ...refusal, status: 'notShared' };
    if (error.code === 'forbidden') return { ...refusal, status: 'notAllowed' };
    if (error.code === 'validation_failed' || error.code === 'not_found')
      return { ...refusal, status: 'refused' };
    throw error;
  }
}
