import { describe, expect, it } from 'vitest';
import type { Prefs } from '../../../lib/format.ts';
import type { ForecastRow } from './forecast-api.ts';
import {
  dayBefore,
  forecastTree,
  formatAmount,
  formatPercent,
  keyParts,
  kindOfKey,
  monthNames,
  parseAmount,
  periodLabel,
  periodSpan,
} from './forecast-format.ts';

const persian: Prefs = { locale: 'fa', calendar: 'persian', digits: 'arabext', timeZone: 'Asia/Tehran' };
const english: Prefs = { locale: 'en', calendar: 'gregory', digits: 'latn', timeZone: 'UTC' };
const arabic: Prefs = { locale: 'ar', calendar: 'islamic-umalqura', digits: 'arab', timeZone: 'Asia/Riyadh' };
/** A dictionary's templates, `{q}` and `{y}` standing for the quarter and the year. */
const words = (quarter: string, year: string) => ({
  quarter: (q: string, y: string) => quarter.replace('{q}', q).replace('{y}', y),
  year: (y: string) => year.replace('{y}', y),
});
const q3 = { kind: 'quarter', fiscalYear: 1405, number: 3, start: '2026-09-23', end: '2026-12-22' } as const;

const row = (kind: ForecastRow['kind'], id: string, parentTeamId: string | null = null): ForecastRow => ({
  kind,
  id,
  name: id,
  parentTeamId,
  closedWon: 0,
  commit: 0,
  bestCase: 0,
  pipeline: 0,
  weightedPipeline: 0,
  range: { p10: 0, p50: 0, p90: 0 },
  quota: null,
  attainment: null,
  adjustment: null,
  adjustments: { commit: null, bestCase: null },
  submission: null,
  deals: 0,
});

describe('forecast periods as the user reads them', () => {
  it('names a Jalali quarter in Persian digits without grouping the year', () => {
    expect(periodLabel(q3, 'persian', persian, words('سه‌ماهه {q} {y}', 'سال {y}'))).toBe('سه‌ماهه ۳ ۱۴۰۵');
    expect(periodLabel(q3, 'persian', english, words('Q{q} {y}', 'FY {y}'))).toBe('Q3 1405');
    expect(periodLabel(q3, 'persian', arabic, words('الربع {q} {y}', '{y}'))).toBe('الربع ٣ ١٤٠٥');
  });

  it('names a fiscal year by its number and a month by its name in the fiscal calendar', () => {
    const year = {
      kind: 'year',
      fiscalYear: 1405,
      number: 1,
      start: '2026-03-21',
      end: '2027-03-21',
    } as const;
    expect(periodLabel(year, 'persian', persian, words('{q} {y}', 'سال مالی {y}'))).toBe('سال مالی ۱۴۰۵');
    const mehr = {
      kind: 'month',
      fiscalYear: 1405,
      number: 7,
      start: '2026-09-23',
      end: '2026-10-23',
    } as const;
    // In the order ICU writes a Persian month and year.
    const label = periodLabel(mehr, 'persian', persian, words('{q} {y}', '{y}'));
    expect(label).toContain('مهر');
    expect(label).toContain('۱۴۰۵');
  });

  it('spans a period from its first to its last day in the user’s calendar', () => {
    expect(dayBefore('2026-03-01')).toBe('2026-02-28');
    expect(periodSpan(q3, persian)).toBe('۱ مهر ۱۴۰۵ – ۳۰ آذر ۱۴۰۵');
  });

  it('tells a key’s kind, year and number', () => {
    expect([kindOfKey('1405-Q3'), kindOfKey('1405-M07'), kindOfKey('1405')]).toEqual([
      'quarter',
      'month',
      'year',
    ]);
    expect(keyParts('1405-Q3')).toEqual({ kind: 'quarter', fiscalYear: 1405, number: 3 });
    expect(keyParts('2026-M11')).toEqual({ kind: 'month', fiscalYear: 2026, number: 11 });
    expect(keyParts('1405')).toEqual({ kind: 'year', fiscalYear: 1405, number: 1 });
    expect(keyParts('Q3')).toBeNull();
  });

  it('signs a bias and leaves zero and nothing unsigned', () => {
    expect(formatPercent(0.125, english, true)).toBe('+13%');
    expect(formatPercent(-0.5, english, true)).toBe('-50%');
    expect(formatPercent(0, english, true)).toBe('0%');
    expect(formatPercent(null, english)).toBe('—');
  });

  it('lists the twelve months of each calendar from its first', () => {
    const jalali = monthNames('persian', persian);
    expect(jalali).toHaveLength(12);
    expect(jalali[0]).toBe('فروردین');
    expect(jalali[11]).toBe('اسفند');
    expect(monthNames('gregorian', english)[0]).toBe('January');
    expect(monthNames('islamic-umalqura', english)).toHaveLength(12);
  });
});

describe('amounts', () => {
  it('shows a forecast amount in whole units of the currency, in the user’s digits', () => {
    expect(formatAmount(1500.4, 'USD', english)).toBe('$1,500');
    expect(formatAmount(3000, 'USD', persian)).toContain('۳٬۰۰۰');
    expect(formatAmount(null, 'USD', persian)).toBe('—');
  });

  it('reads Persian and Arabic digits, grouping and decimal marks', () => {
    expect(parseAmount('۱۲٬۵۰۰٫۵')).toBe(12500.5);
    expect(parseAmount('١٠٠')).toBe(100);
    expect(parseAmount(' 1,000 ')).toBe(1000);
  });

  it('refuses what is not a number', () => {
    expect(parseAmount('')).toBeNull();
    expect(parseAmount('12a')).toBeNull();
    expect(parseAmount('1e400')).toBeNull();
  });
});

describe('the forecast’s rows as a tree', () => {
  const rows = [
    row('user', 'solo'),
    row('user', 'ali', 'east'),
    row('team', 'east', 'all'),
    row('team', 'all'),
    row('user', 'sara', 'all'),
    row('total', 'total'),
  ];

  it('puts each team before its sub-teams and members, people without a team at the top, the total last', () => {
    expect(forecastTree(rows).map((r) => [r.row.id, r.depth, r.hasChildren])).toEqual([
      ['all', 0, true],
      ['east', 1, true],
      ['ali', 2, false],
      ['sara', 1, false],
      ['solo', 0, false],
      ['total', 0, false],
    ]);
  });

  it('leaves out what sits under a collapsed team', () => {
    expect(forecastTree(rows, new Set(['east'])).map((r) => r.row.id)).toEqual([
      'all',
      'east',
      'sara',
      'solo',
      'total',
    ]);
    expect(forecastTree(rows, new Set(['all'])).map((r) => r.row.id)).toEqual(['all', 'solo', 'total']);
  });

  it('draws a person in two teams twice, under distinct keys, and survives a cycle of parents', () => {
    const twice = forecastTree([
      row('team', 'a'),
      row('team', 'b'),
      row('user', 'x', 'a'),
      row('user', 'x', 'b'),
    ]);
    expect(new Set(twice.map((r) => r.key)).size).toBe(4);
    const cycle = forecastTree([row('team', 'a', 'b'), row('team', 'b', 'a'), row('user', 'x', 'a')]);
    expect(cycle.map((r) => [r.row.id, r.depth])).toEqual([
      ['a', 0],
      ['b', 1],
      ['x', 1],
    ]);
  });
});
