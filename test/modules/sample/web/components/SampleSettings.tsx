import { Card, Loader, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../../../apps/web/src/components/ErrorText.tsx';
import { formatNumber } from '../../../../../apps/web/src/lib/format.ts';
import { usePrefs } from '../../../../../apps/web/src/modules/auth/hooks/useMe.ts';
import { useSampleSummary } from '../hooks/useSampleSummary.ts';

/** The sample module's settings tab: how many sightings the workspace holds, as its summary route counts them. */
export default function SampleSettings() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const summary = useSampleSummary();
  return (
    <Card withBorder padding="md" data-testid="sample-settings">
      <Text fw={600} size="sm" component="h3" mb="xs">
        {t('sample.summaryTitle')}
      </Text>
      {summary.error ? (
        <ErrorText error={summary.error} />
      ) : summary.data ? (
        <Text>
          {t('sample.sightingsCount')}:{' '}
          <span data-testid="sample-count">{formatNumber(summary.data.sightings, prefs)}</span>
        </Text>
      ) : (
        <Loader size="sm" />
      )}
    </Card>
  );
}
