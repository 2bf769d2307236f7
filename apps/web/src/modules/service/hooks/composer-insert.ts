import { useEffect, useRef } from 'react';

type Inserter = (text: string) => void;
const inserters = new Map<string, Set<Inserter>>();

/**
 * Puts text into a ticket's open composer (a knowledge-base article, a canned reply) from anywhere on the page:
 * the composer adds it at its end, on a line of its own. Nothing happens when no composer of that ticket is open.
 */
export function insertIntoComposer(ticketId: string, text: string): boolean {
  const listeners = inserters.get(ticketId);
  if (!listeners || listeners.size === 0) return false;
  for (const insert of listeners) insert(text);
  return true;
}

/** The composer's side: `insert` receives the text others put into it for this ticket. */
export function useComposerInserts(ticketId: string, insert: Inserter): void {
  const latest = useRef(insert);
  latest.current = insert;
  useEffect(() => {
    const listener: Inserter = (text) => latest.current(text);
    const set = inserters.get(ticketId) ?? new Set<Inserter>();
    inserters.set(ticketId, set);
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) inserters.delete(ticketId);
    };
  }, [ticketId]);
}
