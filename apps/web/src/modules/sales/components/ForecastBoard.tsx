import { Alert, Button, Group, List, Stack, Text } from '@mantine/core';
import { IconAlertTriangle } from '@tabler/icons-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../../../lib/format.ts';
import { useCan, useMe, usePrefs } from '../../auth/hooks/useMe.ts';
import type { DealsCategory, DealsQuery, Forecast, ForecastRow } from '../utils/forecast-api.ts';
import { ForecastAdjustDialog } from './ForecastAdjustDialog.tsx';
import { ForecastDealsDrawer } from './ForecastDealsDrawer.tsx';
import { ForecastQuotaDialog } from './ForecastQuotaDialog.tsx';
import { ForecastSubmitDialog } from './ForecastSubmitDialog.tsx';
import { ForecastTable } from './ForecastTable.tsx';

type Subject = ForecastRow & { kind: 'user' | 'team' };
const isSubject = (row: ForecastRow): row is Subject => row.kind !== 'total';

/**
 * The forecast of one period: rates it lacks named first, the rep's "Submit my forecast", the table, and what its
 * clicks open — the deals behind a number, a manager's adjustment or quota for a row.
 */
export function ForecastBoard({
  forecast,
  periodName,
  team,
}: {
  forecast: Forecast;
  periodName: string;
  team: string | undefined;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const meId = useMe().data?.user?.id;
  const canManage = useCan('sales.forecast.manage');
  const [drill, setDrill] = useState<{ query: DealsQuery; title: string } | null>(null);
  const [adjusting, setAdjusting] = useState<Subject | null>(null);
  const [quota, setQuota] = useState<Subject | null>(null);
  const [submitting, setSubmitting] = useState(false);
  const period = forecast.period.key;
  const mine = forecast.rows.find((r) => r.kind === 'user' && r.id === meId);
  const onDrill = (row: ForecastRow, category: DealsCategory, column: string) => {
    const whose =
      row.kind === 'user' ? { owner: row.id } : row.kind === 'team' ? { team: row.id } : team ? { team } : {};
    setDrill({
      query: { period, category, ...whose },
      title: t('forecast.drillTitle', {
        category: t(`forecast.columns.${column}`),
        name: row.kind === 'total' ? t('forecast.total') : row.name,
      }),
    });
  };
  return (
    <Stack gap="sm">
      {forecast.missingRates.length > 0 && (
        // No coloured title: yellow text on its light yellow would be too faint to read.
        <Alert
          color="yellow"
          variant="light"
          icon={<IconAlertTriangle size={18} aria-hidden />}
          data-testid="forecast-missing-rates"
        >
          <Text size="sm" fw={600}>
            {t('forecast.missingRates')}
          </Text>
          <List size="sm">
            {forecast.missingRates.map((m) => (
              <List.Item key={`${m.currency} ${m.date}`}>
                {t('money.missingRate', { currency: m.currency, date: formatDate(m.date, prefs) })}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          {t('forecast.hint', { currency: forecast.currency })}
        </Text>
        <Button onClick={() => setSubmitting(true)}>{t('forecast.submit')}</Button>
      </Group>
      {!forecast.rows.some(isSubject) && (
        <Text size="sm" c="dimmed">
          {t('forecast.empty')}
        </Text>
      )}
      <ForecastTable
        rows={forecast.rows}
        currency={forecast.currency}
        canManage={canManage}
        onDrill={onDrill}
        onAdjust={(row) => isSubject(row) && setAdjusting(row)}
        onQuota={(row) => isSubject(row) && setQuota(row)}
      />
      {drill && (
        <ForecastDealsDrawer
          query={drill.query}
          title={drill.title}
          currency={forecast.currency}
          onClose={() => setDrill(null)}
        />
      )}
      {adjusting && (
        <ForecastAdjustDialog period={period} row={adjusting} onClose={() => setAdjusting(null)} />
      )}
      {quota && (
        <ForecastQuotaDialog
          period={period}
          periodName={periodName}
          row={quota}
          currency={forecast.currency}
          onClose={() => setQuota(null)}
        />
      )}
      {submitting && (
        <ForecastSubmitDialog
          period={period}
          periodName={periodName}
          initial={{ commit: mine?.commit ?? 0, bestCase: mine?.bestCase ?? 0 }}
          onClose={() => setSubmitting(false)}
        />
      )}
    </Stack>
  );
}
