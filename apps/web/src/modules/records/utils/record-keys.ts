/**
 * Query keys of the records module. Everything listing an object's records starts with `lists(object)`, so one
 * invalidation refreshes its lists, counts, boards and related lists; one record's own answer is under `details`.
 */
export const recordKeys = {
  lists: (object: string) => ['records', object] as const,
  list: (object: string, sort: string | null, filter: string | null) =>
    ['records', object, sort, filter] as const,
  count: (object: string, filter: string | null) => ['records', object, '#count', filter] as const,
  board: (object: string, field: string, filter: string | null) =>
    ['records', object, 'board', field, filter] as const,
  related: (object: string, field: string, id: string) => ['records', object, 'related', field, id] as const,
  details: (object: string) => ['record', object] as const,
  detail: (object: string, id: string | null | undefined) => ['record', object, id] as const,
  /** A relation picker's matches as the user types, and a small object's every record. */
  relationSearch: (object: string, search: string) => ['relation-search', object, search] as const,
  relationAll: (object: string) => ['relation-all', object] as const,
};
