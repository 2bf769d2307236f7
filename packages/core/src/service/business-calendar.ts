import { isTimeZone } from '@rabita/shared';
import { z } from 'zod';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { unstorableText } from '../http/route-kit.ts';

/**
 * Business time for the service desk: when a calendar is open, how much open time lies between two instants, and
 * the deadline a target of open time gives. Pure functions of their inputs; the server's own time zone never
 * enters (every wall time is read in the calendar's IANA zone).
 *
 * Rules (docs/ARCHITECTURE.md, "Service desk: business calendars"):
 * - A range belongs to the local date it starts on. `to <= from` ends it on the next day (`22:00–06:00`; equal
 *   times make 24 hours). A holiday closes, and a special day replaces, the ranges that START on its date: a night
 *   shift begun the evening before a holiday still runs to its morning end; one begun on the holiday does not.
 *   A holiday wins over a special day on the same date.
 * - Ranges are wall times. A range opens and closes at the first instant the zone's clocks read its times, so a
 *   range over an hour skipped by a spring-forward change is that much shorter, and over a repeated hour longer.
 * - Open time is the union of the ranges (overlaps are refused by `checkCalendar`, and counted once if they slip
 *   through, e.g. a special day's early range under the night shift of the day before). Intervals are half-open:
 *   open at a range's start, closed at its end.
 * - `addBusinessMs(cal, t, 0)` is `t` itself, open or closed: a clock with a zero target is breached at once. A
 *   positive target ends inside an open interval, possibly exactly at its end (12:00, not the 13:00 reopening).
 * - Bounded: a deadline further than about ten years (3,660 local days) away, or a span longer than that, is an
 *   `AppError` (`validation_failed`) rather than a long walk; so is a calendar never open in that time.
 * - Work is per open interval, a day at a time (closed days cost a set look-up), never per minute.
 */

export interface TimeRange {
  /** 'HH:MM', local wall time. */
  from: string;
  /** 'HH:MM'; `to <= from` means it ends on the next day. */
  to: string;
}

export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface BusinessCalendar {
  /** IANA time zone, such as Asia/Tehran. */
  timeZone: string;
  /** Open ranges per ISO weekday (1 = Monday … 7 = Sunday); a weekday without ranges is closed. */
  hours: Partial<Record<IsoWeekday, TimeRange[]>>;
  /** Local dates 'YYYY-MM-DD' closed all day. */
  holidays: string[];
  /** Local date → the ranges that replace its weekday's (an empty list closes it, like a holiday). */
  specialDays?: Record<string, TimeRange[]>;
  /**
   * What people know of a holiday (never read by the clock arithmetic): its name — in each language when Rabita
   * generated it, as the file said when imported — and whether its day is an estimate (a Hijri day before the moon
   * is sighted) until an admin confirms it.
   */
  holidayNotes?: Readonly<Record<string, HolidayNote>>;
}

export interface HolidayNote {
  name?: string | { en: string; ar: string; fa: string } | undefined;
  estimated?: boolean | undefined;
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** About ten years of local days: the furthest a deadline or a measured span may reach. */
const HORIZON_DAYS = 3_660;
const MAX_RANGES_A_DAY = 12;
const MAX_DATES = 5_000;
const TIME = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

// ---------------------------------------------------------------------------------------------------------------
// Validation

/** True for a real calendar date written 'YYYY-MM-DD'. */
export function isLocalDate(value: string): boolean {
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

const timeOfDay = z.string().regex(TIME, 'A time of day is HH:MM, from 00:00 to 23:59.');
const timeRange = z.strictObject({ from: timeOfDay, to: timeOfDay });
const dayHours = z.array(timeRange).max(MAX_RANGES_A_DAY, `At most ${MAX_RANGES_A_DAY} time ranges a day.`);
const localDate = z.string().refine(isLocalDate, 'A date is YYYY-MM-DD, a real calendar date.');

/** A range in minutes after its start date's midnight; `end` may pass 1440 (an overnight range). */
interface Span {
  from: number;
  end: number;
}

function minutesOf(hhmm: string): number {
  const m = TIME.exec(hhmm);
  if (!m) throw new Error(`not a time: ${hhmm}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

function spanOf(range: TimeRange): Span {
  const from = minutesOf(range.from);
  const to = minutesOf(range.to);
  return { from, end: to > from ? to : to + 1440 };
}

const label = (s: Span) => {
  const hhmm = (min: number) =>
    `${String(Math.floor(min / 60) % 24).padStart(2, '0')}:${String(min % 60).padStart(2, '0')}`;
  return `${hhmm(s.from)}–${hhmm(s.end)}`;
};

/** Where two ranges of one list overlap (a sentence), or null. */
function overlapIn(spans: Span[], where: string): string | null {
  const sorted = [...spans].sort((a, b) => a.from - b.from);
  for (let i = 1; i < sorted.length; i++) {
    const before = sorted[i - 1]!;
    const after = sorted[i]!;
    if (after.from < before.end) return `${label(before)} and ${label(after)} overlap on ${where}.`;
  }
  return null;
}

const noteText = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .superRefine((value, ctx) => {
    const problem = unstorableText(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });
const holidayNote = z.strictObject({
  name: z.union([noteText, z.strictObject({ en: noteText, ar: noteText, fa: noteText })]).optional(),
  estimated: z.boolean().optional(),
});

/**
 * A business calendar as callers send it: a real IANA zone, HH:MM times, at most 12 ranges a day, no two ranges
 * of a day overlapping (an overnight range not running into the next weekday's first), at least one open weekday,
 * at most 5,000 holidays and 5,000 special days.
 */
export const businessCalendarSchema = z
  .strictObject({
    timeZone: z
      .string()
      .max(64)
      .refine(isTimeZone, 'Must be an IANA time zone, such as Asia/Tehran or America/New_York.'),
    hours: z.strictObject({
      1: dayHours.optional(),
      2: dayHours.optional(),
      3: dayHours.optional(),
      4: dayHours.optional(),
      5: dayHours.optional(),
      6: dayHours.optional(),
      7: dayHours.optional(),
    }),
    holidays: z.array(localDate).max(MAX_DATES, `At most ${MAX_DATES} holidays.`),
    specialDays: z.record(localDate, dayHours).optional(),
    holidayNotes: z.record(localDate, holidayNote).optional(),
  })
  .superRefine((cal, ctx) => {
    // Zod runs this even when a time failed its pattern; those ranges are already reported.
    const spans = (ranges: readonly TimeRange[] | undefined) =>
      (ranges ?? []).filter((t) => TIME.test(t.from) && TIME.test(t.to)).map(spanOf);
    const weekly = ([1, 2, 3, 4, 5, 6, 7] as const).map((w) => spans(cal.hours[w]));
    weekly.forEach((spans, i) => {
      const problem = overlapIn(spans, WEEKDAY_NAMES[i]!);
      if (problem) ctx.addIssue({ code: 'custom', path: ['hours', i + 1], message: problem });
      // The part of an overnight range after midnight against the next weekday's ranges.
      const next = weekly[(i + 1) % 7]!;
      for (const s of spans.filter((s) => s.end > 1440)) {
        const spill = { from: 0, end: s.end - 1440 };
        const hit = next.find((n) => n.from < spill.end);
        if (hit)
          ctx.addIssue({
            code: 'custom',
            path: ['hours', i + 1],
            message: `${label(s)} on ${WEEKDAY_NAMES[i]} runs into ${label(hit)} on ${WEEKDAY_NAMES[(i + 1) % 7]}.`,
          });
      }
    });
    if (weekly.every((spans) => spans.length === 0))
      ctx.addIssue({
        code: 'custom',
        path: ['hours'],
        message: 'The calendar is never open: give at least one weekday its hours.',
      });
    const special = Object.entries(cal.specialDays ?? {});
    if (special.length > MAX_DATES)
      ctx.addIssue({ code: 'custom', path: ['specialDays'], message: `At most ${MAX_DATES} special days.` });
    // A note belongs to a holiday of the calendar: removing the holiday removes its note.
    const holidays = new Set(cal.holidays);
    for (const date of Object.keys(cal.holidayNotes ?? {}))
      if (!holidays.has(date))
        ctx.addIssue({
          code: 'custom',
          path: ['holidayNotes', date],
          message: `${date} is not one of the calendar's holidays.`,
        });
    for (const [date, ranges] of special.slice(0, MAX_DATES)) {
      const problem = overlapIn(spans(ranges), date);
      if (problem) ctx.addIssue({ code: 'custom', path: ['specialDays', date], message: problem });
    }
  });

/** What is wrong with a calendar (field paths such as `hours.1.0.to`), or an empty list when it is valid. */
export function checkCalendar(cal: unknown): FieldProblem[] {
  const result = businessCalendarSchema.safeParse(cal);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message }));
}

// ---------------------------------------------------------------------------------------------------------------
// The zone's clock

/** Reads a zone's offset with one cached formatter (a formatter costs ~100 µs to build, a read ~5 µs). */
class ZoneClock {
  private readonly format: Intl.DateTimeFormat;

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
  }

  /** The zone's offset from UTC at an instant, in ms ('GMT+03:30', 'GMT-05:00', 'GMT', 'GMT+03:25:44'). */
  offset(instant: number): number {
    const name = this.format.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const m = /([+-])(\d{2}):(\d{2})(?::(\d{2}))?/.exec(name);
    if (!m) return 0;
    const ms = ((Number(m[2]) * 60 + Number(m[3])) * 60 + Number(m[4] ?? 0)) * 1000;
    return m[1] === '-' ? -ms : ms;
  }

  /** The local day number (days since 1970-01-01 on the zone's calendar) of an instant. */
  dayOf(instant: number): number {
    return Math.floor((instant + this.offset(instant)) / DAY_MS);
  }

  /**
   * The first instant at which the zone's clocks read `wall` (ms of a wall time counted as if UTC) or later: the
   * wall time itself when it happens, its first occurrence when it happens twice, and the moment of the change
   * when a spring-forward change skips it.
   */
  instantOf(wall: number): number {
    const early = this.offset(wall - DAY_MS);
    const late = this.offset(wall + DAY_MS);
    const first = wall - early;
    if (early === late || this.offset(first) === early) return first;
    const second = wall - late;
    if (this.offset(second) === late) return second;
    // Skipped: the change happened between `second` (still the early offset) and `first` (the late one).
    let lo = second;
    let hi = first;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offset(mid) === late) hi = mid;
      else lo = mid;
    }
    return hi;
  }
}

const clocks = new Map<string, ZoneClock>();

function clockOf(timeZone: string): ZoneClock {
  let clock = clocks.get(timeZone);
  if (!clock) {
    if (clocks.size >= 1_000) clocks.clear();
    clock = new ZoneClock(timeZone);
    clocks.set(timeZone, clock);
  }
  return clock;
}

// ---------------------------------------------------------------------------------------------------------------
// Open intervals

interface Compiled {
  clock: ZoneClock;
  /** Index 0 = Monday … 6 = Sunday, each sorted by start. */
  weekly: Span[][];
  holidays: ReadonlySet<string>;
  special: ReadonlyMap<string, Span[]>;
}

function invalid(cal: unknown): never {
  throw new AppError('validation_failed', 'The business calendar is not valid.', {
    errors: checkCalendar(cal),
  });
}

/** Reads a calendar for the walk. Overlaps are not refused here (the walk unites them); bad zones and times are. */
function compile(cal: BusinessCalendar): Compiled {
  try {
    if (typeof cal.timeZone !== 'string' || cal.timeZone.length > 64 || !isTimeZone(cal.timeZone))
      invalid(cal);
    const sorted = (ranges: readonly TimeRange[] | undefined) =>
      (ranges ?? []).map(spanOf).sort((a, b) => a.from - b.from);
    return {
      clock: clockOf(cal.timeZone),
      weekly: ([1, 2, 3, 4, 5, 6, 7] as const).map((w) => sorted(cal.hours[w])),
      holidays: new Set(cal.holidays),
      special: new Map(Object.entries(cal.specialDays ?? {}).map(([date, ranges]) => [date, sorted(ranges)])),
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    invalid(cal);
  }
}

function isoDateOf(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

function spansOn(c: Compiled, day: number): Span[] {
  const date = isoDateOf(day);
  if (c.holidays.has(date)) return [];
  // 1970-01-01 (day 0) was a Thursday: index 3.
  return c.special.get(date) ?? c.weekly[(((day + 3) % 7) + 7) % 7]!;
}

/**
 * The open intervals [start, end) of the ranges starting on local days `firstDay` … `lastDay`, in order, with
 * overlapping or touching intervals joined.
 */
function* openIntervals(c: Compiled, firstDay: number, lastDay: number): Generator<[number, number]> {
  let pending: [number, number] | undefined;
  for (let day = firstDay; day <= lastDay; day++) {
    for (const span of spansOn(c, day)) {
      const start = c.clock.instantOf(day * DAY_MS + span.from * MINUTE_MS);
      const end = c.clock.instantOf(day * DAY_MS + span.end * MINUTE_MS);
      if (end <= start) continue;
      if (pending && start <= pending[1]) {
        pending[1] = Math.max(pending[1], end);
        continue;
      }
      if (pending) yield pending;
      pending = [start, end];
    }
  }
  if (pending) yield pending;
}

function instantOf(date: Date, what: string): number {
  const t = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(t)) throw new AppError('validation_failed', `${what} is not a valid date.`);
  return t;
}

function beyondHorizon(): never {
  throw new AppError(
    'validation_failed',
    'No business time within ten years: the target is too far out or the calendar is never open.',
  );
}

/**
 * The open time between two instants, in ms (negative when `to` is before `from`, so spans add up in any order).
 */
export function businessMsBetween(cal: BusinessCalendar, from: Date, to: Date): number {
  const a = instantOf(from, 'The start');
  const b = instantOf(to, 'The end');
  if (b < a) return 0 - businessMsBetween(cal, to, from);
  if (b - a > HORIZON_DAYS * DAY_MS) beyondHorizon();
  const c = compile(cal);
  let total = 0;
  // From the day before: a range begun then may run past midnight.
  for (const [start, end] of openIntervals(c, c.clock.dayOf(a) - 1, c.clock.dayOf(b))) {
    if (start >= b) break;
    total += Math.max(0, Math.min(end, b) - Math.max(start, a));
  }
  return total;
}

/** The deadline: the instant at which `ms` of open time have passed since `from` (`from` itself for 0). */
export function addBusinessMs(cal: BusinessCalendar, from: Date, ms: number): Date {
  const a = instantOf(from, 'The start');
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new AppError('validation_failed', 'A business time target is a whole number of ms, 0 or more.');
  if (ms === 0) return new Date(a);
  if (ms > HORIZON_DAYS * DAY_MS) beyondHorizon();
  const c = compile(cal);
  const firstDay = c.clock.dayOf(a) - 1;
  let left = ms;
  for (const [start, end] of openIntervals(c, firstDay, firstDay + 1 + HORIZON_DAYS)) {
    if (end <= a) continue;
    const begin = Math.max(start, a);
    if (left <= end - begin) return new Date(begin + left);
    left -= end - begin;
  }
  beyondHorizon();
}

/** Whether the calendar is open at an instant (open at a range's start, closed at its end). */
export function isOpenAt(cal: BusinessCalendar, at: Date): boolean {
  const t = instantOf(at, 'The time');
  const c = compile(cal);
  const day = c.clock.dayOf(t);
  for (const [start, end] of openIntervals(c, day - 1, day)) {
    if (start > t) return false;
    if (t < end) return true;
  }
  return false;
}
