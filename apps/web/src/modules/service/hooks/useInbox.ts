import { useInfiniteQuery, useQueries } from '@tanstack/react-query';
import { useMemo } from 'react';
import { useMe } from '../../auth/hooks/useMe.ts';
import { useTeams } from '../../workspaces/hooks/useTeams.ts';
import { inboxApi } from '../utils/inbox-api.ts';
import { inboxKeys } from '../utils/inbox-keys.ts';
import {
  INBOX_VIEWS,
  type InboxOrder,
  type InboxView,
  teamMembersOf,
  viewFilter,
} from '../utils/inbox-views.ts';

/**
 * The inbox's views for the signed-in agent: each view that applies (no "My team's" without a team), its filter
 * as the list API's parameter, and its count. The breaching view's hour is taken from when the page opened and
 * moves on each minute.
 */
export function useInboxViews(now: number) {
  const me = useMe().data;
  const teams = useTeams().data;
  const userId = me?.user?.id ?? null;
  const views = useMemo(() => {
    if (!userId) return [];
    const viewer = { userId, teamMembers: teamMembersOf(userId, teams ?? []) };
    return INBOX_VIEWS.flatMap((view) => {
      const filter = viewFilter(view, viewer, now);
      return filter === null ? [] : [{ view, filter: JSON.stringify(filter) }];
    });
  }, [userId, teams, now]);
  const counts = useQueries({
    queries: views.map((v) => ({
      queryKey: inboxKeys.count(v.filter),
      queryFn: () => inboxApi.count(v.filter),
    })),
  });
  return views.map((v, i) => ({ ...v, count: counts[i]?.data?.count as number | undefined }));
}

/** A view's tickets in an order, page by page (keyset cursors); `more()` reads the next page. */
export function useInboxList(filter: string | undefined, order: InboxOrder) {
  const query = useInfiniteQuery({
    queryKey: inboxKeys.list(filter ?? '', order),
    enabled: filter !== undefined,
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => inboxApi.page(filter ?? '', order, pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const rows = useMemo(() => query.data?.pages.flatMap((p) => p.data) ?? [], [query.data]);
  return {
    rows,
    isLoading: query.isLoading,
    error: query.error,
    hasMore: query.hasNextPage,
    more: () => void query.fetchNextPage(),
    loadingMore: query.isFetchingNextPage,
  };
}

export type { InboxOrder, InboxView };
