import { Badge, Group, Paper, Stack, Text } from '@mantine/core';
import { IconMail } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import type { TicketMessage } from '../utils/service-api.ts';
import { AuthorName } from './AuthorName.tsx';
import { MessageBody } from './MessageBody.tsx';

/** How each kind of message looks: an internal note stands apart from what the customer sees. */
const LOOK = {
  reply: { background: 'var(--mantine-color-body)', badge: null },
  note: { background: 'var(--mantine-color-yellow-light)', badge: 'service.noteBadge' },
  customer: { background: 'var(--mantine-color-gray-light)', badge: 'service.customerBadge' },
} as const;

/** One message of a ticket's conversation: who wrote it and when (in the reader's calendar), what kind, its text. */
export function MessageItem({ message: m }: { message: TicketMessage }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const look = LOOK[m.kind];
  return (
    <Paper
      component="li"
      withBorder
      p="sm"
      style={{ background: look.background }}
      data-testid="ticket-message"
      data-kind={m.kind}
      data-message-id={m.id}
    >
      <Stack gap={6}>
        <Group justify="space-between" wrap="wrap" gap={6}>
          <Group gap={6} wrap="wrap">
            <Text size="sm" fw={600} dir="auto" data-testid="ticket-message-author">
              <AuthorName message={m} />
            </Text>
            {look.badge && (
              // A filled yellow badge with dark text on the note's yellow: marked, and readable (WCAG AA).
              <Badge
                size="sm"
                variant={m.kind === 'note' ? 'filled' : 'outline'}
                color={m.kind === 'note' ? 'yellow.4' : 'gray.8'}
                autoContrast
              >
                {t(look.badge)}
              </Badge>
            )}
            {(m.emailMessageId || m.outboxId) && (
              <Badge
                size="sm"
                variant="outline"
                color="gray.8"
                leftSection={<IconMail size={12} aria-hidden />}
                data-testid="ticket-message-email"
              >
                {t('ticketMail.byEmail')}
              </Badge>
            )}
            {m.automatic && (
              <Badge size="sm" variant="outline" color="gray.8">
                {t('service.automatic')}
              </Badge>
            )}
          </Group>
          <Text size="xs" c="dimmed" component="time" dateTime={m.createdAt}>
            {formatDateTime(m.createdAt, prefs)}
          </Text>
        </Group>
        <MessageBody body={m.body} />
      </Stack>
    </Paper>
  );
}
