import type { Condition as FilterCondition, FilterState } from '../../records/utils/filter.ts';

/**
 * A filter tree as the list filter builder edits it: one condition, or an `and`/`or` of conditions. A deeper
 * tree (nested groups, `not`) is not something the builder shows, so the caller keeps it as it is.
 */
export function toFilterState(tree: Record<string, unknown> | undefined): FilterState | null {
  if (!tree) return { join: 'and', conditions: [] };
  const asCondition = (node: unknown): FilterCondition | null => {
    if (typeof node !== 'object' || node === null) return null;
    const n = node as Record<string, unknown>;
    return typeof n.field === 'string' && typeof n.op === 'string'
      ? { field: n.field, op: n.op, value: n.value }
      : null;
  };
  const single = asCondition(tree);
  if (single) return { join: 'and', conditions: [single] };
  for (const join of ['and', 'or'] as const) {
    const parts = tree[join];
    if (Array.isArray(parts) && Object.keys(tree).length === 1) {
      const conditions = parts.map(asCondition);
      if (conditions.every((c): c is FilterCondition => c !== null)) return { join, conditions };
    }
  }
  return null;
}
