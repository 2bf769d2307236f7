import { useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type RefObject, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { call, client, type RecordData } from '../../../api/client.ts';
import { recordKeys } from '../utils/record-keys.ts';
import { PAGE, type RowFetch, type RowsPage, SparseList } from '../utils/sparse-list.ts';

/**
 * A list's rows for a virtualised scroller of its full length, read where the user is rather than from the top
 * (see SparseList): the first page and the count (`/count`, an estimate beyond 10,000 rows) start it; a scroll
 * or a drag to any depth reads the end backwards (`reverse`), or finds the key near that position (`/keys`) and
 * reads from it (`seek`); neighbouring rows follow by the windows' cursors. Rows not read yet are `undefined`
 * (the caller shows placeholders). When the first page or the count is refreshed (an invalidation of the
 * object's lists), the list starts again from them, showing the rows it had until their places are read again.
 * `expand` names relation and user fields whose titles come with the rows.
 */
export function useListRows(options: {
  object: string;
  sort: string | null;
  filter: unknown;
  enabled: boolean;
  scrollRef: RefObject<HTMLDivElement | null>;
  rowHeight: number;
  expand?: string[];
}) {
  const { object, sort, filter, enabled, rowHeight } = options;
  const filterParam = filter === undefined ? undefined : JSON.stringify(filter);
  const expand = options.expand && options.expand.length > 0 ? options.expand.join(',') : undefined;
  const read = (query: { limit: number; cursor?: string; reverse?: boolean; seek?: string }) =>
    call(
      client.GET('/api/v1/objects/{object}', {
        params: {
          path: { object },
          query: {
            limit: query.limit,
            ...(query.cursor ? { cursor: query.cursor } : {}),
            ...(query.seek !== undefined ? { seek: query.seek } : {}),
            ...(sort ? { sort } : {}),
            ...(query.reverse ? { reverse: 'true' as const } : {}),
            ...(filterParam ? { filter: filterParam } : {}),
            ...(expand ? { expand } : {}),
          },
        },
      }),
    ) as Promise<RowsPage>;
  const queryKey = [...recordKeys.list(object, sort, filterParam ?? null), expand ?? null];
  const listKey = JSON.stringify(queryKey);
  const top = useQuery({ queryKey, enabled, queryFn: () => read({ limit: PAGE }) });
  const count = useQuery({
    queryKey: recordKeys.count(object, filterParam ?? null),
    enabled,
    queryFn: () =>
      call(
        client.GET('/api/v1/objects/{object}/count', {
          params: { path: { object }, query: filterParam ? { filter: filterParam } : {} },
        }),
      ),
  });

  // The list as read so far. It is rebuilt from a new first page (another list, or the same one refreshed); the
  // one it replaces still shows its rows where the new one has none yet.
  const state = useRef<{
    key: string;
    top: RowsPage | undefined;
    list: SparseList | undefined;
    previous: SparseList | undefined;
    busy: boolean;
    /** The row in view before a change and its place, so the view stays on it when windows move. */
    shift: number;
  }>({ key: '', top: undefined, list: undefined, previous: undefined, busy: false, shift: 0 });
  const [, rerender] = useState(0);
  const [error, setError] = useState<{ list: SparseList; error: unknown } | null>(null);
  const s = state.current;
  if (s.key !== listKey) {
    s.key = listKey;
    s.top = undefined;
    s.list = undefined;
    s.previous = undefined;
  }
  if (top.data && top.data !== s.top) {
    s.previous = s.list ?? s.previous;
    s.top = top.data as RowsPage;
    s.list = new SparseList(s.top);
  }
  const list = s.list;
  if (list && count.data) list.setCount(count.data.count, count.data.exact);

  const total = list?.length ?? 0;
  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => options.scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  const rowAt = (index: number): RecordData | undefined => list?.rowAt(index) ?? s.previous?.rowAt(index);

  // Reads what the rows in view need, one request at a time, until they are all there.
  const failed = error !== null && error.list === list;
  useEffect(() => {
    if (!enabled || !list || s.busy || failed || !list.hasLength) return;
    const fetch = list.next(first, last);
    if (!fetch) return;
    s.busy = true;
    rerender((n) => n + 1);
    void (async () => {
      try {
        const page = await perform(fetch);
        if (s.list !== list) return;
        const anchor = virtualizer.range?.startIndex ?? first;
        const id = list.rowAt(anchor)?.id;
        list.apply(fetch, page);
        const moved = id === undefined ? undefined : list.indexOf(id);
        if (moved !== undefined) s.shift += moved - anchor;
      } catch (e) {
        if (s.list !== list) return;
        // A sort whose keys cannot be sought (the server refuses the value) still reads by cursors.
        if (fetch.kind === 'seek' && (e as { status?: number }).status === 400) list.disableSeek();
        else setError({ list, error: e });
      } finally {
        s.busy = false;
        rerender((n) => n + 1);
      }
    })();
  });
  async function perform(fetch: RowFetch): Promise<RowsPage> {
    switch (fetch.kind) {
      case 'end':
        return read({ limit: fetch.limit, reverse: true });
      case 'forward':
        return read({ limit: fetch.limit, cursor: fetch.cursor });
      case 'backward':
        return read({ limit: fetch.limit, cursor: fetch.cursor, reverse: true });
      case 'seek': {
        const key = await call(
          client.GET('/api/v1/objects/{object}/keys', {
            params: {
              path: { object },
              query: {
                at: fetch.at,
                ...(sort ? { sort } : {}),
                ...(filterParam ? { filter: filterParam } : {}),
              },
            },
          }),
        );
        return read({ limit: fetch.limit, seek: JSON.stringify(key.value ?? null) });
      }
    }
  }
  // Windows that moved (a join, an end found) take the view with them: the row that was at the top stays there.
  useLayoutEffect(() => {
    if (s.shift === 0) return;
    const el = options.scrollRef.current;
    if (el) el.scrollTop += s.shift * rowHeight;
    s.shift = 0;
  });

  const version = list?.version ?? 0;
  const loaded = useMemo(() => list?.loaded() ?? [], [list, version]);
  const range = virtualizer.range;
  return {
    virtualizer,
    items,
    rowAt,
    total,
    /** Every row read so far (for selecting all). */
    loaded,
    /** The list's length as the header shows it, and whether it is exact (else the server's estimate). */
    count: list?.hasLength ? total : undefined,
    exact: list?.exact ?? false,
    /** The rows in view, 0-based (first and last). */
    first: range?.startIndex ?? first,
    last: range?.endIndex ?? last,
    isLoading: top.isLoading,
    isFetching: s.busy,
    error: top.error ?? count.error ?? (failed ? error.error : null),
  };
}
