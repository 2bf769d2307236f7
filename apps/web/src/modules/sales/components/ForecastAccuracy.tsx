import { Alert, Loader, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Section } from '../../../components/Section.tsx';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { usePeriodLabel } from '../hooks/usePeriodLabel.ts';
import { type FiscalCalendar, forecastApi, forecastKeys } from '../utils/forecast-api.ts';
import { formatAmount, formatPercent, keyParts } from '../utils/forecast-format.ts';

/** Quarters compared: the last four finished. */
const QUARTERS = 4;

/**
 * Forecast accuracy per rep: for each of the last quarters their commit as it stood when the quarter began and the
 * first forecast they submitted in it against what they closed won, then the bias (positive: forecasts ran high)
 * and the mean absolute percentage error of each.
 */
export function ForecastAccuracy({
  fiscal,
  team,
  currency,
}: {
  fiscal: FiscalCalendar;
  team: string | undefined;
  currency: string;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const name = usePeriodLabel(fiscal);
  const accuracy = useQuery({
    queryKey: forecastKeys.accuracy(team),
    queryFn: () => forecastApi.accuracy(QUARTERS, team),
  });
  const rows = accuracy.data?.data ?? [];
  // The periods compared, in the order the server gives them; named from the answer, else from their keys.
  const keys = accuracy.data?.periods?.map((p) => p.key) ?? [
    ...new Set(rows.flatMap((r) => r.periods.map((p) => p.key))),
  ];
  const periodName = (key: string) => {
    const given = accuracy.data?.periods?.find((p) => p.key === key);
    if (given) return name(given);
    const parts = keyParts(key);
    return parts && parts.kind !== 'month' ? name({ ...parts, key, start: '', end: '' }) : key;
  };
  const money = (value: number) => formatAmount(value, currency, prefs);
  return (
    <Section title={t('forecast.accuracyTitle')}>
      <Text size="sm" c="dimmed" mb="sm">
        {t('forecast.accuracyHint')}
      </Text>
      {accuracy.isError ? (
        <Alert color="red" title={t('forecast.failed')}>
          {(accuracy.error as Error).message}
        </Alert>
      ) : accuracy.isLoading ? (
        <Loader size="sm" />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('forecast.noAccuracy')}
        </Text>
      ) : (
        <Table.ScrollContainer
          // A region the keyboard can scroll: the table holds nothing to focus.
          minWidth={360 + keys.length * 170}
          type="native"
          tabIndex={0}
          role="region"
          aria-label={t('forecast.accuracyTitle')}
        >
          <Table withTableBorder striped data-testid="forecast-accuracy">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('forecast.rep')}</Table.Th>
                {keys.map((key) => (
                  <Table.Th key={key}>{periodName(key)}</Table.Th>
                ))}
                <Table.Th>{t('forecast.bias')}</Table.Th>
                <Table.Th>{t('forecast.error')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={r.userId}>
                  <Table.Th scope="row">{r.name}</Table.Th>
                  {keys.map((key) => {
                    const p = r.periods.find((x) => x.key === key);
                    return (
                      <Table.Td key={key}>
                        {p && (
                          <Stack gap={0}>
                            <Text size="sm">
                              {p.forecast === null
                                ? t('forecast.noForecast')
                                : t('forecast.forecastLine', { amount: money(p.forecast) })}
                            </Text>
                            <Text size="xs" c="dimmed">
                              {p.submitted === null
                                ? t('forecast.noSubmission')
                                : t('forecast.submittedLine', { amount: money(p.submitted) })}
                            </Text>
                            <Text size="xs" c="dimmed">
                              {t('forecast.actualLine', { amount: money(p.actual) })}
                            </Text>
                          </Stack>
                        )}
                      </Table.Td>
                    );
                  })}
                  <Table.Td>
                    <Stack gap={0}>
                      <Text size="sm">{formatPercent(r.bias, prefs, true)}</Text>
                      <Text size="xs" c="dimmed">
                        {formatPercent(r.submittedBias, prefs, true)}
                      </Text>
                    </Stack>
                  </Table.Td>
                  <Table.Td>
                    <Stack gap={0}>
                      <Text size="sm">{formatPercent(r.error, prefs)}</Text>
                      <Text size="xs" c="dimmed">
                        {formatPercent(r.submittedError, prefs)}
                      </Text>
                    </Stack>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Section>
  );
}
