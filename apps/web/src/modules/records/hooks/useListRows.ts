import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import { call, client, type RecordData } from '../../../api/client.ts';
import { recordKeys } from '../utils/record-keys.ts';

const PAGE = 100;
/** The API's largest page: what a page that must catch up with a deep scroll asks for. */
const MAX_PAGE = 1000;

/**
 * A list's rows for a virtualised scroller of its full length. Keyset pages cannot start at an offset, so rows
 * arrive from the top in pages (large ones when the user has scrolled far ahead of them) and from the bottom,
 * read backwards by the server (`reverse`, the exact reverse of any sort): a jump near the end reads the end
 * first. The length comes from a count until one end has been
 * read through (today the exact aggregate count; see the note at the count query). Rows not fetched yet are `undefined` (the caller shows placeholders). `expand` names relation and
 * user fields whose titles come with the rows.
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
  const { object, sort, filter, enabled } = options;
  const filterParam = filter === undefined ? undefined : JSON.stringify(filter);
  const expand = options.expand && options.expand.length > 0 ? options.expand.join(',') : undefined;
  // Where the user is and how much has arrived, read when a page is fetched, to size it.
  const want = useRef({ first: 0, last: 0, total: 0, head: 0, tail: 0 });
  const size = (missing: number) => Math.min(MAX_PAGE, Math.max(PAGE, missing + PAGE));
  const page = (reverse: boolean, limit: number, cursor: string | undefined) =>
    call(
      client.GET('/api/v1/objects/{object}', {
        params: {
          path: { object },
          query: {
            limit,
            ...(cursor ? { cursor } : {}),
            ...(sort ? { sort } : {}),
            ...(reverse ? { reverse: 'true' as const } : {}),
            ...(filterParam ? { filter: filterParam } : {}),
            ...(expand ? { expand } : {}),
          },
        },
      }),
    );
  const key = [...recordKeys.list(object, sort, filterParam ?? null), expand ?? null];
  const head = useInfiniteQuery({
    queryKey: key,
    enabled,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => page(false, size(want.current.last - want.current.head), pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  // The tail starts only once a user goes nearer the end than the top has reached; a new list starts without it.
  const [tailFor, setTailFor] = useState<string | null>(null);
  const tailOn = tailFor === JSON.stringify(key);
  const tail = useInfiniteQuery({
    queryKey: [...key, 'from-end'],
    enabled: enabled && tailOn,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      page(true, size(want.current.total - want.current.first - want.current.tail), pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const count = useQuery({
    queryKey: recordKeys.count(object, filterParam ?? null),
    enabled,
    // Exact for now: the scroller places the rows read from the end by the list's length, so an estimate would
    // shift them. The header's "about" (GET /count) waits for rows placed by their own position.
    queryFn: async () => {
      const result = await call(
        client.POST('/api/v1/objects/{object}/aggregate', {
          params: { path: { object } },
          body: { metrics: [{ fn: 'count' }], ...(filter === undefined ? {} : { filter }) },
        }),
      );
      return { count: Number(result.data[0]?.values.count ?? 0), exact: true };
    },
  });
  const headRows = useMemo(
    () => (head.data?.pages ?? []).flatMap((p) => p.data as RecordData[]),
    [head.data],
  );
  const tailRows = useMemo(
    () => (tailOn ? (tail.data?.pages ?? []).flatMap((p) => p.data as RecordData[]) : []),
    [tail.data, tailOn],
  );
  const headDone = head.data !== undefined && !head.hasNextPage;
  const tailDone = tailOn && tail.data !== undefined && !tail.hasNextPage;
  // The full length sizes the scroll bar, so a user can drag to any depth.
  const total = headDone
    ? headRows.length
    : tailDone
      ? tailRows.length
      : Math.max(headRows.length, tailRows.length, count.data?.count ?? 0);
  const rowAt = (index: number): RecordData | undefined =>
    index < headRows.length ? headRows[index] : tailRows[total - 1 - index];

  const virtualizer = useVirtualizer({
    count: total,
    getScrollElement: () => options.scrollRef.current,
    estimateSize: () => options.rowHeight,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;
  want.current = { first, last, total, head: headRows.length, tail: tailRows.length };
  const gapEnd = total - tailRows.length; // rows [headRows.length, gapEnd) are not fetched yet
  useEffect(() => {
    if (headDone || tailDone || headRows.length >= gapEnd) return;
    if (last < headRows.length - 20) return; // the visible rows and a margin after them are loaded
    if (first >= gapEnd + 20) return; // all in the tail already
    const fromEnd = gapEnd - 1 - last < first - headRows.length;
    if (fromEnd) {
      if (!tailOn) setTailFor(JSON.stringify(key));
      else if (!tail.isFetching && (tail.hasNextPage || tail.data === undefined)) void tail.fetchNextPage();
    } else if (head.hasNextPage && !head.isFetchingNextPage) void head.fetchNextPage();
  });
  const loaded = useMemo(() => {
    const ids = new Set(headRows.map((r) => r.id));
    return [...headRows, ...tailRows.filter((r) => !ids.has(r.id))];
  }, [headRows, tailRows]);
  return {
    virtualizer,
    items,
    rowAt,
    total,
    /** Every row fetched so far (for selecting all). */
    loaded,
    /** The list's length as the header shows it, and whether it is exact (else the server's estimate). */
    count: headDone || tailDone ? total : count.data?.count,
    exact: headDone || tailDone || (count.data?.exact ?? false),
    /** The rows in view, 0-based (first and last). */
    first,
    last,
    isLoading: head.isLoading,
    isFetching: head.isFetchingNextPage || tail.isFetching,
    error: head.error ?? tail.error,
  };
}
