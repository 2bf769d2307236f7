// When a scheduled report runs next: a recurrence in its owner's calendar and time zone ("every Saturday at 08:00
// Asia/Tehran", "the first day of each Jalali month at 09:00"), computed with the platform's Intl calendars (ICU,
// the same authority as the calendar table of `reports-0001-calendar`) and time zones, so a Jalali month's first
// day and a clock change fall where ICU says.
import { CALENDARS, isTimeZone } from '@rabita/shared';
import { z } from 'zod';

export const FREQUENCIES = ['daily', 'weekly', 'monthly'] as const;

/** A recurrence: how often, on which day, at which wall-clock time, in which calendar and zone. */
export const recurrenceSchema = z
  .object({
    frequency: z.enum(FREQUENCIES),
    calendar: z.enum(CALENDARS).default('gregory').describe('The calendar a monthly day is counted in.'),
    timeZone: z
      .string()
      .max(64)
      .refine((v) => !v.includes('\u0000') && isTimeZone(v), 'Not a known IANA time zone.'),
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'Give a time as HH:MM (24 hours).')
      .describe('Wall-clock time in the zone; a time a clock change skips runs when the clock reaches it.'),
    weekday: z.number().int().min(0).max(6).optional().describe('For weekly: 0 Sunday … 6 Saturday.'),
    monthDay: z
      .number()
      .int()
      .min(-1)
      .max(31)
      .refine((v) => v !== 0, 'A day of the month is 1 to 31, or -1 for the last.')
      .optional()
      .describe(
        'For monthly: the day of the month in the calendar (1 the first, -1 the last; 31 in a shorter month is its last).',
      ),
  })
  .strict()
  .superRefine((r, ctx) => {
    if (r.frequency === 'weekly' && r.weekday === undefined)
      ctx.addIssue({ code: 'custom', path: ['weekday'], message: 'A weekly schedule needs its weekday.' });
    if (r.frequency === 'monthly' && r.monthDay === undefined)
      ctx.addIssue({ code: 'custom', path: ['monthDay'], message: 'A monthly schedule needs its day.' });
  });

export type Recurrence = z.infer<typeof recurrenceSchema>;

const DAY = 86_400_000;

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(timeZone: string, t: number): number {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormats.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(t));
  const of = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return (
    Date.UTC(of('year'), of('month') - 1, of('day'), of('hour'), of('minute'), of('second')) -
    (t - (t % 1000))
  );
}

/**
 * The instant a civil date's wall-clock time happens in a zone. A time the clocks skip (spring forward) is taken as
 * the clock reaches it (02:30 on a change at 02:00 becomes 03:30); a time that happens twice (fall back) is the
 * first.
 */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const [hh, mm] = time.split(':').map(Number) as [number, number];
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const before = offsetAt(timeZone, wall - DAY);
  const after = offsetAt(timeZone, wall + DAY);
  const valid = [...new Set([before, after])]
    .map((o) => wall - o)
    .filter((t) => offsetAt(timeZone, t) === wall - t);
  return new Date(valid.length > 0 ? Math.min(...valid) : wall - before);
}

/** The civil date (YYYY-MM-DD, Gregorian) an instant falls on in a zone. */
function civilDate(t: number, timeZone: string): string {
  return new Date(t + offsetAt(timeZone, t)).toISOString().slice(0, 10);
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();
/** A civil date's day of the month in a calendar. */
function dayOfMonth(date: string, calendar: string): number {
  let f = dayFormats.get(calendar);
  if (!f) {
    f = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, { timeZone: 'UTC', day: 'numeric' });
    dayFormats.set(calendar, f);
  }
  return Number(f.formatToParts(new Date(`${date}T12:00:00Z`)).find((p) => p.type === 'day')?.value);
}

const shift = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);

/** Whether a civil date is one the recurrence runs on. */
function runsOn(r: Recurrence, date: string): boolean {
  if (r.frequency === 'daily') return true;
  if (r.frequency === 'weekly') return new Date(`${date}T00:00:00Z`).getUTCDay() === r.weekday;
  const day = dayOfMonth(date, r.calendar);
  const last = dayOfMonth(shift(date, 1), r.calendar) === 1;
  const want = r.monthDay ?? 1;
  // The last day, or a day past the month's end (the 31st of a 30-day month) on its last day.
  return want === -1 ? last : day === want || (last && want > day);
}

/** The first time the recurrence runs strictly after `after`. */
export function nextRun(r: Recurrence, after: Date): Date {
  const start = civilDate(after.getTime(), r.timeZone);
  // A year and a bit covers every recurrence (a monthly one runs at most 31 days apart in any of the calendars).
  for (let i = 0; i < 400; i++) {
    const date = shift(start, i);
    if (!runsOn(r, date)) continue;
    const at = zonedInstant(date, r.time, r.timeZone);
    if (at.getTime() > after.getTime()) return at;
  }
  throw new Error('The recurrence has no run within a year.');
}
