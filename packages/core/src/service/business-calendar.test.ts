import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { zonedTime } from '../workflows/schedule.ts';
import {
  addBusinessMs,
  type BusinessCalendar,
  businessMsBetween,
  checkCalendar,
  isOpenAt,
  type TimeRange,
} from './business-calendar.ts';

// Golden cases worked out by hand (weekdays: 2026-03-06 is a Friday, 2026-03-21 a Saturday, 2026-11-01 a Sunday).
// Offsets: Tehran +03:30 all year (no DST since 2022), Riyadh +03:00, Dubai +04:00; Cairo +02:00, +03:00 from
// 2026-04-24 00:00 (clocks jump to 01:00) until 2026-10-30 00:00 (clocks go back to 23:00 on the 29th);
// New York −05:00, −04:00 from 2026-03-08 02:00 (→ 03:00) until 2026-11-01 02:00 (→ 01:00).

const H = 3_600_000;
const M = 60_000;
const r = (from: string, to: string): TimeRange => ({ from, to });
const at = (iso: string) => new Date(iso);
const days = (ranges: TimeRange[], ...weekdays: (1 | 2 | 3 | 4 | 5 | 6 | 7)[]) =>
  Object.fromEntries(weekdays.map((w) => [w, ranges]));

/** Tehran: Saturday–Wednesday 08:00–12:00 and 13:00–16:00 (lunch at 12), Thursday 08:00–12:00, Friday closed. */
const tehran: BusinessCalendar = {
  timeZone: 'Asia/Tehran',
  hours: { ...days([r('08:00', '12:00'), r('13:00', '16:00')], 6, 7, 1, 2, 3), 4: [r('08:00', '12:00')] },
  holidays: [],
};
const riyadh: BusinessCalendar = {
  timeZone: 'Asia/Riyadh',
  hours: days([r('08:00', '16:00')], 7, 1, 2, 3, 4),
  holidays: [],
};
const dubai: BusinessCalendar = {
  timeZone: 'Asia/Dubai',
  hours: days([r('08:00', '17:00')], 1, 2, 3, 4, 5),
  holidays: [],
};
const cairo: BusinessCalendar = {
  timeZone: 'Africa/Cairo',
  hours: days([r('09:00', '17:00')], 7, 1, 2, 3, 4),
  holidays: [],
};
const newYork: BusinessCalendar = {
  timeZone: 'America/New_York',
  hours: days([r('09:00', '17:00')], 1, 2, 3, 4, 5),
  holidays: [],
};
const everyDay = (timeZone: string, ranges: TimeRange[], holidays: string[] = []): BusinessCalendar => ({
  timeZone,
  hours: days(ranges, 1, 2, 3, 4, 5, 6, 7),
  holidays,
});

describe('business time: golden cases', () => {
  it('skips Tehran’s lunch hour and its Friday, and ends Thursday at noon', () => {
    // Sat 11:00 (07:30Z) + 2 h: 11:00–12:00, then 13:00–14:00 → Sat 14:00 (10:30Z).
    expect(addBusinessMs(tehran, at('2026-03-07T07:30:00Z'), 2 * H)).toEqual(at('2026-03-07T10:30:00Z'));
    // Thu 11:00 (07:30Z) + 2 h: 11:00–12:00 Thursday, Friday closed, Sat 08:00–09:00 → Sat 09:00 (05:30Z).
    expect(addBusinessMs(tehran, at('2026-03-12T07:30:00Z'), 2 * H)).toEqual(at('2026-03-14T05:30:00Z'));
    // A whole Tehran week: 5 × 7 h + 4 h.
    expect(businessMsBetween(tehran, at('2026-03-06T20:30:00Z'), at('2026-03-13T20:30:00Z'))).toBe(39 * H);
    expect(isOpenAt(tehran, at('2026-03-07T08:45:00Z'))).toBe(false); // 12:15, lunch
    expect(isOpenAt(tehran, at('2026-03-07T09:30:00Z'))).toBe(true); // 13:00 opens
    expect(isOpenAt(tehran, at('2026-03-07T08:30:00Z'))).toBe(false); // 12:00 closes
  });

  it('lets Nowruz close Tehran for four days', () => {
    // Thu 2026-03-19 11:00 + 8 h: 1 h on Thursday; Friday closed; Sat 21 – Tue 24 are Nowruz (1–4 Farvardin
    // 1405); Wed 25 08:00–12:00 (5 h) and 13:00–16:00 (8 h) → Wed 16:00 Tehran = 12:30Z, exactly at closing.
    const nowruz = { ...tehran, holidays: ['2026-03-21', '2026-03-22', '2026-03-23', '2026-03-24'] };
    const deadline = addBusinessMs(nowruz, at('2026-03-19T07:30:00Z'), 8 * H);
    expect(deadline).toEqual(at('2026-03-25T12:30:00Z'));
    expect(businessMsBetween(nowruz, at('2026-03-19T07:30:00Z'), deadline)).toBe(8 * H);
    expect(isOpenAt(nowruz, at('2026-03-22T06:00:00Z'))).toBe(false);
  });

  it('counts Riyadh Sunday–Thursday, through a four-day Eid al-Fitr and in Ramadan hours', () => {
    // Thu 2026-03-19 15:00 (12:00Z) + 3 h: 1 h Thursday; Fri–Sat weekend; Eid 1–4 Shawwal 1447 = Mar 20–23, so
    // Sun 22 and Mon 23 closed; Tue 24 08:00–10:00 → 10:00 Riyadh = 07:00Z.
    const eid = { ...riyadh, holidays: ['2026-03-20', '2026-03-21', '2026-03-22', '2026-03-23'] };
    expect(addBusinessMs(eid, at('2026-03-19T12:00:00Z'), 3 * H)).toEqual(at('2026-03-24T07:00:00Z'));
    expect(addBusinessMs(riyadh, at('2026-03-19T12:00:00Z'), 3 * H)).toEqual(at('2026-03-22T07:00:00Z'));
    // Ramadan hours 10:00–15:00: Wed 2026-03-04 14:00 (11:00Z) + 3 h → 1 h Wednesday, Thu 10:00–12:00 → 09:00Z.
    const ramadan = {
      ...riyadh,
      specialDays: { '2026-03-04': [r('10:00', '15:00')], '2026-03-05': [r('10:00', '15:00')] },
    };
    expect(addBusinessMs(ramadan, at('2026-03-04T11:00:00Z'), 3 * H)).toEqual(at('2026-03-05T09:00:00Z'));
    expect(isOpenAt(ramadan, at('2026-03-04T12:30:00Z'))).toBe(false); // 15:30 in Ramadan
    expect(isOpenAt(riyadh, at('2026-03-04T12:30:00Z'))).toBe(true); // 15:30 otherwise
  });

  it('counts Dubai Monday–Friday over its Saturday–Sunday weekend', () => {
    // Fri 2026-03-06 16:00 (12:00Z) + 2 h: 16:00–17:00 Friday, Mon 08:00–09:00 → 05:00Z on Monday.
    expect(addBusinessMs(dubai, at('2026-03-06T12:00:00Z'), 2 * H)).toEqual(at('2026-03-09T05:00:00Z'));
    expect(businessMsBetween(dubai, at('2026-03-06T12:00:00Z'), at('2026-03-09T05:00:00Z'))).toBe(2 * H);
  });

  it('keeps Cairo’s wall hours across its April and October changes', () => {
    // Thu 2026-04-23 16:00 EET (14:00Z) + 2 h: 1 h Thursday; Sun 26 09:00 EEST (06:00Z) + 1 h → 07:00Z.
    expect(addBusinessMs(cairo, at('2026-04-23T14:00:00Z'), 2 * H)).toEqual(at('2026-04-26T07:00:00Z'));
    // Thu 2026-10-29 16:00 EEST (13:00Z) + 2 h: 1 h Thursday; Sun Nov 1 09:00 EET (07:00Z) + 1 h → 08:00Z.
    expect(addBusinessMs(cairo, at('2026-10-29T13:00:00Z'), 2 * H)).toEqual(at('2026-11-01T08:00:00Z'));
    // A night 22:00–06:00 over a change: 7 h in April (midnight skipped), 9 h in October (23:00 twice).
    const nights = everyDay('Africa/Cairo', [r('22:00', '06:00')]);
    expect(businessMsBetween(nights, at('2026-04-23T19:00:00Z'), at('2026-04-24T05:00:00Z'))).toBe(7 * H);
    expect(businessMsBetween(nights, at('2026-10-29T18:00:00Z'), at('2026-10-30T06:00:00Z'))).toBe(9 * H);
  });

  it('keeps New York’s wall hours across its March and November changes', () => {
    // Fri 2026-03-06 16:00 EST (21:00Z) + 2 h → Mon 10:00 EDT (14:00Z); before the change it would be 15:00Z.
    expect(addBusinessMs(newYork, at('2026-03-06T21:00:00Z'), 2 * H)).toEqual(at('2026-03-09T14:00:00Z'));
    // Fri 2026-10-30 16:00 EDT (20:00Z) + 2 h → Mon Nov 2 10:00 EST (15:00Z).
    expect(addBusinessMs(newYork, at('2026-10-30T20:00:00Z'), 2 * H)).toEqual(at('2026-11-02T15:00:00Z'));
    // Open all day every day: Sunday 2026-03-08 is 23 h long, Sunday 2026-11-01 25 h.
    const always = everyDay('America/New_York', [r('00:00', '00:00')]);
    expect(businessMsBetween(always, at('2026-03-08T05:00:00Z'), at('2026-03-09T04:00:00Z'))).toBe(23 * H);
    expect(businessMsBetween(always, at('2026-11-01T04:00:00Z'), at('2026-11-02T05:00:00Z'))).toBe(25 * H);
  });

  it('shortens a range over the skipped hour and lengthens one over the repeated hour', () => {
    const sunday = (ranges: TimeRange[]): BusinessCalendar => ({
      timeZone: 'America/New_York',
      hours: { 7: ranges },
      holidays: [],
    });
    // 2026-03-08: 02:00–03:00 never happens. 01:30–03:30 opens 06:30Z and closes 07:30Z: one hour.
    expect(
      businessMsBetween(
        sunday([r('01:30', '03:30')]),
        at('2026-03-08T00:00:00Z'),
        at('2026-03-09T00:00:00Z'),
      ),
    ).toBe(H);
    // 02:30–04:00 opens when the clocks jump to 03:00 (07:00Z) and closes at 04:00 EDT (08:00Z).
    const late = sunday([r('02:30', '04:00')]);
    expect(isOpenAt(late, at('2026-03-08T06:59:59Z'))).toBe(false);
    expect(isOpenAt(late, at('2026-03-08T07:00:00Z'))).toBe(true);
    expect(businessMsBetween(late, at('2026-03-08T00:00:00Z'), at('2026-03-09T00:00:00Z'))).toBe(H);
    // Entirely inside the skipped hour: never open that day.
    expect(
      businessMsBetween(
        sunday([r('02:15', '02:45')]),
        at('2026-03-08T00:00:00Z'),
        at('2026-03-09T00:00:00Z'),
      ),
    ).toBe(0);
    // 2026-11-01: 01:00–02:00 happens twice; 00:30–02:30 runs 04:30Z–07:30Z, three hours.
    expect(
      businessMsBetween(
        sunday([r('00:30', '02:30')]),
        at('2026-11-01T00:00:00Z'),
        at('2026-11-02T00:00:00Z'),
      ),
    ).toBe(3 * H);
    // A repeated time opens at its first occurrence (01:30 EDT = 05:30Z).
    expect(isOpenAt(sunday([r('01:30', '03:00')]), at('2026-11-01T05:30:00Z'))).toBe(true);
  });

  it('runs a night shift 22:00–06:00 into the next morning, owned by the day it starts', () => {
    const nights: BusinessCalendar = {
      timeZone: 'Asia/Dubai',
      hours: days([r('22:00', '06:00')], 1, 2, 3, 4, 5),
      holidays: ['2026-03-13'],
    };
    // Friday 2026-03-13 is a holiday: Thursday's night still runs to Friday 06:00, Friday's own night does not.
    expect(isOpenAt(nights, at('2026-03-12T23:00:00Z'))).toBe(true); // Fri 03:00
    expect(isOpenAt(nights, at('2026-03-13T19:00:00Z'))).toBe(false); // Fri 23:00
    expect(isOpenAt(nights, at('2026-03-13T23:00:00Z'))).toBe(false); // Sat 03:00
    // Without the holiday Friday's night runs to Saturday 06:00 (closed at 06:00 itself).
    const open = { ...nights, holidays: [] };
    expect(isOpenAt(open, at('2026-03-14T01:00:00Z'))).toBe(true); // Sat 05:00
    expect(isOpenAt(open, at('2026-03-14T02:00:00Z'))).toBe(false); // Sat 06:00
    // Sat 07:00 + 1 h: nothing until Monday 22:00 → Mon 23:00 (19:00Z).
    expect(addBusinessMs(open, at('2026-03-14T03:00:00Z'), H)).toEqual(at('2026-03-16T19:00:00Z'));
    // Mon 23:00 + 8 h: 7 h to Tue 06:00, then Tue 22:00–23:00 → Tue 23:00 (19:00Z).
    expect(addBusinessMs(open, at('2026-03-16T19:00:00Z'), 8 * H)).toEqual(at('2026-03-17T19:00:00Z'));
  });

  it('puts a holiday on the calendar’s own date, not the UTC one (the "a day early" bug)', () => {
    // Tehran is +03:30: 12 Farvardin 1405 (2026-04-01) runs 2026-03-31T20:30Z – 2026-04-01T20:30Z.
    const tehranAlways = everyDay('Asia/Tehran', [r('00:00', '00:00')], ['2026-04-01']);
    expect(isOpenAt(tehranAlways, at('2026-03-31T20:00:00Z'))).toBe(true); // Mar 31 23:30
    expect(isOpenAt(tehranAlways, at('2026-03-31T21:00:00Z'))).toBe(false); // Apr 1 00:30, UTC still Mar 31
    expect(isOpenAt(tehranAlways, at('2026-04-01T20:00:00Z'))).toBe(false); // Apr 1 23:30
    expect(isOpenAt(tehranAlways, at('2026-04-01T21:00:00Z'))).toBe(true); // Apr 2 00:30
    // Mar 31 23:00 (19:30Z) + 2 h: 1 h on Mar 31, the holiday, then Apr 2 00:00–01:00 → 2026-04-01T21:30Z.
    expect(addBusinessMs(tehranAlways, at('2026-03-31T19:30:00Z'), 2 * H)).toEqual(
      at('2026-04-01T21:30:00Z'),
    );
    // New York is −04:00 in July: 2026-07-03 runs 04:00Z – next day 04:00Z.
    const nyAlways = everyDay('America/New_York', [r('00:00', '00:00')], ['2026-07-03']);
    expect(isOpenAt(nyAlways, at('2026-07-03T02:00:00Z'))).toBe(true); // Jul 2 22:00, UTC already Jul 3
    expect(isOpenAt(nyAlways, at('2026-07-04T02:00:00Z'))).toBe(false); // Jul 3 22:00, UTC already Jul 4
    // Mon–Fri 09:00–17:00 with the holiday: Thu Jul 2 16:00 (20:00Z) + 2 h → Mon Jul 6 10:00 (14:00Z).
    const ny = { ...newYork, holidays: ['2026-07-03'] };
    expect(addBusinessMs(ny, at('2026-07-02T20:00:00Z'), 2 * H)).toEqual(at('2026-07-06T14:00:00Z'));
  });

  it('does not depend on the server’s time zone', () => {
    const before = process.env.TZ;
    try {
      for (const zone of ['Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Tehran']) {
        process.env.TZ = zone;
        expect(addBusinessMs(tehran, at('2026-03-12T07:30:00Z'), 2 * H)).toEqual(at('2026-03-14T05:30:00Z'));
        expect(addBusinessMs(newYork, at('2026-03-06T21:00:00Z'), 2 * H)).toEqual(at('2026-03-09T14:00:00Z'));
      }
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });

  it('gives a zero target its own start, open or closed', () => {
    const sunday = at('2026-03-08T15:00:00Z');
    expect(addBusinessMs(newYork, sunday, 0)).toEqual(sunday);
    // One ms lands just after Monday's opening.
    expect(addBusinessMs(newYork, sunday, 1)).toEqual(at('2026-03-09T13:00:00.001Z'));
  });

  it('lets a special day replace a weekday’s hours, open a closed day, and be closed by a holiday', () => {
    const cal: BusinessCalendar = {
      ...dubai,
      holidays: ['2026-03-10'],
      specialDays: { '2026-03-07': [r('10:00', '12:00')], '2026-03-10': [r('10:00', '12:00')] },
    };
    expect(isOpenAt(cal, at('2026-03-07T07:00:00Z'))).toBe(true); // Saturday 11:00, opened
    expect(isOpenAt(cal, at('2026-03-10T07:00:00Z'))).toBe(false); // Tuesday 11:00, holiday wins
  });

  it('counts overlapping ranges once (a special morning under the night before)', () => {
    const cal: BusinessCalendar = {
      timeZone: 'UTC',
      hours: { 1: [r('22:00', '06:00')] },
      holidays: [],
      specialDays: { '2026-03-10': [r('00:00', '08:00')] },
    };
    // Mon 2026-03-09 22:00 → Tue 06:00 and Tue 00:00 → 08:00: 22:00–08:00, ten hours.
    expect(businessMsBetween(cal, at('2026-03-09T00:00:00Z'), at('2026-03-11T00:00:00Z'))).toBe(10 * H);
  });

  it('is antisymmetric and never more than the wall time between', () => {
    const a = at('2026-03-01T00:00:00Z');
    const b = at('2026-03-20T00:00:00Z');
    expect(businessMsBetween(dubai, b, a)).toBe(-businessMsBetween(dubai, a, b));
    expect(businessMsBetween(dubai, a, a)).toBe(0);
    expect(Object.is(businessMsBetween(dubai, a, a), 0)).toBe(true);
  });

  it('refuses a target past ten years, a calendar never open, and bad input, with AppErrors', () => {
    const never: BusinessCalendar = { timeZone: 'UTC', hours: {}, holidays: [] };
    const start = at('2026-01-01T00:00:00Z');
    expect(() => addBusinessMs(never, start, M)).toThrow(AppError);
    expect(() => addBusinessMs(never, start, M)).toThrow(/ten years/);
    expect(() => addBusinessMs(dubai, start, 11 * 366 * 24 * H)).toThrow(/ten years/);
    expect(() => businessMsBetween(dubai, start, at('2040-01-01T00:00:00Z'))).toThrow(/ten years/);
    expect(() => addBusinessMs(dubai, start, -1)).toThrow(/0 or more/);
    expect(() => addBusinessMs(dubai, start, Number.NaN)).toThrow(AppError);
    expect(() => addBusinessMs(dubai, new Date(Number.NaN), H)).toThrow(/not a valid date/);
    expect(() => isOpenAt({ ...dubai, timeZone: 'Mars/Olympus' }, start)).toThrow(AppError);
    expect(() => isOpenAt({ ...dubai, hours: { 1: [r('9:00', '17:00')] } }, start)).toThrow(AppError);
    // Eight open hours a week reach a year of business time well within the horizon, quickly.
    const began = performance.now();
    const deadline = addBusinessMs(dubai, start, 2_000 * H);
    expect(businessMsBetween(dubai, start, deadline)).toBe(2_000 * H);
    expect(performance.now() - began).toBeLessThan(2_000);
  });
});

describe('checkCalendar', () => {
  it('accepts the golden calendars and a night shift', () => {
    for (const cal of [tehran, riyadh, dubai, cairo, newYork, everyDay('UTC', [r('22:00', '06:00')])])
      expect(checkCalendar(cal)).toEqual([]);
  });

  it('names each problem by its path', () => {
    const problems = checkCalendar({
      timeZone: 'Asia/Nowhere',
      hours: { 1: [r('08:00', '12:00'), r('11:00', '13:00')], 2: [r('24:00', '08:00')], 8: [] },
      holidays: ['2026-02-30', 'tomorrow'],
      specialDays: { '2026-13-01': [] },
    });
    const fields = problems.map((p) => p.field);
    expect(fields).toEqual(
      expect.arrayContaining(['timeZone', 'hours', 'hours.2.0.from', 'holidays.0', 'holidays.1']),
    );
    expect(problems.some((p) => p.field.startsWith('specialDays'))).toBe(true);
  });

  it('refuses overlaps within a day and a night that runs into the next day’s first range', () => {
    expect(
      checkCalendar({
        timeZone: 'UTC',
        hours: { 1: [r('08:00', '12:00'), r('11:00', '13:00')] },
        holidays: [],
      }),
    ).toEqual([{ field: 'hours.1', message: '08:00–12:00 and 11:00–13:00 overlap on Monday.' }]);
    expect(
      checkCalendar({
        timeZone: 'UTC',
        hours: { 7: [r('22:00', '06:00')], 1: [r('05:00', '09:00')] },
        holidays: [],
      }),
    ).toEqual([{ field: 'hours.7', message: '22:00–06:00 on Sunday runs into 05:00–09:00 on Monday.' }]);
    expect(checkCalendar({ timeZone: 'UTC', hours: {}, holidays: [] })).toEqual([
      { field: 'hours', message: 'The calendar is never open: give at least one weekday its hours.' },
    ]);
  });

  it('refuses hostile shapes without throwing', () => {
    for (const bad of [
      null,
      'x',
      [],
      { timeZone: 'UTC\u0000', hours: {}, holidays: [] },
      { timeZone: 'UTC', hours: { 1: 'x' }, holidays: 'x' },
    ])
      expect(checkCalendar(bad).length).toBeGreaterThan(0);
    expect(checkCalendar({ ...dubai, holidays: Array.from({ length: 5_001 }, () => '2026-01-01') })).toEqual([
      { field: 'holidays', message: 'At most 5000 holidays.' },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Properties

const ZONES = [
  'Asia/Tehran',
  'Asia/Riyadh',
  'Asia/Dubai',
  'Africa/Cairo',
  'America/New_York',
  'Australia/Lord_Howe', // a half-hour change
  'Europe/London',
  'UTC',
];
/** Instants near the 2026 changes of these zones, and others. */
const NEAR = [
  '2026-03-08T07:00:00Z',
  '2026-11-01T06:00:00Z',
  '2026-04-23T22:00:00Z',
  '2026-10-29T21:00:00Z',
  '2026-03-29T01:00:00Z',
  '2026-04-04T15:00:00Z',
  '2026-10-03T15:30:00Z',
  '2026-06-15T12:00:00Z',
].map((s) => Date.parse(s));

const hhmm = (quarter: number) =>
  `${String(Math.floor(quarter / 4) % 24).padStart(2, '0')}:${String((quarter % 4) * 15).padStart(2, '0')}`;

/** One to three ranges from sorted quarter-hour points; the last may run past midnight. */
const dayRanges = fc
  .uniqueArray(fc.integer({ min: 0, max: 95 }), { minLength: 0, maxLength: 6 })
  .chain((points) => fc.tuple(fc.constant(points.sort((a, b) => a - b)), fc.boolean()))
  .map(([points, overnight]) => {
    const ranges: TimeRange[] = [];
    for (let i = 0; i + 1 < points.length; i += 2) ranges.push(r(hhmm(points[i]!), hhmm(points[i + 1]!)));
    const last = points.length % 2 === 1 ? points[points.length - 1]! : undefined;
    if (overnight && last !== undefined) ranges.push(r(hhmm(last), hhmm((points[0] ?? 8) + 0)));
    return ranges;
  });

const calendarArb = fc
  .record({
    timeZone: fc.constantFrom(...ZONES),
    week: fc.array(dayRanges, { minLength: 7, maxLength: 7 }),
    holidays: fc.uniqueArray(fc.integer({ min: 0, max: 400 }), { maxLength: 40 }),
    special: fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), dayRanges), { maxLength: 5 }),
  })
  .map(({ timeZone, week, holidays, special }): BusinessCalendar => {
    const date = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
    const hours: BusinessCalendar['hours'] = {};
    week.forEach((ranges, i) => {
      if (ranges.length > 0) hours[(i + 1) as 1] = ranges;
    });
    // Never closed all week: Monday at least 09:00–10:00.
    if (Object.keys(hours).length === 0) hours[1] = [r('09:00', '10:00')];
    return {
      timeZone,
      hours,
      holidays: holidays.map(date),
      specialDays: Object.fromEntries(special.map(([n, ranges]) => [date(n), ranges])),
    };
  });

const instantArb = fc
  .tuple(fc.constantFrom(...NEAR), fc.integer({ min: -10 * 86_400_000, max: 10 * 86_400_000 }))
  .map(([base, shift]) => new Date(base + shift));
const targetArb = fc.oneof(
  fc.integer({ min: 0, max: 200 * H }),
  fc.integer({ min: 0, max: 12 }).map((q) => q * 15 * M),
);

describe('business time: properties', () => {
  it('measures back exactly the target it was given: businessMsBetween(t, addBusinessMs(t, x)) = x', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, targetArb, (cal, t, x) => {
        const deadline = addBusinessMs(cal, t, x);
        expect(deadline.getTime()).toBeGreaterThanOrEqual(t.getTime());
        expect(businessMsBetween(cal, t, deadline)).toBe(x);
      }),
      { numRuns: 200 },
    );
  });

  it('never moves a deadline earlier for a larger target', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, targetArb, targetArb, (cal, t, x, y) => {
        const [small, large] = x <= y ? [x, y] : [y, x];
        expect(addBusinessMs(cal, t, small).getTime()).toBeLessThanOrEqual(
          addBusinessMs(cal, t, large).getTime(),
        );
      }),
      { numRuns: 150 },
    );
  });

  it('never moves a deadline earlier for another holiday', () => {
    fc.assert(
      fc.property(
        calendarArb,
        instantArb,
        targetArb,
        fc.integer({ min: -2, max: 12 }),
        (cal, t, x, dayShift) => {
          const holiday = new Date(t.getTime() + dayShift * 86_400_000).toISOString().slice(0, 10);
          const closed = { ...cal, holidays: [...cal.holidays, holiday] };
          expect(addBusinessMs(closed, t, x).getTime()).toBeGreaterThanOrEqual(
            addBusinessMs(cal, t, x).getTime(),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('adds up: (a, b) + (b, c) = (a, c) in any order, and a pause never adds time', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, instantArb, instantArb, (cal, a, b, c) => {
        const ab = businessMsBetween(cal, a, b);
        const bc = businessMsBetween(cal, b, c);
        expect(ab + bc).toBe(businessMsBetween(cal, a, c));
        if (a <= b) {
          expect(ab).toBeGreaterThanOrEqual(0);
          expect(ab).toBeLessThanOrEqual(b.getTime() - a.getTime());
        }
      }),
      { numRuns: 150 },
    );
  });

  it('is open exactly where open time accrues', () => {
    fc.assert(
      fc.property(calendarArb, instantArb, (cal, t) => {
        const next = new Date(t.getTime() + M);
        const accrued = businessMsBetween(cal, t, next);
        if (isOpenAt(cal, t) && isOpenAt(cal, new Date(next.getTime() - 1))) expect(accrued).toBe(M);
        if (!isOpenAt(cal, t) && !isOpenAt(cal, new Date(next.getTime() - 1)))
          expect(accrued).toBeLessThan(M);
      }),
      { numRuns: 200 },
    );
  });

  it('opens a range at the same instant as the workflows’ zonedTime for a time that is not skipped', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 95 }),
        (timeZone, n, quarter) => {
          const day = new Date(Date.UTC(2026, 0, 1) + n * 86_400_000);
          const from = hhmm(quarter);
          const expected = zonedTime(
            { y: day.getUTCFullYear(), m: day.getUTCMonth() + 1, d: day.getUTCDate() },
            { h: Math.floor(quarter / 4), min: (quarter % 4) * 15 },
            timeZone,
          );
          const cal: BusinessCalendar = {
            timeZone,
            hours: {},
            holidays: [],
            specialDays: { [day.toISOString().slice(0, 10)]: [r(from, hhmm(quarter + 1))] },
          };
          const opensAt = isOpenAt(cal, expected) && !isOpenAt(cal, new Date(expected.getTime() - 1));
          // zonedTime moves a skipped time forward by the change (02:30 → 03:30); the calendar opens at the change.
          const skipped =
            new Intl.DateTimeFormat('en-GB', {
              timeZone,
              hour: '2-digit',
              minute: '2-digit',
              hourCycle: 'h23',
            }).format(expected) !== from;
          if (!skipped) expect(opensAt).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
