import { Card, Group, SegmentedControl, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { Section } from '../../../components/Section.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { npsApi, npsKeys, type NpsReport as Report } from '../utils/nps-api.ts';

const PERIODS = [30, 90, 365] as const;
const KINDS = ['relationship', 'transactional'] as const;

/**
 * The NPS of the surveys sent in the last 30, 90 or 365 days, per kind: the score (% promoters − % detractors), the
 * promoters, passives and detractors, and the response rate, in the user's digits.
 */
export function NpsReport() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const [days, setDays] = useState<number>(90);
  const report = useQuery({
    queryKey: npsKeys.report(days),
    queryFn: () => {
      const to = new Date(Date.now() + 60_000);
      return npsApi.report(new Date(to.getTime() - days * 86_400_000).toISOString(), to.toISOString());
    },
  });
  const n = (value: number | null) => (value === null ? '—' : formatNumber(value, prefs));
  const row = (k: Report['relationship']) => [
    { label: t('nps.promoters'), value: n(k.promoters) },
    { label: t('nps.passives'), value: n(k.passives) },
    { label: t('nps.detractors'), value: n(k.detractors) },
    { label: t('nps.sent'), value: n(k.sent) },
    {
      label: t('nps.responseRate'),
      value:
        k.responseRate === null
          ? '—'
          : new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, { style: 'percent' }).format(
              k.responseRate,
            ),
    },
  ];
  return (
    <Section title={t('nps.report')}>
      <Stack gap="sm" data-testid="nps-report">
        <SegmentedControl
          aria-label={t('nps.period')}
          value={String(days)}
          onChange={(v) => setDays(Number(v))}
          data={PERIODS.map((d) => ({
            value: String(d),
            label:
              d === 365
                ? t('nps.periods.months', { n: formatNumber(12, prefs) })
                : t('nps.periods.days', { n: formatNumber(d, prefs) }),
          }))}
          w="fit-content"
        />
        <ErrorText error={report.error} />
        {report.data && (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            {KINDS.map((kind) => {
              const k = report.data[kind];
              return (
                <Card key={kind} withBorder padding="sm" data-testid={`nps-report-${kind}`}>
                  <Text fw={600} size="sm">
                    {t(`nps.kinds.${kind}`)}
                  </Text>
                  <Text size="xl" fw={700} aria-label={t('nps.score')} data-testid="nps-score">
                    {n(k.score)}
                  </Text>
                  <Group gap="md" wrap="wrap">
                    {row(k).map((x) => (
                      <Text key={x.label} size="sm">
                        {x.label}: <b>{x.value}</b>
                      </Text>
                    ))}
                  </Group>
                </Card>
              );
            })}
          </SimpleGrid>
        )}
      </Stack>
    </Section>
  );
}
