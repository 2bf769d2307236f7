import type { QueryClient } from '@tanstack/react-query';
import { refreshQueries } from '../../../lib/refresh-queries.ts';
import type { LiveCallEvent } from '../../web-module.ts';
import { callCardKeys } from './call-card-api.ts';

/** A call the card shows: its last known state, and when it popped. */
export interface PoppedCall {
  callId: string;
  state: string;
  at: string;
}

/** At most this many cards at once (a burst of calls must not cover the page). */
const MAX_CARDS = 3;

let cards: readonly PoppedCall[] = [];
const listeners = new Set<() => void>();
const emit = () => {
  for (const l of listeners) l();
};

/**
 * The cards popped in this tab, kept outside React so the event stream's handler (which knows no component) can
 * open them on any page. A ringing or answered call pops its card; a later state updates it; the card decides
 * itself, from what the API says, whether it stays (an answered call of the agent's, for the wrap-up) or closes.
 * `closed` (a queue's call taken by another member, or abandoned while it waited) closes it at once.
 */
export const callCardStore = {
  subscribe(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  snapshot: () => cards,
  /** The event stream said something of a call. */
  heard(event: LiveCallEvent) {
    const known = cards.find((c) => c.callId === event.callId);
    // A queue's call another member answered, or whose caller hung up while it waited: its pop closes here.
    if (event.state === 'closed') {
      if (known) callCardStore.close(event.callId);
      return;
    }
    if (known) cards = cards.map((c) => (c.callId === event.callId ? { ...c, state: event.state } : c));
    else if (event.state === 'ringing' || event.state === 'answered' || event.state === 'held')
      cards = [...cards, { callId: event.callId, state: event.state, at: event.at }].slice(-MAX_CARDS);
    else return;
    emit();
  },
  close(callId: string) {
    cards = cards.filter((c) => c.callId !== callId);
    emit();
  },
};

/**
 * The calls module's live handler: pop or update the card, and read it again. A ringing call's card starts its
 * first read as it pops, so the answer of a call answered at once arrives while that read is under way, which may
 * have begun before the answer was stored: the read is started again (`refreshQueries`), not joined.
 */
export function onLiveCall(qc: QueryClient, event: LiveCallEvent): void {
  callCardStore.heard(event);
  void refreshQueries(qc, { queryKey: callCardKeys.card(event.callId) });
}
