import { Button, Card, Center, Divider, Loader, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useLayoutEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { webModules } from '../../index.ts';
import { recordKeys } from '../../records/utils/record-keys.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { useConversation } from '../hooks/useConversation.ts';
import { MessageItem } from './MessageItem.tsx';
import { TicketComposer } from './TicketComposer.tsx';

/** How near the top (in pixels) a scroll brings the earlier messages in. */
const EARLIER_AT = 48;

/**
 * A ticket's conversation on its record page: the messages oldest at the top and newest at the bottom, earlier
 * ones brought in on scrolling up (or with the button), and the composer under them. A message sent shows at once
 * and the ticket's fields (status, first response) are read again.
 */
export default function ConversationPanel({ id }: RecordPanelProps) {
  const { t } = useTranslation();
  const qc = useQueryClient();
  const conversation = useConversation(id);
  const { messages } = conversation;
  const scroller = useRef<HTMLDivElement>(null);
  // What the list looked like at the last render: which messages ended it and how tall it was, to keep the reader's
  // place when earlier messages come in above and to follow a new one at the bottom.
  const last = useRef<{ first?: string; last?: string; height: number; top: number }>({ height: 0, top: 0 });

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const before = last.current;
    const first = messages[0]?.id;
    const newest = messages.at(-1)?.id;
    if (newest !== before.last) el.scrollTop = el.scrollHeight;
    else if (first !== before.first) el.scrollTop = before.top + (el.scrollHeight - before.height);
    last.current = { first, last: newest, height: el.scrollHeight, top: el.scrollTop };
  }, [messages]);

  const onScroll = () => {
    const el = scroller.current;
    if (!el) return;
    last.current.top = el.scrollTop;
    if (el.scrollTop < EARLIER_AT && conversation.hasEarlier && !conversation.loadingEarlier)
      conversation.more();
  };

  return (
    <Card withBorder padding="md" data-testid="ticket-conversation">
      <Title order={3} size="sm" mb="xs">
        {t('service.conversation')}
      </Title>
      <ErrorText error={conversation.error} />
      {conversation.loading && (
        <Center>
          <Loader size="sm" role="status" aria-label={t('service.loading')} />
        </Center>
      )}
      {!conversation.loading && (
        <div
          ref={scroller}
          onScroll={onScroll}
          // A region of its own that scrolls: reachable by keyboard, named for screen readers.
          role="log"
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus to scroll by keyboard (WCAG 2.1.1)
          tabIndex={0}
          aria-label={t('service.conversation')}
          style={{ maxHeight: '60vh', overflowY: 'auto', paddingInline: 2 }}
          data-testid="ticket-messages"
        >
          {conversation.hasEarlier && (
            <Center mb="xs">
              <Button
                variant="subtle"
                size="xs"
                loading={conversation.loadingEarlier}
                onClick={conversation.more}
              >
                {t('service.loadEarlier')}
              </Button>
            </Center>
          )}
          {messages.length === 0 ? (
            <Text size="sm" c="dimmed">
              {t('service.noMessages')}
            </Text>
          ) : (
            <Stack component="ol" gap="xs" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
              {messages.map((m) => (
                <MessageItem key={m.id} message={m} />
              ))}
            </Stack>
          )}
        </div>
      )}
      <Divider my="sm" />
      <TicketComposer
        ticketId={id}
        onSent={async (message) => {
          conversation.added(message);
          // The message may have moved the ticket (status, first response): its page and lists read it again, and
          // each module refreshes what it shows of it.
          await qc.invalidateQueries({ queryKey: recordKeys.detail('tickets', id) });
          for (const m of webModules) m.live?.records?.(qc, new Set(['tickets']));
        }}
      />
    </Card>
  );
}
