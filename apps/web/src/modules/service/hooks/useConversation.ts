import { type InfiniteData, useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import { serviceApi, type TicketMessage } from '../utils/service-api.ts';
import { serviceKeys } from '../utils/service-keys.ts';

type Page = Awaited<ReturnType<typeof serviceApi.messages>>;

/**
 * A ticket's conversation, oldest first, as far back as it has been read: the server gives pages newest first and
 * `more()` fetches the page before the oldest shown. `added(message)` shows a message just sent without a refetch.
 */
export function useConversation(ticketId: string) {
  const qc = useQueryClient();
  const query = useInfiniteQuery({
    queryKey: serviceKeys.conversation(ticketId),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => serviceApi.messages(ticketId, pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const messages = useMemo(
    () => (query.data?.pages.flatMap((p) => p.data) ?? []).slice().reverse(),
    [query.data],
  );
  const added = useCallback(
    (message: TicketMessage) =>
      qc.setQueryData<InfiniteData<Page, string | undefined>>(serviceKeys.conversation(ticketId), (old) => {
        if (!old) return old;
        const [first, ...rest] = old.pages;
        if (!first || first.data.some((m) => m.id === message.id)) return old;
        return { ...old, pages: [{ ...first, data: [message, ...first.data] }, ...rest] };
      }),
    [qc, ticketId],
  );
  return {
    messages,
    error: query.error,
    loading: query.isPending,
    hasEarlier: query.hasNextPage,
    loadingEarlier: query.isFetchingNextPage,
    more: () => void query.fetchNextPage(),
    added,
  };
}
