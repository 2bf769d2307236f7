import { Alert, Loader, Stack, Tabs, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useForecastSettings } from '../hooks/useForecastSettings.ts';
import { usePeriodLabel } from '../hooks/usePeriodLabel.ts';
import type { ForecastSearch } from '../sales.web.ts';
import { forecastApi, forecastKeys, type PeriodKind } from '../utils/forecast-api.ts';
import { kindOfKey } from '../utils/forecast-format.ts';
import { ForecastAccuracy } from './ForecastAccuracy.tsx';
import { ForecastBoard } from './ForecastBoard.tsx';
import { ForecastFilters } from './ForecastFilters.tsx';
import { ForecastVelocity } from './ForecastVelocity.tsx';

/** How many periods the picker offers around today, by length. */
const AROUND: Record<PeriodKind, number> = { quarter: 8, month: 18, year: 5 };

/** Today's date (`YYYY-MM-DD`) as the clock in a time zone reads it. */
function todayIn(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone }).format(Date.now());
}

/**
 * The sales forecast: a period of the workspace's fiscal calendar (quarters unless switched) and a team, then
 * either the forecast by rep and team or the accuracy of past forecasts with the sales velocity. What is chosen
 * stays in the address, so a link opens the same view.
 */
export default function ForecastPage() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  useDocumentTitle(t('forecast.title'));
  const search = useSearch({ from: '/app/sales/forecast' });
  const navigate = useNavigate();
  const go = (patch: Partial<ForecastSearch>) =>
    void navigate({ to: '/sales/forecast', search: { ...search, ...patch }, replace: true });
  const settings = useForecastSettings();
  const fiscal = settings.data?.calendar ?? 'gregorian';
  const name = usePeriodLabel(fiscal);
  const kind = search.kind ?? (search.period ? kindOfKey(search.period) : 'quarter');
  const today = useMemo(() => todayIn(prefs.timeZone), [prefs.timeZone]);
  const periods = useQuery({
    queryKey: [...forecastKeys.periods(kind, today), fiscal, settings.data?.startMonth],
    queryFn: () => forecastApi.periods(kind, today, AROUND[kind]),
    enabled: Boolean(settings.data),
  });
  const periodKey = search.period ?? periods.data?.current;
  const forecast = useQuery({
    queryKey: forecastKeys.forecast(periodKey ?? '', search.team),
    queryFn: () => forecastApi.forecast(periodKey ?? '', search.team),
    enabled: Boolean(periodKey),
    placeholderData: keepPreviousData,
  });
  const period =
    periods.data?.data.find((p) => p.key === periodKey) ??
    (forecast.data?.period.key === periodKey ? forecast.data?.period : undefined);
  const currency = forecast.data?.currency ?? settings.data?.currency ?? 'USD';
  const failed = settings.error ?? periods.error ?? forecast.error;
  return (
    <Stack gap="md" data-testid="sales-forecast" miw={0}>
      <Title order={2}>{t('forecast.title')}</Title>
      <ForecastFilters
        fiscal={fiscal}
        kind={kind}
        periods={periods.data?.data ?? []}
        period={period}
        team={search.team}
        onKind={(k) => go({ kind: k, period: undefined })}
        onPeriod={(key) => go({ period: key, kind: kindOfKey(key) })}
        onTeam={(team) => go({ team })}
      />
      {failed ? (
        <Alert color="red" title={t('forecast.failed')}>
          {(failed as Error).message}
        </Alert>
      ) : null}
      <Tabs
        value={search.tab ?? 'forecast'}
        onChange={(v) => go({ tab: v === 'accuracy' ? 'accuracy' : undefined })}
      >
        <Tabs.List>
          <Tabs.Tab value="forecast">{t('forecast.tabForecast')}</Tabs.Tab>
          <Tabs.Tab value="accuracy">{t('forecast.tabAccuracy')}</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="forecast" pt="md">
          {forecast.data ? (
            <ForecastBoard
              forecast={forecast.data}
              periodName={name(forecast.data.period)}
              team={search.team}
            />
          ) : (
            !failed && <Loader size="sm" />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="accuracy" pt="md">
          <Stack gap="md">
            <ForecastAccuracy fiscal={fiscal} team={search.team} currency={currency} />
            {periodKey && <ForecastVelocity period={periodKey} currency={currency} />}
          </Stack>
        </Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
