import { Alert, Loader, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Section } from '../../../components/Section.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObject } from '../../metadata/hooks/useObjects.ts';
import { titleOf } from '../../metadata/utils/metadata.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { forecastApi, forecastKeys } from '../utils/forecast-api.ts';
import { formatAmount, formatPercent } from '../utils/forecast-format.ts';
import { listAll } from '../utils/list-all.ts';
import { salesKeys } from '../utils/sales-keys.ts';

/**
 * Sales velocity in a period per pipeline (all its reps first, then each rep): open deals, win rate, average won
 * amount, cycle length in days, and what that makes per day.
 */
export function ForecastVelocity({ period, currency }: { period: string; currency: string }) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  const members = useMembers().data ?? [];
  const pipelineDef = useObject('pipelines');
  const pipelines = useQuery({
    queryKey: salesKeys.pipelines,
    queryFn: async () => listAll('pipelines', { field: 'name', op: 'isNotNull' }),
  });
  const velocity = useQuery({
    queryKey: forecastKeys.velocity(period),
    queryFn: () => forecastApi.velocity(period),
  });
  const pipelineName = (id: string | null) => {
    const pipeline = pipelines.data?.find((p) => p.id === id);
    return pipeline && pipelineDef ? titleOf(pipelineDef, pipeline, locale) : '—';
  };
  const ownerName = (id: string | null) =>
    id === null ? t('forecast.allReps') : (members.find((m) => m.userId === id)?.name ?? '—');
  // A pipeline's whole first, then its reps.
  const rows = [...(velocity.data?.data ?? [])].sort(
    (a, b) =>
      pipelineName(a.pipelineId).localeCompare(pipelineName(b.pipelineId), locale) ||
      Number(a.ownerId !== null) - Number(b.ownerId !== null) ||
      ownerName(a.ownerId).localeCompare(ownerName(b.ownerId), locale),
  );
  const money = (value: number | null) => formatAmount(value, currency, prefs);
  return (
    <Section title={t('forecast.velocityTitle')}>
      <Text size="sm" c="dimmed" mb="sm">
        {t('forecast.velocityHint')}
      </Text>
      {velocity.isError ? (
        <Alert color="red" title={t('forecast.failed')}>
          {(velocity.error as Error).message}
        </Alert>
      ) : velocity.isLoading ? (
        <Loader size="sm" />
      ) : rows.length === 0 ? (
        <Text size="sm" c="dimmed">
          {t('forecast.noVelocity')}
        </Text>
      ) : (
        <Table.ScrollContainer
          // A region the keyboard can scroll: the table holds nothing to focus.
          minWidth={760}
          type="native"
          tabIndex={0}
          role="region"
          aria-label={t('forecast.velocityTitle')}
        >
          <Table withTableBorder striped data-testid="forecast-velocity">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('forecast.pipeline')}</Table.Th>
                <Table.Th>{t('forecast.rep')}</Table.Th>
                <Table.Th>{t('forecast.openDeals')}</Table.Th>
                <Table.Th>{t('forecast.winRate')}</Table.Th>
                <Table.Th>{t('forecast.averageWon')}</Table.Th>
                <Table.Th>{t('forecast.cycle')}</Table.Th>
                <Table.Th>{t('forecast.perDay')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((r) => (
                <Table.Tr key={`${r.pipelineId} ${r.ownerId}`}>
                  <Table.Td fw={r.ownerId === null ? 700 : 400}>{pipelineName(r.pipelineId)}</Table.Td>
                  <Table.Td>{ownerName(r.ownerId)}</Table.Td>
                  <Table.Td>{formatNumber(r.openDeals, prefs)}</Table.Td>
                  <Table.Td>{formatPercent(r.winRate, prefs)}</Table.Td>
                  <Table.Td>{money(r.averageWon)}</Table.Td>
                  <Table.Td>
                    {r.cycleDays === null
                      ? '—'
                      : t('forecast.cycleDays', {
                          n: formatNumber(Math.round(r.cycleDays * 10) / 10, prefs),
                        })}
                  </Table.Td>
                  <Table.Td>{money(r.velocityPerDay)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Section>
  );
}
