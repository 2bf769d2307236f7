import { Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useCan, useMe } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { Mailbox } from '../utils/email-types.ts';
import { MailboxCard } from './MailboxCard.tsx';
import { MailboxForm } from './MailboxForm.tsx';
import { OutboxSection } from './OutboxSection.tsx';
import { SuppressionsSection } from './SuppressionsSection.tsx';

/** Every 2 s while a mailbox connects or syncs (its progress moves), else twice a minute (a failure shows). */
function refetchEvery(list: readonly Mailbox[] | undefined): number {
  return list?.some((m) => m.status === 'connecting' || m.status === 'syncing') ? 2_000 : 30_000;
}

/**
 * Settings → Mailboxes: the caller's own mailbox and, for mailbox managers, the shared ones — each with its sync
 * status and progress — and the form that connects one or edits the one chosen; the caller's scheduled and recent
 * sends; and, for mailbox managers, the addresses mail no longer goes to.
 */
export default function MailboxesSettings() {
  const { t } = useTranslation();
  const me = useMe().data;
  const canShare = useCan('mailboxes.manage');
  const mailboxes = useQuery({
    queryKey: emailKeys.mailboxes,
    queryFn: emailApi.mailboxes,
    refetchInterval: (query) => refetchEvery(query.state.data),
  });
  const [editing, setEditing] = useState<string | undefined>();
  const [formKey, setFormKey] = useState(0);
  const list = mailboxes.data ?? [];
  const edited = list.find((m) => m.id === editing);
  const manages = (m: Mailbox) =>
    m.kind === 'shared' ? canShare : m.ownerUserId !== null && m.ownerUserId === me?.user?.id;
  const edit = (id: string) => {
    setEditing(id);
    // The form is below the list: bring it into view.
    requestAnimationFrame(() =>
      document.querySelector('[data-testid=mailbox-form]')?.scrollIntoView({ block: 'start' }),
    );
  };
  const done = () => {
    setEditing(undefined);
    setFormKey((k) => k + 1);
  };
  return (
    <Stack>
      <Section title={t('email.mailboxes')}>
        <Stack>
          <Text size="sm" c="dimmed">
            {t('email.mailboxesHint')}
          </Text>
          <ErrorText error={mailboxes.error} />
          {mailboxes.isSuccess && list.length === 0 && <Text size="sm">{t('email.noMailboxes')}</Text>}
          {list.map((m) => (
            <MailboxCard key={m.id} mailbox={m} manages={manages(m)} onEdit={() => edit(m.id)} />
          ))}
        </Stack>
      </Section>
      <Section title={edited ? t('email.editMailbox', { name: edited.name }) : t('email.connectTitle')}>
        <MailboxForm
          key={edited?.id ?? `new-${formKey}`}
          mailbox={edited}
          canShare={canShare}
          onDone={done}
        />
      </Section>
      <OutboxSection />
      {canShare && <SuppressionsSection />}
    </Stack>
  );
}
