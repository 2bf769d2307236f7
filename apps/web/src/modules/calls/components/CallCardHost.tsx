import { Portal, Stack } from '@mantine/core';
import { useSyncExternalStore } from 'react';
import { useCan } from '../../auth/hooks/useMe.ts';
import { callCardStore } from '../utils/call-card-store.ts';
import { CallCard } from './CallCard.tsx';

/**
 * Where call cards pop: above every signed-in page, at the end of the reading direction's bottom corner. Rendered
 * by the header (which every signed-in page has) and portalled out of it.
 */
export function CallCardHost() {
  const cards = useSyncExternalStore(callCardStore.subscribe, callCardStore.snapshot);
  const canRead = useCan('calls.read');
  if (!canRead || cards.length === 0) return null;
  return (
    <Portal>
      <Stack
        gap="sm"
        style={{
          position: 'fixed',
          bottom: 16,
          insetInlineEnd: 16,
          zIndex: 300,
          width: 'min(400px, calc(100vw - 32px))',
          maxHeight: 'calc(100vh - 88px)',
          overflowY: 'auto',
        }}
      >
        {cards.map((c) => (
          <CallCard key={c.callId} callId={c.callId} onClose={() => callCardStore.close(c.callId)} />
        ))}
      </Stack>
    </Portal>
  );
}
