import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  civilDate,
  type FiscalCalendarSettings,
  periodByKey,
  periodOf,
  periodsAround,
  shiftPeriod,
} from './fiscal-periods.ts';

const JALALI: FiscalCalendarSettings = { calendar: 'persian', startMonth: 1 };
const HIJRI: FiscalCalendarSettings = { calendar: 'islamic-umalqura', startMonth: 1 };
const APRIL: FiscalCalendarSettings = { calendar: 'gregorian', startMonth: 4 };

/** What ICU itself says a day is, independently of the module: `1405/1/1`. */
const icu = (calendar: string, date: string) => {
  const parts = new Intl.DateTimeFormat(`en-u-ca-${calendar}-nu-latn`, {
    timeZone: 'UTC',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
  }).formatToParts(new Date(`${date}T00:00:00Z`));
  const of = (t: string) => parts.find((p) => p.type === t)?.value;
  return `${of('year')}/${of('month')}/${of('day')}`;
};
const dayBefore = (date: string) =>
  new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

describe('fiscal periods', () => {
  it('counts the Jalali fiscal year 1405 from 1 Farvardin, its first quarter Farvardin to Khordad', () => {
    expect(periodByKey(JALALI, '1405')).toEqual({
      key: '1405',
      kind: 'year',
      fiscalYear: 1405,
      number: 1,
      start: '2026-03-21',
      end: '2027-03-21',
    });
    const q1 = periodByKey(JALALI, '1405-Q1')!;
    // ICU: 31 Khordad 1405 is 2026-06-21, so the quarter's exclusive end is 1 Tir, 2026-06-22.
    expect(q1).toMatchObject({ start: '2026-03-21', end: '2026-06-22' });
    expect(icu('persian', q1.start)).toBe('1405/1/1');
    expect(icu('persian', dayBefore(q1.end))).toBe('1405/3/31');
    expect(icu('persian', q1.end)).toBe('1405/4/1');
    expect(periodByKey(JALALI, '1405-Q4')).toMatchObject({ start: '2026-12-22', end: '2027-03-21' });
    expect(periodByKey(JALALI, '1405-M07')).toMatchObject({ kind: 'month', number: 7, start: '2026-09-23' });
    expect(periodOf(JALALI, 'quarter', '2026-06-21')?.key).toBe('1405-Q1');
    expect(periodOf(JALALI, 'quarter', '2026-06-22')?.key).toBe('1405-Q2');
    expect(periodOf(JALALI, 'year', '2026-03-20')?.key).toBe('1404');
  });

  it('counts a Hijri (Umm al-Qura) year of twelve lunar months', () => {
    const year = periodByKey(HIJRI, '1447')!;
    expect(year).toMatchObject({ start: '2025-06-26', end: '2026-06-16' });
    expect(icu('islamic-umalqura', year.start)).toBe('1447/1/1');
    expect(icu('islamic-umalqura', year.end)).toBe('1448/1/1');
    // Ramadan 1447 is its ninth month.
    const ramadan = periodByKey(HIJRI, '1447-M09')!;
    expect(ramadan).toMatchObject({ start: '2026-02-18', end: '2026-03-20' });
    expect(icu('islamic-umalqura', dayBefore(ramadan.end))).toBe('1447/9/30');
    expect(periodOf(HIJRI, 'quarter', '2026-03-01')?.key).toBe('1447-Q3');
  });

  it('starts a Gregorian fiscal year in April and names it by the year it starts in', () => {
    expect(periodByKey(APRIL, '2026')).toMatchObject({ start: '2026-04-01', end: '2027-04-01' });
    expect(periodByKey(APRIL, '2026-Q4')).toMatchObject({ start: '2027-01-01', end: '2027-04-01' });
    expect(periodByKey(APRIL, '2026-M01')).toMatchObject({ start: '2026-04-01', end: '2026-05-01' });
    expect(periodOf(APRIL, 'quarter', '2026-02-10')?.key).toBe('2025-Q4');
    expect(periodOf(APRIL, 'month', '2026-03-31')?.key).toBe('2025-M12');
  });

  it('lists periods around a day, the one holding it among them', () => {
    const { data, current } = periodsAround(APRIL, 'quarter', '2026-02-10', 4);
    expect(current?.key).toBe('2025-Q4');
    expect(data.map((p) => p.key)).toEqual(['2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2']);
  });

  it('refuses keys that name no period', () => {
    for (const key of [
      '',
      '\u0000',
      '1405-Q5',
      '1405-M13',
      '1405-M00',
      '14050',
      '1405-q1',
      '9999',
      '1405\uD800',
    ])
      expect(periodByKey(JALALI, key), key).toBeUndefined();
  });

  it('has every day in exactly one period, periods touching end to start, in every calendar and start month', () => {
    const settings = fc.record({
      calendar: fc.constantFrom('gregorian' as const, 'persian' as const, 'islamic-umalqura' as const),
      startMonth: fc.integer({ min: 1, max: 12 }),
    });
    const day = fc
      .integer({ min: Date.UTC(1950, 0, 1) / 86_400_000, max: Date.UTC(2150, 0, 1) / 86_400_000 })
      .map((n) => new Date(n * 86_400_000).toISOString().slice(0, 10));
    const kind = fc.constantFrom('year' as const, 'quarter' as const, 'month' as const);
    fc.assert(
      fc.property(settings, kind, day, (s, k, d) => {
        const p = periodOf(s, k, d)!;
        expect(p.start <= d && d < p.end).toBe(true);
        expect(periodByKey(s, p.key)).toEqual(p);
        expect(shiftPeriod(s, p, 1)?.start).toBe(p.end);
        expect(shiftPeriod(s, p, -1)?.end).toBe(p.start);
        // The period starts on the first day of a month of its calendar.
        if (s.calendar !== 'gregorian') expect(civilDate(s.calendar, p.start).day).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});
