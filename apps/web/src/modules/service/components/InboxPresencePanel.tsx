import { Alert, Stack } from '@mantine/core';
import { useHotkeys } from '@mantine/hooks';
import { IconEye, IconPencil } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import type { RecordPanelProps } from '../../web-module.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { useTicketPresence } from '../hooks/useInboxPresence.ts';

/**
 * Puts the ticket's composer in reply or note mode and the caret in it (`r` and `n` on the ticket's page). The
 * composer is found by its `data-testid`s and its mode set by its own radio, so the composer needs no change.
 */
function focusComposer(kind: 'reply' | 'note'): void {
  const composer = document.querySelector('[data-testid="ticket-composer"]');
  if (!composer) return;
  composer.querySelector<HTMLInputElement>(`[data-testid="ticket-kind"] input[value="${kind}"]`)?.click();
  // After React has applied the mode (the textarea's label and colour follow it).
  requestAnimationFrame(() =>
    composer.querySelector<HTMLTextAreaElement>('[data-testid="ticket-composer-body"]')?.focus(),
  );
}

/**
 * The collision warning on a ticket's page: who else has it open ("X also has this ticket open") and who of them is
 * typing a reply, from the presence heartbeats every open page sends. Also the ticket page's r and n shortcuts.
 */
export default function InboxPresencePanel({ id }: RecordPanelProps) {
  const { t, i18n } = useTranslation();
  const viewers = useTicketPresence(id);
  const members = useMembers();
  useHotkeys([
    ['r', () => focusComposer('reply'), { usePhysicalKeys: true }],
    ['n', () => focusComposer('note'), { usePhysicalKeys: true }],
  ]);
  if (viewers.length === 0) return null;
  const nameOf = (userId: string) =>
    members.data?.find((m) => m.userId === userId)?.name ?? t('inbox.someone');
  const names = new Intl.ListFormat(i18n.language, { type: 'conjunction' });
  const replying = viewers.filter((v) => v.replying);
  return (
    <Stack gap="xs" data-testid="ticket-presence">
      <Alert color="yellow" variant="light" icon={<IconEye size={18} />} role="status">
        <span dir="auto">
          {t('inbox.alsoViewing', { names: names.format(viewers.map((v) => nameOf(v.userId))) })}
        </span>
      </Alert>
      {replying.map((v) => (
        <Alert key={v.userId} color="orange" variant="light" icon={<IconPencil size={18} />} role="status">
          <span dir="auto">{t('inbox.replying', { name: nameOf(v.userId) })}</span>
        </Alert>
      ))}
    </Stack>
  );
}
