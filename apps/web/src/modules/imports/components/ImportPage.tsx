import {
  Alert,
  Anchor,
  Button,
  Card,
  FileInput,
  Group,
  Progress,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useSearch } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { useDocumentTitle } from '../../../lib/document-title.ts';
import { formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { label, visibleFields } from '../../metadata/utils/metadata.ts';
import { importKeys } from '../utils/import-keys.ts';

type Options = { matchBy: string | null; onMatch: string; dateCalendar: string; encoding: string | null };

/** Encodings a CSV may be named as (UTF-8 and UTF-16 need no naming: the server recognises them). */
const ENCODINGS = ['windows1256', 'windows1252', 'shift_jis', 'gb18030', 'big5', 'euc-kr'] as const;

/** Uploads the file with its options; the server answers with the import's id (a job runs it). */
async function upload(
  file: File,
  object: string,
  mapping: Record<string, string> | null,
  options: Options,
  dryRun: boolean,
) {
  const form = new FormData();
  form.append('object', object);
  if (mapping) form.append('mapping', JSON.stringify(mapping));
  if (options.matchBy) form.append('matchBy', options.matchBy);
  form.append('onMatch', options.onMatch);
  form.append('dateCalendar', options.dateCalendar);
  if (options.encoding) form.append('encoding', options.encoding);
  form.append('dryRun', String(dryRun));
  form.append('file', file);
  const response = await fetch('/api/v1/imports', { method: 'POST', body: form, credentials: 'same-origin' });
  const body = await response.json();
  if (!response.ok) throw new ApiError(response.status, body);
  return (body as { id: string }).id;
}

/** The import wizard: file → mapping and options → dry run → the real run with progress → its report. */
export default function ImportPage() {
  const { t, i18n } = useTranslation();
  useDocumentTitle(t('import.title'));
  const locale = i18n.language as Locale;
  const prefs = usePrefs();
  const { object: initial } = useSearch({ from: '/app/import' });
  const objects = (useObjects().data ?? []).filter((o) => !['pipelines', 'stages'].includes(o.key));
  const [object, setObject] = useState(initial || 'people');
  const [file, setFile] = useState<File | null>(null);
  const [mapping, setMapping] = useState<Record<string, string> | null>(null);
  const [options, setOptions] = useState<Options>({
    matchBy: null,
    onMatch: 'skip',
    dateCalendar: prefs.calendar,
    encoding: null,
  });
  const [importId, setImportId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const def = objects.find((o) => o.key === object);
  const status = useQuery({
    queryKey: importKeys.status(importId),
    enabled: Boolean(importId),
    queryFn: async () =>
      call(client.GET('/api/v1/imports/{id}', { params: { path: { id: importId as string } } })),
    refetchInterval: (q) =>
      q.state.data && ['done', 'failed', 'cancelled'].includes(q.state.data.status) ? false : 500,
  });
  const current = status.data;
  // The first dry run tells the columns and the suggested mapping; the user may change it and check again.
  useEffect(() => {
    if (current?.dryRun && current.status === 'done' && mapping === null) setMapping(current.mapping);
  }, [current, mapping]);
  const run = async (dryRun: boolean) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      setImportId(await upload(file, object, mapping, options, dryRun));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const fieldChoices = def
    ? [
        { value: '', label: t('import.skip') },
        ...visibleFields(def)
          .filter((f) => !f.readOnly)
          .map((f) => ({ value: f.key, label: label(f.labels, locale) })),
        ...Object.values(mapping ?? {})
          .filter((v) => v.includes('.'))
          .map((v) => ({ value: v, label: v })),
      ]
    : [];
  const finished = current && ['done', 'failed', 'cancelled'].includes(current.status);
  const counts = current?.counts;
  return (
    <Stack maw={960}>
      <Title order={2} size="h3">
        {t('import.title')}
      </Title>
      <Card withBorder>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label={t('import.object')}
            data={objects.map((o) => ({ value: o.key, label: label(o.labels.plural, locale) }))}
            value={object}
            onChange={(v) => {
              setObject(v ?? 'people');
              setMapping(null);
              setImportId(null);
            }}
          />
          <FileInput
            label={t('import.file')}
            accept=".csv,.tsv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            value={file}
            onChange={(f) => {
              setFile(f);
              setMapping(null);
              setImportId(null);
            }}
            clearable
          />
          <Select
            label={t('import.matchBy')}
            data={[
              { value: '', label: t('import.none') },
              ...fieldChoices.filter((c) => c.value && Object.values(mapping ?? {}).includes(c.value)),
            ]}
            value={options.matchBy ?? ''}
            onChange={(v) => setOptions({ ...options, matchBy: v || null })}
          />
          <Select
            label={t('import.onMatch')}
            data={[
              { value: 'skip', label: t('import.onMatchSkip') },
              { value: 'update', label: t('import.onMatchUpdate') },
              { value: 'create', label: t('import.onMatchCreate') },
            ]}
            value={options.onMatch}
            onChange={(v) => setOptions({ ...options, onMatch: v ?? 'skip' })}
          />
          <Select
            label={t('import.dateCalendar')}
            data={(['gregory', 'persian', 'islamic-umalqura'] as const).map((c) => ({
              value: c,
              label: t(`calendar.${c}`),
            }))}
            value={options.dateCalendar}
            onChange={(v) => setOptions({ ...options, dateCalendar: v ?? 'gregory' })}
          />
          <Select
            label={t('import.encoding')}
            data={[
              { value: '', label: t('import.encodings.detect') },
              ...ENCODINGS.map((e) => ({ value: e, label: t(`import.encodings.${e}`) })),
            ]}
            value={options.encoding ?? ''}
            onChange={(v) => {
              setOptions({ ...options, encoding: v || null });
              setMapping(null);
              setImportId(null);
            }}
          />
        </SimpleGrid>
        <Group mt="md">
          <Button variant="default" disabled={!file} loading={busy} onClick={() => run(true)}>
            {mapping ? t('import.recheck') : t('import.check')}
          </Button>
          <Button disabled={!file || !mapping} loading={busy} onClick={() => run(false)}>
            {t('import.start')}
          </Button>
        </Group>
        <ErrorText error={error} />
      </Card>
      {mapping && def && (
        <Card withBorder>
          <Text fw={600} mb="xs">
            {t('import.mapping')}
          </Text>
          <Table>
            <Table.Tbody>
              {(current?.headers ?? Object.keys(mapping)).map((header) => (
                <Table.Tr key={header}>
                  <Table.Td>{header}</Table.Td>
                  <Table.Td>
                    <Select
                      aria-label={`${t('import.column')} ${header}`}
                      data={fieldChoices}
                      value={mapping[header] ?? ''}
                      onChange={(v) => setMapping({ ...mapping, [header]: v ?? '' })}
                      searchable
                    />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Card>
      )}
      {current && (
        <Card withBorder data-testid="import-status">
          <Group justify="space-between">
            <Text fw={600}>{t(`import.status.${current.status}`)}</Text>
            {!finished && (
              <Button
                size="xs"
                color="red"
                variant="subtle"
                onClick={() =>
                  call(client.POST('/api/v1/imports/{id}/cancel', { params: { path: { id: current.id } } }))
                }
              >
                {t('import.cancel')}
              </Button>
            )}
          </Group>
          {current.rowsTotal ? (
            <>
              <Progress
                value={(current.rowsDone / current.rowsTotal) * 100}
                mt="xs"
                aria-label={t('import.progress', { done: current.rowsDone, total: current.rowsTotal })}
              />
              <Text size="sm" mt={4}>
                {t('import.progress', {
                  done: formatNumber(current.rowsDone, prefs),
                  total: formatNumber(current.rowsTotal, prefs),
                })}
                {current.rowsPerSecond && !finished
                  ? ` · ${t('import.speed', { rate: formatNumber(Math.round(current.rowsPerSecond), prefs), seconds: formatNumber(Math.round(current.secondsLeft ?? 0), prefs) })}`
                  : ''}
              </Text>
            </>
          ) : null}
          {counts && (
            <Group mt="sm" gap="xl">
              {(['created', 'updated', 'skipped', 'rejected'] as const).map((k) => (
                <div key={k}>
                  <Text size="xs" c="dimmed">
                    {t(`import.${k}`)}
                  </Text>
                  <Text fw={700} data-count={k}>
                    {formatNumber(counts[k], prefs)}
                  </Text>
                </div>
              ))}
            </Group>
          )}
          {current.dryRun && current.status === 'done' && (
            <Alert mt="sm" variant="light">
              {t('import.dryRunDone')}
            </Alert>
          )}
          {current.error && (
            <Alert mt="sm" color="red" variant="light">
              {current.error}
            </Alert>
          )}
          {current.firstRejects.length > 0 && (
            <Stack gap={2} mt="sm">
              <Text size="sm" fw={600}>
                {t('import.firstRejects')}
              </Text>
              {current.firstRejects.slice(0, 10).map((r) => (
                <Text key={r.row} size="sm">
                  {t('import.row', { row: r.row, reason: r.reason })}
                </Text>
              ))}
            </Stack>
          )}
          {finished && counts && counts.rejected > 0 && (
            <Anchor href={`/api/v1/imports/${current.id}/rejects`} mt="sm" size="sm">
              {t('import.downloadRejects')}
            </Anchor>
          )}
        </Card>
      )}
    </Stack>
  );
}
