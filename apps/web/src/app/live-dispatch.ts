import type { QueryClient } from '@tanstack/react-query';
import type { LiveCallEvent, LiveHandlers } from '../modules/web-module.ts';

/**
 * How long the first event of a kind waits for others before the screens refresh, in ms. A window opens at the
 * first event and is not pushed back by later ones: under a steady stream (a contact centre's call events, many a
 * second; an import's record changes) screens refresh once a window, where a pushed-back timer would wait for a
 * pause that never comes.
 */
export const LIVE_WINDOW_MS = { records: 300, calls: 150 } as const;

/** Hands the stream's events to every module's live handlers, each window of a kind refreshing once. */
export function liveDispatch(
  qc: QueryClient,
  me: string,
  modules: readonly { live?: LiveHandlers }[],
): { handle: (type: string, data: string) => void; stop: () => void } {
  // Record changes of a window (an import, a bulk edit): one refresh per object.
  let records: ReturnType<typeof setTimeout> | undefined;
  const pending = new Set<string>();
  // Presence and the wall of a window (call events): one refresh.
  let calls: ReturnType<typeof setTimeout> | undefined;
  const seen = new Set<'presence' | 'wall'>();
  // Whose presence changed in the window: the header's own control reads again only when one of them is the agent.
  const agents = new Set<string>();
  const handle = (type: string, data: string) => {
    try {
      if (type === 'record') {
        const change = JSON.parse(data) as { object: string; recordId: string };
        if (typeof change.object !== 'string') return;
        pending.add(change.object);
        records ??= setTimeout(() => {
          records = undefined;
          const objects = new Set(pending);
          pending.clear();
          for (const m of modules) m.live?.records?.(qc, objects);
        }, LIVE_WINDOW_MS.records);
      } else if (type === 'notification') {
        for (const m of modules) m.live?.notification?.(qc);
      } else if (type === 'presence' || type === 'wall') {
        if (type === 'presence') {
          const change = JSON.parse(data) as { userId?: unknown };
          if (typeof change.userId !== 'string') return;
          agents.add(change.userId);
        }
        seen.add(type);
        calls ??= setTimeout(() => {
          calls = undefined;
          const userIds = new Set(agents);
          agents.clear();
          const kinds = new Set(seen);
          seen.clear();
          for (const m of modules) {
            if (kinds.has('presence')) m.live?.presence?.(qc, { userIds, me });
            if (kinds.has('wall')) m.live?.wall?.(qc);
          }
        }, LIVE_WINDOW_MS.calls);
      } else if (type === 'call') {
        const event = JSON.parse(data) as LiveCallEvent;
        if (typeof event.callId !== 'string' || typeof event.state !== 'string') return;
        for (const m of modules) m.live?.call?.(qc, event);
      }
    } catch {
      // a malformed event is ignored
    }
  };
  return {
    handle,
    stop: () => {
      clearTimeout(records);
      clearTimeout(calls);
    },
  };
}
