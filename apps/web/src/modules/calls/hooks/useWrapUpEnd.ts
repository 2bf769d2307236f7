import { type QueryKey, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { type AgentPresence, nextWrapUpEnd } from '../utils/presence-api.ts';

/**
 * A wrap-up ends by itself, with no event to say so: reads `queryKey` (a constant key, so the timer is set once per
 * end) again a moment after the earliest wrap-up of these agents ends; nothing while none is in wrap-up.
 */
export function useReadAgainWhenWrapUpEnds(agents: readonly AgentPresence[], queryKey: QueryKey): void {
  const qc = useQueryClient();
  const ends = nextWrapUpEnd(agents);
  useEffect(() => {
    if (ends === undefined) return;
    const timer = window.setTimeout(
      () => void qc.invalidateQueries({ queryKey }),
      Math.max(0, ends - Date.now()) + 250,
    );
    return () => window.clearTimeout(timer);
  }, [ends, qc, queryKey]);
}
