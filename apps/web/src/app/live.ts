import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { client } from '../api/client.ts';
import { useMe } from '../modules/auth/hooks/useMe.ts';
import { authKeys } from '../modules/auth/utils/auth-keys.ts';
import { webModules } from '../modules/index.ts';
import { liveDispatch } from './live-dispatch.ts';
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
    const dispatch = liveDispatch(qc, userId, webModules);
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
