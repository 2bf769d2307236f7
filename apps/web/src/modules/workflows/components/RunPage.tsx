import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { useAction } from '../../../lib/use-action.ts';
import { useCan, usePrefs } from '../../auth/hooks/useMe.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import { workflowsApi } from '../utils/workflows-api.ts';
import { NoAccess } from './NoAccess.tsx';
import { RecordLink } from './RecordLink.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { StepRunDetails, useDuration } from './StepRunDetails.tsx';

/** One run: its workflow, record, version, status and timing, each step's details; retry or cancel it. */
export default function RunPage() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const { runId } = useParams({ from: '/app/workflow-runs/$runId' });
  const can = useCan('workflows.manage');
  const action = useAction();
  const duration = useDuration();
  useDocumentTitle(t('workflow.runTitle'));
  const run = useQuery({
    queryKey: workflowKeys.run(runId),
    queryFn: () => workflowsApi.run(runId),
    enabled: can,
  });
  const workflowId = run.data?.workflowId;
  const workflow = useQuery({
    queryKey: workflowKeys.one(workflowId ?? ''),
    queryFn: () => workflowsApi.get(workflowId ?? ''),
    enabled: can && Boolean(workflowId),
  });
  const workflowName = workflow.data?.name;
  if (!can) return <NoAccess />;
  const r = run.data;
  const refresh = [workflowKeys.run(runId), workflowKeys.allRuns];
  return (
    <Stack>
      <AnchorLink to="/workflow-runs" search={{}} size="sm">
        {t('workflow.runsTitle')}
      </AnchorLink>
      {r ? (
        <>
          <Group justify="space-between">
            <Group gap="sm">
              <Title order={2}>
                <AnchorLink to="/workflows/$workflowId" params={{ workflowId: r.workflowId }} inherit>
                  {workflowName ?? t('workflow.runTitle')}
                </AnchorLink>
              </Title>
              <StatusBadge status={r.status} />
            </Group>
            <Group gap="xs">
              {r.status === 'failed' ? (
                <Button
                  loading={action.busy}
                  onClick={() => void action.run(() => workflowsApi.retry(r.id), refresh)}
                >
                  {t('workflow.retry')}
                </Button>
              ) : null}
              {r.status === 'waiting' || r.status === 'queued' ? (
                <Button
                  color="red"
                  variant="light"
                  loading={action.busy}
                  onClick={() => void action.run(() => workflowsApi.cancel(r.id), refresh)}
                >
                  {t('workflow.cancel')}
                </Button>
              ) : null}
            </Group>
          </Group>
          <Text size="sm">
            {t('workflow.record')}:{' '}
            <RecordLink object={r.triggerObject} id={r.triggerRecordId} title={r.triggerRecordTitle} />
            {r.triggerRecordId ? (
              <>
                {' '}
                (
                <AnchorLink to="/workflow-runs" search={{ recordId: r.triggerRecordId }} size="sm">
                  {t('workflow.runsOnRecord')}
                </AnchorLink>
                )
              </>
            ) : null}{' '}
            · {t('workflow.version')}: {formatNumber(r.version, prefs)} · {t('workflow.started')}:{' '}
            {formatDateTime(r.startedAt, prefs)} · {t('workflow.duration')}:{' '}
            {duration(r.startedAt, r.finishedAt)}
          </Text>
          {r.reason || r.error ? (
            <Text size="sm" c={r.error ? 'red' : 'dimmed'}>
              {r.error ?? r.reason}
            </Text>
          ) : null}
          <Title order={4}>{t('workflow.steps')}</Title>
          <StepRunDetails steps={r.steps} />
        </>
      ) : null}
      <ErrorText error={run.error ?? action.error} />
    </Stack>
  );
}
