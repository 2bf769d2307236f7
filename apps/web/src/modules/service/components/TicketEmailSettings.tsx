import { Badge, Group, Select, Stack, Switch, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
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
  const prefs = usePrefs();
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
          {shared.length > 0 && (
            <Table withTableBorder verticalSpacing="xs" data-testid="ticket-email">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('ticketMail.mailbox')}</Table.Th>
                  <Table.Th>{t('ticketMail.opensTickets')}</Table.Th>
                  <Table.Th>{t('ticketMail.queue')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shared.map((m) => {
                  const d = byId.get(m.id);
                  const on = d?.enabled === true;
                  const queue = d?.queue ?? queues[0]?.value ?? 'general';
                  return (
                    <Table.Tr key={m.id} data-address={m.address}>
                      <Table.Td>
                        <Text size="sm" fw={600} dir="auto">
                          {m.name}
                        </Text>
                        <Group gap={6}>
                          <Text size="xs" c="dimmed">
                            <bdi>{m.address}</bdi>
                          </Text>
                          {d && !d.sends && (
                            <Badge size="xs" color="orange" variant="light">
                              {t('ticketMail.noSmtp')}
                            </Badge>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>
                        <Switch
                          checked={on}
                          disabled={action.busy}
                          aria-label={t('ticketMail.opensTicketsOf', { address: m.address })}
                          onChange={(e) => save(m.id, { queue, enabled: e.currentTarget.checked })}
                          description={
                            on && d
                              ? t('ticketMail.since', { at: formatDateTime(d.since, prefs) })
                              : undefined
                          }
                        />
                      </Table.Td>
                      <Table.Td>
                        <Select
                          size="xs"
                          data={queues}
                          value={queue}
                          allowDeselect={false}
                          disabled={!on || action.busy}
                          aria-label={t('ticketMail.queueOf', { address: m.address })}
                          onChange={(v) => v && save(m.id, { queue: v, enabled: on })}
                        />
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          )}
          <ErrorText error={action.error ?? desk.error ?? mailboxes.error} />
        </Stack>
      </Section>
      <SurveySettings />
      <NpsSettings />
    </Stack>
  );
}
