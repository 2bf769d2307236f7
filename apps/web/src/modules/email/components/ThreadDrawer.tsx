import { Button, Drawer, Group, Loader, Stack } from '@mantine/core';
import { IconArrowBackUp } from '@tabler/icons-react';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { emailApi } from '../utils/email-api.ts';
import { replyDraft } from '../utils/email-entry.ts';
import { emailKeys } from '../utils/email-keys.ts';
import { Composer, type ComposerStart } from './Composer.tsx';
import { MessageCard } from './MessageCard.tsx';

/**
 * A thread's messages the reader may see, oldest first, in a drawer at the reading end of the page; Reply answers
 * the newest one through the mailbox that holds it.
 */
export function ThreadDrawer({
  threadId,
  record,
  onClose,
}: {
  threadId: string;
  /** The record page it was opened from: a reply is linked to it too. */
  record?: { object: string; id: string } | undefined;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const thread = useQuery({ queryKey: emailKeys.thread(threadId), queryFn: () => emailApi.thread(threadId) });
  const mailboxes = useQuery({ queryKey: emailKeys.mailboxes, queryFn: emailApi.mailboxes });
  const [reply, setReply] = useState<ComposerStart | null>(null);
  // A reply whose send was undone opens afresh, even over another one being written.
  const [round, setRound] = useState(0);
  const messages = thread.data ?? [];
  const newest = messages.at(-1);
  const title = messages.find((m) => m.subject)?.subject ?? t('email.thread');
  return (
    <Drawer
      opened
      onClose={onClose}
      title={title}
      position={i18n.dir() === 'rtl' ? 'left' : 'right'}
      size="xl"
      closeButtonProps={{ 'aria-label': t('app.close') }}
      data-testid="email-thread"
    >
      <Stack>
        {thread.isPending && <Loader size="sm" role="status" aria-label={t('email.loading')} />}
        <ErrorText error={thread.error} />
        {messages.map((m) => (
          <MessageCard key={m.id} message={m} />
        ))}
        {newest && (
          <Group>
            <Button
              leftSection={<IconArrowBackUp size={16} aria-hidden />}
              onClick={() => setReply({ ...replyDraft(newest, mailboxes.data ?? []), threadId })}
            >
              {t('email.reply')}
            </Button>
          </Group>
        )}
      </Stack>
      {reply && (
        <Composer
          key={round}
          start={reply}
          record={record}
          onClose={() => setReply(null)}
          onReopen={(draft) => {
            setReply(draft);
            setRound((r) => r + 1);
          }}
        />
      )}
    </Drawer>
  );
}
