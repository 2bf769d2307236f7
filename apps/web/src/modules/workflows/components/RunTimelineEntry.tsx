import { Group, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../../components/links.tsx';
import { formatNumber } from '../../../lib/format.ts';
import { useCan, usePrefs } from '../../auth/hooks/useMe.ts';
import type { TimelineEntryViewProps } from '../../web-module.ts';
import { StatusBadge } from './StatusBadge.tsx';

/**
 * A run on its record's timeline: "Workflow Thank-you note ran (version 2)" with its status; the words open the run
 * for those who may manage workflows (the run's page needs it), and stay plain text for everyone else.
 */
export default function RunTimelineEntry({ entry }: TimelineEntryViewProps) {
  const { t } = useTranslation();
  const can = useCan('workflows.manage');
  const prefs = usePrefs();
  const words = t('workflow.timelineRan', {
    name: String(entry.workflowName ?? ''),
    version: formatNumber(Number(entry.version ?? 0), prefs),
  });
  return (
    <Group gap="xs" wrap="nowrap">
      {can ? (
        <AnchorLink to="/workflow-runs/$runId" params={{ runId: entry.id }} size="sm">
          {words}
        </AnchorLink>
      ) : (
        <Text size="sm">{words}</Text>
      )}
      <StatusBadge status={String(entry.status ?? '')} />
    </Group>
  );
}
