import { useSyncExternalStore } from 'react';
import { type PendingSend, pendingSends, subscribePendingSends } from '../utils/pending-sends.ts';

/** The sends waiting to be undone, re-rendering as they come, count down and go. */
export function usePendingSends(): readonly PendingSend[] {
  return useSyncExternalStore(subscribePendingSends, pendingSends, pendingSends);
}
