import { type QueryClient, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { client } from '../api/client.ts';
import { useMe } from '../modules/auth/hooks/useMe.ts';
import { authKeys } from '../modules/auth/utils/auth-keys.ts';
import { webModules } from '../modules/index.ts';
import type { LiveCallEvent } from '../modules/web-module.ts';
import { openSharedEventStream } from './shared-event-stream.ts';

/** The stream's events the web modules hear. */
const LIVE_EVENTS = ['record', 'notification', 'presence', 'wall', 'call'] as const;

/**
 * Keeps screens live: the server's event stream says which records changed, and each web module refreshes the
 * queries it keeps for them (through its own query keys). The browser's tabs share one stream
 * (`shared-event-stream.ts`); every tab hands each event to its modules here. EventSource reconnects by itself (the
 * server ends each stream after 15 minutes).
 */
export function useLiveEvents(enabled: boolean): void {
  const qc = useQueryClient();
  const me = useMe().data;
  const userId = me?.user?.id;
  const workspaceId = me?.workspace.id;
  useEffect(() => {
    if (!enabled || !userId || !workspaceId) return;
    const dispatch = liveDispatch(qc, userId);
    const leave = openSharedEventStream({
      url: '/api/v1/events',
      key: `${userId}:${workspaceId}`,
      types: LIVE_EVENTS,
      onEvent: dispatch.handle,
      // The stream's cookie is the browser's: after a sign-out and someone else's sign-in (in any tab) a reconnect
      // would speak for them, so each connection's events wait until the caller is known to be this tab's.
      verify: async () => {
        const { data } = await client.GET('/api/v1/me');
        return data?.user?.id === userId && data.workspace.id === workspaceId;
      },
      // Refused (signed out) or someone else's: each tab asks who is signed in; a different answer re-keys the
      // stream, none returns to the sign-in screen.
      onEnded: () => void qc.invalidateQueries({ queryKey: authKeys.me, exact: true }),
    });
    return () => {
      leave();
      dispatch.stop();
    };
  }, [enabled, qc, userId, workspaceId]);
}

/** Hands the stream's events to every web module's live handlers, a burst refreshing once. */
function liveDispatch(
  qc: QueryClient,
  me: string,
): { handle: (type: string, data: string) => void; stop: () => void } {
  // Many record changes in a burst (an import, a bulk edit) refresh once.
  let records: number | undefined;
  const pending = new Set<string>();
  // Presence and the wall: a burst (a batch of call events) refreshes once.
  let calls: number | undefined;
  const seen = new Set<'presence' | 'wall'>();
  // Whose presence changed in the burst: the header's own control reads again only when one of them is the agent.
  const agents = new Set<string>();
  const handle = (type: string, data: string) => {
    try {
      if (type === 'record') {
        const change = JSON.parse(data) as { object: string; recordId: string };
        if (typeof change.object !== 'string') return;
        pending.add(change.object);
        window.clearTimeout(records);
        records = window.setTimeout(() => {
          const objects = new Set(pending);
          pending.clear();
          for (const m of webModules) m.live?.records?.(qc, objects);
        }, 300);
      } else if (type === 'notification') {
        for (const m of webModules) m.live?.notification?.(qc);
      } else if (type === 'presence' || type === 'wall') {
        if (type === 'presence') {
          const change = JSON.parse(data) as { userId?: unknown };
          if (typeof change.userId !== 'string') return;
          agents.add(change.userId);
        }
        seen.add(type);
        window.clearTimeout(calls);
        calls = window.setTimeout(() => {
          const userIds = new Set(agents);
          agents.clear();
          for (const m of webModules) {
            if (seen.has('presence')) m.live?.presence?.(qc, { userIds, me });
            if (seen.has('wall')) m.live?.wall?.(qc);
          }
          seen.clear();
        }, 150);
      } else if (type === 'call') {
        const event = JSON.parse(data) as LiveCallEvent;
        if (typeof event.callId !== 'string' || typeof event.state !== 'string') return;
        for (const m of webModules) m.live?.call?.(qc, event);
      }
    } catch {
      // a malformed event is ignored
    }
  };
  return {
    handle,
    stop: () => {
      window.clearTimeout(records);
      window.clearTimeout(calls);
    },
  };
}
