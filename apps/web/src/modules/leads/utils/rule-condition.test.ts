import { describe, expect, it } from 'vitest';
import { toFilterTree } from '../../records/utils/filter.ts';
import { fromFilterTree } from './rule-condition.ts';

describe('a rule condition in the filter builder', () => {
  it('reads back what the builder wrote: none, one condition, and an and/or of several', () => {
    const one = { field: 'source', op: 'eq', value: 'تهران' };
    const two = { field: 'companyName', op: 'contains', value: 'پارس' };
    expect(fromFilterTree(null)).toEqual({ join: 'and', conditions: [] });
    for (const state of [
      { join: 'and' as const, conditions: [one] },
      { join: 'or' as const, conditions: [one, two] },
      { join: 'and' as const, conditions: [one, two] },
    ])
      expect(fromFilterTree(toFilterTree(state))).toEqual(state);
  });

  it('shows a tree the builder cannot edit (nested, not) as no conditions rather than part of it', () => {
    expect(fromFilterTree({ and: [{ field: 'a', op: 'eq', value: 1 }, { or: [] }] }).conditions).toEqual([]);
    expect(fromFilterTree({ not: { field: 'a', op: 'eq', value: 1 } }).conditions).toEqual([]);
  });
});
