import { Button, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { emailApi } from '../utils/email-api.ts';
import { emailKeys } from '../utils/email-keys.ts';
import type { Suppression } from '../utils/email-types.ts';

/** One stopped address, and the button that lets mail go to it again. */
function SuppressionRow({ suppression: s }: { suppression: Suppression }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const { error, busy, run } = useAction();
  return (
    <Table.Tr data-testid="suppression">
      <Table.Td dir="ltr" style={{ textAlign: 'start' }}>
        {s.address}
      </Table.Td>
      <Table.Td dir="auto">{s.reason === 'unsubscribed' ? t('email.unsubscribed') : s.reason}</Table.Td>
      <Table.Td>{formatDateTime(s.at, prefs)}</Table.Td>
      <Table.Td>
        <Button
          size="xs"
          variant="default"
          loading={busy}
          aria-label={t('email.allowAgainAddress', { address: s.address })}
          onClick={() => run(() => emailApi.allowAgain(s.address), [emailKeys.suppressions])}
        >
          {t('email.allowAgain')}
        </Button>
        <ErrorText error={error} />
      </Table.Td>
    </Table.Tr>
  );
}

/** For mailbox managers: the addresses no mail goes to (hard bounces, unsubscribes), newest first. */
export function SuppressionsSection() {
  const { t } = useTranslation();
  const suppressions = useQuery({ queryKey: emailKeys.suppressions, queryFn: emailApi.suppressions });
  const rows = suppressions.data ?? [];
  return (
    <Section title={t('email.suppressions')}>
      <Text size="sm" c="dimmed" mb="sm">
        {t('email.suppressionsHint')}
      </Text>
      <ErrorText error={suppressions.error} />
      {suppressions.isSuccess && rows.length === 0 && <Text size="sm">{t('email.noSuppressions')}</Text>}
      {rows.length > 0 && (
        <Table.ScrollContainer minWidth={560} type="native">
          <Table withTableBorder data-testid="suppressions">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('email.address')}</Table.Th>
                <Table.Th>{t('email.reason')}</Table.Th>
                <Table.Th>{t('email.when')}</Table.Th>
                <Table.Th>{t('email.actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((s) => (
                <SuppressionRow key={s.address} suppression={s} />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Section>
  );
}
