import { Button, Group, SegmentedControl, Select, Stack, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useCan, usePrefs } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../../email/utils/email-api.ts';
import { kbApi } from '../../service/utils/kb-api.ts';
import type { CallCardData } from '../utils/call-card-api.ts';
import { cardExtrasApi } from '../utils/card-extras-api.ts';

type Channel = 'email' | 'sms';

/**
 * "Send self-service link" on the card: by email (from a mailbox the agent picks) or SMS; a published help-centre
 * article when the knowledge base has one and the agent picks it, else the workspace's self-service URL.
 */
export function CallSelfServiceAction({ card, onDone }: { card: CallCardData; onDone: () => void }) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const [channel, setChannel] = useState<Channel>('sms');
  const [mailboxId, setMailboxId] = useState<string | null>(null);
  const [articleId, setArticleId] = useState<string | null>(null);
  const mailboxes = useQuery({
    queryKey: ['calls', 'self-service', 'mailboxes'],
    queryFn: emailApi.mailboxes,
    enabled: channel === 'email',
    retry: false,
  });
  const articles = useQuery({
    queryKey: ['calls', 'self-service', 'articles'],
    queryFn: () => kbApi.articles(undefined, undefined),
    enabled: useCan('service.read'),
    retry: false,
  });
  const published = (articles.data?.data ?? []).flatMap((a) => {
    const tr =
      a.translations.find((x) => x.status === 'published' && x.locale === i18n.language) ??
      a.translations.find((x) => x.status === 'published');
    return tr ? [{ value: a.id, label: tr.title }] : [];
  });
  const send = useMutation({
    mutationFn: () =>
      cardExtrasApi.selfService(card.call.id, {
        channel,
        ...(channel === 'email' && mailboxId ? { mailboxId } : {}),
        ...(articleId ? { articleId } : {}),
        ...(['en', 'ar', 'fa'].includes(i18n.language)
          ? { language: i18n.language as 'en' | 'ar' | 'fa' }
          : {}),
      }),
    onSuccess: onDone,
  });
  const last = card.call.selfService.at(-1);
  return (
    <Stack gap={4} data-testid="call-self-service">
      <Group gap="xs" align="flex-end" wrap="wrap">
        <SegmentedControl
          size="xs"
          value={channel}
          onChange={(v) => {
            setChannel(v as Channel);
            send.reset();
          }}
          data={[
            { value: 'sms', label: t('callExtras.sms') },
            { value: 'email', label: t('callExtras.email') },
          ]}
          aria-label={t('callExtras.channel')}
        />
        {channel === 'email' && (mailboxes.data?.length ?? 0) > 0 && (
          <Select
            size="xs"
            label={t('callExtras.mailbox')}
            data={(mailboxes.data ?? []).map((m) => ({ value: m.id, label: `${m.name} <${m.address}>` }))}
            value={mailboxId}
            onChange={setMailboxId}
            comboboxProps={{ withinPortal: false }}
          />
        )}
        {published.length > 0 && (
          <Select
            size="xs"
            label={t('callExtras.article')}
            placeholder={t('callExtras.workspaceUrl')}
            data={published}
            value={articleId}
            onChange={setArticleId}
            clearable
            searchable
            comboboxProps={{ withinPortal: false }}
          />
        )}
        <Button size="xs" variant="light" loading={send.isPending} onClick={() => send.mutate()}>
          {t('callExtras.sendLink')}
        </Button>
      </Group>
      <Text size="xs" c="dimmed" role="status">
        {send.isSuccess
          ? t('callExtras.sent')
          : last
            ? t('callExtras.lastSent', {
                channel: t(`callExtras.${last.channel}`),
                at: formatDateTime(last.at, prefs),
              })
            : ''}
      </Text>
      <ErrorText error={send.error} />
    </Stack>
  );
}
