import type { Tx } from '@rabita/db';
import type { Calendar } from '@rabita/shared';
import { type RawBuilder, sql } from 'kysely';
import { can, type Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import type { FieldDef } from '../metadata/metadata.types.ts';
import { assertAllowed, hiddenFor } from '../records/access.ts';
import { filterLookupsBound } from '../records/compile-filter-bound.ts';
import { fieldSql, objectScope } from '../records/expressions.ts';
import { type CompiledFilter, compileFilterReach, type FilterContext } from '../records/filter.ts';
import type { FilterLookup } from '../records/filter-lookups.ts';
import { readTitles } from '../records/gate.ts';
import { ALIAS, openScope, ownerCondition, type Scope } from '../records/scope.ts';
import { rateOn } from '../sales/rate-lookup.ts';
import { getUser } from '../users/users.service.ts';
import { teamMembershipRelation, teamNamesIn } from '../workspaces/team-membership.ts';
import { type FiscalYear, fiscalMonthOf, fiscalMonths, fiscalYearIn } from './fiscal-year.ts';
import { keptDealMoneyRows } from './kept-deal-money.ts';
import {
  type Bucket,
  type Dimension,
  FISCAL_BUCKETS,
  type ReportDefinition,
  unstorableIn,
} from './report-definition.ts';
import {
  evaluateFormula,
  FormulaError,
  type FormulaNode,
  formulaMeasures,
  formulaText,
  parseFormula,
} from './report-formula.ts';
import { type SteadyOffset, steadyOffsetOf } from './steady-offset.ts';

/** A report's longest run before PostgreSQL cancels it. */
export const REPORT_TIMEOUT_MS = 30_000;
/** Date buckets one report draws at most (a day report over three years; 200 years of months). */
export const MAX_BUCKETS = 2_500;
/** Groups one answer holds at most (before empty buckets are filled in). */
export const MAX_GROUPS = 5_000;
/** Rows one answer holds at most once empty buckets are filled in. */
export const MAX_FILLED = 20_000;

const GROUPABLE = new Set([
  'select',
  'relation',
  'user',
  'boolean',
  'text',
  'date',
  'dateTime',
  'number',
  'rating',
  'email',
]);
const NUMERIC = new Set(['number', 'rating', 'money']);
/** Measures that count (a whole number, zero in an empty bucket). */
const COUNTS: ReadonlySet<string> = new Set(['count', 'distinct']);
const COMPARABLE = new Set([...NUMERIC, 'date', 'dateTime']);
const PREFIX: Record<Calendar, string> = { gregory: 'g', persian: 'fa', 'islamic-umalqura': 'hj' };

/** One bucket of the date dimension: its key (first day) and the exact civil dates it covers. */
export interface ReportBucket {
  key: string;
  from: string;
  to: string;
  /**
   * The bucket's year in the report's calendar (ISO year for ISO weeks; for a fiscal bucket the fiscal year, named
   * by the calendar year it starts in); null for days and Saturday weeks.
   */
  year: number | null;
  /** Month (1–12), quarter (1–4, fiscal quarter too) or ISO week number; null for years, days and Saturday weeks. */
  period: number | null;
}

export interface ReportRow {
  /** One key per dimension: a bucket's first day, a field's value as text, or null (empty / "others"). */
  keys: (string | null)[];
  /** Per dimension, true when the row adds up the groups beyond the limit. */
  others: boolean[];
  /** The money measures' currency (money is added per currency). */
  currency?: string | null | undefined;
  /** One value per measure: counts as numbers, sums and the like as exact decimal strings (dates as text). */
  values: (number | string | null)[];
  /** Records whose money had no exchange rate on their day (their money measures are then null). */
  unconverted?: number | undefined;
}

export interface ReportResult {
  object: string;
  calendar: Calendar;
  timeZone: string;
  dimensions: {
    field: string;
    type: string;
    bucket: Bucket | null;
    weekStart: 'monday' | 'saturday' | null;
    /** For a number grouped into ranges: their width (a key is a range's lower end). */
    step: number | null;
    /** `team`: a person field grouped by that person's teams (a key is a team's id; null: no team). */
    by: 'team' | null;
    /** The date field the periods are counted from (a key is how many `bucket` periods after it: 0, 1, 2…). */
    since: string | null;
  }[];
  measures: {
    fn: string;
    field: string | null;
    type: string | null;
    /** Days (or hours, `unit`) counted from this date field to `field`. */
    since?: string;
    unit?: 'days' | 'hours';
    /** A formula's expression over m0…m9. */
    expression?: string;
    /** The name the definition gave the measure. */
    label?: string;
  }[];
  /** The date dimension's buckets in order, every one of them (empty ones too). */
  buckets: ReportBucket[];
  rows: ReportRow[];
  /** The workspace's currency when money measures were converted into it (null: none, or per currency). */
  currency: string | null;
  /** Titles of the records a relation dimension's keys name, as the viewer may see them. */
  labels: Record<string, string | null>;
  /** True when buckets or groups were cut at their maximum. */
  truncated: boolean;
  /** The workspace's fiscal year, when a dimension is bucketed by fiscal quarter or year. */
  fiscal: FiscalYear | null;
}

interface Compiled {
  query: RawBuilder<Record<string, unknown>>;
  dateAt: number;
  dims: {
    field: FieldDef;
    bucket: Bucket | null;
    weekStart: 'monday' | 'saturday' | null;
    step: number | null;
    limited: boolean;
    team: boolean;
    /** Periods counted from this date field's period to the field's (a cohort's age), not a date bucket. */
    since: FieldDef | null;
  }[];
  measures: Measure[];
  money: boolean;
  /** The workspace's currency when money measures were converted into it. */
  converted: string | null;
  fiscal: FiscalYear;
  /** The owner-run lookups its filters call inside the query (`compileFilterReach`), none when bound. */
  inQuery: FilterLookup[];
  /** How the groups are ordered: by this measure, largest first unless `asc`. */
  sort: { measure: number; asc: boolean };
}

/** Answers of owner-run filter lookups run before the query (`filterLookupsBound`), bound into its filters. */
type BoundLookups = Pick<FilterContext, 'foldedValues' | 'listIds'>;

/**
 * A checked measure: its function, its field (none for a count of records, a share or a formula), the filter tree
 * of the records it measures (a share's: those it counts), the date field its days are counted from, a formula's
 * expression and name.
 */
interface Measure {
  fn: string;
  field: FieldDef | undefined;
  where?: unknown;
  since?: FieldDef | undefined;
  /** What `since` counts: civil days, or hours between two instants. */
  unit?: 'days' | 'hours' | undefined;
  formula?: { text: string; node: FormulaNode } | undefined;
  label?: string | undefined;
}

/** The calendar column a bucket groups on, and the columns that name its year and period (not fiscal buckets). */
function bucketColumns(bucket: Bucket, calendar: Calendar, weekStart: 'monday' | 'saturday') {
  const p = PREFIX[calendar];
  switch (bucket) {
    case 'fiscalQuarter':
    case 'fiscalYear':
      throw new Error('A fiscal bucket has no column of its own.');
    case 'day':
      return { key: 'day', year: null, period: null };
    case 'week':
      return weekStart === 'monday'
        ? { key: 'week_iso', year: 'iso_year', period: 'iso_week' }
        : { key: 'week_sat', year: null, period: null };
    case 'month':
      return { key: `${p}_month_start`, year: `${p}_year`, period: `${p}_month` };
    case 'quarter':
      return { key: `${p}_quarter_start`, year: `${p}_year`, period: `${p}_quarter` };
    case 'year':
      return { key: `${p}_year_start`, year: `${p}_year`, period: null };
  }
}

/** Checks a definition against the object and the viewer's rights and compiles it into one query. */
function compileReport(
  s: Scope,
  principal: Principal,
  def: ReportDefinition,
  calendar: Calendar,
  timeZone: string,
  fiscal: FiscalYear,
  steady?: SteadyOffset,
  bound: BoundLookups = {},
): Compiled {
  assertAllowed(principal, s.object.key, 'read');
  const hidden = hiddenFor(principal);
  const problems: FieldProblem[] = [];
  const fieldOf = (key: string, path: string) => {
    const field = s.object.fields.find((f) => f.key === key);
    if (!field || hidden(s.object.key, key))
      problems.push({ field: path, message: `There is no field "${key}".` });
    return field;
  };
  const dims = def.groupBy.map((d: Dimension, i) => {
    const field = fieldOf(d.field, `groupBy.${i}.field`);
    if (!field) return undefined;
    const single = field.type === 'relation' ? !field.relation?.many : true;
    if (!GROUPABLE.has(field.type) || !single) {
      problems.push({ field: `groupBy.${i}.field`, message: `"${d.field}" cannot be grouped by.` });
      return undefined;
    }
    const isDate = field.type === 'date' || field.type === 'dateTime';
    if (d.by === 'team') {
      if (field.type !== 'user' || d.bucket || d.step !== undefined) {
        problems.push({
          field: `groupBy.${i}.by`,
          message: `"${d.field}" is not a person field; only a person's teams are grouped by.`,
        });
        return undefined;
      }
      return { field, bucket: null, weekStart: null, step: null, limited: false, team: true, since: null };
    }
    if (d.bucket && !isDate) {
      problems.push({
        field: `groupBy.${i}.bucket`,
        message: `"${d.field}" is not a date; only dates are bucketed.`,
      });
      return undefined;
    }
    if (d.step !== undefined && field.type !== 'number' && field.type !== 'rating') {
      problems.push({
        field: `groupBy.${i}.step`,
        message: `"${d.field}" is not a number; only numbers have steps.`,
      });
      return undefined;
    }
    const bucket = d.bucket ?? null;
    const weekStart =
      bucket === 'week' ? (d.weekStart ?? (calendar === 'gregory' ? 'monday' : 'saturday')) : null;
    let since: FieldDef | null = null;
    if (d.since !== undefined) {
      const from = fieldOf(d.since, `groupBy.${i}.since`);
      if (!from) return undefined;
      if (
        !bucket ||
        FISCAL_BUCKETS.has(bucket) ||
        (from.type !== 'date' && from.type !== 'dateTime') ||
        !fieldSql(from, ALIAS).scalar
      ) {
        problems.push({
          field: `groupBy.${i}.since`,
          message:
            'Periods are counted from a date field to another, by day, week, month, quarter or year of the report’s calendar.',
        });
        return undefined;
      }
      since = from;
    }
    return { field, bucket, weekStart, step: d.step ?? null, limited: false, team: false, since };
  });
  // A dimension of periods since another date is a number, not a date bucket: it is neither filled nor ranged.
  const dated = dims.flatMap((d, i) => (d?.bucket && !d.since ? [i] : []));
  if (dated.length > 1)
    problems.push({
      field: 'groupBy.1.bucket',
      message: 'Bucket one date dimension; group the other by a field.',
    });
  const dateAt = dated[0] ?? -1;
  if ((def.range?.from || def.range?.to) && dateAt < 0)
    problems.push({ field: 'range', message: 'A range needs a date dimension with a bucket.' });
  if (def.range?.from && def.range.to && def.range.from > def.range.to)
    problems.push({ field: 'range.to', message: 'Must not be before range.from.' });
  const measures = def.measures.map((m, i): Measure | undefined => {
    const label = m.label;
    if (m.fn === 'formula') {
      if (m.field || m.where !== undefined || m.since)
        problems.push({
          field: `measures.${i}`,
          message: 'A formula reads the other measures: give expression only.',
        });
      if (!m.expression) {
        problems.push({ field: `measures.${i}.expression`, message: 'A formula needs an expression.' });
        return undefined;
      }
      try {
        const node = parseFormula(m.expression);
        for (const j of formulaMeasures(node))
          if (j >= def.measures.length || def.measures[j]!.fn === 'formula')
            problems.push({
              field: `measures.${i}.expression`,
              message:
                j >= def.measures.length
                  ? `There is no measure m${j}: the report has ${def.measures.length} (counted from 0).`
                  : `m${j} is a formula; a formula reads other measures, not formulas.`,
            });
        return { fn: 'formula', field: undefined, formula: { text: m.expression, node }, label };
      } catch (error) {
        if (!(error instanceof FormulaError)) throw error;
        problems.push({ field: `measures.${i}.expression`, message: error.message });
        return undefined;
      }
    }
    if (m.expression !== undefined)
      problems.push({ field: `measures.${i}.expression`, message: 'Only a formula takes expression.' });
    if (m.fn === 'share') {
      if (m.field)
        problems.push({ field: `measures.${i}.field`, message: 'A share counts records: give where.' });
      if (m.where === undefined || m.where === null)
        problems.push({
          field: `measures.${i}.where`,
          message: 'A share needs the filter it counts (where).',
        });
      return { fn: 'share', field: undefined, where: m.where, label };
    }
    const where = m.where === null ? undefined : m.where;
    if (m.fn === 'count' && !m.field) {
      if (m.since)
        problems.push({ field: `measures.${i}.since`, message: 'Days are counted between fields.' });
      return { fn: 'count', field: undefined, where, label };
    }
    if (!m.field) {
      problems.push({ field: `measures.${i}.field`, message: `${m.fn} needs a field.` });
      return undefined;
    }
    const field = fieldOf(m.field, `measures.${i}.field`);
    if (!field) return undefined;
    const scalar = fieldSql(field, ALIAS).scalar;
    if (m.since !== undefined) {
      const since = fieldOf(m.since, `measures.${i}.since`);
      if (!since) return undefined;
      const dates = (f: FieldDef) =>
        (f.type === 'date' || f.type === 'dateTime') && fieldSql(f, ALIAS).scalar;
      if (m.fn === 'count' || m.fn === 'distinct' || !dates(field) || !dates(since)) {
        problems.push({
          field: `measures.${i}.since`,
          message: 'Days are counted from a date field to another by sum, avg, min or max.',
        });
        return undefined;
      }
      if (m.unit === 'hours' && (field.type !== 'dateTime' || since.type !== 'dateTime')) {
        problems.push({
          field: `measures.${i}.unit`,
          message: 'Hours are counted between two date-time fields.',
        });
        return undefined;
      }
      return { fn: m.fn, field, where, since, unit: m.unit ?? 'days', label };
    }
    if (m.unit !== undefined)
      problems.push({ field: `measures.${i}.unit`, message: 'A unit goes with since.' });
    if ((m.fn === 'count' || m.fn === 'distinct') && scalar === undefined && field.type !== 'relation') {
      problems.push({ field: `measures.${i}.field`, message: `"${field.key}" cannot be counted.` });
      return undefined;
    }
    if ((m.fn === 'sum' || m.fn === 'avg') && !NUMERIC.has(field.type)) {
      problems.push({ field: `measures.${i}.field`, message: `"${field.key}" is not a number.` });
      return undefined;
    }
    if ((m.fn === 'min' || m.fn === 'max') && (!COMPARABLE.has(field.type) || scalar === undefined)) {
      problems.push({ field: `measures.${i}.field`, message: `"${field.key}" has no ${m.fn}imum.` });
      return undefined;
    }
    return { fn: m.fn, field, where, label };
  });
  if (def.sort && def.sort.measure >= def.measures.length)
    problems.push({
      field: 'sort.measure',
      message: `There is no measure ${def.sort.measure}: the report has ${def.measures.length} (counted from 0).`,
    });
  if (problems.length > 0)
    throw new AppError('validation_failed', problems.map((p) => `${p.field}: ${p.message}`).join(' '), {
      errors: problems,
    });
  const ds = dims.map((d) => d!);
  const ms = measures.map((m) => m!);
  // A team dimension is never folded into "others": a workspace's teams are few, and a member of two folded teams
  // would be counted twice in the one "others" group.
  if (def.limit !== undefined) for (const d of ds) d.limited = d.bucket === null && !d.team;

  const filterContext = {
    ...s.ctx,
    workspaceId: s.workspaceId,
    objects: s.objects,
    reader: principal,
    foldedValues: bound.foldedValues,
    listIds: bound.listIds,
  };
  const filters: CompiledFilter[] = [];
  const compileFilter = (filter: unknown) => {
    const compiled = compileFilterReach(s.object, filter, ALIAS, filterContext);
    filters.push(compiled);
    return compiled.where;
  };
  const where = compileFilter(def.filter);
  // A measure's filter (a share's, or the records a count or sum measures) is compiled like the report's (the
  // reader's hidden fields refused), its errors named by place.
  const measureWhere = ms.map((m, i) => {
    if (m.where === undefined) return undefined;
    try {
      return compileFilter(m.where);
    } catch (error) {
      if (!(error instanceof AppError) || !error.errors) throw error;
      throw new AppError(error.code, error.message.replace(/\bfilter(?=[.:\s])/g, `measures.${i}.where`), {
        errors: error.errors.map((e) => ({
          ...e,
          field: e.field.replace(/^filter/, `measures.${i}.where`),
        })),
      });
    }
  });
  const readValue = (field: FieldDef) => fieldSql(field, ALIAS).scalar ?? fieldSql(field, ALIAS).raw;
  // A date-time falls into the civil day of the report's time zone; a date is a civil day already.
  const civilDay = (field: FieldDef) =>
    field.type === 'dateTime'
      ? sql`(${readValue(field)}::timestamptz at time zone ${timeZone})::date`
      : sql`(${readValue(field)})::date`;
  // The range narrows the stored values themselves (an index on the field can serve it).
  const rangeWhere = (() => {
    if (dateAt < 0 || !def.range) return sql`true`;
    const field = ds[dateAt]!.field;
    const v = readValue(field);
    const parts: RawBuilder<unknown>[] = [];
    if (field.type === 'dateTime') {
      if (def.range.from)
        parts.push(sql`${v}::timestamptz >= (${def.range.from}::timestamp at time zone ${timeZone})`);
      if (def.range.to)
        parts.push(
          sql`${v}::timestamptz < ((${def.range.to}::date + 1)::timestamp at time zone ${timeZone})`,
        );
    } else {
      if (def.range.from) parts.push(sql`(${v})::date >= ${def.range.from}::date`);
      if (def.range.to) parts.push(sql`(${v})::date <= ${def.range.to}::date`);
    }
    return parts.length > 0 ? sql.join(parts, sql` and `) : sql`true`;
  })();

  const base = s.ctx.defaultCurrency;
  const isMoney = (m: Measure) => m.fn !== 'count' && m.fn !== 'distinct' && m.field?.type === 'money';
  const moneyMeasure = ms.find(isMoney);
  const convert = Boolean(moneyMeasure) && (def.money ?? 'converted') === 'converted';
  // Converted: every money measure in the workspace's currency, each record at the latest rate on or before its
  // day (the date dimension's day, else the day it was created, in the report's zone) — the sales module's rates.
  // Per currency: the first money field's currency joins the keys, as the aggregate engine does.
  const currency = convert
    ? sql`${base}::text`
    : moneyMeasure?.field
      ? fieldSql(moneyMeasure.field, ALIAS).currency
      : undefined;
  // The instant of the local midnight that starts an instant's civil day in the report's zone: `date_bin` from a
  // local midnight where the zone's offset is steady (see `steady`), `at time zone` there and back elsewhere.
  const midnightAt = (v: RawBuilder<unknown>, span: SteadyOffset) =>
    sql`case when ${v} >= ${span.from}::timestamptz and ${v} < ${span.to}::timestamptz
      then date_bin('1 day', ${v}, ${span.from}::timestamptz)
      else ((${v} at time zone ${timeZone})::date)::timestamp at time zone ${timeZone} end`;
  // Without a date dimension a record's rate day is the day it was created (with one, it is that dimension's day).
  // Where the zone's offset is steady it is kept as its midnight's instant, and only the distinct (currency, day)
  // pairs the rates are read for become civil days.
  const steadyRd = dateAt < 0 && steady !== undefined;
  const createdAt = sql`${sql.ref(`${ALIAS}.created_at`)}`;
  const createdDay = steadyRd
    ? midnightAt(createdAt, steady)
    : sql`(${createdAt} at time zone ${timeZone})::date`;
  const converted = ms.flatMap((m, i) => (convert && isMoney(m) && m.field ? [i] : []));
  const isConverted = (m: Measure) => convert && isMoney(m);
  // Two levels when a dimension is a date bucket: the rows are first added up per civil day (and the other keys,
  // the currency and each converted measure's currency), with partial aggregates that combine exactly — a count
  // into a sum of counts, a sum into a sum of sums, min and max into their min and max, an average and a share
  // into a sum and a count — and only those daily groups meet the calendar, the rates and the limit. A month
  // report over millions of records then joins a few thousand rows, not millions. Converting the daily partials
  // is exact: every record of a daily group has the same currency and day, hence the same rate, and
  // Σ(v × rate) = Σv × rate in numeric arithmetic (min and max too, rates being positive).
  // Distinct values do not add up from daily groups (a company buying on two days is one company): a report
  // counting them reads the records in one level.
  const daily = dateAt >= 0 && !ms.some((m) => m.fn === 'distinct');
  // The day a record's money is converted on: the date dimension's civil day (already a key), else its creation's.
  // A record without a date still converts from the workspace's own currency (at 1): a missing day is -infinity, a
  // value the rates join on (a null would equal nothing), on which no rate of another currency is found.
  const rd = (from: string) =>
    dateAt >= 0 ? sql`coalesce(${sql.ref(`${from}.d${dateAt}`)}, '-infinity'::date)` : sql.ref(`${from}.rd`);
  /** Whether a measure needs the count of its non-empty values carried through the daily groups. */
  const counted = (m: Measure) =>
    m.field !== undefined && (m.fn === 'count' || m.fn === 'avg' || isConverted(m));
  // A date-time bucketed in a zone whose offset is steady over `steady`: each record's day is kept as the instant
  // of its local midnight — `date_bin` from one, plain arithmetic — and only the daily groups are turned into civil
  // days with `at time zone`; records outside the span find their midnight through it (steady-offset.ts).
  const steadyDay = daily && steady !== undefined && ds[dateAt]!.field.type === 'dateTime';
  const midnightOf = (field: FieldDef) => midnightAt(sql`${readValue(field)}::timestamptz`, steady!);
  // A record's value for a measure of a field: the field's, or the days to it from `since` (civil days in the
  // report's zone); empty for a record its `where` leaves out.
  const measured = (m: Measure, i: number) => {
    const value = !m.since
      ? readValue(m.field!)
      : m.unit === 'hours'
        ? sql`(extract(epoch from (${readValue(m.field!)})::timestamptz - (${readValue(m.since)})::timestamptz) / 3600)`
        : sql`(${civilDay(m.field!)} - ${civilDay(m.since)})`;
    const only = measureWhere[i];
    return only ? sql`case when coalesce(${only}, false) then ${value} end` : value;
  };
  /** A count of the records a filter picks: their marks (1 or 0) are added up instead of rows counted. */
  const countsMarks = (m: Measure, i: number) =>
    m.fn === 'count' && !m.field && measureWhere[i] !== undefined;
  const srcCols = [
    ...ds.map(
      (d, i) =>
        sql`${
          d.bucket
            ? i === dateAt && steadyDay
              ? midnightOf(d.field)
              : civilDay(d.field)
            : d.step !== null
              ? // A number range is named by its lower end (as text, like every key).
                sql`(floor((${readValue(d.field)})::numeric / ${String(d.step)}::numeric) * ${String(d.step)}::numeric)::text`
              : sql`(${readValue(d.field)})::text`
        } as ${sql.id(`d${i}`)}`,
    ),
    ...ds.flatMap((d, i) => (d.since ? [sql`${civilDay(d.since)} as ${sql.id(`e${i}`)}`] : [])),
    ...ms.map((m, i) =>
      m.field
        ? sql`${measured(m, i)} as ${sql.id(`v${i}`)}`
        : m.fn === 'share' || measureWhere[i]
          ? sql`(coalesce(${measureWhere[i]!}, false))::int as ${sql.id(`v${i}`)}`
          : sql`null::int as ${sql.id(`v${i}`)}`,
    ),
    // Per converted money measure: its currency, and once the day its rate is read on.
    ...converted.map(
      (i) => sql`${fieldSql(ms[i]!.field!, ALIAS).currency ?? sql`null::text`} as ${sql.id(`cc${i}`)}`,
    ),
    ...(converted.length > 0 && dateAt < 0 ? [sql`${createdDay} as rd`] : []),
    currency ? sql`${currency} as cur` : sql`null::text as cur`,
  ];
  // The daily groups: the partial aggregates named as the records' columns (v, and c for a count of values).
  const dailyCte = (() => {
    if (!daily) return sql``;
    const keys = [
      ...ds.map((_, i) => sql.id(`d${i}`)),
      ...ds.flatMap((d, i) => (d.since ? [sql.id(`e${i}`)] : [])),
      sql`cur`,
      ...converted.map((i) => sql.id(`cc${i}`)),
    ];
    const partial = (m: Measure, i: number) => {
      const v = sql.id(`v${i}`);
      if (countsMarks(m, i)) return sql`sum(${v}) as ${v}`;
      switch (m.fn) {
        case 'count':
        case 'formula':
          return sql`null::int as ${v}`;
        case 'min':
        case 'max':
          return sql`${sql.raw(m.fn)}(${v}) as ${v}`;
        default:
          // sum, avg and share: the sum (a share's is the number of matching records).
          return sql`sum(${v}) as ${v}`;
      }
    };
    // The midnight instants become civil days here, once a daily group (grouped by the instant, the input column).
    const shown = keys.map((k, i) =>
      i === dateAt && steadyDay ? sql`(${k} at time zone ${timeZone})::date as ${k}` : k,
    );
    return sql`, daily as (
      select ${sql.join([
        ...shown,
        sql`count(*) as n`,
        ...ms.map(partial),
        ...ms.flatMap((m, i) => (counted(m) ? [sql`count(${sql.id(`v${i}`)}) as ${sql.id(`c${i}`)}`] : [])),
      ])}
      from src group by ${sql.join(keys)})`;
  })();
  const rows = daily ? sql`daily` : sql`src`;
  const isFiscal = (d: { bucket: Bucket | null }) => d.bucket !== null && FISCAL_BUCKETS.has(d.bucket);
  const fiscalSize = (d: { bucket: Bucket | null }) =>
    fiscalMonths(d.bucket === 'fiscalQuarter' ? 'quarter' : 'year');
  // How many of the calendar's periods lie from a record's `since` day to its field's (0: the same period), from
  // the two days' calendar rows and the bucket's columns: a week by its first day, a month or a quarter as year ×
  // 12 or × 4 + its number, a year by itself. Null when either date is empty.
  const periodsBetween = (d: (typeof ds)[number], i: number) => {
    if (d.bucket === 'day') return sql`s.${sql.id(`d${i}`)} - s.${sql.id(`e${i}`)}`;
    const cols = bucketColumns(d.bucket!, calendar, d.weekStart ?? 'monday');
    const ordinal = (alias: string) => {
      const col = (name: string) => sql.ref(`${alias}${i}.${name}`);
      if (d.bucket === 'week') return col(cols.key);
      if (!cols.period) return col(cols.year!);
      return sql`${col(cols.year!)} * ${sql.lit(d.bucket === 'month' ? 12 : 4)} + ${col(cols.period)}`;
    };
    const span = sql`(${ordinal('cal')}) - (${ordinal('cas')})`;
    return d.bucket === 'week' ? sql`(${span}) / 7` : span;
  };
  const keyCols = ds.map((d, i) => {
    // A person's teams: the team's id (null: no person, or a person in no team).
    if (d.team) return sql`${sql.ref(`tm${i}.team_id`)}::text as ${sql.id(`k${i}`)}`;
    if (!d.bucket) return sql`s.${sql.id(`d${i}`)} as ${sql.id(`k${i}`)}`;
    if (d.since) return sql`(${periodsBetween(d, i)})::text as ${sql.id(`k${i}`)}`;
    if (isFiscal(d)) return sql`${sql.ref(`fy${i}.first_day`)} as ${sql.id(`k${i}`)}`;
    const cols = bucketColumns(d.bucket, calendar, d.weekStart ?? 'monday');
    return sql`${sql.ref(`cal${i}.${cols.key}`)} as ${sql.id(`k${i}`)}`;
  });
  const joins = ds.flatMap((d, i) =>
    d.team
      ? // The workspaces module's membership relation: a record (or daily group) of a person in two teams meets
        // both rows, so it counts under each team; one whose person is in none meets nothing (the null key).
        [
          sql`left join ${teamMembershipRelation(s.workspaceId)} as ${sql.id(`tm${i}`)} on ${sql.ref(`tm${i}.user_id`)}::text = s.${sql.id(`d${i}`)}`,
        ]
      : d.since
        ? d.bucket === 'day'
          ? []
          : [
              sql`left join calendar_days as ${sql.id(`cal${i}`)} on ${sql.ref(`cal${i}.day`)} = s.${sql.id(`d${i}`)}`,
              sql`left join calendar_days as ${sql.id(`cas${i}`)} on ${sql.ref(`cas${i}.day`)} = s.${sql.id(`e${i}`)}`,
            ]
        : d.bucket
          ? [
              sql`left join calendar_days as ${sql.id(`cal${i}`)} on ${sql.ref(`cal${i}.day`)} = s.${sql.id(`d${i}`)}`,
              ...(isFiscal(d)
                ? [
                    sql`left join fiscal as ${sql.id(`fy${i}`)} on ${sql.ref(`fy${i}.idx`)} = ${fiscalMonthOf(`cal${i}`, fiscal)} / ${fiscalSize(d)}::int`,
                  ]
                : []),
            ]
          : [],
  );
  // The fiscal periods around the data (and the range): days grouped by fiscal period, each period with its first
  // and last day, fiscal year and quarter. Computed from the calendar's columns at query time, since the fiscal
  // year's start is the workspace's; 400 days either side keep the first and last periods whole.
  const fiscalCte = (() => {
    if (dateAt < 0 || !isFiscal(ds[dateAt]!)) return sql``;
    const d = ds[dateAt]!;
    const key = sql.ref(`${daily ? 'daily' : 'src'}.d${dateAt}`);
    const lo = def.range?.from
      ? sql`least((select min(${key}) from ${rows}), ${def.range.from}::date)`
      : sql`(select min(${key}) from ${rows})`;
    const hi = def.range?.to
      ? sql`greatest((select max(${key}) from ${rows}), ${def.range.to}::date)`
      : sql`(select max(${key}) from ${rows})`;
    const fm = fiscalMonthOf('c', fiscal);
    return sql`, fiscal as (
      select x.idx, min(x.day) as first_day, max(x.day) as last_day, min(x.fm / 12) as y,
             ${d.bucket === 'fiscalQuarter' ? sql`min(x.fm % 12 / 3 + 1)` : sql`null::int`} as p
      from (select c.day, ${fm} as fm, ${fm} / ${fiscalSize(d)}::int as idx from calendar_days as c
            where c.day >= ${lo} - 400 and c.day <= ${hi} + 400) as x
      group by x.idx)`;
  })();
  /** A measure's aggregate over the rows of `limited`: records (one level) or daily groups (two). */
  const agg = (m: Measure, i: number) => {
    const v = sql.ref(`v${i}`);
    // A formula is worked out from the others' values once the groups are read (`present`).
    if (m.fn === 'formula') return sql`null::numeric`;
    if (countsMarks(m, i)) return sql`coalesce(sum(${v}), 0)::bigint`;
    if (!daily) {
      if (m.fn === 'count') return m.field ? sql`count(${v})` : sql`count(*)`;
      if (m.fn === 'distinct') return sql`count(distinct ${v})`;
      if (m.fn === 'share') return sql`avg(${v})`;
      return sql`${sql.raw(m.fn)}(${v})`;
    }
    // What avg computes: the numeric quotient of the sum by the count (so the digits are the same).
    const c = sql.ref(`c${i}`);
    switch (m.fn) {
      case 'count':
        return m.field ? sql`sum(${c})::bigint` : sql`sum(n)::bigint`;
      case 'avg':
        return sql`(sum(${v})::numeric / nullif(sum(${c}), 0)::numeric)`;
      case 'share':
        return sql`(sum(${v})::numeric / nullif(sum(n), 0)::numeric)`;
      default:
        return sql`${sql.raw(m.fn)}(${v})`;
    }
  };
  const countAll = daily ? sql`sum(n)::bigint` : sql`count(*)`;
  // Groups beyond the limit are ranked by the first measure (by count when it is money added per currency, since
  // currencies don't add, or a formula, worked out only after the query).
  const rankBy =
    ms[0]!.fn === 'formula' ||
    (ms[0]!.fn !== 'count' && ms[0]!.field?.type === 'money' && (def.money ?? 'converted') !== 'converted')
      ? countAll
      : agg(ms[0]!, 0);
  const tops = ds.flatMap((d, i) =>
    d.limited
      ? [
          sql`${sql.id(`top${i}`)} as (
            select ${sql.id(`k${i}`)} as k from keyed group by 1
            order by ${rankBy} desc nulls last, 1 nulls last limit ${def.limit ?? 1})`,
        ]
      : [],
  );
  const limitedCols = ds.map((d, i) => {
    const k = sql.id(`k${i}`);
    if (!d.limited) return sql`${k}, false as ${sql.id(`o${i}`)}`;
    const kept = sql`exists (select 1 from ${sql.id(`top${i}`)} as tp where tp.k is not distinct from keyed.${k})`;
    return sql`case when ${kept} then keyed.${k} end as ${k}, not ${kept} as ${sql.id(`o${i}`)}`;
  });
  // The columns `keyed` hands on besides the keys: values, their counts, the unconverted marks, the daily sizes.
  const carried = [
    ...ms.map((_, i) => sql.ref(`keyed.v${i}`)),
    ...(daily ? ms.flatMap((m, i) => (counted(m) ? [sql.ref(`keyed.c${i}`)] : [])) : []),
    ...ms.map((_, i) => sql.ref(`keyed.x${i}`)),
    ...(daily ? [sql`keyed.n`] : []),
    sql`keyed.cur`,
  ];
  // Records whose money had no rate: a mark per record (one level), a number per daily group (two).
  const unconverted = (i: number) =>
    daily ? sql`sum(${sql.ref(`x${i}`)})::bigint` : sql`count(*) filter (where ${sql.ref(`x${i}`)})`;
  const groupCols = ds.flatMap((_, i) => [sql.id(`k${i}`), sql.id(`o${i}`)]);
  const width = ds.length;
  // Money is added per currency: the currency joins the keys.
  const grouping = [...groupCols, ...(currency ? [sql`cur`] : [])];
  // One statement: the rows the viewer may read (scope, own records, filter, range), keyed by calendar bucket,
  // limited, grouped; then the date dimension's buckets from the calendar between the first and last key (or the
  // range), each with its first and last day — all as text columns so both kinds share one result.
  const kCols = (from: 'g' | 'b') =>
    Array.from({ length: 2 }, (_, i) =>
      i < width && (from === 'g' || i === dateAt)
        ? sql`${sql.ref(`${from}.k${i}`)}::text as ${sql.id(`k${i}`)}`
        : sql`null::text as ${sql.id(`k${i}`)}`,
    );
  const oCols = Array.from({ length: 2 }, (_, i) =>
    i < width ? sql`g.${sql.id(`o${i}`)} as ${sql.id(`o${i}`)}` : sql`false as ${sql.id(`o${i}`)}`,
  );
  const mCols = (from: 'g' | 'b') =>
    ms.map((_, i) => (from === 'g' ? sql`g.${sql.id(`m${i}`)}::text` : sql`null::text`));
  const uCols = (from: 'g' | 'b') =>
    ms.map((_, i) => (from === 'g' ? sql`g.${sql.id(`u${i}`)}` : sql`0::bigint`));
  const bucketCte = (() => {
    if (dateAt < 0) return sql``;
    const d = ds[dateAt]!;
    if (isFiscal(d)) {
      const lo = def.range?.from
        ? sql`(select f.first_day from fiscal as f where f.first_day <= ${def.range.from}::date and f.last_day >= ${def.range.from}::date)`
        : sql`(select min(${sql.id(`k${dateAt}`)}) from grouped)`;
      const hi = def.range?.to
        ? sql`${def.range.to}::date`
        : sql`(select max(${sql.id(`k${dateAt}`)}) from grouped)`;
      return sql`, span as (select ${lo} as lo, ${hi} as hi),
      buckets as (
        select f.first_day as ${sql.id(`k${dateAt}`)}, f.first_day, f.last_day, f.y, f.p
        from fiscal as f, span
        where f.first_day >= span.lo and f.first_day <= span.hi
        order by 1 limit ${MAX_BUCKETS + 1})`;
    }
    const cols = bucketColumns(d.bucket!, calendar, d.weekStart ?? 'monday');
    const k = sql.ref(`c.${cols.key}`);
    const lo = def.range?.from
      ? sql`(select ${sql.ref(cols.key)} from calendar_days where day = ${def.range.from}::date)`
      : sql`(select min(${sql.id(`k${dateAt}`)}) from grouped)`;
    const hi = def.range?.to
      ? sql`${def.range.to}::date`
      : sql`(select max(${sql.id(`k${dateAt}`)}) from grouped)`;
    return sql`, span as (select ${lo} as lo, ${hi} as hi),
      buckets as (
        select ${k} as ${sql.id(`k${dateAt}`)}, min(c.day) as first_day, max(c.day) as last_day,
               ${cols.year ? sql`min(${sql.ref(`c.${cols.year}`)})` : sql`null::int`} as y,
               ${cols.period ? sql`min(${sql.ref(`c.${cols.period}`)})` : sql`null::int`} as p
        from calendar_days as c, span
        where c.day >= span.lo and c.day <= span.hi + 400 and ${k} <= span.hi
        group by 1 order by 1 limit ${MAX_BUCKETS + 1})`;
  })();
  const query = sql<Record<string, unknown>>`
    with src as (
      select ${sql.join(srcCols)}
      from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
      where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${ownerCondition(principal, s.object)}
        and ${where} and ${rangeWhere}${
          daily
            ? // An empty second branch: PostgreSQL then knows no statistics for the civil day computed from a
              // timestamp (else it takes the timestamp's — every row its own group — and adds the days up in one
              // process), counts ~200 values a key, and has each parallel worker add up its share of the rows per
              // day before the leader finishes. (An `offset 0` fence gives the same estimate but no parallel plan.)
              sql`
      union all
      select ${sql.join(srcCols)} from ${sql.table(s.object.table)} as ${sql.table(ALIAS)} where false`
            : sql``
        }
    )${dailyCte}${fiscalCte}${
      converted.length > 0
        ? sql`, rates as (
      select d.cur, d.day, ${rateOn(s.workspaceId, base, sql`d.cur`, steadyRd ? sql`(d.day at time zone ${timeZone})::date` : sql`d.day`)} as rate
      from (select distinct u.cur, u.day from (${sql.join(
        converted.map((i) => sql`select ${sql.ref(`s.cc${i}`)} as cur, ${rd('s')} as day from ${rows} as s`),
        sql` union all `,
      )}) as u) as d)`
        : sql``
    }, keyed as (
      select ${sql.join([
        ...keyCols,
        ...ms.map((m, i) =>
          isConverted(m)
            ? sql`${sql.ref(`s.v${i}`)} * ${sql.ref(`r${i}.rate`)} as ${sql.id(`v${i}`)}`
            : sql`${sql.ref(`s.v${i}`)} as ${sql.id(`v${i}`)}`,
        ),
        ...(daily
          ? ms.flatMap((m, i) => (counted(m) ? [sql`${sql.ref(`s.c${i}`)} as ${sql.id(`c${i}`)}`] : []))
          : []),
        // Whether this record's money had no rate to convert it with (two levels: how many of the group's).
        ...ms.map((m, i) =>
          isConverted(m)
            ? daily
              ? sql`(case when ${sql.ref(`r${i}.rate`)} is null then ${sql.ref(`s.c${i}`)} else 0 end) as ${sql.id(`x${i}`)}`
              : sql`(${sql.ref(`s.v${i}`)} is not null and ${sql.ref(`r${i}.rate`)} is null) as ${sql.id(`x${i}`)}`
            : daily
              ? sql`0::bigint as ${sql.id(`x${i}`)}`
              : sql`false as ${sql.id(`x${i}`)}`,
        ),
        ...(daily ? [sql`s.n`] : []),
        sql`s.cur`,
      ])}
      from ${rows} as s ${sql.join(joins, sql` `)}
      ${sql.join(
        converted.map(
          (i) =>
            sql`left join rates as ${sql.id(`r${i}`)} on ${sql.ref(`r${i}.cur`)} = ${sql.ref(`s.cc${i}`)} and ${sql.ref(`r${i}.day`)} = ${rd('s')}`,
        ),
        sql` `,
      )}
    )${tops.length > 0 ? sql`, ${sql.join(tops)}` : sql``}, limited as (
      select ${sql.join([...limitedCols, ...carried])} from keyed
    ), grouped as (
      select ${sql.join([...groupCols, currency ? sql`cur` : sql`null::text as cur`, ...ms.map((m, i) => sql`${agg(m, i)} as ${sql.id(`m${i}`)}`), ...ms.map((_, i) => sql`${unconverted(i)} as ${sql.id(`u${i}`)}`)])}
      from limited ${grouping.length > 0 ? sql`group by ${sql.join(grouping)}` : sql``}
      order by ${rankBy} desc nulls last limit ${MAX_GROUPS + 1}
    )${bucketCte}
    select 'g' as kind, ${sql.join([...kCols('g'), ...oCols, sql`g.cur`])}, null::text as first_day,
           null::text as last_day, null::int as y, null::int as p,
           ${sql.join(mCols('g').map((c, i) => sql`${c} as ${sql.id(`m${i}`)}`))},
           ${sql.join(uCols('g').map((c, i) => sql`${c} as ${sql.id(`u${i}`)}`))}
    from grouped as g
    ${
      dateAt >= 0
        ? sql`union all
    select 'b', ${sql.join([...kCols('b'), sql`false`, sql`false`, sql`null::text`])},
           to_char(b.first_day, 'YYYY-MM-DD'), to_char(b.last_day, 'YYYY-MM-DD'), b.y, b.p,
           ${sql.join(mCols('b'))}, ${sql.join(uCols('b'))}
    from buckets as b`
        : sql``
    }`;
  return {
    query,
    dateAt,
    dims: ds,
    measures: ms,
    money: Boolean(currency),
    converted: convert ? base : null,
    fiscal,
    inQuery: filters.flatMap((f) => f.inQuery),
    sort: { measure: def.sort?.measure ?? 0, asc: def.sort?.direction === 'asc' },
  };
}

/**
 * `compileReport` for a report that is run. Citus routes the report's query whole to the workspace's shard, where
 * its filters' owner-run lookups (`rabita_folded_values`, `rabita_match_list`: a name or a phone in the filter or a
 * share's) may not read distributed tables: on a Citus coordinator they run first, all in one statement, and the
 * report is compiled again with their answers bound (as `compileFilterBound` does for lists). One PostgreSQL keeps
 * them inside the query: nothing more is asked or run there but the one-time question whether the database is a
 * coordinator, and only for a report whose filters have such a lookup.
 */
async function compileReportBound(
  trx: Tx,
  s: Scope,
  principal: Principal,
  def: ReportDefinition,
  calendar: Calendar,
  timeZone: string,
  fiscal: FiscalYear,
  steady: SteadyOffset | undefined,
): Promise<Compiled> {
  const compiled = compileReport(s, principal, def, calendar, timeZone, fiscal, steady);
  const bound = await filterLookupsBound(trx, principal.workspaceId, compiled.inQuery, {});
  if (!bound) return compiled;
  const again = compileReport(s, principal, def, calendar, timeZone, fiscal, steady, bound);
  if (again.inQuery.length > 0) throw new Error('a report filter lookup was run but its answer not bound');
  return again;
}

/** The viewer's calendar and time zone (their preferences; Gregorian in UTC for an API key). */
async function viewerClock(trx: Tx, principal: Principal): Promise<{ calendar: Calendar; timeZone: string }> {
  if (!principal.userId) return { calendar: 'gregory', timeZone: 'UTC' };
  const user = await getUser(trx, principal.userId);
  return { calendar: user.calendar as Calendar, timeZone: user.timeZone };
}

/** Stands in for the fiscal year where the compiled query is not run (a check of the definition). */
const NO_FISCAL: FiscalYear = { calendar: 'gregory', startMonth: 1 };

/** The workspace's fiscal year when the definition buckets by it (read once, only then). */
async function fiscalFor(trx: Tx, workspaceId: string, def: ReportDefinition): Promise<FiscalYear> {
  return def.groupBy.some((d) => d.bucket && FISCAL_BUCKETS.has(d.bucket))
    ? fiscalYearIn(trx, workspaceId)
    : NO_FISCAL;
}

/**
 * The span the report's zone keeps one offset in, when a record's day matters: a dimension is bucketed, or a
 * measure may be money converted at its creation day's rate (kept an hour per zone, so mostly no query).
 */
function steadyFor(trx: Tx, def: ReportDefinition, timeZone: string): Promise<SteadyOffset | undefined> {
  return def.groupBy.some((d) => d.bucket) || def.measures.some((m) => m.fn !== 'count' && m.field)
    ? steadyOffsetOf(trx, timeZone)
    : Promise.resolve(undefined);
}

const dateText = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v);

/**
 * Runs a report as the viewer: only the records their role lets them read (its read rule, "own records only",
 * hidden fields refused), in their calendar and time zone unless the definition names others. One query with the
 * permission predicates inside and a statement timeout; date buckets come from `calendar_days`, empty ones filled.
 */
export async function runReport(
  ctx: ServiceContext,
  def: ReportDefinition,
  options: {
    /** False: always run the statement, never the kept figures (tests compare the two). */
    keptFigures?: boolean;
  } = {},
): Promise<ReportResult> {
  refuseUnstorable(def);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const clock = await viewerClock(trx, ctx.principal);
    const calendar = def.calendar ?? clock.calendar;
    const timeZone = def.timeZone ?? clock.timeZone;
    const s = await openScope(trx, workspaceId, def.object);
    const fiscal = await fiscalFor(trx, workspaceId, def);
    const steady = await steadyFor(trx, def, timeZone);
    const compiled = await compileReportBound(trx, s, ctx.principal, def, calendar, timeZone, fiscal, steady);
    // Deals by pipeline, stage and owner, converted: from the sales module's kept figures when they give the same
    // answer (kept-deal-money.ts), else the statement. The definition was checked against the reader above.
    const kept =
      options.keptFigures === false
        ? undefined
        : await keptDealMoneyRows(trx, s, ctx.principal, def, compiled, timeZone, MAX_GROUPS);
    if (kept) return present(trx, ctx.principal, s, compiled, kept, { calendar, timeZone });
    await sql`select set_config('statement_timeout', ${String(REPORT_TIMEOUT_MS)}, true)`.execute(s.raw);
    let rows: Record<string, unknown>[];
    try {
      rows = (await compiled.query.execute(s.raw)).rows;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === '57014')
        throw new AppError(
          'report_timeout',
          `The report took longer than ${REPORT_TIMEOUT_MS / 1000} s; narrow it with a filter or a range.`,
        );
      if (code === '22023' || code === '22007' || code === '22008')
        throw new AppError('validation_failed', `The report could not be run: ${(error as Error).message}.`);
      throw error;
    }
    return present(trx, ctx.principal, s, compiled, rows, { calendar, timeZone });
  });
}

async function present(
  trx: Tx,
  principal: Principal,
  s: Scope,
  c: Compiled,
  raw: Record<string, unknown>[],
  clock: { calendar: Calendar; timeZone: string },
): Promise<ReportResult> {
  const width = c.dims.length;
  const groups = raw.filter((r) => r.kind === 'g');
  let buckets: ReportBucket[] = raw
    .filter((r) => r.kind === 'b')
    .map((r) => ({
      key: String(dateText(r[`k${c.dateAt}`])),
      from: String(r.first_day),
      to: String(r.last_day),
      year: r.y === null || r.y === undefined ? null : Number(r.y),
      period: r.p === null || r.p === undefined ? null : Number(r.p),
    }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let truncated = groups.length > MAX_GROUPS || buckets.length > MAX_BUCKETS;
  buckets = buckets.slice(0, MAX_BUCKETS);
  const measureValue = (m: { fn: string }, v: unknown) =>
    v === null || v === undefined ? null : COUNTS.has(m.fn) ? Number(v) : String(dateText(v));
  const rows: ReportRow[] = groups.slice(0, MAX_GROUPS).map((r) => {
    const unconverted = Math.max(0, ...c.measures.map((_, i) => Number(r[`u${i}`] ?? 0)));
    return {
      keys: Array.from({ length: width }, (_, i) => {
        const k = r[`k${i}`];
        return k === null || k === undefined ? null : String(dateText(k));
      }),
      others: Array.from({ length: width }, (_, i) => r[`o${i}`] === true),
      ...(c.money ? { currency: (r.cur as string | null) ?? null } : {}),
      // A converted total missing some records' money would mislead: it is left empty, and the count said.
      values: c.measures.map((m, i) => (Number(r[`u${i}`] ?? 0) > 0 ? null : measureValue(m, r[`m${i}`]))),
      ...(unconverted > 0 ? { unconverted } : {}),
    };
  });
  // Every series gets every bucket: an empty bucket is a row of zero counts and empty sums.
  if (c.dateAt >= 0) {
    const seriesKey = (row: ReportRow) =>
      JSON.stringify([row.keys.filter((_, i) => i !== c.dateAt), row.others, row.currency ?? null]);
    const seen = new Set(rows.map((row) => `${seriesKey(row)}|${row.keys[c.dateAt]}`));
    const series = new Map(rows.map((row) => [seriesKey(row), row]));
    if (series.size === 0 && buckets.length > 0)
      series.set('', { keys: new Array(width).fill(null), others: new Array(width).fill(false), values: [] });
    // Filled rows are capped like groups: a day report of a thousand series is cut, and says so.
    const room = MAX_FILLED - rows.length;
    let filled = 0;
    for (const [key, model] of series) {
      for (const b of buckets) {
        if (seen.has(`${key}|${b.key}`)) continue;
        if (filled >= room) {
          truncated = true;
          break;
        }
        filled += 1;
        const keys = [...model.keys];
        keys[c.dateAt] = b.key;
        rows.push({
          keys,
          others: model.others,
          ...(c.money ? { currency: model.currency ?? null } : {}),
          values: c.measures.map((m) => (COUNTS.has(m.fn) ? 0 : null)),
        });
      }
    }
  }
  // Formulas are worked out on every row, filled ones too, from its other measures.
  const formulas = c.measures.flatMap((m, i) => (m.formula ? [{ i, node: m.formula.node }] : []));
  if (formulas.length > 0)
    for (const row of rows)
      for (const { i, node } of formulas) row.values[i] = formulaText(evaluateFormula(node, row.values));
  const order = new Map(buckets.map((b, i) => [b.key, i]));
  // The sort's measure, its empty values last whichever the direction.
  const sortValue = (row: ReportRow) => {
    const v = row.values[c.sort.measure];
    return v === null || v === undefined || Number.isNaN(Number(v)) ? null : Number(v);
  };
  const bySort = (a: ReportRow, b: ReportRow) => {
    const va = sortValue(a);
    const vb = sortValue(b);
    if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
    return c.sort.asc ? va - vb : vb - va;
  };
  rows.sort((a, b) => {
    if (c.dateAt >= 0) {
      const ka = a.keys[c.dateAt];
      const kb = b.keys[c.dateAt];
      const da =
        ka === null || ka === undefined
          ? Number.MAX_SAFE_INTEGER
          : (order.get(ka) ?? Number.MAX_SAFE_INTEGER - 1);
      const db =
        kb === null || kb === undefined
          ? Number.MAX_SAFE_INTEGER
          : (order.get(kb) ?? Number.MAX_SAFE_INTEGER - 1);
      if (da !== db) return da - db;
    }
    // Number ranges read in order of their lower ends, and periods since a date in order (within each bucket).
    const ranged = c.dims.findIndex((d) => d.step !== null || d.since !== null);
    if (ranged >= 0 && (c.dateAt < 0 || c.dims[ranged]!.since)) {
      const ra = a.keys[ranged];
      const rb = b.keys[ranged];
      if (ra !== rb) return ra === null ? 1 : rb === null ? -1 : Number(ra) - Number(rb);
    }
    const oa = a.others.some(Boolean) ? 1 : 0;
    const ob = b.others.some(Boolean) ? 1 : 0;
    if (oa !== ob) return oa - ob;
    return bySort(a, b) || String(a.keys.join()).localeCompare(String(b.keys.join()));
  });
  // Relation keys are record ids: their titles, through the gate, as the viewer may see them.
  const labels: Record<string, string | null> = {};
  for (const [i, d] of c.dims.entries()) {
    const target =
      d.field.type === 'relation' ? s.objects.find((o) => o.key === d.field.relation?.object) : undefined;
    if (!target) continue;
    const ids = [...new Set(rows.map((r) => r.keys[i]).filter((k): k is string => typeof k === 'string'))];
    const titles = await readTitles(trx, principal, target, ids);
    for (const id of ids) labels[id] = titles.get(id) ?? null;
  }
  // Team keys are team ids: their names for a viewer who may list the workspace's members and teams.
  const teamDims = c.dims.flatMap((d, i) => (d.team ? [i] : []));
  if (teamDims.length > 0) {
    const ids = [
      ...new Set(rows.flatMap((r) => teamDims.map((i) => r.keys[i])).filter((k): k is string => Boolean(k))),
    ];
    const names = can(principal, 'members.read') ? await teamNamesIn(trx, s.workspaceId, ids) : new Map();
    for (const id of ids) labels[id] = names.get(id) ?? null;
  }
  return {
    object: s.object.key,
    calendar: clock.calendar,
    timeZone: clock.timeZone,
    dimensions: c.dims.map((d) => ({
      field: d.field.key,
      type: d.field.type,
      bucket: d.bucket,
      step: d.step,
      weekStart: d.weekStart,
      by: d.team ? ('team' as const) : null,
      since: d.since?.key ?? null,
    })),
    measures: c.measures.map((m) => ({
      fn: m.fn,
      field: m.field?.key ?? null,
      // Days between two dates, and a formula's value, are numbers whatever the fields are.
      type: m.since || m.formula ? 'number' : (m.field?.type ?? null),
      ...(m.since ? { since: m.since.key, unit: m.unit ?? 'days' } : {}),
      ...(m.formula ? { expression: m.formula.text } : {}),
      ...(m.label ? { label: m.label } : {}),
    })),
    buckets,
    rows,
    currency: c.converted,
    labels,
    truncated,
    fiscal: c.dims.some((d) => d.bucket !== null && FISCAL_BUCKETS.has(d.bucket)) ? c.fiscal : null,
  };
}

/** A definition whose filters or measures hold text PostgreSQL cannot store (a NUL, a lone surrogate) is refused. */
function refuseUnstorable(def: ReportDefinition): void {
  const unstorable = unstorableIn(def.filter);
  if (unstorable)
    throw new AppError('validation_failed', `filter: ${unstorable}`, {
      errors: [{ field: 'filter', message: unstorable }],
    });
  for (const [i, m] of def.measures.entries()) {
    const problem = unstorableIn(m);
    if (problem)
      throw new AppError('validation_failed', `measures.${i}: ${problem}`, {
        errors: [{ field: `measures.${i}`, message: problem }],
      });
  }
}

/** Checks that the caller could run a definition (object, fields, rights), without running it. */
export async function checkReport(ctx: ServiceContext, def: ReportDefinition): Promise<void> {
  refuseUnstorable(def);
  await inWorkspace(ctx, async (trx, workspaceId) => {
    const s = await openScope(trx, workspaceId, def.object);
    compileReport(s, ctx.principal, def, def.calendar ?? 'gregory', def.timeZone ?? 'UTC', NO_FISCAL);
  });
}

/** The one statement a report runs as the caller, compiled (for plans in tests and benchmarks). */
export async function compileReportQuery(ctx: ServiceContext, def: ReportDefinition) {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const clock = await viewerClock(trx, ctx.principal);
    const s = await openScope(trx, workspaceId, def.object);
    const compiled = await compileReportBound(
      trx,
      s,
      ctx.principal,
      def,
      def.calendar ?? clock.calendar,
      def.timeZone ?? clock.timeZone,
      await fiscalFor(trx, workspaceId, def),
      await steadyFor(trx, def, def.timeZone ?? clock.timeZone),
    );
    return compiled.query.compile(s.raw);
  });
}
