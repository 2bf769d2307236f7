import { isTimeZone } from '@rabita/shared';
import { CronExpressionParser } from 'cron-parser';
import type { Trigger } from './definition.ts';

/**
 * Time for workflow triggers: when a cron schedule next fires in its IANA time zone, and when a date-relative
 * trigger fires for a field's value. Pure functions of their inputs (the clock is passed in), so tests pin them.
 *
 * Across daylight-saving changes a cron time fires once: a time skipped by a spring-forward change fires at the
 * same minute of the next hour (02:30 → 03:30), and a time repeated by a fall-back change fires at its first
 * occurrence only (cron-parser's rules).
 */

/** A run missed while the server was down still starts when it comes back within this; later it is skipped. */
export const GRACE_MS = 60 * 60 * 1000;

const CRON_FIELD = /^[0-9A-Za-z*,/\-#?]{1,40}$/;
/** A cron that fires less often than this (e.g. on 30 February) is refused: it would never run. */
const HORIZON_MS = 5 * 366 * 24 * 60 * 60 * 1000;

/** Why a cron and time zone cannot be a schedule (a sentence), or null when they can. */
export function cronProblem(cron: string, timeZone: string, now = new Date()): string | null {
  if (!isTimeZone(timeZone) || timeZone.length > 64)
    return `"${timeZone.slice(0, 64)}" is not an IANA time zone (such as Asia/Tehran or Europe/Berlin).`;
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5 || !fields.every((f) => CRON_FIELD.test(f)))
    return 'A schedule is five cron fields: minute, hour, day of month, month, day of week (such as "0 8 * * 6").';
  let next: Date;
  try {
    next = nextFire(cron, timeZone, now);
  } catch (error) {
    const why = error instanceof Error ? error.message : 'it does not parse';
    return `The schedule "${cron.trim()}" is not a valid cron expression (${why}).`;
  }
  if (next.getTime() - now.getTime() > HORIZON_MS)
    return `The schedule "${cron.trim()}" would not run in the next five years.`;
  return null;
}

/** The first fire time of the cron in the time zone strictly after `after`. Throws on a bad cron. */
export function nextFire(cron: string, timeZone: string, after: Date): Date {
  const it = CronExpressionParser.parse(cron.trim(), { tz: timeZone, currentDate: after });
  const next = it.next().toDate();
  if (Number.isNaN(next.getTime())) throw new Error('no next time');
  return next;
}

/** A workspace's calendar: its time zone and weekend days (1 = Monday … 7 = Sunday), from its default country. */
export interface Calendar {
  timeZone: string;
  weekend: number[];
}

/**
 * The calendar of a country (CLDR data, as the runtime has it): the weekend is Friday in Iran, Friday and Saturday
 * in Saudi Arabia, the Emirates and Egypt, Saturday and Sunday in Germany and the United States; the time zone is
 * the country's when its clocks agree all year (Asia/Tehran, Asia/Riyadh, Africa/Cairo, Europe/Berlin), else UTC.
 */
export function calendarOf(country: string): Calendar {
  try {
    const locale = new Intl.Locale(`und-${country}`) as Intl.Locale & {
      getWeekInfo?: () => { weekend: number[] };
      getTimeZones?: () => string[] | undefined;
      weekInfo?: { weekend: number[] };
      timeZones?: string[];
    };
    const weekend = (locale.getWeekInfo?.() ?? locale.weekInfo)?.weekend ?? [6, 7];
    const zones = locale.getTimeZones?.() ?? locale.timeZones ?? [];
    // One zone, or zones that keep the same time all year (Berlin and Büsingen): the first; else UTC.
    const probes = [new Date(Date.UTC(2026, 0, 1)), new Date(Date.UTC(2026, 6, 1))];
    const oneClock =
      zones.length > 0 &&
      probes.every((at) => zones.every((z) => offsetAt(at, z) === offsetAt(at, zones[0]!)));
    return { timeZone: oneClock ? zones[0]! : 'UTC', weekend };
  } catch {
    return { timeZone: 'UTC', weekend: [6, 7] };
  }
}

/** The wall-clock parts of an instant in a time zone. */
export function partsIn(instant: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return {
    y: get('year'),
    m: get('month'),
    d: get('day'),
    h: get('hour'),
    min: get('minute'),
    s: get('second'),
  };
}

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(instant: Date, timeZone: string): number {
  const p = partsIn(instant, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(instant.getTime() / 1000) * 1000;
}

/**
 * The instant of a wall-clock time in a time zone. A time skipped by a spring-forward change is moved forward by
 * the change (02:30 → 03:30); a repeated one is the first occurrence.
 */
export function zonedTime(
  date: { y: number; m: number; d: number },
  time: { h: number; min: number },
  timeZone: string,
): Date {
  const wall = Date.UTC(date.y, date.m - 1, date.d, time.h, time.min);
  // The earlier offset first (the first occurrence of a repeated time), then check it reads back.
  const candidates = [
    offsetAt(new Date(wall - 36e5 * 3), timeZone),
    offsetAt(new Date(wall + 36e5 * 3), timeZone),
  ]
    .sort((a, b) => b - a)
    .map((o) => new Date(wall - o));
  for (const c of candidates) {
    const p = partsIn(c, timeZone);
    if (p.h === time.h && p.min === time.min && p.d === date.d) return c;
  }
  // Skipped by a spring-forward change: the same wall time read with the offset before the change.
  return new Date(wall - offsetAt(new Date(wall - 36e5 * 3), timeZone));
}

type DateTrigger = Extract<Trigger, { type: 'date' }>;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Weekday of a calendar date, 1 = Monday … 7 = Sunday. */
function weekday(y: number, m: number, d: number): number {
  const w = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return w === 0 ? 7 : w;
}

function addDays(date: { y: number; m: number; d: number }, n: number) {
  const t = new Date(Date.UTC(date.y, date.m - 1, date.d + n));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

/** Moves a date by business days (weekend days are not counted); 0 on a weekend day goes back to the last one before. */
export function addBusinessDays(date: { y: number; m: number; d: number }, n: number, weekend: number[]) {
  let at = date;
  const step = n < 0 ? -1 : 1;
  let left = Math.abs(n);
  while (left > 0) {
    at = addDays(at, step);
    if (!weekend.includes(weekday(at.y, at.m, at.d))) left--;
  }
  for (let guard = 0; guard < 7 && weekend.includes(weekday(at.y, at.m, at.d)); guard++) at = addDays(at, -1);
  return at;
}

/**
 * When a date-relative trigger fires for a field's value (a `YYYY-MM-DD` date or an ISO date-time), or null when
 * the value is empty or not a date. Days move the calendar date in the time zone (business days skip the
 * weekend) and set the time of day (`at`; 09:00 for a date field, the value's own time for a date-time without
 * one); minutes move the instant (a date field counts from `at`, else midnight, on its day).
 */
export function dateFireTime(value: unknown, trigger: DateTrigger, calendar: Calendar): Date | null {
  if (typeof value !== 'string' || value.length === 0) return null;
  const timeZone = trigger.timeZone ?? calendar.timeZone;
  const [ah, am] = (trigger.at ?? '').split(':').map(Number);
  const at = trigger.at ? { h: ah!, min: am! } : undefined;
  let day: { y: number; m: number; d: number };
  let time: { h: number; min: number };
  const m = DAY.exec(value);
  if (m) {
    day = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
    time = at ?? (trigger.unit === 'days' ? { h: 9, min: 0 } : { h: 0, min: 0 });
  } else {
    const instant = new Date(value);
    if (Number.isNaN(instant.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(value)) return null;
    if (trigger.unit === 'minutes') return new Date(instant.getTime() + trigger.offset * 60_000);
    const p = partsIn(instant, timeZone);
    day = { y: p.y, m: p.m, d: p.d };
    time = at ?? { h: p.h, min: p.min };
  }
  if (trigger.unit === 'minutes')
    return new Date(zonedTime(day, time, timeZone).getTime() + trigger.offset * 60_000);
  const target = trigger.businessDays
    ? addBusinessDays(day, trigger.offset, calendar.weekend)
    : addDays(day, trigger.offset);
  return zonedTime(target, time, timeZone);
}
