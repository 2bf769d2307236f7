import { toGregorian } from '../imports/coerce.ts';

// Fiscal periods in a workspace's calendar, as pure functions. ICU (through `Intl.DateTimeFormat` with the
// `persian` or `islamic-umalqura` calendar) is the authority on Jalali and Hijri dates, as for the reports'
// calendar table; going back from a Jalali or Hijri month to its first Gregorian day reuses the imports' reader
// (`toGregorian`), which asks the same ICU.

/** The calendars a fiscal year can be counted in. */
export const FISCAL_CALENDARS = ['gregorian', 'persian', 'islamic-umalqura'] as const;
export type FiscalCalendar = (typeof FISCAL_CALENDARS)[number];
export const PERIOD_KINDS = ['year', 'quarter', 'month'] as const;
export type PeriodKind = (typeof PERIOD_KINDS)[number];

/** Where a workspace's fiscal year begins: the first day of `startMonth` (1–12) of its calendar. */
export interface FiscalCalendarSettings {
  calendar: FiscalCalendar;
  startMonth: number;
}

/** A fiscal period: `[start, end)` as Gregorian dates, the end exclusive. */
export interface FiscalPeriod {
  /** `1405`, `1405-Q3`, `1405-M07` (the 7th month of fiscal year 1405). */
  key: string;
  kind: PeriodKind;
  /** Named by the calendar year it starts in. */
  fiscalYear: number;
  /** 1 for a year; 1–4 for a quarter; 1–12 for a month, counted from the fiscal year's first month. */
  number: number;
  start: string;
  end: string;
}

/** Periods are refused outside these days (the reports' calendar table spans the same years). */
const FIRST_DAY = '1900-01-01';
const LAST_DAY = '2200-12-31';
const MONTHS: Record<PeriodKind, number> = { year: 12, quarter: 3, month: 1 };
const KEY = /^(\d{4})(?:-(?:Q([1-4])|M(0[1-9]|1[0-2])))?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

const formats = new Map<FiscalCalendar, Intl.DateTimeFormat>();

/** The year, month and day of a Gregorian date `YYYY-MM-DD` in a calendar, as ICU says. */
export function civilDate(
  calendar: FiscalCalendar,
  date: string,
): { year: number; month: number; day: number } {
  const time = Date.parse(`${date}T00:00:00Z`);
  if (calendar === 'gregorian') {
    const d = new Date(time);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
  }
  let format = formats.get(calendar);
  if (!format) {
    format = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, {
      timeZone: 'UTC',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
    });
    formats.set(calendar, format);
  }
  const parts = format.formatToParts(time);
  const of = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: of('year'), month: of('month'), day: of('day') };
}

/** The Gregorian date of the first day of a month of the calendar (months past 12 run into later years). */
function monthStart(calendar: FiscalCalendar, monthIndex: number): string | undefined {
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex - year * 12 + 1;
  if (calendar === 'gregorian') {
    if (year < 1 || year > 9999) return undefined;
    return new Date(Date.UTC(year, month - 1, 1)).toISOString().slice(0, 10);
  }
  if (year < 1 || year > 3000) return undefined;
  return toGregorian(calendar, year, month, 1);
}

/** A period of a kind from its fiscal year and number; undefined when it falls outside 1900–2200. */
export function fiscalPeriod(
  settings: FiscalCalendarSettings,
  kind: PeriodKind,
  fiscalYear: number,
  number: number,
): FiscalPeriod | undefined {
  const size = MONTHS[kind];
  if (!Number.isInteger(fiscalYear) || !Number.isInteger(number) || number < 1 || number > 12 / size)
    return undefined;
  // Fiscal month index (years × 12 + month) moved to the calendar's own month index.
  const first = fiscalYear * 12 + (number - 1) * size + (settings.startMonth - 1);
  const start = monthStart(settings.calendar, first);
  const end = monthStart(settings.calendar, first + size);
  if (!start || !end || start < FIRST_DAY || end > LAST_DAY) return undefined;
  const key =
    kind === 'year'
      ? String(fiscalYear)
      : kind === 'quarter'
        ? `${fiscalYear}-Q${number}`
        : `${fiscalYear}-M${String(number).padStart(2, '0')}`;
  return { key, kind, fiscalYear, number, start, end };
}

/** The period of a kind that holds a Gregorian date (undefined outside 1900–2200 or for a malformed date). */
export function periodOf(
  settings: FiscalCalendarSettings,
  kind: PeriodKind,
  date: string,
): FiscalPeriod | undefined {
  if (!isDate(date) || date < FIRST_DAY || date > LAST_DAY) return undefined;
  const civil = civilDate(settings.calendar, date);
  const fiscalMonth = civil.year * 12 + (civil.month - 1) - (settings.startMonth - 1);
  const fiscalYear = Math.floor(fiscalMonth / 12);
  const inYear = fiscalMonth - fiscalYear * 12;
  return fiscalPeriod(settings, kind, fiscalYear, Math.floor(inYear / MONTHS[kind]) + 1);
}

/** The period a key names (`1405`, `1405-Q3`, `1405-M07`), or undefined for a key that names none. */
export function periodByKey(settings: FiscalCalendarSettings, key: string): FiscalPeriod | undefined {
  const m = KEY.exec(key);
  if (!m) return undefined;
  const year = Number(m[1]);
  if (m[2]) return fiscalPeriod(settings, 'quarter', year, Number(m[2]));
  if (m[3]) return fiscalPeriod(settings, 'month', year, Number(m[3]));
  return fiscalPeriod(settings, 'year', year, 1);
}

/** The period `steps` periods of the same kind after (or, negative, before) the given one. */
export function shiftPeriod(
  settings: FiscalCalendarSettings,
  period: FiscalPeriod,
  steps: number,
): FiscalPeriod | undefined {
  const perYear = 12 / MONTHS[period.kind];
  const index = period.fiscalYear * perYear + (period.number - 1) + steps;
  const year = Math.floor(index / perYear);
  return fiscalPeriod(settings, period.kind, year, index - year * perYear + 1);
}

/**
 * `count` periods of a kind around a date: the one holding it, preceded by ⌊(count − 1) / 2⌋ earlier ones and
 * followed by the rest (periods outside 1900–2200 are left out).
 */
export function periodsAround(
  settings: FiscalCalendarSettings,
  kind: PeriodKind,
  around: string,
  count: number,
): { data: FiscalPeriod[]; current: FiscalPeriod | undefined } {
  const current = periodOf(settings, kind, around);
  if (!current) return { data: [], current };
  const before = Math.floor((count - 1) / 2);
  const data: FiscalPeriod[] = [];
  for (let i = -before; i < count - before; i++) {
    const p = shiftPeriod(settings, current, i);
    if (p) data.push(p);
  }
  return { data, current };
}

/** True for a real Gregorian date `YYYY-MM-DD`. */
export function isDate(value: string): boolean {
  if (!DATE.test(value)) return false;
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value;
}
