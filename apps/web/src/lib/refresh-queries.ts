import type { InvalidateQueryFilters, QueryClient } from '@tanstack/react-query';

/**
 * Reads queries again because the server said their data changed. `invalidateQueries` alone cancels and restarts
 * only reads of queries that already have data; a query's first read still under way is joined instead, and that
 * read may have begun before the change — its answer would be kept as fresh. Such first reads are cancelled (the
 * query goes back to having nothing) and every matching query that is on screen is read again. For events that come
 * a few at a time (a call's states): under a steady stream of changes (an import's records) a first read slower
 * than the stream's pace would be restarted again and again and never answer, so the record lists keep
 * `invalidateQueries`, which joins the read under way.
 */
export async function refreshQueries(qc: QueryClient, filters: InvalidateQueryFilters): Promise<void> {
  await qc.cancelQueries({
    ...filters,
    fetchStatus: 'fetching',
    predicate: (query) => query.state.data === undefined && (filters.predicate?.(query) ?? true),
  });
  await qc.invalidateQueries(filters);
}
