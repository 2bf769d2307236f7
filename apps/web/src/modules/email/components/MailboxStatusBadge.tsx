import { Badge } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { MailboxStatus } from '../utils/email-types.ts';

const COLORS: Record<MailboxStatus, string> = {
  connecting: 'blue',
  syncing: 'cyan',
  ready: 'green',
  failing: 'red',
  paused: 'gray',
};

/** A mailbox's sync status in words and colour (a dot beside dark text, which keeps its contrast). */
export function MailboxStatusBadge({ status }: { status: MailboxStatus }) {
  const { t } = useTranslation();
  return (
    <Badge variant="dot" color={COLORS[status]} data-testid="mailbox-status" data-status={status}>
      {t(`email.status.${status}`)}
    </Badge>
  );
}
