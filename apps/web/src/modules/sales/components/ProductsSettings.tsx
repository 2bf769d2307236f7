import {
  ActionIcon,
  Button,
  Checkbox,
  Group,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
} from '@mantine/core';
import { IconPencil, IconTrash } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { components } from '../../../api/schema.gen.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatMoney } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { productName, productsKeys } from '../utils/products-keys.ts';

type Book = components['schemas']['PriceBook'];
type PriceRow = { productId: string | null; currency: string; price: string };

/** Products (named in three languages, SKU, on sale) and price books with a price per product and currency. */
export default function ProductsSettings() {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  const qc = useQueryClient();
  const products = useQuery({
    queryKey: productsKeys.products,
    queryFn: async () => (await call(client.GET('/api/v1/products'))).data,
  });
  const books = useQuery({
    queryKey: productsKeys.priceBooks,
    queryFn: async () => (await call(client.GET('/api/v1/price-books'))).data,
  });
  const [product, setProduct] = useState({ en: '', ar: '', fa: '', sku: '' });
  const [book, setBook] = useState<{ id?: string; name: string; isDefault: boolean; prices: PriceRow[] }>({
    name: '',
    isDefault: false,
    prices: [{ productId: null, currency: '', price: '' }],
  });
  const addProduct = useMutation({
    mutationFn: async () =>
      call(
        client.POST('/api/v1/products', {
          body: {
            name: Object.fromEntries(
              (['en', 'ar', 'fa'] as const).filter((l) => product[l].trim()).map((l) => [l, product[l]]),
            ),
            ...(product.sku.trim() ? { sku: product.sku } : {}),
          },
        }),
      ),
    onSuccess: async () => {
      setProduct({ en: '', ar: '', fa: '', sku: '' });
      await qc.invalidateQueries({ queryKey: productsKeys.products });
    },
  });
  const toggle = useMutation({
    mutationFn: async (p: { id: string; active: boolean }) =>
      call(
        client.PATCH('/api/v1/products/{id}', {
          params: { path: { id: p.id } },
          body: { active: !p.active },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: productsKeys.products }),
  });
  const saveBook = useMutation({
    mutationFn: async () => {
      const body = {
        name: book.name,
        isDefault: book.isDefault,
        prices: book.prices
          .filter((p) => p.productId && p.currency && p.price)
          .map((p) => ({ productId: p.productId!, currency: p.currency.toUpperCase(), price: p.price })),
      };
      return book.id
        ? call(client.PUT('/api/v1/price-books/{id}', { params: { path: { id: book.id } }, body }))
        : call(client.POST('/api/v1/price-books', { body }));
    },
    onSuccess: async () => {
      setBook({ name: '', isDefault: false, prices: [{ productId: null, currency: '', price: '' }] });
      await qc.invalidateQueries({ queryKey: productsKeys.priceBooks });
    },
  });
  const list = products.data ?? [];
  const options = list.map((p) => ({ value: p.id, label: productName(p, locale) }));
  const byId = new Map(list.map((p) => [p.id, p]));
  const edit = (b: Book) => setBook({ id: b.id, name: b.name, isDefault: b.isDefault, prices: b.prices });
  const setPrice = (i: number, patch: Partial<PriceRow>) =>
    setBook({ ...book, prices: book.prices.map((p, j) => (j === i ? { ...p, ...patch } : p)) });
  return (
    <Stack>
      <Section title={t('money.products')}>
        <ErrorText error={products.error ?? addProduct.error ?? toggle.error} />
        <Table.ScrollContainer minWidth={520} type="native">
          <Table withTableBorder data-testid="products">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('money.product')}</Table.Th>
                <Table.Th>{t('money.sku')}</Table.Th>
                <Table.Th>{t('money.active')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>{productName(p, locale)}</Table.Td>
                  <Table.Td dir="ltr">{p.sku}</Table.Td>
                  <Table.Td>
                    <Switch
                      aria-label={t('money.active')}
                      checked={p.active}
                      onChange={() => toggle.mutate(p)}
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Group align="flex-end" mt="sm">
          {(['en', 'ar', 'fa'] as const).map((l) => (
            <TextInput
              key={l}
              label={t(l === 'en' ? 'money.nameEn' : l === 'ar' ? 'money.nameAr' : 'money.nameFa')}
              dir={l === 'en' ? 'ltr' : 'rtl'}
              value={product[l]}
              onChange={(e) => setProduct({ ...product, [l]: e.currentTarget.value })}
            />
          ))}
          <TextInput
            label={t('money.sku')}
            dir="ltr"
            value={product.sku}
            onChange={(e) => setProduct({ ...product, sku: e.currentTarget.value })}
          />
          <Button onClick={() => addProduct.mutate()} loading={addProduct.isPending}>
            {t('money.addProduct')}
          </Button>
        </Group>
      </Section>
      <Section title={t('money.priceBooks')}>
        <ErrorText error={books.error ?? saveBook.error} />
        {(books.data ?? []).map((b) => (
          <Stack key={b.id} gap={2} mb="sm" data-testid="price-book">
            <Group gap="xs">
              <Text fw={600}>{b.name}</Text>
              {b.isDefault && <Text c="dimmed">({t('money.defaultBook')})</Text>}
              <ActionIcon variant="subtle" aria-label={b.name} onClick={() => edit(b)}>
                <IconPencil size={16} />
              </ActionIcon>
            </Group>
            {b.prices.map((p) => (
              <Text key={`${p.productId} ${p.currency}`} size="sm">
                {byId.get(p.productId) ? productName(byId.get(p.productId)!, locale) : p.productId}:{' '}
                {formatMoney({ amount: p.price, currency: p.currency }, prefs)}
              </Text>
            ))}
          </Stack>
        ))}
        <Stack gap="xs">
          <Group align="flex-end">
            <TextInput
              label={t('money.priceBookName')}
              value={book.name}
              onChange={(e) => setBook({ ...book, name: e.currentTarget.value })}
            />
            <Checkbox
              label={t('money.defaultBook')}
              checked={book.isDefault}
              onChange={(e) => setBook({ ...book, isDefault: e.currentTarget.checked })}
            />
          </Group>
          {book.prices.map((p, i) => (
            <Group key={i} align="flex-end">
              <Select
                label={t('money.product')}
                data={options}
                value={p.productId}
                onChange={(v) => setPrice(i, { productId: v })}
              />
              <TextInput
                label={t('money.currency')}
                dir="ltr"
                maxLength={3}
                w={90}
                value={p.currency}
                onChange={(e) => setPrice(i, { currency: e.currentTarget.value })}
              />
              <TextInput
                label={t('money.price')}
                dir="ltr"
                value={p.price}
                onChange={(e) => setPrice(i, { price: e.currentTarget.value })}
              />
              <ActionIcon
                variant="subtle"
                color="red"
                aria-label={t('money.remove')}
                onClick={() => setBook({ ...book, prices: book.prices.filter((_, j) => j !== i) })}
              >
                <IconTrash size={16} />
              </ActionIcon>
            </Group>
          ))}
          <Group>
            <Button
              variant="light"
              onClick={() =>
                setBook({ ...book, prices: [...book.prices, { productId: null, currency: '', price: '' }] })
              }
            >
              {t('money.addPrice')}
            </Button>
            <Button onClick={() => saveBook.mutate()} loading={saveBook.isPending}>
              {t('money.savePriceBook')}
            </Button>
          </Group>
        </Stack>
      </Section>
    </Stack>
  );
}
