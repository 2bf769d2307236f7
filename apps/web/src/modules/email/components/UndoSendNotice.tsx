import { Button, Group, Notification, Portal, Stack, Text, VisuallyHidden } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { usePendingSends } from '../hooks/usePendingSends.ts';
import { emailApi } from '../utils/email-api.ts';
import { dismissPendingSend, type PendingSend, undoPendingSend } from '../utils/pending-sends.ts';
import { formatDuration } from '../utils/units.ts';

/** What a notice says of its send: how long until it goes (or when it is scheduled), or what became of it. */
function useNoticeText(send: PendingSend, now: number): { shown: string; announced: string } {
  const { t } = useTranslation();
  const prefs = usePrefs();
  switch (send.state) {
    case 'waiting':
    case 'undoing': {
      if (send.scheduledFor) {
        const text = t('email.scheduledFor', { time: formatDateTime(send.scheduledFor, prefs) });
        return { shown: text, announced: text };
      }
      const left = Math.max(1, Math.ceil((send.until - now) / 1000));
      return {
        shown: t('email.sendingIn', { time: formatDuration(left, prefs) }),
        announced: t('email.sending'),
      };
    }
    case 'undone': {
      const text = send.scheduledFor ? t('email.scheduleUndone') : t('email.sendUndone');
      return { shown: text, announced: text };
    }
    case 'late':
      return { shown: t('email.tooLateToUndo'), announced: t('email.tooLateToUndo') };
    case 'failed':
      return { shown: send.error ?? t('error.generic'), announced: send.error ?? t('error.generic') };
  }
}

/** One queued send: its subject, its countdown or outcome, and Undo while it may still be undone. */
function PendingSendNotice({ send, now }: { send: PendingSend; now: number }) {
  const { t } = useTranslation();
  const { shown, announced } = useNoticeText(send, now);
  const undoable = send.state === 'waiting' || send.state === 'undoing';
  return (
    <Notification
      withBorder
      color={send.state === 'failed' ? 'red' : send.state === 'undone' ? 'gray' : 'blue'}
      title={<bdi>{send.subject || t('email.noSubject')}</bdi>}
      onClose={() => dismissPendingSend(send.id)}
      closeButtonProps={{ 'aria-label': t('app.close') }}
      data-testid="pending-send"
      data-state={send.state}
    >
      <Group justify="space-between" wrap="nowrap" gap="sm">
        {/* The countdown changes every second: it is shown, and only its state is announced. */}
        <Text size="sm" aria-hidden>
          {shown}
        </Text>
        <VisuallyHidden role="status">{announced}</VisuallyHidden>
        {undoable && (
          <Button
            size="xs"
            variant="light"
            loading={send.state === 'undoing'}
            onClick={() => void undoPendingSend(send.id, emailApi.undoSend)}
          >
            {t('email.undo')}
          </Button>
        )}
      </Group>
    </Notification>
  );
}

/**
 * The notices of sends waiting in the outbox, at the foot of the screen on the reading side: each counts down
 * its seconds with an Undo button, and says when the send was undone or was too late to be. Mounted once with the
 * app's header, so a notice outlives the composer (and the page) it was sent from.
 */
export function UndoSendNotice() {
  const sends = usePendingSends();
  const [now, setNow] = useState(() => Date.now());
  const counting = sends.some((s) => s.state === 'waiting' && !s.scheduledFor);
  useEffect(() => {
    if (!counting) return;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [counting]);
  if (sends.length === 0) return null;
  return (
    <Portal>
      <Stack
        gap="xs"
        style={{
          position: 'fixed',
          insetInlineStart: 16,
          bottom: 16,
          zIndex: 1000,
          width: 'min(420px, calc(100vw - 32px))',
        }}
      >
        {sends.map((s) => (
          <PendingSendNotice key={s.id} send={s} now={now} />
        ))}
      </Stack>
    </Portal>
  );
}
