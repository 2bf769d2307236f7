import { describe, expect, it } from 'vitest';
import { nextRun, type Recurrence, recurrenceSchema, zonedInstant } from './schedule-recurrence.ts';

const r = (input: Record<string, unknown>) => recurrenceSchema.parse(input) as Recurrence;
const next = (rec: Recurrence, after: string) => nextRun(rec, new Date(after)).toISOString();

describe('next run of a report schedule', () => {
  it('runs every Saturday at 08:00 in Tehran', () => {
    const saturdays = r({ frequency: 'weekly', weekday: 6, time: '08:00', timeZone: 'Asia/Tehran' });
    // Wednesday 2025-03-19 → Saturday 2025-03-22, 08:00 at +03:30.
    expect(next(saturdays, '2025-03-19T00:00:00Z')).toBe('2025-03-22T04:30:00.000Z');
    // At the very minute it ran, the next is a week later.
    expect(next(saturdays, '2025-03-22T04:30:00Z')).toBe('2025-03-29T04:30:00.000Z');
  });

  it('runs on the first day of each Jalali month, across the new year (1 Farvardin 1404 = 2025-03-21)', () => {
    const firsts = r({
      frequency: 'monthly',
      monthDay: 1,
      calendar: 'persian',
      time: '09:00',
      timeZone: 'Asia/Tehran',
    });
    expect(next(firsts, '2025-03-10T00:00:00Z')).toBe('2025-03-21T05:30:00.000Z');
    expect(next(firsts, '2025-03-21T05:30:00Z')).toBe('2025-04-21T05:30:00.000Z');
    // Mehr 1403 began on 2024-09-22.
    expect(next(firsts, '2024-09-01T00:00:00Z')).toBe('2024-09-22T05:30:00.000Z');
  });

  it('runs on the last day of a Jalali month as ICU counts it (30 Esfand 1403 = 2025-03-20)', () => {
    const lasts = r({
      frequency: 'monthly',
      monthDay: -1,
      calendar: 'persian',
      time: '18:00',
      timeZone: 'Asia/Tehran',
    });
    expect(next(lasts, '2025-03-01T00:00:00Z')).toBe('2025-03-20T14:30:00.000Z');
    // Farvardin has 31 days: its last is 2025-04-20.
    expect(next(lasts, '2025-03-20T14:30:00Z')).toBe('2025-04-20T14:30:00.000Z');
    // The 31st of Mehr (30 days) falls on its last day, 2024-10-21.
    const the31st = r({
      frequency: 'monthly',
      monthDay: 31,
      calendar: 'persian',
      time: '18:00',
      timeZone: 'Asia/Tehran',
    });
    expect(next(the31st, '2024-10-01T00:00:00Z')).toBe('2024-10-21T14:30:00.000Z');
  });

  it('runs on the first of a Hijri month (1 Ramadan 1445 = 2024-03-11) and of a Gregorian one', () => {
    const hijri = r({
      frequency: 'monthly',
      monthDay: 1,
      calendar: 'islamic-umalqura',
      time: '07:00',
      timeZone: 'Asia/Riyadh',
    });
    expect(next(hijri, '2024-03-01T00:00:00Z')).toBe('2024-03-11T04:00:00.000Z');
    const gregorian = r({ frequency: 'monthly', monthDay: 1, time: '07:00', timeZone: 'UTC' });
    expect(next(gregorian, '2024-12-15T00:00:00Z')).toBe('2025-01-01T07:00:00.000Z');
    expect(next(gregorian, '2025-01-31T00:00:00Z')).toBe('2025-02-01T07:00:00.000Z');
  });

  it('keeps the wall-clock time across clock changes: skipped times run when the clock reaches them, repeated ones once', () => {
    const ny = r({ frequency: 'daily', time: '02:30', timeZone: 'America/New_York' });
    // 2025-03-09: clocks jump from 02:00 to 03:00 — 02:30 does not exist, the run is at 03:30 EDT.
    expect(next(ny, '2025-03-09T05:00:00Z')).toBe('2025-03-09T07:30:00.000Z');
    // The day before and after keep 02:30 at their own offsets.
    expect(next(ny, '2025-03-08T05:00:00Z')).toBe('2025-03-08T07:30:00.000Z');
    expect(next(ny, '2025-03-09T08:00:00Z')).toBe('2025-03-10T06:30:00.000Z');
    // 2025-11-02: 01:30 happens twice; the run is the first (EDT).
    expect(zonedInstant('2025-11-02', '01:30', 'America/New_York').toISOString()).toBe(
      '2025-11-02T05:30:00.000Z',
    );
    const berlin = r({ frequency: 'weekly', weekday: 0, time: '02:30', timeZone: 'Europe/Berlin' });
    expect(next(berlin, '2025-03-29T00:00:00Z')).toBe('2025-03-30T01:30:00.000Z');
    expect(next(berlin, '2025-10-25T00:00:00Z')).toBe('2025-10-26T00:30:00.000Z');
  });

  it('refuses recurrences that do not say enough, or say nonsense', () => {
    const bad = [
      { frequency: 'weekly', time: '08:00', timeZone: 'Asia/Tehran' },
      { frequency: 'monthly', time: '08:00', timeZone: 'Asia/Tehran' },
      { frequency: 'daily', time: '24:00', timeZone: 'Asia/Tehran' },
      { frequency: 'daily', time: '08:00', timeZone: 'Mars/Olympus' },
      { frequency: 'daily', time: '08:00', timeZone: 'Asia/Tehran\u0000' },
      { frequency: 'monthly', monthDay: 0, time: '08:00', timeZone: 'UTC' },
      { frequency: 'hourly', time: '08:00', timeZone: 'UTC' },
      { frequency: 'daily', time: '08:00', timeZone: 'UTC', extra: 1 },
    ];
    for (const input of bad)
      expect(recurrenceSchema.safeParse(input).success, JSON.stringify(input)).toBe(false);
  });
});
