import type { Condition, FilterState } from '../../records/utils/filter.ts';

const isLeaf = (v: unknown): v is Condition =>
  typeof v === 'object' && v !== null && typeof (v as Condition).field === 'string';

/** A rule's stored condition as the filter builder keeps it (a leaf, or one and/or of leaves; else none). */
export function fromFilterTree(tree: unknown): FilterState {
  if (isLeaf(tree)) return { join: 'and', conditions: [tree] };
  if (typeof tree === 'object' && tree !== null) {
    for (const join of ['and', 'or'] as const) {
      const parts = (tree as Record<string, unknown>)[join];
      if (Array.isArray(parts) && parts.every(isLeaf)) return { join, conditions: parts };
    }
  }
  return { join: 'and', conditions: [] };
}
