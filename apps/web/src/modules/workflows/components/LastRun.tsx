import { Group, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { AnchorLink } from '../../../components/links.tsx';
import { formatDateTime } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import { workflowsApi } from '../utils/workflows-api.ts';
import { StatusBadge } from './StatusBadge.tsx';

/** A workflow's newest run: its status and when, linking to it (the runs list's first entry for the workflow). */
export function LastRun({ workflowId }: { workflowId: string }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const last = useQuery({
    queryKey: [...workflowKeys.runs({ workflowId, status: null }), 'last'],
    queryFn: () => workflowsApi.runs({ workflowId, status: null, limit: 1 }),
  });
  const run = last.data?.data[0];
  if (!run)
    return (
      <Text size="sm" c="dimmed">
        {last.isPending ? '' : t('workflow.never')}
      </Text>
    );
  return (
    <Group gap="xs" wrap="nowrap">
      <StatusBadge status={run.status} />
      <AnchorLink to="/workflow-runs/$runId" params={{ runId: run.id }} size="sm">
        {formatDateTime(run.startedAt ?? run.createdAt, prefs)}
      </AnchorLink>
    </Group>
  );
}
