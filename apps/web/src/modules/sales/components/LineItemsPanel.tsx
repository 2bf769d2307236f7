import { ActionIcon, Button, Card, Group, Select, Table, Text, TextInput } from '@mantine/core';
import { IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatMoney, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { recordKeys } from '../../records/utils/record-keys.ts';
import type { RecordPanelProps } from '../../web-module.ts';
import { productName, productsKeys } from '../utils/products-keys.ts';

const EMPTY = { productId: null as string | null, quantity: '1', unitPrice: '', discountPct: '', taxPct: '' };

/**
 * A deal's line items (product, quantity, unit price, discount, tax, line total) and a row to add one; the deal's
 * amount is the sum of its lines, computed exactly by the server.
 */
export default function LineItemsPanel({ id }: RecordPanelProps) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  const qc = useQueryClient();
  const [draft, setDraft] = useState(EMPTY);
  const lines = useQuery({
    queryKey: productsKeys.lines(id),
    queryFn: async () => call(client.GET('/api/v1/deals/{id}/line-items', { params: { path: { id } } })),
  });
  const products = useQuery({
    queryKey: productsKeys.products,
    queryFn: async () => (await call(client.GET('/api/v1/products'))).data,
  });
  const refresh = async () => {
    await qc.invalidateQueries({ queryKey: productsKeys.lines(id) });
    await qc.invalidateQueries({ queryKey: recordKeys.detail('deals', id) });
  };
  const add = useMutation({
    mutationFn: async () =>
      call(
        client.POST('/api/v1/deals/{id}/line-items', {
          params: { path: { id } },
          body: {
            productId: draft.productId,
            quantity: draft.quantity,
            ...(draft.unitPrice ? { unitPrice: draft.unitPrice } : {}),
            ...(draft.discountPct ? { discountPct: draft.discountPct } : {}),
            ...(draft.taxPct ? { taxPct: draft.taxPct } : {}),
          },
        }),
      ),
    onSuccess: async () => {
      setDraft(EMPTY);
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async (lineId: string) =>
      call(client.DELETE('/api/v1/deals/{id}/line-items/{lineId}', { params: { path: { id, lineId } } })),
    onSuccess: refresh,
  });
  const data = lines.data;
  const byId = new Map((products.data ?? []).map((p) => [p.id, p]));
  const money = (amount: string) => formatMoney({ amount, currency: data?.currency ?? 'USD' }, prefs);
  const set = (key: keyof typeof EMPTY) => (e: { currentTarget: { value: string } }) =>
    setDraft({ ...draft, [key]: e.currentTarget.value });
  return (
    <Card withBorder padding="sm" data-testid="line-items">
      <Text fw={600} size="sm" mb={4} component="h3">
        {t('money.lineItems')}
      </Text>
      <ErrorText error={lines.error ?? add.error ?? remove.error} />
      <Table.ScrollContainer minWidth={640} type="native">
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('money.product')}</Table.Th>
              <Table.Th>{t('money.quantity')}</Table.Th>
              <Table.Th>{t('money.unitPrice')}</Table.Th>
              <Table.Th>{t('money.discount')}</Table.Th>
              <Table.Th>{t('money.tax')}</Table.Th>
              <Table.Th>{t('money.lineTotal')}</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(data?.lines ?? []).map((line) => (
              <Table.Tr key={line.id} data-testid="line-item">
                <Table.Td>
                  {line.productId && byId.get(line.productId)
                    ? productName(byId.get(line.productId)!, locale)
                    : t('money.noProduct')}
                </Table.Td>
                <Table.Td>{formatNumber(line.quantity, prefs)}</Table.Td>
                <Table.Td>{money(line.unitPrice)}</Table.Td>
                <Table.Td>{formatNumber(line.discountPct, prefs)}</Table.Td>
                <Table.Td>{formatNumber(line.taxPct, prefs)}</Table.Td>
                <Table.Td data-testid="line-total">{money(line.total)}</Table.Td>
                <Table.Td>
                  <ActionIcon
                    variant="subtle"
                    color="red"
                    aria-label={t('money.removeLine')}
                    onClick={() => remove.mutate(line.id)}
                  >
                    <IconTrash size={16} />
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
            <Table.Tr>
              <Table.Td>
                <Select
                  aria-label={t('money.product')}
                  placeholder={t('money.noProduct')}
                  data={(products.data ?? [])
                    .filter((p) => p.active)
                    .map((p) => ({ value: p.id, label: productName(p, locale) }))}
                  value={draft.productId}
                  onChange={(v) => setDraft({ ...draft, productId: v })}
                  clearable
                  miw={140}
                />
              </Table.Td>
              <Table.Td>
                <TextInput
                  aria-label={t('money.quantity')}
                  value={draft.quantity}
                  onChange={set('quantity')}
                />
              </Table.Td>
              <Table.Td>
                <TextInput
                  aria-label={t('money.unitPrice')}
                  value={draft.unitPrice}
                  onChange={set('unitPrice')}
                />
              </Table.Td>
              <Table.Td>
                <TextInput
                  aria-label={t('money.discount')}
                  value={draft.discountPct}
                  onChange={set('discountPct')}
                />
              </Table.Td>
              <Table.Td>
                <TextInput aria-label={t('money.tax')} value={draft.taxPct} onChange={set('taxPct')} />
              </Table.Td>
              <Table.Td colSpan={2}>
                <Button size="xs" loading={add.isPending} onClick={() => add.mutate()}>
                  {t('money.addLine')}
                </Button>
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Group mt="xs">
        <Text size="sm" data-testid="lines-amount">
          {data?.amount ? t('money.amountFromLines', { amount: money(data.amount) }) : t('money.noLines')}
        </Text>
      </Group>
    </Card>
  );
}
