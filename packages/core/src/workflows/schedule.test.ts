import { describe, expect, it } from 'vitest';
import type { Trigger } from './definition.ts';
import { addBusinessDays, calendarOf, cronProblem, dateFireTime, nextFire, zonedTime } from './schedule.ts';

/** The next `n` fire times of a cron after `from`, as ISO strings. */
function fires(cron: string, timeZone: string, from: string, n: number): string[] {
  const out: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < n; i++) {
    at = nextFire(cron, timeZone, at);
    out.push(at.toISOString());
  }
  return out;
}

type DateTrigger = Extract<Trigger, { type: 'date' }>;
const dateTrigger = (over: Partial<DateTrigger>): DateTrigger => ({
  type: 'date',
  object: 'deals',
  field: 'expectedCloseDate',
  offset: -3,
  unit: 'days',
  ...over,
});

describe('cron schedules across daylight-saving changes', () => {
  it('Tehran has had no daylight saving since 2022: Saturday 08:00 stays 04:30 UTC across 21 March and September', () => {
    // Before 2023, Iran moved its clocks on 21/22 March and 21/22 September; the runtime's tzdata must know it stopped.
    expect(fires('0 8 * * 6', 'Asia/Tehran', '2026-03-10T00:00:00Z', 3)).toEqual([
      '2026-03-14T04:30:00.000Z',
      '2026-03-21T04:30:00.000Z',
      '2026-03-28T04:30:00.000Z',
    ]);
    expect(fires('0 8 * * 6', 'Asia/Tehran', '2026-09-15T00:00:00Z', 2)).toEqual([
      '2026-09-19T04:30:00.000Z',
      '2026-09-26T04:30:00.000Z',
    ]);
  });

  it('New York: a time in the skipped spring hour fires once, an hour on; a repeated autumn time fires once', () => {
    // 8 March 2026 02:00 EST → 03:00 EDT: 02:30 does not exist and fires at 03:30 EDT (07:30 UTC), once.
    expect(fires('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-03-09T06:30:00.000Z',
    ]);
    // 1 November 2026 02:00 EDT → 01:00 EST: 01:00–01:59 happens twice; every half hour in it fires once.
    const autumn = fires('*/30 1 * * *', 'America/New_York', '2026-11-01T00:00:00Z', 4);
    expect(autumn).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-02T06:00:00.000Z',
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('Berlin: 02:30 on the spring change fires at 03:30 CEST, and once on the autumn change', () => {
    expect(fires('30 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', 2)).toEqual([
      '2026-03-29T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(fires('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('Cairo: daylight saving from the last Friday of April (00:00 → 01:00), so 00:30 that night fires at 01:30', () => {
    expect(fires('30 0 * * *', 'Africa/Cairo', '2026-04-22T12:00:00Z', 3)).toEqual([
      '2026-04-22T22:30:00.000Z',
      '2026-04-23T22:30:00.000Z',
      '2026-04-24T21:30:00.000Z',
    ]);
  });

  it('Riyadh has no daylight saving: 09:00 is always 06:00 UTC', () => {
    expect(fires('0 9 * * 0', 'Asia/Riyadh', '2026-03-01T00:00:00Z', 2)).toEqual([
      '2026-03-01T06:00:00.000Z',
      '2026-03-08T06:00:00.000Z',
    ]);
    expect(nextFire('0 9 * * *', 'Asia/Riyadh', new Date('2026-10-25T00:00:00Z')).toISOString()).toBe(
      '2026-10-25T06:00:00.000Z',
    );
  });
});

describe('hostile schedules are refused with a sentence', () => {
  const now = new Date('2026-12-04T00:00:00Z');
  it.each([
    ['* * * * * *', 'Asia/Tehran', /five cron fields/],
    ['61 * * * *', 'Asia/Tehran', /not a valid cron expression/],
    ['0 0 30 2 *', 'Asia/Tehran', /not a valid cron expression \(Invalid explicit day of month/],
    ["0 8 * * 6'; drop table workflows; --", 'Asia/Tehran', /five cron fields/],
    ['@reboot', 'Asia/Tehran', /five cron fields/],
    [`${'1,'.repeat(200)}1 * * * *`, 'Asia/Tehran', /five cron fields/],
    ['0 8 * * 6', 'Mars/Olympus_Mons', /not an IANA time zone/],
    ['0 8 * * 6', '../../etc/passwd', /not an IANA time zone/],
  ])('%s in %s', (cron, zone, message) => {
    expect(cronProblem(cron, zone, now)).toMatch(message);
  });
  it('accepts a weekly schedule in Tehran', () => {
    expect(cronProblem('0 8 * * 6', 'Asia/Tehran', now)).toBeNull();
  });
});

describe('date-relative fire times', () => {
  const iran = calendarOf('IR');

  it("reads a country's calendar: Iran rests on Friday, Saudi Arabia on Friday and Saturday, Germany at the weekend", () => {
    expect(iran).toEqual({ timeZone: 'Asia/Tehran', weekend: [5] });
    expect(calendarOf('SA')).toEqual({ timeZone: 'Asia/Riyadh', weekend: [5, 6] });
    expect(calendarOf('EG')).toEqual({ timeZone: 'Africa/Cairo', weekend: [5, 6] });
    expect(calendarOf('DE')).toEqual({ timeZone: 'Europe/Berlin', weekend: [6, 7] });
    // A country of many zones: UTC unless the trigger names one.
    expect(calendarOf('US').timeZone).toBe('UTC');
  });

  it('3 days before a date at 09:00 Tehran time', () => {
    const t = dateTrigger({ at: '09:00' });
    expect(dateFireTime('2026-12-10', t, iran)?.toISOString()).toBe('2026-12-07T05:30:00.000Z');
    expect(dateFireTime(null, t, iran)).toBeNull();
    expect(dateFireTime('', t, iran)).toBeNull();
    expect(dateFireTime('not a date', t, iran)).toBeNull();
  });

  it('business days skip the weekend of the calendar: Friday in Iran, Friday–Saturday in Riyadh, Saturday–Sunday in Berlin', () => {
    const monday = { y: 2026, m: 12, d: 14 };
    expect(addBusinessDays(monday, -3, [5])).toEqual({ y: 2026, m: 12, d: 10 });
    expect(addBusinessDays(monday, -3, [5, 6])).toEqual({ y: 2026, m: 12, d: 9 });
    expect(addBusinessDays(monday, -3, [6, 7])).toEqual({ y: 2026, m: 12, d: 9 });
    // Forwards from Thursday in Iran: Saturday is the next business day.
    expect(addBusinessDays({ y: 2026, m: 12, d: 10 }, 1, [5])).toEqual({ y: 2026, m: 12, d: 12 });
    // No offset on a weekend day: the business day before it.
    expect(addBusinessDays({ y: 2026, m: 12, d: 11 }, 0, [5])).toEqual({ y: 2026, m: 12, d: 10 });
    const t = dateTrigger({ at: '09:00', businessDays: true });
    expect(dateFireTime('2026-12-14', t, iran)?.toISOString()).toBe('2026-12-10T05:30:00.000Z');
  });

  it('a date-time field keeps its own time of day unless `at` is set; minutes move the instant', () => {
    const berlin = { timeZone: 'Europe/Berlin', weekend: [6, 7] };
    expect(dateFireTime('2026-12-10T15:45:00.000Z', dateTrigger({ offset: -1 }), berlin)?.toISOString()).toBe(
      '2026-12-09T15:45:00.000Z',
    );
    expect(
      dateFireTime(
        '2026-12-10T15:45:00.000Z',
        dateTrigger({ offset: -90, unit: 'minutes' }),
        berlin,
      )?.toISOString(),
    ).toBe('2026-12-10T14:15:00.000Z');
  });

  it('a time of day on a daylight-saving change: skipped 02:30 fires at 03:30, repeated 01:30 at its first occurrence', () => {
    const ny = { timeZone: 'America/New_York', weekend: [6, 7] };
    expect(dateFireTime('2026-03-09', dateTrigger({ offset: -1, at: '02:30' }), ny)?.toISOString()).toBe(
      '2026-03-08T07:30:00.000Z',
    );
    expect(dateFireTime('2026-11-02', dateTrigger({ offset: -1, at: '01:30' }), ny)?.toISOString()).toBe(
      '2026-11-01T05:30:00.000Z',
    );
    expect(zonedTime({ y: 2026, m: 7, d: 1 }, { h: 9, min: 0 }, 'America/New_York').toISOString()).toBe(
      '2026-07-01T13:00:00.000Z',
    );
  });
});
