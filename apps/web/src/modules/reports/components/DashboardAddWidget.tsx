import { Button, Group, Modal, SegmentedControl, Select, Stack, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call, client } from '../../../api/client.ts';
import type { Locale } from '../../../i18n/index.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { label } from '../../metadata/utils/metadata.ts';
import type { KpiCompare, Widget } from '../utils/dashboard-types.ts';
import { reportsKeys } from '../utils/reports-keys.ts';

type Kind = Widget['kind'];
/** A widget as chosen here, before the grid gives it a place. */
export type NewWidget =
  | { kind: 'report'; reportId: string; title?: string }
  | Omit<Extract<Widget, { kind: 'kpi' }>, 'id' | 'x' | 'y' | 'w' | 'h'>
  | Omit<Extract<Widget, { kind: 'list' }>, 'id' | 'x' | 'y' | 'w' | 'h'>;

const NUMERIC = new Set(['number', 'rating', 'money']);

/** Adds a widget: a saved report the reader may run, a KPI (a measure over an object), or a list of records. */
export function DashboardAddWidget({
  opened,
  onClose,
  onAdd,
}: {
  opened: boolean;
  onClose: () => void;
  onAdd: (widget: NewWidget) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const objects = useObjects().data ?? [];
  const [kind, setKind] = useState<Kind>('report');
  const [title, setTitle] = useState('');
  const [reportId, setReportId] = useState<string | null>(null);
  const [object, setObject] = useState<string | null>(null);
  const [fn, setFn] = useState<'count' | 'sum' | 'avg' | 'min' | 'max'>('count');
  const [field, setField] = useState<string | null>(null);
  const [dateField, setDateField] = useState<string | null>(null);
  const [compare, setCompare] = useState<KpiCompare>('previous');
  const [viewId, setViewId] = useState<string | null>(null);
  const reports = useQuery({
    queryKey: reportsKeys.list,
    queryFn: async () => call(client.GET('/api/v1/reports', { params: { query: { limit: 200 } } })),
    enabled: opened,
  });
  const views = useQuery({
    queryKey: ['reports', 'dashboards', 'views', object],
    queryFn: async () =>
      (await call(client.GET('/api/v1/views', { params: { query: { object: object ?? '' } } }))).data,
    enabled: opened && kind === 'list' && Boolean(object),
  });
  const def = objects.find((o) => o.key === object);
  const fieldsOf = (types: (type: string) => boolean) =>
    (def?.fields ?? [])
      .filter((f) => types(f.type))
      .map((f) => ({ value: f.key, label: label(f.labels, locale) }));
  const reset = () => {
    setTitle('');
    setReportId(null);
    setObject(null);
    setField(null);
    setDateField(null);
    setViewId(null);
    setFn('count');
  };
  const ready =
    kind === 'report'
      ? Boolean(reportId)
      : kind === 'kpi'
        ? Boolean(object) && (fn === 'count' || Boolean(field))
        : Boolean(object);
  const add = () => {
    const named = title.trim() ? { title: title.trim() } : {};
    if (kind === 'report' && reportId) onAdd({ kind, reportId, ...named });
    else if (kind === 'kpi' && object)
      onAdd({
        kind,
        ...named,
        kpi: {
          object,
          measure: fn === 'count' || !field ? { fn: 'count' } : { fn, field },
          ...(dateField ? { dateField, ...(compare === 'none' ? {} : { compare }) } : {}),
        },
      });
    else if (kind === 'list' && object)
      onAdd({
        kind,
        ...named,
        list: { object, limit: 10, ...(viewId ? { viewId } : {}), ...(dateField ? { dateField } : {}) },
      });
    reset();
  };
  return (
    <Modal opened={opened} onClose={onClose} title={t('dashboards.addWidget')}>
      <Stack gap="sm">
        <SegmentedControl
          value={kind}
          onChange={(v) => setKind(v as Kind)}
          data={(['report', 'kpi', 'list'] as const).map((k) => ({
            value: k,
            label: t(`dashboards.kind.${k}`),
          }))}
          data-testid="widget-kind"
        />
        <TextInput
          label={t('dashboards.widgetTitle')}
          value={title}
          onChange={(e) => setTitle(e.currentTarget.value)}
          maxLength={200}
        />
        {kind === 'report' ? (
          <Select
            label={t('dashboards.report')}
            data-testid="widget-report"
            searchable
            value={reportId}
            onChange={setReportId}
            data={(reports.data?.data ?? []).map((r) => ({ value: r.id, label: r.name }))}
            nothingFoundMessage={t('reports.none')}
          />
        ) : (
          <>
            <Select
              label={t('reports.object')}
              data-testid="widget-object"
              searchable
              value={object}
              onChange={(v) => {
                setObject(v);
                setField(null);
                setDateField(null);
                setViewId(null);
              }}
              data={objects.map((o) => ({ value: o.key, label: label(o.labels.plural, locale) }))}
            />
            {kind === 'kpi' && (
              <Group grow>
                <Select
                  label={t('dashboards.measure')}
                  data-testid="widget-fn"
                  value={fn}
                  allowDeselect={false}
                  onChange={(v) => setFn((v ?? 'count') as typeof fn)}
                  data={(['count', 'sum', 'avg', 'min', 'max'] as const).map((m) => ({
                    value: m,
                    label: t(`reports.fn.${m}`),
                  }))}
                />
                {fn !== 'count' && (
                  <Select
                    label={t('dashboards.field')}
                    data-testid="widget-field"
                    value={field}
                    onChange={setField}
                    data={fieldsOf((type) => NUMERIC.has(type))}
                  />
                )}
              </Group>
            )}
            {kind === 'list' && (views.data ?? []).length > 0 && (
              <Select
                label={t('dashboards.view')}
                clearable
                value={viewId}
                onChange={setViewId}
                data={(views.data ?? []).map((v) => ({ value: v.id, label: v.name }))}
              />
            )}
            <Select
              label={t('dashboards.dateField')}
              description={t('dashboards.dateFieldHint')}
              data-testid="widget-date-field"
              clearable
              value={dateField}
              onChange={setDateField}
              data={fieldsOf((type) => type === 'date' || type === 'dateTime')}
            />
            {kind === 'kpi' && dateField && (
              <Select
                label={t('dashboards.compare')}
                data-testid="widget-compare"
                value={compare}
                allowDeselect={false}
                onChange={(v) => setCompare((v ?? 'previous') as KpiCompare)}
                data={(['previous', 'previousYear', 'none'] as const).map((c) => ({
                  value: c,
                  label: t(`dashboards.compareWith.${c}`),
                }))}
              />
            )}
          </>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {t('common.cancel')}
          </Button>
          <Button onClick={add} disabled={!ready} data-testid="widget-add">
            {t('dashboards.add')}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
