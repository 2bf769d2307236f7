import { Badge, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { useAction } from '../../../lib/use-action.ts';
import { MailIntakeTable } from '../../email/components/MailIntakeTable.tsx';
import { emailApi } from '../../email/utils/email-api.ts';
import { emailKeys } from '../../email/utils/email-keys.ts';
import { type LeadMailbox, leadMailApi, leadMailKeys } from '../utils/lead-mail-api.ts';

const DEFAULT_SOURCE = 'email';

/**
 * Settings → Lead email: each shared mailbox, whether strangers' mail to it makes leads (mail dated from the moment
 * it is turned on) and the source those leads are given. A mailbox that adds unknown senders as people makes no
 * leads (its senders are people by then), which its row says.
 */
export default function LeadEmailSettings() {
  const { t } = useTranslation();
  const mailboxes = useQuery({ queryKey: emailKeys.mailboxes, queryFn: emailApi.mailboxes });
  const leadBoxes = useQuery({ queryKey: leadMailKeys.list, queryFn: leadMailApi.list });
  const action = useAction();
  const shared = (mailboxes.data ?? []).filter((m) => m.kind === 'shared');
  const byId = new Map<string, LeadMailbox>((leadBoxes.data ?? []).map((d) => [d.mailboxId, d]));
  const sourceOf = (id: string) => byId.get(id)?.source ?? DEFAULT_SOURCE;
  const save = (id: string, body: { enabled: boolean; source: string }) =>
    void action.run(() => leadMailApi.put(id, body), [leadMailKeys.list]);
  return (
    <Section title={t('leadMail.title')}>
      <Stack gap="sm">
        <Text size="sm" c="dimmed">
          {t('leadMail.hint')}
        </Text>
        {mailboxes.isSuccess && shared.length === 0 && <Text size="sm">{t('ticketMail.noShared')}</Text>}
        <MailIntakeTable
          mailboxes={mailboxes.data ?? []}
          settings={byId}
          testId="lead-email"
          headings={{ takes: t('leadMail.makesLeads'), extra: t('leadMail.source') }}
          switchLabel={(address) => t('leadMail.makesLeadsOf', { address })}
          busy={action.busy}
          onToggle={(m, on) => save(m.id, { enabled: on, source: sourceOf(m.id) })}
          badges={(m) =>
            m.createPeople ? (
              <Tooltip label={t('leadMail.addsPeopleHint')} multiline maw={320}>
                <Badge size="xs" color="orange" variant="light">
                  {t('leadMail.addsPeople')}
                </Badge>
              </Tooltip>
            ) : null
          }
          extra={(m, _setting, on) => (
            <TextInput
              key={sourceOf(m.id)}
              size="xs"
              defaultValue={sourceOf(m.id)}
              maxLength={200}
              disabled={!on || action.busy}
              aria-label={t('leadMail.sourceOf', { address: m.address })}
              onBlur={(e) => {
                const source = e.currentTarget.value.trim();
                if (!source) e.currentTarget.value = sourceOf(m.id);
                else if (source !== sourceOf(m.id)) save(m.id, { enabled: on, source });
              }}
            />
          )}
        />
        <ErrorText error={action.error ?? leadBoxes.error ?? mailboxes.error} />
      </Stack>
    </Section>
  );
}
