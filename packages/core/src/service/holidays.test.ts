import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors/app-error.ts';
import { addBusinessMs, type BusinessCalendar, type TimeRange } from './business-calendar.ts';
import {
  civilDateOf,
  generateHolidays,
  gregorianDateOf,
  holidaysFromIcs,
  ramadanSpecialDays,
} from './holidays.ts';

const H = 3_600_000;
const r = (from: string, to: string): TimeRange => ({ from, to });

describe('Jalali and Hijri dates from the runtime’s ICU', () => {
  it('starts 1403, 1404 and 1405 on 2024-03-20, 2025-03-21 and 2026-03-21 (and the years Iran kept before)', () => {
    const nowruz: [number, string][] = [
      [1399, '2020-03-20'],
      [1400, '2021-03-21'],
      [1401, '2022-03-21'],
      [1402, '2023-03-21'],
      [1403, '2024-03-20'],
      [1404, '2025-03-21'],
      [1405, '2026-03-21'],
    ];
    for (const [year, date] of nowruz) {
      expect(gregorianDateOf('persian', { year, month: 1, day: 1 })).toBe(date);
      expect(civilDateOf('persian', date)).toEqual({ year, month: 1, day: 1 });
    }
    // 1403 is a leap year (30 Esfand = 2025-03-20), 1404 is not (29 Esfand = 2026-03-20, no 30th).
    expect(gregorianDateOf('persian', { year: 1403, month: 12, day: 30 })).toBe('2025-03-20');
    expect(gregorianDateOf('persian', { year: 1404, month: 12, day: 29 })).toBe('2026-03-20');
    expect(gregorianDateOf('persian', { year: 1404, month: 12, day: 30 })).toBeNull();
  });

  it('puts 1 Ramadan 1445 on 2024-03-11 and 1 Shawwal 1447 on 2026-03-20 (Umm al-Qura)', () => {
    expect(gregorianDateOf('islamic-umalqura', { year: 1445, month: 9, day: 1 })).toBe('2024-03-11');
    expect(gregorianDateOf('islamic-umalqura', { year: 1447, month: 10, day: 1 })).toBe('2026-03-20');
    expect(civilDateOf('islamic-umalqura', '2026-05-27')).toEqual({ year: 1447, month: 12, day: 10 });
    expect(gregorianDateOf('islamic-umalqura', { year: 1447, month: 13, day: 1 })).toBeNull();
    expect(() => civilDateOf('persian', '2026-02-30')).toThrow(AppError);
  });

  it('converts back and forth for any day from 1950 to 2100', () => {
    const first = Date.UTC(1950, 0, 1) / 86_400_000;
    const last = Date.UTC(2100, 11, 31) / 86_400_000;
    fc.assert(
      fc.property(
        fc.integer({ min: first, max: last }),
        fc.constantFrom('persian' as const, 'islamic-umalqura' as const),
        (day, calendar) => {
          const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
          expect(gregorianDateOf(calendar, civilDateOf(calendar, date))).toBe(date);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('generated holidays', () => {
  it('gives Nowruz, 12 and 13 Farvardin 1405 exactly (not estimated)', () => {
    const days = generateHolidays(2026, { nowruz: true, islamicRepublicDay: true, sizdahBedar: true });
    expect(days.map((d) => [d.date, d.kind, d.estimated])).toEqual([
      ['2026-03-21', 'nowruz', false],
      ['2026-03-22', 'nowruz', false],
      ['2026-03-23', 'nowruz', false],
      ['2026-03-24', 'nowruz', false],
      ['2026-04-01', 'islamic-republic-day', false],
      ['2026-04-02', 'sizdah-bedar', false],
    ]);
    expect(days[0]?.name).toEqual({ en: 'Nowruz', ar: 'عيد النوروز', fa: 'نوروز' });
    expect(days[5]?.name.fa).toBe('سیزده‌بدر (روز طبیعت)');
  });

  it('gives the Hijri days of 1447–1448 as estimated, with Eids of the chosen length', () => {
    const days = generateHolidays(2026, {
      eidAlFitrDays: 4,
      arafat: true,
      eidAlAdhaDays: 4,
      islamicNewYear: true,
      tasua: true,
      ashura: true,
      mawlid: 17,
    });
    expect(days.every((d) => d.estimated)).toBe(true);
    expect(days.map((d) => `${d.date} ${d.kind}`)).toEqual([
      // 1 Shawwal 1447 = 2026-03-20, four days.
      '2026-03-20 eid-al-fitr',
      '2026-03-21 eid-al-fitr',
      '2026-03-22 eid-al-fitr',
      '2026-03-23 eid-al-fitr',
      // 9 Dhu al-Hijjah 1447 = 2026-05-26; the Eid from the 10th, four days.
      '2026-05-26 arafat',
      '2026-05-27 eid-al-adha',
      '2026-05-28 eid-al-adha',
      '2026-05-29 eid-al-adha',
      '2026-05-30 eid-al-adha',
      // 1 Muharram 1448 = 2026-06-16; 9 and 10 Muharram; 17 Rabi al-Awwal 1448 (1 Rabi al-Awwal = 2026-08-14).
      '2026-06-16 islamic-new-year',
      '2026-06-24 tasua',
      '2026-06-25 ashura',
      '2026-08-30 mawlid',
    ]);
    const threeDays = generateHolidays(2026, { eidAlFitrDays: 3, mawlid: 12 });
    expect(threeDays.map((d) => d.date)).toEqual(['2026-03-20', '2026-03-21', '2026-03-22', '2026-08-25']);
    expect(threeDays[0]?.name).toEqual({ en: 'Eid al-Fitr', ar: 'عيد الفطر', fa: 'عید فطر' });
  });

  it('keeps only the days inside a date span, and finds a Hijri day twice in a Gregorian year', () => {
    expect(
      generateHolidays({ from: '2026-03-21', to: '2026-03-22' }, { eidAlFitrDays: 4 }).map((d) => d.date),
    ).toEqual(['2026-03-21', '2026-03-22']);
    // 2030 holds 1 Ramadan of 1451 (January) and of 1452 (December).
    const ramadan = Object.keys(ramadanSpecialDays(2030, { 1: [r('10:00', '15:00')] }));
    expect(ramadan[0]).toBe('2030-01-05');
    expect(ramadan.at(-1)).toBe('2030-12-31');
  });

  it('refuses bad spans and choices with AppErrors', () => {
    expect(() => generateHolidays(20260, { nowruz: true })).toThrow(AppError);
    expect(() => generateHolidays({ from: '2026-01-01', to: '2040-01-01' }, { nowruz: true })).toThrow(
      /ten years/,
    );
    expect(() => generateHolidays({ from: '2026-02-01', to: '2026-01-01' }, {})).toThrow(AppError);
    expect(() => generateHolidays(2026, { eidAlFitrDays: 9 })).toThrow(/0 to 5/);
    expect(() => generateHolidays(2026, { mawlid: 13 as 12 })).toThrow(AppError);
  });
});

describe('Ramadan hours', () => {
  const sundayToThursday = (ranges: TimeRange[]) => ({
    7: ranges,
    1: ranges,
    2: ranges,
    3: ranges,
    4: ranges,
  });

  it('gives every date of Ramadan 1447 its weekday’s Ramadan hours, closing the others', () => {
    const special = ramadanSpecialDays(2026, sundayToThursday([r('10:00', '15:00')]));
    const dates = Object.keys(special);
    // 1 Ramadan 1447 = Wed 2026-02-18; 30 days to 2026-03-19 (1 Shawwal is 2026-03-20).
    expect(dates.length).toBe(30);
    expect([dates[0], dates.at(-1)]).toEqual(['2026-02-18', '2026-03-19']);
    expect(special['2026-02-18']).toEqual([r('10:00', '15:00')]);
    expect(special['2026-02-20']).toEqual([]); // a Friday
  });

  it('moves a Riyadh deadline by the Ramadan hours, and an Eid holiday after it', () => {
    const riyadh: BusinessCalendar = {
      timeZone: 'Asia/Riyadh',
      hours: sundayToThursday([r('08:00', '16:00')]),
      holidays: generateHolidays(2026, { eidAlFitrDays: 4 }).map((d) => d.date),
      specialDays: ramadanSpecialDays(2026, sundayToThursday([r('10:00', '15:00')])),
    };
    // Wed 2026-03-04 14:00 (11:00Z) + 3 h: 14:00–15:00, Thu 10:00–12:00 → 09:00Z.
    expect(addBusinessMs(riyadh, new Date('2026-03-04T11:00:00Z'), 3 * H)).toEqual(
      new Date('2026-03-05T09:00:00Z'),
    );
    // Thu 2026-03-19 (the last of Ramadan) 14:00 (11:00Z) + 3 h: 1 h; Eid Mar 20–23; Tue 24 08:00–10:00 → 07:00Z.
    expect(addBusinessMs(riyadh, new Date('2026-03-19T11:00:00Z'), 3 * H)).toEqual(
      new Date('2026-03-24T07:00:00Z'),
    );
  });

  it('closes Tehran for the Nowruz week generated for 1405', () => {
    const fullDay = [r('08:00', '12:00'), r('13:00', '16:00')];
    const tehran: BusinessCalendar = {
      timeZone: 'Asia/Tehran',
      hours: { 6: fullDay, 7: fullDay, 1: fullDay, 2: fullDay, 3: fullDay, 4: [r('08:00', '12:00')] },
      holidays: generateHolidays(2026, { nowruz: true, sizdahBedar: true }).map((d) => d.date),
    };
    // Thu 2026-03-19 11:00 + 8 h → Wed 2026-03-25 16:00 Tehran (12:30Z), as in the business-calendar golden case.
    expect(addBusinessMs(tehran, new Date('2026-03-19T07:30:00Z'), 8 * H)).toEqual(
      new Date('2026-03-25T12:30:00Z'),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// iCalendar

const ics = (...events: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Rabita//Test//EN', ...events, 'END:VCALENDAR', ''].join(
    '\r\n',
  );
const event = (...lines: string[]) =>
  ['BEGIN:VEVENT', `UID:${Math.random()}`, ...lines, 'END:VEVENT'].join('\r\n');
const SPAN = { from: '2026-01-01', to: '2027-12-31' };

describe('holidaysFromIcs', () => {
  it('reads all-day events, multi-day events and yearly repeats within the span', () => {
    const text = ics(
      event('DTSTART;VALUE=DATE:20260703', 'SUMMARY:Independence Day (observed)'),
      event('DTSTART;VALUE=DATE:20260320', 'DTEND;VALUE=DATE:20260323', 'SUMMARY:عيد الفطر'),
      [
        'BEGIN:VEVENT',
        'UID:nowruz',
        'DTSTART;VALUE=DATE:20200321',
        'RRULE:FREQ=YEARLY',
        'SUMMARY:نوروز',
        'END:VEVENT',
        // The 2027 Nowruz moved a day by an exception.
        'BEGIN:VEVENT',
        'UID:nowruz',
        'RECURRENCE-ID;VALUE=DATE:20270321',
        'DTSTART;VALUE=DATE:20270322',
        'SUMMARY:نوروز',
        'END:VEVENT',
      ].join('\r\n'),
      event('DTSTART;VALUE=DATE:20261225', 'SUMMARY:Christmas (cancelled)', 'STATUS:CANCELLED'),
      event('DTSTART:20260105T090000Z', 'DTEND:20260105T100000Z', 'SUMMARY:A meeting'),
      event('DTSTART;VALUE=DATE:20260105', 'RRULE:FREQ=WEEKLY', 'SUMMARY:Every Monday'),
      event('DTSTART;VALUE=DATE:20250101', 'SUMMARY:Before the span'),
    );
    const { holidays, skipped } = holidaysFromIcs(text, SPAN);
    expect(holidays).toEqual([
      { date: '2026-03-20', name: 'عيد الفطر' },
      { date: '2026-03-21', name: 'عيد الفطر' },
      { date: '2026-03-21', name: 'نوروز' },
      { date: '2026-03-22', name: 'عيد الفطر' },
      { date: '2026-07-03', name: 'Independence Day (observed)' },
      { date: '2027-03-22', name: 'نوروز' },
    ]);
    expect(skipped).toBe(3);
  });

  it('expands a calendar of yearly holidays kept since 1970 (as desktop holiday calendars are written)', () => {
    const text = ics(
      ...Array.from({ length: 60 }, (_, i) =>
        event(
          `DTSTART;VALUE=DATE:1970${String((i % 12) + 1).padStart(2, '0')}${String(i + 1)
            .padStart(2, '0')
            .replace(/^[3-9]/, '2')}`,
          'RRULE:FREQ=YEARLY',
          `SUMMARY:Holiday ${i}`,
        ),
      ),
    );
    expect(holidaysFromIcs(text, SPAN).holidays).toHaveLength(120);
  });

  it('keeps a yearly rule’s impossible days out instead of rolling them into the next month', () => {
    const text = ics(
      event('DTSTART;VALUE=DATE:20250430', 'RRULE:FREQ=YEARLY;BYMONTH=4;BYMONTHDAY=31', 'SUMMARY:Never'),
    );
    expect(holidaysFromIcs(text, SPAN).holidays).toEqual([]);
  });

  it('refuses hostile files with clear AppErrors', () => {
    const cases: [string, RegExp][] = [
      [ics(event('DTSTART;VALUE=DATE:20260703', 'SUMMARY:a\u0000b')), /NUL/],
      [ics(event('DTSTART;VALUE=DATE:20260703', 'SUMMARY:\uD800')), /surrogate/],
      ['hello world', /not iCalendar/],
      ['', /not iCalendar/],
      [`${ics()}${'X'.repeat(1_048_577)}`, /1 MiB/],
      ['BEGIN:VCARD\r\nVERSION:4.0\r\nFN:A\r\nEND:VCARD\r\n', /no VCALENDAR/],
      [
        ics(
          ...Array.from({ length: 5_001 }, (_, i) =>
            event(`DTSTART;VALUE=DATE:${20260101 + (i % 28)}`, `SUMMARY:H${i}`),
          ),
        ),
        /more than 5000/,
      ],
      // Every day of every year since year 1: a recurrence bomb.
      [
        ics(
          event('DTSTART;VALUE=DATE:00010101', 'RRULE:FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR,SA,SU', 'SUMMARY:x'),
        ),
        /too often/,
      ],
      [
        ics(event('DTSTART;VALUE=DATE:20260101', 'RRULE:FREQ=YEARLY;INTERVAL=1000000000', 'SUMMARY:x')),
        /cannot be read|too often/,
      ],
    ];
    for (const [text, message] of cases) {
      const began = performance.now();
      let thrown: unknown;
      try {
        holidaysFromIcs(text, SPAN);
      } catch (error) {
        thrown = error;
      }
      expect(thrown, text.slice(0, 80)).toBeInstanceOf(AppError);
      expect((thrown as AppError).code).toBe('validation_failed');
      expect((thrown as AppError).message).toMatch(message);
      expect(performance.now() - began).toBeLessThan(5_000);
    }
    expect(() => holidaysFromIcs(ics(), { from: '2026-01-01', to: '2099-01-01' })).toThrow(/ten years/);
  });

  it('never throws anything but an AppError on mangled input', () => {
    const sample = ics(
      event('DTSTART;VALUE=DATE:20260703', 'DTEND;VALUE=DATE:20260704', 'SUMMARY:One'),
      event('DTSTART;VALUE=DATE:20200321', 'RRULE:FREQ=YEARLY;BYMONTH=3', 'SUMMARY:Two'),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: sample.length }),
        fc.integer({ min: 0, max: 40 }),
        fc.string({ maxLength: 30 }),
        (at, cut, insert) => {
          const text = sample.slice(0, at) + insert + sample.slice(at + cut);
          try {
            const { holidays } = holidaysFromIcs(text, SPAN);
            expect(holidays.length).toBeLessThanOrEqual(5_000);
          } catch (error) {
            expect(error).toBeInstanceOf(AppError);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('survives deep nesting', () => {
    const deep = `BEGIN:VCALENDAR\r\n${'BEGIN:X\r\n'.repeat(100_000)}`;
    try {
      holidaysFromIcs(deep, SPAN);
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
    }
  });
});
