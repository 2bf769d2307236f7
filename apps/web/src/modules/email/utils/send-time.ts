import type { Prefs } from '../../../lib/format.ts';

// A send time as the sender enters it — a civil date in their calendar (the date picker gives it as ISO) and a
// clock time — turned into the instant the API takes, in their time zone; Intl alone, as lib/zoned.ts does for days.

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** The wall-clock parts of an instant in a time zone. */
function partsIn(ms: number, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(ms);
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { y: n('year'), m: n('month'), d: n('day'), h: n('hour'), min: n('minute'), s: n('second') };
}

/** The zone's offset from UTC at an instant, in milliseconds (Tehran: +3.5 h). */
function offsetAt(ms: number, timeZone: string): number {
  const p = partsIn(ms, timeZone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - (ms - (ms % 1000));
}

/**
 * The instant a date (`YYYY-MM-DD`) and a clock time (`HH:MM`) name in a time zone, as ISO 8601 UTC; the offset is
 * taken once at a first guess and again at the result, so a time across a change of offset lands right.
 */
export function zonedInstant(date: string, time: string, timeZone: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const clock = HHMM.exec(time);
  const local = Date.UTC(y, m - 1, d, Number(clock?.[1] ?? 0), Number(clock?.[2] ?? 0));
  const first = local - offsetAt(local, timeZone);
  return new Date(local - offsetAt(first, timeZone)).toISOString();
}

/** Today's date (`YYYY-MM-DD`) as the clock reads it in a time zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  const p = partsIn(now.getTime(), timeZone);
  return `${p.y}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** A date moved by whole days (`YYYY-MM-DD`; dates have no zone, so UTC arithmetic is exact). */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Where "send later" starts: tomorrow at nine in the morning, the sender's clock. */
export function defaultSendLater(timeZone: string, now: Date = new Date()): { date: string; time: string } {
  return { date: addDays(todayIn(timeZone, now), 1), time: '09:00' };
}

/** Every clock time of a day, `step` minutes apart (`00:00`, `00:15`, …). */
export function clockTimes(step = 15): string[] {
  const times: string[] = [];
  for (let minutes = 0; minutes < 24 * 60; minutes += step)
    times.push(
      `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`,
    );
  return times;
}

/** Whether text is a clock time `HH:MM` (what the server's send windows take). */
export function isClockTime(value: string): boolean {
  return HHMM.test(value);
}

/** Writes clock times `HH:MM` in the user's language and digits, on the 24-hour clock (`۰۹:۳۰`). */
export function clockFormatter(prefs: Pick<Prefs, 'locale' | 'digits'>): (time: string) => string {
  const format = new Intl.DateTimeFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
    timeZone: 'UTC',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  return (time) => {
    const clock = HHMM.exec(time);
    return clock ? format.format(Date.UTC(2000, 0, 1, Number(clock[1]), Number(clock[2]))) : time;
  };
}

/** The last `days` days up to today in a time zone, as the instants that bound them (for the numbers' query). */
export function lastDays(
  timeZone: string,
  days: number,
  now: Date = new Date(),
): { from: string; to: string } {
  const today = todayIn(timeZone, now);
  return {
    from: zonedInstant(addDays(today, 1 - days), '00:00', timeZone),
    to: zonedInstant(addDays(today, 1), '00:00', timeZone),
  };
}
