import { ActionIcon, Button, FileButton, Group, Stack, Table, Text, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatDate, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { productsKeys } from '../utils/products-keys.ts';

/** Exchange rates per day into the workspace's currency: set one, remove one, or import a CSV file. */
export default function ExchangeRatesSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const qc = useQueryClient();
  const rates = useQuery({
    queryKey: productsKeys.rates,
    queryFn: async () => call(client.GET('/api/v1/exchange-rates')),
  });
  const [draft, setDraft] = useState({ currency: '', date: '', rate: '' });
  const [imported, setImported] = useState<number | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: ['kanban'] });
  const save = useMutation({
    mutationFn: async () =>
      call(
        client.PUT('/api/v1/exchange-rates', {
          body: { currency: draft.currency.toUpperCase(), date: draft.date, rate: draft.rate },
        }),
      ),
    onSuccess: async () => {
      setDraft({ currency: '', date: '', rate: '' });
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async (r: { currency: string; date: string }) =>
      call(client.DELETE('/api/v1/exchange-rates/{currency}/{date}', { params: { path: r } })),
    onSuccess: refresh,
  });
  const upload = useMutation({
    mutationFn: async (file: File) =>
      call(client.POST('/api/v1/exchange-rates/import', { body: { csv: await file.text() } })),
    onSuccess: async (answer) => {
      setImported(answer.imported);
      await refresh();
    },
  });
  return (
    <Stack>
      <Section title={t('money.ratesTab')}>
        <Text size="sm" c="dimmed" mb="sm">
          {t('money.ratesHint', { currency: rates.data?.currency ?? '' })}
        </Text>
        <ErrorText error={rates.error ?? save.error ?? remove.error ?? upload.error} />
        <Group align="flex-end" mb="sm">
          <TextInput
            label={t('money.currency')}
            dir="ltr"
            maxLength={3}
            w={90}
            value={draft.currency}
            onChange={(e) => setDraft({ ...draft, currency: e.currentTarget.value })}
          />
          <TextInput
            label={t('money.date')}
            type="date"
            value={draft.date}
            onChange={(e) => setDraft({ ...draft, date: e.currentTarget.value })}
          />
          <TextInput
            label={t('money.rate')}
            dir="ltr"
            value={draft.rate}
            onChange={(e) => setDraft({ ...draft, rate: e.currentTarget.value })}
          />
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            {t('money.setRate')}
          </Button>
          <FileButton accept=".csv,text/csv" onChange={(f) => f && upload.mutate(f)}>
            {(props) => (
              <Button variant="light" loading={upload.isPending} {...props}>
                {t('money.importCsv')}
              </Button>
            )}
          </FileButton>
        </Group>
        {imported !== null && (
          <Text size="sm" role="status">
            {t('money.imported', { n: formatNumber(imported, prefs) })}
          </Text>
        )}
        <Table.ScrollContainer minWidth={420} type="native">
          <Table withTableBorder data-testid="exchange-rates">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('money.date')}</Table.Th>
                <Table.Th>{t('money.currency')}</Table.Th>
                <Table.Th>{t('money.rate')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(rates.data?.data ?? []).map((r) => (
                <Table.Tr key={`${r.currency} ${r.date}`}>
                  <Table.Td>{formatDate(r.date, prefs)}</Table.Td>
                  <Table.Td dir="ltr">{r.currency}</Table.Td>
                  <Table.Td>{formatNumber(r.rate, prefs)}</Table.Td>
                  <Table.Td>
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={t('money.remove')}
                      onClick={() => remove.mutate(r)}
                    >
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Section>
    </Stack>
  );
}
