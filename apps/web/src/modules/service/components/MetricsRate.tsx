import { Card, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { formatRate } from '../utils/metrics-api.ts';

/** One rate on the metrics screen: the share, how many of how many it is made of, and what it counts. */
export function MetricsRate({
  id,
  title,
  hint,
  count,
  sample,
  rate,
  note,
}: {
  id: string;
  title: string;
  hint: string;
  /** How many counted, of how many judged, and their share (null for none judged). */
  count: number;
  sample: number;
  rate: number | null;
  note?: string;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  return (
    <Card withBorder padding="md" data-testid={`fcr-${id}`}>
      <Text fw={600}>{title}</Text>
      <Text size="xl" fw={700} data-testid={`fcr-${id}-rate`}>
        {formatRate(rate, prefs)}
      </Text>
      <Text size="sm" data-testid={`fcr-${id}-count`}>
        {t('fcr.count', { n: formatNumber(count, prefs), sample: formatNumber(sample, prefs) })}
      </Text>
      {note && <Text size="sm">{note}</Text>}
      <Text size="xs" c="dimmed" mt={4}>
        {hint}
      </Text>
    </Card>
  );
}
