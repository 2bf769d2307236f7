import type { TFunction } from 'i18next';

/** What a measure says of itself, in a definition or an answer. */
interface NamedMeasure {
  fn: string;
  field?: string | null | undefined;
  since?: string | undefined;
  unit?: 'days' | 'hours' | undefined;
  expression?: string | undefined;
  label?: string | undefined;
}

/**
 * A measure's name for the reader: the name its definition gave it; else what it measures — a formula by its
 * expression, days between two dates by both fields, a share as such, a count, or the function of a field.
 */
export function measureName(
  m: NamedMeasure,
  fieldName: (key: string) => string | undefined,
  t: TFunction,
): string {
  if (m.label) return m.label;
  if (m.fn === 'formula') return `${t('reports.fn.formula')}: ${m.expression ?? ''}`;
  if (m.fn === 'share') return t('reports.fn.share');
  const field = m.field ? fieldName(m.field) : undefined;
  if (field && m.since)
    return t(m.unit === 'hours' ? 'reports.hoursOf' : 'reports.daysOf', {
      fn: t(`reports.fn.${m.fn}`),
      from: fieldName(m.since) ?? m.since,
      to: field,
    });
  if (field && m.fn === 'distinct') return t('reports.distinctOf', { field });
  return field ? t('reports.measureOf', { fn: t(`reports.fn.${m.fn}`), field }) : t('reports.fn.count');
}
