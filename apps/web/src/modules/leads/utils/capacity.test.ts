import { describe, expect, it } from 'vitest';
import { parseCapacity } from './capacity.ts';

describe('a limit of open leads as typed', () => {
  it('reads Persian, Arabic and Latin digits, with grouping marks', () => {
    expect(parseCapacity('۱۲')).toBe(12);
    expect(parseCapacity('١٢')).toBe(12);
    expect(parseCapacity(' 12 ')).toBe(12);
    expect(parseCapacity('۱٬۰۰۰')).toBe(1000);
    expect(parseCapacity('0')).toBe(0);
  });

  it('is null when blank and undefined when not a whole number from 0 to 10,000', () => {
    expect(parseCapacity('')).toBeNull();
    expect(parseCapacity('  ')).toBeNull();
    for (const bad of ['-1', '1.5', '۱٫۵', 'ده', '10001', '1e3', '\u0000'])
      expect(parseCapacity(bad), bad).toBeUndefined();
  });
});
