import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { inboxApi } from '../utils/inbox-api.ts';
import { inboxKeys } from '../utils/inbox-keys.ts';

/** How often an open ticket page says so (the server forgets a page after 45 s without a word). */
const HEARTBEAT_MS = 20_000;
/** How often the page asks who else is there, between its own heartbeats. */
const POLL_MS = 10_000;
/** Typing within this long counts as replying. */
const TYPING_MS = 30_000;

/**
 * Whether the person is typing in the ticket's composer: an input event in it within the last 30 seconds, with text
 * left in it. Read from the page (the composer's `data-testid`), so the composer needs no change.
 */
function useReplying(): boolean {
  const [replying, setReplying] = useState(false);
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onInput = (event: Event) => {
      const target = event.target as HTMLElement | null;
      if (!target?.closest?.('[data-testid="ticket-composer"]')) return;
      const text = (target as HTMLTextAreaElement).value ?? '';
      last = Date.now();
      setReplying(text.trim().length > 0);
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (Date.now() - last >= TYPING_MS) setReplying(false);
      }, TYPING_MS);
    };
    document.addEventListener('input', onInput);
    return () => {
      document.removeEventListener('input', onInput);
      clearTimeout(timer);
    };
  }, []);
  return replying;
}

/**
 * Keeps the signed-in person's presence on a ticket while its page is open (a heartbeat every 20 s, and at once when
 * they start or stop typing a reply) and answers the others who have it open, asked every 10 s.
 */
export function useTicketPresence(ticketId: string) {
  const qc = useQueryClient();
  const replying = useReplying();
  useEffect(() => {
    let stopped = false;
    const beat = () =>
      inboxApi
        .heartbeat(ticketId, replying)
        .then((answer) => {
          if (!stopped) qc.setQueryData(inboxKeys.presence(ticketId), answer);
        })
        .catch(() => {
          // A heartbeat refused (an API key's session, a ticket gone) only leaves the warning out.
        });
    void beat();
    const timer = setInterval(beat, HEARTBEAT_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [ticketId, replying, qc]);
  const viewers = useQuery({
    queryKey: inboxKeys.presence(ticketId),
    queryFn: () => inboxApi.viewers(ticketId),
    refetchInterval: POLL_MS,
    retry: false,
  });
  return viewers.data?.data ?? [];
}
