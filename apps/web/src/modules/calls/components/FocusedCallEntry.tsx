import { Badge, Box, Stack } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSearch } from '@tanstack/react-router';
import { type ReactNode, useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan, useMe } from '../../auth/hooks/useMe.ts';
import { useScrolledIntoView } from '../hooks/useScrolledIntoView.ts';
import { callCardApi, callCardKeys } from '../utils/call-card-api.ts';
import { callFocusStore, takesWrapUp } from '../utils/call-focus.ts';
import { WrapUpForm } from './WrapUpForm.tsx';

/** Below the signed-in frame's header (56 px) when scrolled to. */
const HEADER_GAP_PX = 72;

/**
 * A call's timeline entry (`children`); when the record page is focused on this call (`?call=<id>`, the call card's
 * name link), the entry highlighted, scrolled into view and followed by the call's wrap-up form, so the agent
 * finishes the call on the record's page. The form starts from what was entered in the card and not saved, if anything.
 */
export function FocusedCallEntry({ callId, children }: { callId: string; children: ReactNode }) {
  const { t } = useTranslation();
  const focused = useSearch({ strict: false, select: (s) => s.call === callId });
  const ref = useRef<HTMLDivElement>(null);
  const myId = useMe().data?.user?.id;
  const canRead = useCan('calls.read');
  // The card's own query: news of the call on the event stream (answered, ended) reaches this form as it reaches
  // the card.
  const card = useQuery({
    queryKey: callCardKeys.card(callId),
    queryFn: () => callCardApi.card(callId),
    enabled: focused && canRead,
  });
  useEffect(() => {
    if (!focused) return;
    return callFocusStore.show(callId);
  }, [focused, callId]);
  useScrolledIntoView(ref, focused);
  if (!focused) return children;
  return (
    <Box
      ref={ref}
      data-testid="focused-call"
      aria-current="true"
      p="xs"
      style={{
        background: 'var(--mantine-primary-color-light)',
        borderInlineStart: '3px solid var(--mantine-primary-color-filled)',
        borderRadius: 'var(--mantine-radius-sm)',
        scrollMarginTop: HEADER_GAP_PX,
      }}
    >
      <Stack gap="xs">
        <Badge size="sm" variant="filled" style={{ alignSelf: 'flex-start' }}>
          {t('callFocus.thisCall')}
        </Badge>
        {children}
        {/* The form starts from what the agent entered in the card and has not saved (kept as they typed). */}
        {takesWrapUp(card.data, myId) && <WrapUpForm card={card.data} />}
      </Stack>
    </Box>
  );
}
