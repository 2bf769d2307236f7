import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { webModules } from '../modules/index.ts';
import type { LiveCallEvent } from '../modules/web-module.ts';

/**
 * Keeps screens live: the server's event stream says which records changed, and each web module refreshes the
 * queries it keeps for them (through its own query keys). EventSource reconnects by itself (the server ends each
 * stream after 15 minutes).
 */
export function useLiveEvents(enabled: boolean): void {
  const qc = useQueryClient();
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource('/api/v1/events');
    let timer: number | undefined;
    const pending = new Set<string>();
    source.addEventListener('record', (event) => {
      try {
        const data = JSON.parse((event as MessageEvent).data) as { object: string; recordId: string };
        pending.add(data.object);
        // Many changes in a burst (an import, a bulk edit) refresh once.
        window.clearTimeout(timer);
        timer = window.setTimeout(() => {
          const objects = new Set(pending);
          pending.clear();
          for (const m of webModules) m.live?.records?.(qc, objects);
        }, 300);
      } catch {
        // a malformed event is ignored
      }
    });
    source.addEventListener('notification', () => {
      for (const m of webModules) m.live?.notification?.(qc);
    });
    // Presence and the wall: a burst (a batch of call events) refreshes once.
    let calls: number | undefined;
    const later = (run: () => void) => {
      window.clearTimeout(calls);
      calls = window.setTimeout(run, 150);
    };
    const seen = new Set<'presence' | 'wall'>();
    for (const kind of ['presence', 'wall'] as const)
      source.addEventListener(kind, () => {
        seen.add(kind);
        later(() => {
          for (const k of seen) for (const m of webModules) m.live?.[k]?.(qc);
          seen.clear();
        });
      });
    source.addEventListener('call', (event) => {
      try {
        const data = JSON.parse((event as MessageEvent).data) as LiveCallEvent;
        if (typeof data.callId !== 'string' || typeof data.state !== 'string') return;
        for (const m of webModules) m.live?.call?.(qc, data);
      } catch {
        // a malformed event is ignored
      }
    });
    return () => {
      window.clearTimeout(timer);
      window.clearTimeout(calls);
      source.close();
    };
  }, [enabled, qc]);
}
