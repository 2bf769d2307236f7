import { Card, Stack, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { RecordPanelProps } from '../../web-module.ts';
import { QuickActions } from './QuickActions.tsx';
import { TimelineView } from './TimelineView.tsx';

/** A record-page panel: the record's timeline, with quick ways to log a call, add a note or create a task. */
export default function TimelinePanel({ object, id }: RecordPanelProps) {
  const { t } = useTranslation();
  return (
    <Card withBorder padding="md">
      <Stack>
        <Text fw={600} size="sm">
          {t('record.timeline')}
        </Text>
        <QuickActions object={object} id={id} />
        <TimelineView object={object} id={id} />
      </Stack>
    </Card>
  );
}
