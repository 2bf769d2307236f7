import { describe, expect, it } from 'vitest';
import { dayIn, formatRate, periodOf } from './metrics-api.ts';

const en = { locale: 'en', calendar: 'gregory', timeZone: 'UTC', digits: 'latn' } as const;
const fa = { locale: 'fa', calendar: 'persian', timeZone: 'Asia/Tehran', digits: 'arabext' } as const;
const ar = { locale: 'ar', calendar: 'islamic-umalqura', timeZone: 'Asia/Riyadh', digits: 'arab' } as const;

describe('the metrics screen’s period and rates', () => {
  it('counts whole days in the user’s time zone, the last one included', () => {
    expect(periodOf('2026-03-01', '2026-03-31', 'Asia/Tehran')).toEqual({
      from: '2026-02-28T20:30:00.000Z',
      to: '2026-03-31T20:30:00.000Z',
    });
    expect(periodOf('2026-03-01', '2026-03-01', 'UTC')).toEqual({
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
    });
  });

  it('reads today from the user’s clock', () => {
    // 22:00 UTC on 1 March is already 2 March in Tehran.
    const now = Date.UTC(2026, 2, 1, 22, 0);
    expect(dayIn('UTC', 0, now)).toBe('2026-03-01');
    expect(dayIn('Asia/Tehran', 0, now)).toBe('2026-03-02');
    expect(dayIn('Asia/Tehran', -29, now)).toBe('2026-02-01');
  });

  it('shows a rate as a percentage in the user’s digits, and a dash for no sample', () => {
    expect(formatRate(2 / 3, en)).toBe('66.7%');
    expect(formatRate(0.4, fa)).toMatch(/۴۰/);
    expect(formatRate(0.4, fa)).not.toMatch(/[0-9]/);
    expect(formatRate(0.25, ar)).toMatch(/٢٥/);
    expect(formatRate(null, fa)).toBe('—');
  });
});
