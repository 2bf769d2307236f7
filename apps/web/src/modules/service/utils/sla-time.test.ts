import { describe, expect, it } from 'vitest';
import { formatSpan } from './sla-time.ts';

const en = { locale: 'en', calendar: 'gregory', timeZone: 'UTC', digits: 'latn' } as const;
const fa = { locale: 'fa', calendar: 'persian', timeZone: 'Asia/Tehran', digits: 'arabext' } as const;

describe('formatSpan', () => {
  it('says days, hours and minutes, leaving out the empty ones', () => {
    expect(formatSpan((26 * 60 + 5) * 60_000, en)).toBe('1 day, 2 hours, 5 minutes');
    expect(formatSpan(3 * 3_600_000, en)).toBe('3 hours');
    expect(formatSpan(20_000, en)).toBe('0 minutes');
  });

  it('speaks Persian with Persian digits, and reads a past span as its length', () => {
    const said = formatSpan(-(3 * 60 + 10) * 60_000, fa);
    expect(said).toContain('۳');
    expect(said).toContain('۱۰');
    expect(said).not.toMatch(/[0-9]/);
  });
});
