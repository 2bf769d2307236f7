import { describe, expect, it } from 'vitest';
import { percentile, summarise } from './stats.ts';

describe('benchmark statistics', () => {
  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it('summarises throughput and errors', () => {
    expect(summarise([1, 2, 3, 4], 1, 2)).toMatchObject({ requests: 4, errors: 1, throughput: 2, p50: 2 });
  });
});
