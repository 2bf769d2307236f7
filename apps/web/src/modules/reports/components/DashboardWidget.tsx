import { Alert, Card, Group, Loader, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { memo, type ReactNode, useEffect, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import { ErrorText } from '../../../components/ErrorText.tsx';
import { AnchorLink } from '../../../components/links.tsx';
import { type Locale, RTL } from '../../../i18n/index.ts';
import { formatDate, formatDateTime, formatMoney, formatNumber } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { label, type ObjectDef, titleOf } from '../../metadata/utils/metadata.ts';
import { FieldValue } from '../../records/components/FieldValue.tsx';
import { useDrillDown } from '../hooks/useDrillDown.ts';
import { chartModel, isolate, kpis } from '../utils/chart-model.ts';
import {
  type DashboardFilters,
  dashboardKeys,
  type Widget,
  type WidgetRun,
} from '../utils/dashboard-types.ts';
import type { ReportDefinition, ReportResult } from '../utils/report-types.ts';
import { useNamer } from '../utils/use-namer.ts';
import { ReportChart } from './ReportChart.tsx';
import { ReportResultView } from './ReportResultView.tsx';

/** What of a widget decides its data (not where it sits): moving one does not fetch it again. */
export function widgetContent(w: Widget): unknown {
  const { x: _x, y: _y, w: _w, h: _h, title: _title, ...content } = w;
  return content;
}

/**
 * One widget of a dashboard, loading on its own: its own request (run as the reader, narrowed by the dashboard's
 * filters), its own spinner and error, and "data as of" in the reader's calendar and digits. A report that is not
 * shared with the reader, or a field hidden from them, is said in the widget; the rest of the dashboard carries on.
 * Memoised: the dashboard re-renders as each widget's answer arrives (for the print view's `data-ready`), and
 * without it every widget — cards, charts and all — rendered again each time, twelve times over on a cold load.
 */
export const DashboardWidget = memo(DashboardWidgetCard);

function DashboardWidgetCard({
  dashboardId,
  widget,
  filters,
  height,
  header,
  onSettled,
  saved = true,
}: {
  dashboardId: string;
  widget: Widget;
  filters: DashboardFilters;
  /** The widget's body height in pixels (the grid's rows). */
  height: number;
  header?: ReactNode;
  /** Told once its data (or its error) has arrived, for the print view's `data-ready`. */
  onSettled?: ((id: string) => void) | undefined;
  /** False while the widget is not yet stored on the dashboard (just added or changed): it runs once it is. */
  saved?: boolean;
}) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const run = useQuery({
    queryKey: dashboardKeys.run(dashboardId, widgetContent(widget), filters),
    queryFn: async () =>
      call(
        client.POST('/api/v1/dashboards/{id}/widgets/{widgetId}/run', {
          params: { path: { id: dashboardId, widgetId: widget.id } },
          body: { filters },
        }),
      ),
    retry: false,
    enabled: saved,
  });
  useEffect(() => {
    if (run.status !== 'pending') onSettled?.(widget.id);
  }, [run.status, widget.id, onSettled]);
  const answer = run.data;
  const name =
    widget.title ??
    (answer?.data?.kind === 'report' ? answer.data.name : null) ??
    t(`dashboards.kind.${widget.kind}`);
  return (
    <Card
      withBorder
      padding="sm"
      h="100%"
      data-testid="dashboard-widget"
      data-widget={widget.id}
      data-state={run.isPending ? 'loading' : run.isError ? 'error' : (answer?.status ?? 'ok')}
      aria-busy={run.isFetching}
    >
      <Stack gap={4} h="100%">
        <Group justify="space-between" wrap="nowrap" gap="xs">
          <Text fw={600} size="sm" truncate data-testid="widget-title">
            {isolate(name)}
          </Text>
          {header}
        </Group>
        <div style={{ flex: 1, minHeight: 0, overflow: 'hidden' }}>
          {run.isPending ? (
            <Group justify="center" h="100%">
              <Loader size="sm" aria-label={t('dashboards.loading')} />
            </Group>
          ) : run.isError ? (
            <ErrorText error={run.error} />
          ) : answer ? (
            <WidgetBody run={answer} widget={widget} height={Math.max(60, height - 76)} />
          ) : null}
        </div>
        {answer && (
          <Text size="xs" c="dimmed" data-testid="widget-as-of">
            {t('dashboards.asOf', { time: formatDateTime(answer.asOf, prefs) })}
          </Text>
        )}
      </Stack>
    </Card>
  );
}

function WidgetBody({ run, widget, height }: { run: WidgetRun; widget: Widget; height: number }) {
  const { t } = useTranslation();
  if (run.status !== 'ok' || !run.data)
    return (
      <Alert color="gray" data-testid="widget-refused" title={t(`dashboards.status.${run.status}`)}>
        {run.status === 'refused' && run.message ? <Text size="xs">{run.message}</Text> : null}
      </Alert>
    );
  const data = run.data;
  if (data.kind === 'report')
    return (
      <ReportBody definition={data.definition as ReportDefinition} result={data.result} height={height} />
    );
  if (data.kind === 'kpi') return <KpiBody data={data} />;
  return <ListBody data={data} height={height} widget={widget} />;
}

function ReportBody({
  definition,
  result,
  height,
}: {
  definition: ReportDefinition;
  result: ReportResult;
  height: number;
}) {
  const { i18n } = useTranslation();
  const prefs = usePrefs();
  const objects = useObjects().data ?? [];
  const object = objects.find((o) => o.key === definition.object) as ObjectDef | undefined;
  const namer = useNamer(object, result);
  const rtl = RTL.has(i18n.language as Locale);
  const model = useMemo(() => chartModel(result, namer), [result, namer]);
  const type = result.dimensions.length === 0 ? 'kpi' : (definition.chart ?? 'bar');
  const look = useMemo(
    () => ({ type, rtl, formatNumber: (v: number) => formatNumber(v, prefs) }),
    [type, rtl, prefs],
  );
  // A click opens the records behind a bar or slice, as on the report's page: the run's definition already holds
  // the dashboard's owner, team and period and the widget's own filter, and its range the period's days.
  const drill = useDrillDown(object, definition, result, model.categoryDim);
  if (type === 'kpi' || type === 'table' || type === 'pivot')
    return (
      <ScrollArea h={height}>
        <ReportResultView definition={definition} result={result} object={object} />
      </ScrollArea>
    );
  return <ReportChart model={model} look={look} height={height} onPick={drill} />;
}

function KpiBody({ data }: { data: Extract<NonNullable<WidgetRun['data']>, { kind: 'kpi' }> }) {
  const { t } = useTranslation();
  const prefs = usePrefs();
  const objects = useObjects().data ?? [];
  const object = objects.find((o) => o.key === data.result.object);
  const namer = useNamer(object, data.result);
  const value = data.result.rows[0]?.values[0] ?? null;
  const previous = data.previous?.rows[0]?.values[0] ?? null;
  const money = data.result.measures[0]?.type === 'money' && data.result.measures[0]?.fn !== 'count';
  const show = (v: number | string | null) =>
    v === null
      ? '—'
      : money && data.result.currency
        ? formatMoney({ amount: String(v), currency: data.result.currency }, prefs)
        : formatNumber(v, prefs);
  const change =
    previous !== null && value !== null && Number(previous) !== 0
      ? (Number(value) - Number(previous)) / Number(previous)
      : null;
  // The measure's name as the reports name it (a count, a sum of amounts).
  const measure = kpis(chartModel(data.result, namer))[0]?.name ?? '';
  return (
    <Stack gap={2} data-testid="widget-kpi">
      <Text size="xs" c="dimmed">
        {isolate(measure)}
        {data.period
          ? ` · ${formatDate(data.period.from, prefs)} – ${formatDate(data.period.to, prefs)}`
          : ''}
      </Text>
      <Text size="xl" fw={700} data-testid="widget-kpi-value">
        {show(value)}
      </Text>
      {data.previous && (
        <Text
          size="xs"
          c={change === null ? 'dimmed' : change >= 0 ? 'teal.8' : 'red.8'}
          data-testid="widget-kpi-previous"
        >
          {t(data.compare === 'previousYear' ? 'dashboards.previousYear' : 'dashboards.previous', {
            value: show(previous),
          })}
          {change !== null &&
            ` (${new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
              style: 'percent',
              signDisplay: 'exceptZero',
              maximumFractionDigits: 1,
            }).format(change)})`}
        </Text>
      )}
    </Stack>
  );
}

function ListBody({
  data,
  height,
  widget,
}: {
  data: Extract<NonNullable<WidgetRun['data']>, { kind: 'list' }>;
  height: number;
  widget: Widget;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const objects = useObjects().data ?? [];
  const object = objects.find((o) => o.key === data.object);
  if (!object) return null;
  const keys = (data.fields ?? object.titleFields).filter((k) => !object.titleFields.includes(k));
  const fields = keys.flatMap((k) => object.fields.filter((f) => f.key === k)).slice(0, 4);
  if (data.records.length === 0)
    return (
      <Text c="dimmed" size="sm">
        {t('dashboards.noRecords')}
      </Text>
    );
  return (
    <ScrollArea h={height}>
      <Table striped highlightOnHover data-testid="widget-list" aria-label={widget.title ?? undefined}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{label(object.labels.singular, locale)}</Table.Th>
            {fields.map((f) => (
              <Table.Th key={f.key}>{label(f.labels, locale)}</Table.Th>
            ))}
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {data.records.map((r) => (
            <Table.Tr key={String(r.id)}>
              <Table.Td>
                <AnchorLink to="/o/$object/$id" params={{ object: object.key, id: String(r.id) }} size="sm">
                  {isolate(titleOf(object, r, locale))}
                </AnchorLink>
              </Table.Td>
              {fields.map((f) => (
                <Table.Td key={f.key}>
                  <FieldValue
                    field={f}
                    value={r[f.key]}
                    record={{ objectKey: object.key, id: String(r.id) }}
                  />
                </Table.Td>
              ))}
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {data.more && (
        <Text size="xs" c="dimmed">
          {t('dashboards.moreRecords')}
        </Text>
      )}
    </ScrollArea>
  );
}
