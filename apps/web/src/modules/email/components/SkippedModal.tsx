import { Code, Modal, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { Mailbox } from '../utils/email-types.ts';

/** The messages a mailbox's sync could not store, each with the reason (too large, unreadable, …). */
export function SkippedModal({ mailbox, onClose }: { mailbox: Mailbox; onClose: () => void }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const skipped = useQuery({
    queryKey: emailKeys.skipped(mailbox.id),
    queryFn: () => emailApi.skipped(mailbox.id),
  });
  const rows = skipped.data ?? [];
  return (
    <Modal opened onClose={onClose} title={t('email.skippedTitle', { name: mailbox.name })} size="xl">
      <ErrorText error={skipped.error} />
      {skipped.isSuccess && rows.length === 0 && <Text size="sm">{t('email.noSkipped')}</Text>}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={560} type="native">
          <Table withTableBorder data-testid="skipped-messages">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('email.folder')}</Table.Th>
                <Table.Th>{t('email.messageId')}</Table.Th>
                <Table.Th>{t('email.reason')}</Table.Th>
                <Table.Th>{t('email.when')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((s) => (
                <Table.Tr key={s.id}>
                  <Table.Td dir="auto">{s.folder}</Table.Td>
                  <Table.Td>
                    <Code dir="ltr">{s.messageId ?? (s.uid ? `UID ${s.uid}` : '—')}</Code>
                  </Table.Td>
                  <Table.Td dir="auto">{s.reason}</Table.Td>
                  <Table.Td>{formatDateTime(s.at, prefs)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Modal>
  );
}
