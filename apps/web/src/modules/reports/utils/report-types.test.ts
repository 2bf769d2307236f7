import { describe, expect, it } from 'vitest';
import { type Measure, withoutMeasure } from './report-types.ts';

describe('removing a measure from a report', () => {
  it('moves the formulas’ m0…m9 with their measures, and marks a formula that read the removed one', () => {
    const measures: Measure[] = [
      { fn: 'count' },
      { fn: 'count', where: { field: 'status', op: 'eq', value: 'won' } },
      { fn: 'avg', field: 'amount' },
      { fn: 'formula', expression: 'm2 * m0 / (m0 + 1)' },
      { fn: 'formula', expression: 'm1 / m0' },
    ];
    expect(withoutMeasure(measures, 1).map((m) => m.expression ?? m.fn)).toEqual([
      'count',
      'avg',
      'm1 * m0 / (m0 + 1)',
      'm? / m0',
    ]);
    expect(withoutMeasure(measures, 3)).toHaveLength(4);
    expect(withoutMeasure(measures, 3)[3]).toEqual({ fn: 'formula', expression: 'm1 / m0' });
  });
});
