import { Badge, Select, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useAction } from '../../../lib/use-action.ts';
import { MailIntakeTable } from '../../email/components/MailIntakeTable.tsx';
import { emailApi } from '../../email/utils/email-api.ts';
import { emailKeys } from '../../email/utils/email-keys.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { type DeskMailbox, deskMailApi, deskMailKeys } from '../utils/desk-mail-api.ts';
import { NpsSettings } from './NpsSettings.tsx';
import { SurveySettings } from './SurveySettings.tsx';

/**
 * Settings → Ticket email: each shared mailbox, whether customers' mail to it opens tickets (mail dated from the
 * moment it is turned on, so a first sync's history opens none) and in which queue. Public replies on a ticket go
 * to the requester from its queue's mailbox.
 */
export default function TicketEmailSettings() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const mailboxes = useQuery({ queryKey: emailKeys.mailboxes, queryFn: emailApi.mailboxes });
  const desk = useQuery({ queryKey: deskMailKeys.list, queryFn: deskMailApi.list });
  const tickets = useObject('tickets');
  const queues = (tickets?.fields.find((f) => f.key === 'queue')?.options ?? []).map((o) => ({
    value: o.value,
    label: label(o.labels, locale) || o.value,
  }));
  const action = useAction();
  const shared = (mailboxes.data ?? []).filter((m) => m.kind === 'shared');
  const byId = new Map<string, DeskMailbox>((desk.data ?? []).map((d) => [d.mailboxId, d]));
  const queueOf = (id: string) => byId.get(id)?.queue ?? queues[0]?.value ?? 'general';
  const save = (id: string, body: { queue: string; enabled: boolean }) =>
    void action.run(() => deskMailApi.put(id, body), [deskMailKeys.list]);
  return (
    <Stack>
      <Section title={t('ticketMail.title')}>
        <Stack gap="sm">
          <Text size="sm" c="dimmed">
            {t('ticketMail.hint')}
          </Text>
          {mailboxes.isSuccess && shared.length === 0 && <Text size="sm">{t('ticketMail.noShared')}</Text>}
          <MailIntakeTable
            mailboxes={mailboxes.data ?? []}
            settings={byId}
            testId="ticket-email"
            headings={{ takes: t('ticketMail.opensTickets'), extra: t('ticketMail.queue') }}
            switchLabel={(address) => t('ticketMail.opensTicketsOf', { address })}
            busy={action.busy}
            onToggle={(m, on) => save(m.id, { queue: queueOf(m.id), enabled: on })}
            badges={(_m, d) =>
              d && !d.sends ? (
                <Badge size="xs" color="orange" variant="light">
                  {t('ticketMail.noSmtp')}
                </Badge>
              ) : null
            }
            extra={(m, _d, on) => (
              <Select
                size="xs"
                data={queues}
                value={queueOf(m.id)}
                allowDeselect={false}
                disabled={!on || action.busy}
                aria-label={t('ticketMail.queueOf', { address: m.address })}
                onChange={(v) => v && save(m.id, { queue: v, enabled: on })}
              />
            )}
          />
          <ErrorText error={action.error ?? desk.error ?? mailboxes.error} />
        </Stack>
      </Section>
      <SurveySettings />
      <NpsSettings />
    </Stack>
  );
}
