import { Button, Drawer, Loader, Stack, Table, Text } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatDate, formatMoney } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import { type DealsQuery, forecastApi, forecastKeys } from '../utils/forecast-api.ts';
import { formatAmount, formatPercent } from '../utils/forecast-format.ts';

/**
 * The deals behind one number of the forecast, as the caller's role may see them, a page at a time: each title
 * links to the deal, with its amount, the amount in the workspace's currency, close date, stage and probability.
 */
export function ForecastDealsDrawer({
  query,
  title,
  currency,
  onClose,
}: {
  query: DealsQuery;
  title: string;
  currency: string;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  const dealDef = useObject('deals');
  const deals = useInfiniteQuery({
    queryKey: forecastKeys.deals(query),
    queryFn: ({ pageParam }) => forecastApi.deals(query, pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next ?? undefined,
  });
  const categoryName = (value: string | null) => {
    const option = dealDef?.fields
      .find((f) => f.key === 'forecastCategory')
      ?.options?.find((o) => o.value === value);
    return option ? label(option.labels, locale) : (value ?? '');
  };
  const list = deals.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Drawer
      opened
      onClose={onClose}
      title={title}
      position="right"
      size="xl"
      closeButtonProps={{ 'aria-label': t('app.close') }}
    >
      <Stack data-testid="forecast-deals">
        <ErrorText error={deals.error} />
        {deals.isLoading && <Loader size="sm" />}
        {!deals.isLoading && list.length === 0 && !deals.error && (
          <Text c="dimmed" size="sm">
            {t('forecast.noDeals')}
          </Text>
        )}
        {list.length > 0 && (
          <Table.ScrollContainer minWidth={640} type="native">
            <Table withTableBorder striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t('forecast.deal')}</Table.Th>
                  <Table.Th>{t('forecast.amount')}</Table.Th>
                  <Table.Th>{t('forecast.inCurrency', { currency })}</Table.Th>
                  <Table.Th>{t('forecast.closeDate')}</Table.Th>
                  <Table.Th>{t('forecast.stage')}</Table.Th>
                  <Table.Th>{t('forecast.probability')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {list.map((d) => (
                  <Table.Tr key={d.id} data-testid="forecast-deal">
                    <Table.Td>
                      <AnchorLink to="/o/$object/$id" params={{ object: 'deals', id: d.id }}>
                        {d.title ?? t('reports.hiddenRecord')}
                      </AnchorLink>
                      {d.forecastCategory && (
                        <Text size="xs" c="dimmed">
                          {categoryName(d.forecastCategory)}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {d.amount !== null && d.currency
                        ? formatMoney({ amount: String(d.amount), currency: d.currency }, prefs)
                        : '—'}
                    </Table.Td>
                    <Table.Td>
                      {d.amountBase === null ? (
                        <Text size="sm" c="red.9">
                          {t('forecast.noRate')}
                        </Text>
                      ) : (
                        formatAmount(d.amountBase, currency, prefs)
                      )}
                    </Table.Td>
                    <Table.Td>{formatDate(d.closeDate, prefs)}</Table.Td>
                    <Table.Td>{d.stage ?? ''}</Table.Td>
                    <Table.Td>{formatPercent(d.probability, prefs)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        {deals.hasNextPage && (
          <Button
            variant="light"
            onClick={() => void deals.fetchNextPage()}
            loading={deals.isFetchingNextPage}
          >
            {t('forecast.more')}
          </Button>
        )}
      </Stack>
    </Drawer>
  );
}
