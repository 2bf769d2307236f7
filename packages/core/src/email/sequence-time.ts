import { addBusinessDays, partsIn, zonedTime } from '../workflows/schedule.ts';
import type { SequenceSettings } from './email.repository.ts';

/** Weekend days (1 = Monday … 7 = Sunday) of each choice a workspace has. */
export const WEEKENDS: Record<NonNullable<SequenceSettings['weekend']>, number[]> = {
  fri: [5],
  'thu-fri': [4, 5],
  'fri-sat': [5, 6],
  'sat-sun': [6, 7],
};

export interface SendRules {
  timeZone: string;
  weekend: number[];
  /** Minutes after local midnight. */
  start: number;
  end: number;
}

function minutes(hhmm: string | undefined, fallback: number): number {
  const m = /^(\d{2}):(\d{2})$/.exec(hhmm ?? '');
  return m ? Number(m[1]) * 60 + Number(m[2]) : fallback;
}

/** A sequence's rules, its own settings first, then the workspace's calendar; the window defaults to 09:00–17:00. */
export function sendRules(
  settings: SequenceSettings,
  calendar: { timeZone: string; weekend: number[] },
): SendRules {
  return {
    timeZone: settings.timeZone ?? calendar.timeZone,
    weekend: settings.weekend ? WEEKENDS[settings.weekend] : calendar.weekend,
    start: minutes(settings.window?.start, 9 * 60),
    end: minutes(settings.window?.end, 17 * 60),
  };
}

type Day = { y: number; m: number; d: number };

function weekday(day: Day): number {
  const w = new Date(Date.UTC(day.y, day.m - 1, day.d)).getUTCDay();
  return w === 0 ? 7 : w;
}

function nextDay(day: Day): Day {
  const t = new Date(Date.UTC(day.y, day.m - 1, day.d + 1));
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}

function at(day: Day, minute: number, timeZone: string): Date {
  return zonedTime(day, { h: Math.floor(minute / 60), min: minute % 60 }, timeZone);
}

/** The first instant at or after `from` that is on a business day inside the send window. */
export function nextOpening(from: Date, rules: SendRules): Date {
  const p = partsIn(from, rules.timeZone);
  let day: Day = { y: p.y, m: p.m, d: p.d };
  const now = p.h * 60 + p.min;
  if (!rules.weekend.includes(weekday(day)) && now >= rules.start && now < rules.end) return from;
  if (rules.weekend.includes(weekday(day)) || now >= rules.end) day = nextDay(day);
  for (let guard = 0; guard < 8 && rules.weekend.includes(weekday(day)); guard++) day = nextDay(day);
  return at(day, rules.start, rules.timeZone);
}

/**
 * When a step `delayDays` business days after `from` is sent: that many business days later (weekends per the
 * rules), at the same local time, moved into the send window.
 */
export function stepTime(from: Date, delayDays: number, rules: SendRules): Date {
  if (delayDays <= 0) return nextOpening(from, rules);
  const p = partsIn(from, rules.timeZone);
  const day = addBusinessDays({ y: p.y, m: p.m, d: p.d }, delayDays, rules.weekend);
  return nextOpening(at(day, p.h * 60 + p.min, rules.timeZone), rules);
}

/** The local midnight of the day `instant` falls on (for a mailbox's daily cap). */
export function startOfLocalDay(instant: Date, timeZone: string): Date {
  const p = partsIn(instant, timeZone);
  return at({ y: p.y, m: p.m, d: p.d }, 0, timeZone);
}

/** The opening after the day of `instant` (a mailbox that reached its cap waits for tomorrow's window). */
export function nextDayOpening(instant: Date, rules: SendRules): Date {
  const p = partsIn(instant, rules.timeZone);
  return nextOpening(at(nextDay({ y: p.y, m: p.m, d: p.d }), rules.start, rules.timeZone), rules);
}
