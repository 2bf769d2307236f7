import { ActionIcon, Button, Group, NumberInput, Select, Stack, Text, TextInput } from '@mantine/core';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useTranslation } from 'react-i18next';
import { DateInput } from '../../../components/DateInput.tsx';
import type { Locale } from '../../../i18n/index.ts';
import { CALENDARS } from '../../../lib/format.ts';
import { useObjects } from '../../metadata/hooks/useObjects.ts';
import { type FieldDef, label, visibleFields } from '../../metadata/utils/metadata.ts';
import { FilterBuilder } from '../../records/components/FilterBuilder.tsx';
import { toFilterTree } from '../../records/utils/filter.ts';
import { conditionsOf } from '../utils/drill-down.ts';
import { measureName } from '../utils/measure-name.ts';
import {
  BUCKETS,
  CHART_TYPES,
  type Dimension,
  isDateBucket,
  MEASURE_FNS,
  type Measure,
  type ReportDefinition,
  withoutMeasure,
} from '../utils/report-types.ts';

const GROUPABLE = new Set([
  'select',
  'relation',
  'user',
  'boolean',
  'text',
  'date',
  'dateTime',
  'number',
  'rating',
  'email',
]);
const NUMERIC = new Set(['number', 'rating', 'money']);
const isDate = (f: FieldDef | undefined) => f?.type === 'date' || f?.type === 'dateTime';
/** Fields whose different values are counted (the companies that bought): the ones a report groups by. */
const countable = (f: FieldDef | undefined) =>
  Boolean(f) && GROUPABLE.has(f!.type) && !(f!.type === 'relation' && f!.relation?.many);
/**
 * A measure with another function: its name stays, its filter where the new one takes one, and what else the new
 * one reads of it — a field (a distinct count only one it can count), days since and their unit.
 */
function withFn(m: Measure, fn: Measure['fn'], chosen: FieldDef | undefined): Measure {
  const label = m.label ? { label: m.label } : {};
  const kept = { ...label, ...(m.where !== undefined && m.where !== null ? { where: m.where } : {}) };
  switch (fn) {
    case 'count':
      return { fn, ...kept };
    case 'distinct':
      return { fn, ...kept, ...(m.field && countable(chosen) ? { field: m.field } : {}) };
    case 'share':
      return { fn, where: m.where ?? { and: [] }, ...label };
    case 'formula':
      return { fn, expression: m.expression ?? '', ...label };
    default:
      return {
        fn,
        ...kept,
        ...(m.field ? { field: m.field } : {}),
        ...(m.since ? { since: m.since } : {}),
        ...(m.since && m.unit ? { unit: m.unit } : {}),
      };
  }
}
/** A grouping by a person's teams is offered as its own choice, `<field>#team`, beside the field itself. */
const TEAM = '#team';
const dimensionValue = (d: Dimension | undefined) =>
  d ? (d.by === 'team' ? `${d.field}${TEAM}` : d.field) : null;

/** An empty definition over an object: a count of its records. */
export function blankDefinition(object: string): ReportDefinition {
  return { object, groupBy: [], measures: [{ fn: 'count' }], chart: 'bar' };
}

/**
 * Edits a report's definition: object, filter (the lists' filter builder), up to two groupings (a date by day,
 * week, month, quarter or year of a calendar or by fiscal quarter or year, a person's teams, a field), measures, a
 * limit, the calendar, a range, the chart's type and what a KPI compares with.
 */
export function ReportBuilder({
  value,
  onChange,
}: {
  value: ReportDefinition;
  onChange: (next: ReportDefinition) => void;
}) {
  const { t, i18n } = useTranslation();
  const locale = i18n.language as Locale;
  const objects = useObjects().data ?? [];
  const object = objects.find((o) => o.key === value.object);
  const fields = object ? visibleFields(object) : [];
  const fieldOptions = (pred: (f: FieldDef) => boolean) =>
    fields.filter(pred).map((f) => ({ value: f.key, label: label(f.labels, locale) }));
  const set = (patch: Partial<ReportDefinition>) => onChange({ ...value, ...patch });
  const groupBy = value.groupBy ?? [];
  const setDim = (i: number, dim: Dimension | null) => {
    const next = [...groupBy];
    if (dim) next[i] = dim;
    else next.splice(i, 1);
    // A range belongs to a date grouping: without one it goes too.
    const { range: _, ...rest } = value;
    onChange(next.some(isDateBucket) ? { ...value, groupBy: next } : { ...rest, groupBy: next });
  };
  const setMeasure = (i: number, m: Measure | null) => {
    const next = m ? value.measures.map((x, j) => (j === i ? m : x)) : withoutMeasure(value.measures, i);
    // A sort by a removed measure goes with it; one by a later measure follows it to its new place.
    const { sort, ...rest } = value;
    if (m || !sort || sort.measure < i) return set({ measures: next });
    onChange(
      sort.measure === i
        ? { ...rest, measures: next }
        : { ...rest, measures: next, sort: { ...sort, measure: sort.measure - 1 } },
    );
  };
  /** Whether a key names a date-time field of the object (system ones too: hours are counted between two). */
  const dateTimeField = (key: string | null | undefined) =>
    Boolean(key) && object?.fields.find((f) => f.key === key)?.type === 'dateTime';
  const fieldName = (key: string) => {
    const field = fields.find((f) => f.key === key);
    return field ? label(field.labels, locale) : undefined;
  };
  const dated = groupBy.some(isDateBucket);
  const filterState = { join: 'and' as const, conditions: conditionsOf(value.filter) };
  return (
    <Stack gap="sm">
      <Group align="flex-end" wrap="wrap">
        <Select
          label={t('reports.object')}
          data={objects.map((o) => ({ value: o.key, label: label(o.labels.plural, locale) }))}
          value={value.object}
          onChange={(v) => v && onChange({ ...blankDefinition(v), chart: value.chart })}
          searchable
          allowDeselect={false}
          w={220}
        />
        {object && (
          <FilterBuilder
            object={object}
            value={filterState}
            onChange={(f) => set({ filter: toFilterTree(f) })}
          />
        )}
      </Group>
      {[0, 1].map((i) => {
        const dim = groupBy[i];
        if (i > groupBy.length) return null;
        const field = fields.find((f) => f.key === dim?.field);
        return (
          <Group key={i} align="flex-end" wrap="wrap">
            <Select
              label={i === 0 ? t('reports.groupBy') : t('reports.thenBy')}
              placeholder={t('reports.noGrouping')}
              data={[
                ...fieldOptions(countable),
                ...fields
                  .filter((f) => f.type === 'user')
                  .map((f) => ({
                    value: `${f.key}${TEAM}`,
                    label: t('reports.teamOf', { field: label(f.labels, locale) }),
                  })),
              ]}
              value={dimensionValue(dim)}
              onChange={(v) => {
                if (v?.endsWith(TEAM)) {
                  setDim(i, { field: v.slice(0, -TEAM.length), by: 'team' });
                  return;
                }
                const next = fields.find((f) => f.key === v);
                setDim(
                  i,
                  v ? { field: v, ...(isDate(next) && !dated ? { bucket: 'month' as const } : {}) } : null,
                );
              }}
              clearable
              searchable
              w={220}
            />
            {dim && isDate(field) && (
              <Select
                label={t('reports.bucket')}
                data={BUCKETS.filter((b) => !dim.since || !b.startsWith('fiscal')).map((b) => ({
                  value: b,
                  label: t(`reports.buckets.${b}`),
                }))}
                value={dim.bucket ?? null}
                onChange={(v) =>
                  setDim(i, {
                    field: dim.field,
                    ...(v ? { bucket: v as Dimension['bucket'] } : {}),
                    ...(v && dim.since ? { since: dim.since } : {}),
                  })
                }
                clearable
                w={150}
              />
            )}
            {dim?.bucket && isDate(field) && !dim.bucket.startsWith('fiscal') && (
              // Periods counted from another date (a cohort's age: months since the first won deal).
              <Select
                label={t('reports.periodsSince')}
                placeholder={t('reports.calendarPeriods')}
                data={(object?.fields ?? [])
                  .filter((f) => isDate(f) && f.key !== dim.field)
                  .map((f) => ({ value: f.key, label: label(f.labels, locale) }))}
                value={dim.since ?? null}
                onChange={(v) => {
                  const { since: _, ...rest } = dim;
                  setDim(i, v ? { ...rest, since: v } : rest);
                }}
                clearable
                w={180}
                data-testid={`report-since-${i}`}
              />
            )}
            {dim && (field?.type === 'number' || field?.type === 'rating') && (
              <NumberInput
                label={t('reports.step')}
                min={0}
                value={dim.step ?? ''}
                onChange={(v) => {
                  const { step: _, ...rest } = dim;
                  setDim(i, typeof v === 'number' && v > 0 ? { ...rest, step: v } : rest);
                }}
                w={150}
              />
            )}
            {dim?.bucket === 'week' && (
              <Select
                label={t('reports.weekStart')}
                data={[
                  { value: 'saturday', label: t('reports.saturday') },
                  { value: 'monday', label: t('reports.monday') },
                ]}
                value={dim.weekStart ?? null}
                onChange={(v) =>
                  setDim(i, { ...dim, ...(v ? { weekStart: v as 'monday' | 'saturday' } : {}) })
                }
                w={150}
              />
            )}
          </Group>
        );
      })}
      <Stack gap={4}>
        <Text size="sm" fw={500}>
          {t('reports.measures')}
        </Text>
        {value.measures.map((m, i) => {
          const chosen = m.field ? fields.find((f) => f.key === m.field) : undefined;
          return (
            <Group key={i} align="flex-end" wrap="wrap" data-testid={`report-measure-${i}`}>
              <Text size="sm" c="dimmed" ff="monospace" dir="ltr" w={24}>
                {`m${i}`}
              </Text>
              <Select
                aria-label={t('reports.measureFn')}
                data={MEASURE_FNS.map((fn) => ({ value: fn, label: t(`reports.fn.${fn}`) }))}
                value={m.fn}
                onChange={(v) => v && setMeasure(i, withFn(m, v as Measure['fn'], chosen))}
                allowDeselect={false}
                w={150}
              />
              {m.fn === 'formula' && (
                <TextInput
                  aria-label={t('reports.expression')}
                  description={t('reports.expressionHint')}
                  placeholder="m1 / m0"
                  dir="ltr"
                  value={m.expression ?? ''}
                  onChange={(e) => setMeasure(i, { ...m, expression: e.currentTarget.value })}
                  w={260}
                  data-testid={`report-formula-${i}`}
                />
              )}
              {m.fn === 'share' && object && (
                // The records counted against all of the group's: the lists' filter builder again.
                <FilterBuilder
                  object={object}
                  value={{ join: 'and', conditions: conditionsOf(m.where) }}
                  onChange={(f) =>
                    setMeasure(i, { ...m, fn: 'share', where: toFilterTree(f) ?? { and: [] } })
                  }
                />
              )}
              {m.fn === 'distinct' && (
                <Select
                  aria-label={t('reports.measureField')}
                  data={fieldOptions(countable)}
                  value={m.field ?? null}
                  onChange={(v) => v && setMeasure(i, { ...m, field: v })}
                  searchable
                  w={200}
                />
              )}
              {m.fn !== 'count' && m.fn !== 'distinct' && m.fn !== 'share' && m.fn !== 'formula' && (
                <Select
                  aria-label={t('reports.measureField')}
                  data={fieldOptions((f) => NUMERIC.has(f.type) || isDate(f))}
                  value={m.field ?? null}
                  onChange={(v) => {
                    if (!v) return;
                    const next = fields.find((f) => f.key === v);
                    const { since: _, unit: __, ...rest } = m;
                    // A date is measured in days since another date (its creation, unless chosen otherwise); a
                    // minimum or maximum of a date may also be the date itself.
                    const since =
                      isDate(next) && m.fn !== 'min' && m.fn !== 'max'
                        ? (m.since ?? object?.fields.find((f) => f.key === 'createdAt' && f.key !== v)?.key)
                        : isDate(next)
                          ? m.since
                          : undefined;
                    // Hours only between two date-times.
                    const hours = m.unit === 'hours' && next?.type === 'dateTime' && dateTimeField(since);
                    setMeasure(i, {
                      ...rest,
                      field: v,
                      ...(since ? { since } : {}),
                      ...(hours ? { unit: 'hours' } : {}),
                    });
                  }}
                  w={200}
                />
              )}
              {isDate(chosen) && m.fn !== 'count' && m.fn !== 'distinct' && (
                <Select
                  aria-label={t('reports.daysSince')}
                  label={t('reports.daysSince')}
                  data={(object?.fields ?? [])
                    .filter((f) => isDate(f) && f.key !== m.field)
                    .map((f) => ({ value: f.key, label: label(f.labels, locale) }))}
                  value={m.since ?? null}
                  onChange={(v) => {
                    const { since: _, unit: __, ...rest } = m;
                    const hours = m.unit === 'hours' && chosen?.type === 'dateTime' && dateTimeField(v);
                    setMeasure(i, v ? { ...rest, since: v, ...(hours ? { unit: 'hours' } : {}) } : rest);
                  }}
                  clearable={m.fn === 'min' || m.fn === 'max'}
                  w={180}
                />
              )}
              {chosen?.type === 'dateTime' && dateTimeField(m.since) && (
                <Select
                  aria-label={t('reports.unit')}
                  label={t('reports.unit')}
                  data={(['days', 'hours'] as const).map((u) => ({
                    value: u,
                    label: t(`reports.units.${u}`),
                  }))}
                  value={m.unit ?? 'days'}
                  onChange={(v) => {
                    const { unit: _, ...rest } = m;
                    setMeasure(i, v === 'hours' ? { ...rest, unit: 'hours' } : rest);
                  }}
                  allowDeselect={false}
                  w={110}
                />
              )}
              {m.fn !== 'share' && m.fn !== 'formula' && object && (
                // Only some of the group's records measured (won deals' amounts beside every deal's count).
                <Stack gap={2}>
                  <Text size="xs" c="dimmed">
                    {t('reports.onlyWhere')}
                  </Text>
                  <FilterBuilder
                    object={object}
                    value={{ join: 'and', conditions: conditionsOf(m.where) }}
                    onChange={(f) => {
                      const { where: _, ...rest } = m;
                      const tree = toFilterTree(f);
                      setMeasure(i, tree ? { ...rest, where: tree } : rest);
                    }}
                  />
                </Stack>
              )}
              <TextInput
                aria-label={t('reports.measureLabel')}
                placeholder={measureName({ ...m, label: undefined }, fieldName, t)}
                value={m.label ?? ''}
                maxLength={100}
                onChange={(e) => {
                  const { label: _, ...rest } = m;
                  const text = e.currentTarget.value;
                  setMeasure(i, text.trim() ? { ...rest, label: text } : rest);
                }}
                w={200}
              />
              {value.measures.length > 1 && (
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label={t('reports.removeMeasure')}
                  onClick={() => setMeasure(i, null)}
                >
                  <IconTrash size={16} />
                </ActionIcon>
              )}
            </Group>
          );
        })}
        {value.measures.length < 10 && (
          <Button
            variant="subtle"
            size="compact-sm"
            leftSection={<IconPlus size={14} />}
            w="fit-content"
            onClick={() => set({ measures: [...value.measures, { fn: 'count' }] })}
          >
            {t('reports.addMeasure')}
          </Button>
        )}
      </Stack>
      <Group align="flex-end" wrap="wrap">
        <Select
          label={t('reports.chart')}
          data={CHART_TYPES.map((c) => ({ value: c, label: t(`reports.charts.${c}`) }))}
          value={value.chart ?? 'bar'}
          onChange={(v) => v && set({ chart: v as ReportDefinition['chart'] })}
          allowDeselect={false}
          w={170}
        />
        {dated && value.chart === 'kpi' && (
          <Select
            label={t('reports.compareWith')}
            data-testid="report-compare"
            data={(['previous', 'previousYear'] as const).map((c) => ({
              value: c,
              label: t(`reports.compare.${c}`),
            }))}
            value={value.compare ?? 'previous'}
            onChange={(v) => {
              const { compare: _, ...rest } = value;
              onChange(v === 'previousYear' ? { ...rest, compare: 'previousYear' } : rest);
            }}
            allowDeselect={false}
            w={230}
          />
        )}
        {dated && (
          <>
            <Select
              label={t('reports.calendar')}
              placeholder={t('reports.myCalendar')}
              data={CALENDARS.map((c) => ({ value: c, label: t(`calendar.${c}`) }))}
              value={value.calendar ?? null}
              onChange={(v) => {
                const { calendar: _, ...rest } = value;
                onChange(v ? { ...rest, calendar: v as ReportDefinition['calendar'] } : rest);
              }}
              clearable
              w={170}
            />
            <DateInput
              label={t('reports.from')}
              value={value.range?.from ?? null}
              onChange={(from) => {
                const { from: _, ...rest } = value.range ?? {};
                set({ range: from ? { ...rest, from } : rest });
              }}
            />
            <DateInput
              label={t('reports.to')}
              value={value.range?.to ?? null}
              onChange={(to) => {
                const { to: _, ...rest } = value.range ?? {};
                set({ range: to ? { ...rest, to } : rest });
              }}
            />
          </>
        )}
        {value.measures.some(
          (m) =>
            m.fn !== 'count' &&
            m.fn !== 'distinct' &&
            fields.find((f) => f.key === m.field)?.type === 'money',
        ) && (
          <Select
            label={t('reports.money')}
            data={[
              { value: 'converted', label: t('reports.moneyConverted') },
              { value: 'perCurrency', label: t('reports.moneyPerCurrency') },
            ]}
            value={value.money ?? 'converted'}
            onChange={(v) => v && set({ money: v as ReportDefinition['money'] })}
            allowDeselect={false}
            w={220}
          />
        )}
        {groupBy.length > 0 && (
          // The first measure, largest first, is the default and is not stored.
          <Select
            label={t('reports.sort')}
            data={value.measures.flatMap((m, i) =>
              (['desc', 'asc'] as const).map((direction) => ({
                value: `${i}:${direction}`,
                label: t(direction === 'desc' ? 'reports.sortLargest' : 'reports.sortSmallest', {
                  measure: measureName(m, fieldName, t),
                }),
              })),
            )}
            value={`${value.sort?.measure ?? 0}:${value.sort?.direction ?? 'desc'}`}
            onChange={(v) => {
              if (!v) return;
              const [at, direction] = v.split(':');
              const { sort: _, ...rest } = value;
              onChange(
                at === '0' && direction === 'desc'
                  ? rest
                  : { ...rest, sort: { measure: Number(at), direction: direction as 'asc' | 'desc' } },
              );
            }}
            allowDeselect={false}
            w={260}
            data-testid="report-sort"
          />
        )}
        {groupBy.some((d) => !d.bucket) && (
          <NumberInput
            label={t('reports.limit')}
            min={1}
            max={100}
            value={value.limit ?? ''}
            onChange={(v) => {
              const { limit: _, ...rest } = value;
              onChange(
                typeof v === 'number' && v >= 1 ? { ...rest, limit: Math.min(100, Math.floor(v)) } : rest,
              );
            }}
            w={130}
          />
        )}
      </Group>
    </Stack>
  );
}
