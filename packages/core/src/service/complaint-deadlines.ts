import { partsIn, zonedTime } from '../workflows/schedule.ts';

/**
 * Complaint deadlines in calendar days, counted in a time zone: the day a complaint was opened is day 0, and a
 * deadline of N days falls at the end of day N (local midnight starting day N + 1). Weekends and holidays count:
 * complaint rules are written in calendar days, unlike SLA targets in business hours.
 */

/** Whether a time zone name is one the runtime knows (IANA, such as `Asia/Tehran`). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The end of the `days`th calendar day after `opened`'s local date in `timeZone`. */
export function calendarDeadline(opened: Date, days: number, timeZone: string): Date {
  const { y, m, d } = partsIn(opened, timeZone);
  // Date.UTC carries day overflow into the next month and year.
  const next = new Date(Date.UTC(y, m - 1, d + days + 1));
  const date = { y: next.getUTCFullYear(), m: next.getUTCMonth() + 1, d: next.getUTCDate() };
  // A midnight skipped by a change of offset is moved forward by the change: the day's first instant.
  return zonedTime(date, { h: 0, min: 0 }, timeZone);
}

export type DeadlineState = 'pending' | 'met' | 'breached';

/** A deadline's state: met when done by it, breached once passed (done late or not yet), pending before. */
export function deadlineState(due: Date, doneAt: Date | null, now: Date): DeadlineState {
  if (doneAt) return doneAt.getTime() < due.getTime() ? 'met' : 'breached';
  return now.getTime() < due.getTime() ? 'pending' : 'breached';
}
