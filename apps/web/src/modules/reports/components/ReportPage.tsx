import { Button, Card, Group, Loader, MultiSelect, Stack, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { useMembers } from '../../workspaces/hooks/useMembers.ts';
import { measureReady, type ReportDefinition, type SavedReport } from '../utils/report-types.ts';
import { reportsKeys } from '../utils/reports-keys.ts';
import { useMetrics } from '../utils/use-metrics.ts';
import { ExportPdfButton } from './ExportPdfButton.tsx';
import { blankDefinition, ReportBuilder } from './ReportBuilder.tsx';
import { ReportResultView } from './ReportResultView.tsx';
import { ScheduleDialog } from './ScheduleDialog.tsx';

type Share = SavedReport['shares'][number];
const shareValue = (s: Share) => `${s.kind}:${s.id}`;
const shareOf = (value: string): Share => {
  const [kind, id] = value.split(':') as [Share['kind'], string];
  return { kind, id };
};

/** Whom a report can be shared with: the workspace's people, teams and roles (those the reader may list). */
function useShareTargets() {
  const { t } = useTranslation();
  const members = useMembers().data ?? [];
  const teams = useQuery({
    queryKey: ['reports', 'share-teams'],
    queryFn: async () => {
      try {
        return (await call(client.GET('/api/v1/teams'))).data;
      } catch {
        return [];
      }
    },
  }).data;
  const roles = useQuery({
    queryKey: ['reports', 'share-roles'],
    queryFn: async () => {
      try {
        const answer = (await call(client.GET('/api/v1/roles'))) as unknown;
        return (Array.isArray(answer) ? answer : ((answer as { data?: unknown[] }).data ?? [])) as {
          id: string;
          name: string;
        }[];
      } catch {
        return [];
      }
    },
  }).data;
  return [
    { group: t('reports.people'), items: members.map((m) => ({ value: `user:${m.userId}`, label: m.name })) },
    {
      group: t('reports.teams'),
      items: (teams ?? []).map((x) => ({ value: `team:${x.id}`, label: x.name })),
    },
    {
      group: t('reports.roles'),
      items: (roles ?? []).map((x) => ({ value: `role:${x.id}`, label: x.name })),
    },
  ].filter((g) => g.items.length > 0);
}

/**
 * One report: a new one (`/reports/new`) built and previewed as it changes, or a saved one run as the reader (their
 * role's rules), with its builder, name and shares to change and save.
 */
export default function ReportPage() {
  const { id } = useParams({ from: '/app/reports/$id' });
  const isNew = id === 'new';
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const objects = useObjects().data ?? [];
  const targets = useShareTargets();
  const saved = useQuery({
    queryKey: reportsKeys.one(id),
    queryFn: async () => call(client.GET('/api/v1/reports/{id}', { params: { path: { id } } })),
    enabled: !isNew,
  });
  const [draft, setDraft] = useState<ReportDefinition | null>(null);
  const [name, setName] = useState('');
  const [shares, setShares] = useState<string[]>([]);
  const [editing, setEditing] = useState(isNew);
  // `/reports/new?metric=sales.winRate` starts from a catalogue metric: its report and its name, to change and save.
  const search = useSearch({ strict: false }) as { metric?: unknown };
  const metricKey = isNew && typeof search.metric === 'string' ? search.metric : undefined;
  const metrics = useMetrics(metricKey !== undefined);
  useEffect(() => {
    if (!isNew || draft) return;
    if (metricKey !== undefined) {
      if (!metrics.data && !metrics.error) return;
      const metric = metrics.data?.find((m) => m.key === metricKey);
      if (metric) {
        const language = i18n.language as 'en' | 'ar' | 'fa';
        const definition = metric.definition as ReportDefinition;
        // Its measures named in the reader's language, as the copy they change and save will be.
        setDraft({
          ...definition,
          measures: definition.measures.map((m, i) => {
            const names = metric.measureNames?.[i];
            return names ? { ...m, label: names[language] ?? names.en } : m;
          }),
        });
        setName(metric.names[language] ?? metric.names.en);
        return;
      }
    }
    if (objects.length > 0)
      setDraft(blankDefinition(objects.find((o) => o.key === 'deals')?.key ?? objects[0]!.key));
  }, [isNew, draft, objects, metricKey, metrics.data, metrics.error, i18n.language]);
  useEffect(() => {
    if (saved.data) {
      setDraft(saved.data.definition as ReportDefinition);
      setName(saved.data.name);
      setShares(saved.data.shares.map(shareValue));
    }
  }, [saved.data]);
  useDocumentTitle(isNew ? t('reports.new') : saved.data?.name);
  const [definition] = useDebouncedValue(draft, 300);
  const ready = Boolean(definition?.measures.every(measureReady));
  // While it is being built or edited the draft is previewed; otherwise the saved report is run as the reader.
  const previewing = isNew || editing;
  const preview = useQuery({
    queryKey: reportsKeys.preview(definition),
    queryFn: async () => call(client.POST('/api/v1/reports/run', { body: definition! })),
    enabled: previewing && ready && definition !== null,
    retry: false,
  });
  const savedRun = useQuery({
    queryKey: reportsKeys.run(id, null),
    queryFn: async () =>
      (await call(client.POST('/api/v1/reports/{id}/run', { params: { path: { id } }, body: {} }))).result,
    enabled: !previewing,
    retry: false,
  });
  const result = previewing ? preview : savedRun;
  const shown = previewing ? definition : ((saved.data?.definition as ReportDefinition | undefined) ?? null);
  const save = useMutation({
    mutationFn: async () => {
      const body = { name: name.trim(), definition: draft!, shares: shares.map(shareOf) };
      return isNew
        ? call(client.POST('/api/v1/reports', { body }))
        : call(client.PATCH('/api/v1/reports/{id}', { params: { path: { id } }, body }));
    },
    onSuccess: async (report) => {
      await qc.invalidateQueries({ queryKey: reportsKeys.all });
      setEditing(false);
      if (isNew) await navigate({ to: '/reports/$id', params: { id: report.id } });
    },
  });
  const remove = useMutation({
    mutationFn: async () => call(client.DELETE('/api/v1/reports/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      await qc.invalidateQueries({ queryKey: reportsKeys.all });
      await navigate({ to: '/reports' });
    },
  });
  const object = objects.find((o) => o.key === draft?.object);
  return (
    <Stack p="md" gap="md">
      <Group justify="space-between">
        <Title order={2}>{isNew ? t('reports.new') : (saved.data?.name ?? '')}</Title>
        {!isNew && saved.data && (
          <Group>
            <Button component="a" variant="default" href={`/api/v1/reports/${id}/export.csv`} download>
              {t('reports.csv')}
            </Button>
            <Button component="a" variant="default" href={`/api/v1/reports/${id}/export.xlsx`} download>
              {t('reports.xlsx')}
            </Button>
            <ExportPdfButton reportId={id} />
            <ScheduleDialog reportId={id} />
            {saved.data.editable && (
              <>
                <Button variant="default" onClick={() => setEditing(!editing)}>
                  {editing ? t('reports.doneEditing') : t('reports.edit')}
                </Button>
                <Button
                  variant="subtle"
                  color="red"
                  onClick={() => remove.mutate()}
                  loading={remove.isPending}
                >
                  {t('reports.delete')}
                </Button>
              </>
            )}
          </Group>
        )}
      </Group>
      {!isNew && saved.data?.description && <Text c="dimmed">{saved.data.description}</Text>}
      <ErrorText error={saved.error ?? save.error ?? remove.error} />
      {draft && editing && (
        <Card withBorder padding="md">
          <Stack gap="md">
            <ReportBuilder value={draft} onChange={setDraft} />
            <Group align="flex-end" wrap="wrap">
              <TextInput
                label={t('reports.name')}
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                maxLength={200}
                w={280}
              />
              <MultiSelect
                label={t('reports.shareWith')}
                data={targets}
                value={shares}
                onChange={setShares}
                searchable
                clearable
                w={360}
              />
              <Button
                onClick={() => save.mutate()}
                loading={save.isPending}
                disabled={!name.trim() || !ready}
              >
                {t('reports.save')}
              </Button>
            </Group>
          </Stack>
        </Card>
      )}
      {result.isFetching && !result.data && <Loader size="sm" />}
      <ErrorText error={result.error} />
      {result.data && shown && <ReportResultView definition={shown} result={result.data} object={object} />}
    </Stack>
  );
}
