import { Badge, Button, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { OutboxEntry, OutboxStatus } from '../utils/email-types.ts';

const STATUS_COLORS: Record<OutboxStatus, string> = {
  scheduled: 'blue',
  sending: 'cyan',
  sent: 'green',
  cancelled: 'gray',
  failed: 'red',
};

/** One send: to whom, what, when, what became of it (a failure's reason), and Cancel while it waits. */
function OutboxRow({ entry: o }: { entry: OutboxEntry }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const { error, busy, run } = useAction();
  return (
    <Table.Tr data-testid="outbox-entry" data-status={o.status}>
      <Table.Td dir="ltr" style={{ textAlign: 'start' }}>
        {o.to.join(', ')}
      </Table.Td>
      <Table.Td dir="auto">{o.subject || t('email.noSubject')}</Table.Td>
      <Table.Td>{formatDateTime(o.sendAt, prefs)}</Table.Td>
      <Table.Td>
        <Badge variant="dot" color={STATUS_COLORS[o.status]}>
          {t(`email.outboxStatus.${o.status}`)}
        </Badge>
        {o.error && (
          <Text size="xs" c="red.8" dir="auto">
            {o.error}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {o.status === 'scheduled' && (
          <Button
            size="xs"
            variant="default"
            loading={busy}
            onClick={() => run(() => emailApi.undoSend(o.id), [emailKeys.outbox])}
          >
            {t('email.cancelSend')}
          </Button>
        )}
        <ErrorText error={error} />
      </Table.Td>
    </Table.Tr>
  );
}

/** The caller's scheduled and recent sends, newest first: a "send later" message can be cancelled until it goes. */
export function OutboxSection() {
  const { t } = useTranslation();
  const outbox = useQuery({ queryKey: emailKeys.outbox, queryFn: emailApi.outbox, refetchInterval: 30_000 });
  const rows = outbox.data ?? [];
  return (
    <Section title={t('email.outbox')}>
      <ErrorText error={outbox.error} />
      {outbox.isSuccess && rows.length === 0 && <Text size="sm">{t('email.noOutbox')}</Text>}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={640} type="native">
          <Table withTableBorder data-testid="outbox">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('email.to')}</Table.Th>
                <Table.Th>{t('email.subject')}</Table.Th>
                <Table.Th>{t('email.sendAtLabel')}</Table.Th>
                <Table.Th>{t('email.outboxStatusLabel')}</Table.Th>
                <Table.Th>{t('email.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((o) => (
                <OutboxRow key={o.id} entry={o} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Section>
  );
}
