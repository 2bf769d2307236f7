import { Card, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { RecordPanelProps } from '../../../../../apps/web/src/modules/web-module.ts';

/** The sample module's panel on a sighting's record page: the sighting's note, as its hooks last left it. */
export default function SightingPanel({ record }: RecordPanelProps) {
  const { t } = useTranslation();
  const note = typeof record.note === 'string' && record.note !== '' ? record.note : t('sample.noNote');
  return (
    <Card withBorder padding="sm" data-testid="sample-panel">
      <Text fw={600} size="sm" component="h3" mb={4}>
        {t('sample.panelTitle')}
      </Text>
      <Text size="sm">{note}</Text>
    </Card>
  );
}
