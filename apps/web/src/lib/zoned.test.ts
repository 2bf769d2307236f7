import { describe, expect, it } from 'vitest';
import { startOfDayIn } from './zoned.ts';

describe('the start of a civil day in a time zone', () => {
  it('is midnight by that zone’s clock, across offsets and changes of them', () => {
    expect(startOfDayIn('2026-12-04', 'Asia/Tehran')).toBe('2026-12-03T20:30:00.000Z');
    expect(startOfDayIn('2026-12-04', 'UTC')).toBe('2026-12-04T00:00:00.000Z');
    expect(startOfDayIn('2026-12-04', 'America/New_York')).toBe('2026-12-04T05:00:00.000Z');
    // The day after, for an exclusive end; and the last day of a month rolls over.
    expect(startOfDayIn('2026-12-31', 'Asia/Riyadh', 1)).toBe('2026-12-31T21:00:00.000Z');
    // Berlin on the day summer time begins (29 March 2026): midnight is still CET.
    expect(startOfDayIn('2026-03-29', 'Europe/Berlin')).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfDayIn('2026-03-30', 'Europe/Berlin')).toBe('2026-03-29T22:00:00.000Z');
  });
});
