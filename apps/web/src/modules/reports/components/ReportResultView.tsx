import { Alert, Card, Group, Stack, Table, Text } from '@mantine/core';
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { type Locale, RTL } from '../../../i18n/index.ts';
import { formatNumber, formatPercent } from '../../../lib/format.ts';
import { usePrefs } from '../../auth/hooks/useMe.ts';
import { label, type ObjectDef } from '../../metadata/utils/metadata.ts';
import { useDrillDown } from '../hooks/useDrillDown.ts';
import { chartModel, isolate, kpis } from '../utils/chart-model.ts';
import { isDateBucket, type ReportDefinition, type ReportResult } from '../utils/report-types.ts';
import { useNamer } from '../utils/use-namer.ts';
import { ReportChart } from './ReportChart.tsx';

/**
 * A report's answer drawn as its definition asks — a chart, a KPI or a table — in the reader's language, digits
 * and direction. A click on a bar, point, slice or row opens the records behind it in the object's list.
 */
export function ReportResultView({
  definition,
  result,
  object,
}: {
  definition: ReportDefinition;
  result: ReportResult;
  object: ObjectDef | undefined;
}) {
  const { t, i18n } = useTranslation();
  const prefs = usePrefs();
  const rtl = RTL.has(i18n.language as Locale);
  const namer = useNamer(object, result);
  const fieldLabel = (key: string) => {
    const field = object?.fields.find((f) => f.key === key);
    return field ? label(field.labels, i18n.language as Locale) : key;
  };
  const model = useMemo(() => chartModel(result, namer), [result, namer]);
  const look = useMemo(
    () => ({ type: definition.chart ?? 'bar', rtl, formatNumber: (v: number) => formatNumber(v, prefs) }),
    [definition.chart, rtl, prefs],
  );
  const drill = useDrillDown(object, definition, result, model.categoryDim);
  const pick = (category: Parameters<typeof drill>[0], measure?: number) => {
    drill(category, measure);
  };
  // Without a grouping there is one figure per measure: a KPI whatever chart was chosen.
  // A report without a dimension is a row of figures, unless it asks for a funnel of its measures (each a stage).
  const type =
    result.dimensions.length === 0 && !(definition.chart === 'funnel' && result.measures.length > 1)
      ? 'kpi'
      : (definition.chart ?? 'bar');
  if (result.rows.length === 0) return <Text c="dimmed">{t('reports.noData')}</Text>;
  return (
    <Stack gap="sm">
      {result.truncated && <Alert color="yellow">{t('reports.truncated')}</Alert>}
      {result.rows.some((r) => r.unconverted) && <Alert color="yellow">{t('reports.missingRates')}</Alert>}
      {type === 'kpi' ? (
        <Group>
          {kpis(model, definition.compare).map((k) => {
            const change =
              k.previous && k.previous.value !== 0 ? (k.value - k.previous.value) / k.previous.value : null;
            return (
              <Card key={k.name} withBorder padding="md" miw={200} data-testid="report-kpi">
                <Text size="sm" c="dimmed">
                  {isolate(k.name)}
                  {k.period ? ` · ${isolate(k.period)}` : ''}
                </Text>
                <Text size="xl" fw={700}>
                  {formatNumber(k.value, prefs)}
                </Text>
                {k.previous && (
                  <Text size="sm" c={change === null ? 'dimmed' : change >= 0 ? 'teal.8' : 'red.8'}>
                    {change === null
                      ? t('reports.previous', {
                          label: isolate(k.previous.label),
                          value: formatNumber(k.previous.value, prefs),
                        })
                      : t('reports.change', {
                          change: new Intl.NumberFormat(`${prefs.locale}-u-nu-${prefs.digits}`, {
                            style: 'percent',
                            signDisplay: 'exceptZero',
                            maximumFractionDigits: 1,
                          }).format(change),
                          label: isolate(k.previous.label),
                        })}
                  </Text>
                )}
              </Card>
            );
          })}
        </Group>
      ) : type === 'table' || type === 'pivot' ? null : (
        <ReportChart model={model} look={look} onPick={pick} />
      )}
      {type === 'table' && result.dimensions.length > 0 && (
        <Table striped highlightOnHover withTableBorder data-testid="report-rows">
          <Table.Thead>
            <Table.Tr>
              {result.dimensions.map((d, i) => (
                <Table.Th key={i}>{fieldLabel(d.field)}</Table.Th>
              ))}
              {result.rows.some((r) => r.currency) && <Table.Th>{t('reports.currency')}</Table.Th>}
              {result.measures.map((_, i) => (
                <Table.Th key={i} style={{ textAlign: 'end' }}>
                  {namer.measure(i)}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {result.rows.map((row) => (
              <Table.Tr key={JSON.stringify([row.keys, row.others, row.currency])}>
                {result.dimensions.map((d, i) => (
                  <Table.Td key={i}>
                    {isolate(
                      isDateBucket(d)
                        ? (model.categories.find((c) => c.key === row.keys[i] && c.range)?.label ??
                            t('reports.empty'))
                        : namer.key(i, row.keys[i] ?? null, row.others[i] ?? false),
                    )}
                  </Table.Td>
                ))}
                {result.rows.some((r) => r.currency) && <Table.Td>{row.currency ?? ''}</Table.Td>}
                {row.values.map((v, i) => (
                  <Table.Td key={i} style={{ textAlign: 'end' }}>
                    {v === null
                      ? '—'
                      : result.measures[i]?.fn === 'share'
                        ? formatPercent(v, prefs)
                        : typeof v === 'number' || /^-?\d/.test(v)
                          ? formatNumber(v, prefs)
                          : v}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {type !== 'kpi' && (type !== 'table' || result.dimensions.length === 0) && (
        <Table striped highlightOnHover withTableBorder data-testid="report-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{model.categoryDim >= 0 ? t('reports.group') : ''}</Table.Th>
              {model.series.map((s) => (
                <Table.Th key={s.name} style={{ textAlign: 'end' }}>
                  {isolate(s.name)}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {model.categories.map((c, i) => (
              <Table.Tr
                key={`${c.others}:${c.key}`}
                onClick={() => pick(c)}
                style={{ cursor: c.others ? undefined : 'pointer' }}
              >
                <Table.Td>{isolate(c.label)}</Table.Td>
                {model.series.map((s) => (
                  <Table.Td key={s.name} style={{ textAlign: 'end' }}>
                    {s.values[i] === null || s.values[i] === undefined
                      ? '—'
                      : s.fn === 'share'
                        ? formatPercent(s.values[i], prefs)
                        : formatNumber(s.values[i], prefs)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Stack>
  );
}
