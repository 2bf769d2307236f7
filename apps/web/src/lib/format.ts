// Dates, numbers and money in the user's language, calendar, time zone and digits, through Intl alone. Stored
// values stay ISO 8601 (UTC for instants, YYYY-MM-DD for dates); only what is shown changes.

export type Calendar = 'gregory' | 'persian' | 'islamic-umalqura';
export type Digits = 'latn' | 'arab' | 'arabext';
export const CALENDARS: readonly Calendar[] = ['gregory', 'persian', 'islamic-umalqura'];
export const DIGITS: readonly Digits[] = ['latn', 'arab', 'arabext'];

/** The calendar a stored preference names, or the Gregorian one. */
export function asCalendar(value: string | undefined): Calendar {
  return CALENDARS.find((c) => c === value) ?? 'gregory';
}

/** The digits a stored preference names, or Latin ones. */
export function asDigits(value: string | undefined): Digits {
  return DIGITS.find((d) => d === value) ?? 'latn';
}

export interface Prefs {
  locale: 'en' | 'ar' | 'fa';
  calendar: Calendar;
  timeZone: string;
  digits: Digits;
}

const cache = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat>();
function dtf(prefs: Prefs, options: Intl.DateTimeFormatOptions, key: string): Intl.DateTimeFormat {
  const id = `d|${prefs.locale}|${prefs.calendar}|${prefs.digits}|${prefs.timeZone}|${key}`;
  let f = cache.get(id) as Intl.DateTimeFormat | undefined;
  if (!f) {
    f = new Intl.DateTimeFormat(`${prefs.locale}-u-ca-${prefs.calendar}-nu-${prefs.digits}`, {
      timeZone: prefs.timeZone,
      ...options,
    });
    cache.set(id, f);
  }
  return f;
}

/** A calendar date ('2026-03-21') in the user's calendar; dates have no time zone, so UTC is used. */
export function formatDate(value: string | null | undefined, prefs: Prefs): string {
  if (!value) return '';
  const d = new Date(value.length === 10 ? `${value}T12:00:00Z` : value);
  if (Number.isNaN(d.getTime())) return value;
  const p = value.length === 10 ? { ...prefs, timeZone: 'UTC' } : prefs;
  return dtf(p, { year: 'numeric', month: 'long', day: 'numeric' }, 'date').format(d);
}

/** An instant in the user's calendar and time zone. */
export function formatDateTime(value: string | null | undefined, prefs: Prefs): string {
  if (!value) return '';
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  return dtf(prefs, { dateStyle: 'medium', timeStyle: 'short' }, 'datetime').format(d);
}

export function formatNumber(value: number | string | null | undefined, prefs: Prefs): string {
  if (value === null || value === undefined || value === '') return '';
  const id = `n|${prefs.locale}|${prefs.digits}`;
  let f = cache.get(id) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, { maximumFractionDigits: 6 });
    cache.set(id, f);
  }
  return f.format(Number(value));
}

/** A fraction (0.75) as a percentage in the user's digits and locale: `75%`, `٧٥٪`, `۷۵٪`. */
export function formatPercent(value: number | string | null | undefined, prefs: Prefs): string {
  if (value === null || value === undefined || value === '') return '';
  const id = `p|${prefs.locale}|${prefs.digits}`;
  let f = cache.get(id) as Intl.NumberFormat | undefined;
  if (!f) {
    f = new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
      style: 'percent',
      maximumFractionDigits: 1,
    });
    cache.set(id, f);
  }
  return f.format(Number(value));
}

/** Money as `{amount: "1250.50", currency: "SAR"}`, in the user's digits and locale. */
export function formatMoney(
  value: { amount: string; currency: string } | null | undefined,
  prefs: Prefs,
): string {
  if (!value) return '';
  try {
    return new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
      style: 'currency',
      currency: value.currency,
      maximumFractionDigits: 2,
    }).format(Number(value.amount));
  } catch {
    return `${value.amount} ${value.currency}`;
  }
}

/** The parts (year, month, day as numbers) of a UTC day in a calendar. */
export function calendarParts(date: Date, calendar: Calendar): { year: number; month: number; day: number } {
  const parts = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(date);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? '0');
  return { year: get('year'), month: get('month'), day: get('day') };
}

const DAY = 86_400_000;

/**
 * The days of one month of a calendar, as UTC dates: found by walking Gregorian days around a day known to fall
 * in that month (Intl converts to every calendar; nothing converts back, and nothing needs to).
 */
export function monthDays(anchor: Date, calendar: Calendar): Date[] {
  const target = calendarParts(anchor, calendar);
  const start = new Date(anchor.getTime() - (target.day - 1) * DAY);
  const days: Date[] = [];
  for (let i = 0; i < 32; i++) {
    const d = new Date(start.getTime() + i * DAY);
    const p = calendarParts(d, calendar);
    if (p.month !== target.month || p.year !== target.year) break;
    days.push(d);
  }
  return days;
}

/** The ISO date (YYYY-MM-DD) of a UTC day. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function monthTitle(anchor: Date, prefs: Prefs): string {
  return dtf({ ...prefs, timeZone: 'UTC' }, { year: 'numeric', month: 'long' }, 'month').format(anchor);
}

export function dayNumber(date: Date, prefs: Prefs): string {
  return dtf({ ...prefs, timeZone: 'UTC' }, { day: 'numeric' }, 'day').format(date);
}
