/** One condition of a list's filter, as the filter builder keeps it. */
export interface Condition {
  field: string;
  op: string;
  value: unknown;
}
export interface FilterState {
  join: 'and' | 'or';
  conditions: Condition[];
}

/** The API's filter tree for these conditions (or undefined for none). */
export function toFilterTree(state: FilterState): unknown {
  const parts = state.conditions
    .filter((c) => c.field && c.op)
    .map((c) => (c.op === 'isNull' || c.op === 'isNotNull' ? { field: c.field, op: c.op } : c));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : { [state.join]: parts };
}
