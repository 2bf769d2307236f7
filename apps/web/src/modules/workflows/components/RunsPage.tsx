import { Button, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useTranslation } from 'react-i18next';
import { DateInput } from '../../../components/DateInput.tsx';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { formatDateTime, formatNumber } from '../../../lib/format.ts';
import { startOfDayIn } from '../../../lib/zoned.ts';
import { useCan, usePrefs } from '../../auth/hooks/useMe.ts';
import { workflowKeys } from '../utils/workflow-keys.ts';
import type { WorkflowRun } from '../utils/workflow-types.ts';
import { isRunStatus, RUN_STATUSES, workflowsApi } from '../utils/workflows-api.ts';
import { NoAccess } from './NoAccess.tsx';
import { RecordLink } from './RecordLink.tsx';
import { StatusBadge } from './StatusBadge.tsx';
import { useDuration } from './StepRunDetails.tsx';

/** Every run, newest first, a page at a time ("load more"), filtered by workflow and status. */
export default function RunsPage() {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const can = useCan('workflows.manage');
  useDocumentTitle(t('workflow.runsTitle'));
  const search = useSearch({ from: '/app/workflow-runs' });
  const navigate = useNavigate({ from: '/workflow-runs' });
  const duration = useDuration();
  // Days are the user's (their calendar in the picker, their time zone for where a day starts and ends).
  const filter = {
    workflowId: search.workflowId ?? null,
    status: isRunStatus(search.status) ? search.status : null,
    recordId: search.recordId ?? null,
    from: search.from ? startOfDayIn(search.from, prefs.timeZone) : null,
    to: search.to ? startOfDayIn(search.to, prefs.timeZone, 1) : null,
  };
  const workflows = useQuery({ queryKey: workflowKeys.list, queryFn: workflowsApi.list, enabled: can });
  const runs = useInfiniteQuery({
    queryKey: workflowKeys.runs(filter),
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => workflowsApi.runs({ ...filter, cursor: pageParam }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: can,
  });
  if (!can) return <NoAccess />;
  const names = new Map((workflows.data?.data ?? []).map((w) => [w.id, w.name]));
  const rows: WorkflowRun[] = (runs.data?.pages ?? []).flatMap((p) => p.data);
  const setFilter = (patch: {
    workflowId?: string | undefined;
    status?: string | undefined;
    recordId?: string | undefined;
    from?: string | undefined;
    to?: string | undefined;
  }) => void navigate({ search: (s) => ({ ...s, ...patch }) });
  return (
    <Stack>
      <Title order={2}>{t('workflow.runsTitle')}</Title>
      <Group align="end">
        <Select
          label={t('workflow.workflow')}
          placeholder={t('workflow.allWorkflows')}
          clearable
          searchable
          data={(workflows.data?.data ?? []).map((w) => ({ value: w.id, label: w.name }))}
          value={filter.workflowId}
          onChange={(v) => setFilter({ workflowId: v ?? undefined })}
          miw={240}
        />
        <Select
          label={t('workflow.statusLabel')}
          placeholder={t('workflow.allStatuses')}
          clearable
          data={RUN_STATUSES.map((s) => ({ value: s, label: t(`workflow.status.${s}`) }))}
          value={filter.status}
          onChange={(v) => setFilter({ status: v ?? undefined })}
          miw={200}
        />
        <DateInput
          label={t('workflow.fromDay')}
          value={search.from ?? null}
          onChange={(v) => setFilter({ from: v ?? undefined })}
        />
        <DateInput
          label={t('workflow.toDay')}
          value={search.to ?? null}
          onChange={(v) => setFilter({ to: v ?? undefined })}
        />
        {search.recordId ? (
          <Button variant="light" size="sm" onClick={() => setFilter({ recordId: undefined })}>
            {t('workflow.oneRecordOnly')} ×
          </Button>
        ) : null}
      </Group>
      <Table.ScrollContainer minWidth={760} type="native">
        <Table withTableBorder>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('workflow.workflow')}</Table.Th>
              <Table.Th>{t('workflow.record')}</Table.Th>
              <Table.Th>{t('workflow.statusLabel')}</Table.Th>
              <Table.Th>{t('workflow.version')}</Table.Th>
              <Table.Th>{t('workflow.started')}</Table.Th>
              <Table.Th>{t('workflow.duration')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>
                  <AnchorLink to="/workflow-runs/$runId" params={{ runId: r.id }}>
                    {names.get(r.workflowId) ?? r.workflowId}
                  </AnchorLink>
                </Table.Td>
                <Table.Td>
                  <RecordLink object={r.triggerObject} id={r.triggerRecordId} title={r.triggerRecordTitle} />
                </Table.Td>
                <Table.Td>
                  <StatusBadge status={r.status} />
                </Table.Td>
                <Table.Td>{formatNumber(r.version, prefs)}</Table.Td>
                <Table.Td>{formatDateTime(r.startedAt, prefs)}</Table.Td>
                <Table.Td>{duration(r.startedAt, r.finishedAt)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {rows.length === 0 && !runs.isPending ? <Text c="dimmed">{t('workflow.noRuns')}</Text> : null}
      {runs.hasNextPage ? (
        <Button variant="default" loading={runs.isFetchingNextPage} onClick={() => void runs.fetchNextPage()}>
          {t('workflow.more')}
        </Button>
      ) : null}
      <ErrorText error={runs.error ?? workflows.error} />
    </Stack>
  );
}
