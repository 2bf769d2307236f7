import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';

/**
 * Keeps screens live: the server's event stream says which records changed, and the queries that show them
 * are refreshed. EventSource reconnects by itself (the server ends each stream after 15 minutes).
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
          for (const object of pending) {
            void qc.invalidateQueries({ queryKey: ['records', object] });
            void qc.invalidateQueries({ queryKey: ['record', object] });
          }
          void qc.invalidateQueries({ queryKey: ['timeline'] });
          void qc.invalidateQueries({ queryKey: ['kanban'] });
          pending.clear();
        }, 300);
      } catch {
        // a malformed event is ignored
      }
    });
    source.addEventListener('notification', () => {
      void qc.invalidateQueries({ queryKey: ['notifications'] });
    });
    return () => {
      window.clearTimeout(timer);
      source.close();
    };
  }, [enabled, qc]);
}
