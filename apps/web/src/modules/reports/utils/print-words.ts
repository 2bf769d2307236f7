import type { TFunction } from 'i18next';
import type { Locale } from '../../../i18n/index.ts';
import { formatDate, formatNumber, type Prefs } from '../../../lib/format.ts';
import { label, type ObjectDef } from '../../metadata/utils/metadata.ts';

interface Leaf {
  field: string;
  op: string;
  value?: unknown;
}

const isLeaf = (node: unknown): node is Leaf =>
  typeof node === 'object' && node !== null && typeof (node as Leaf).field === 'string';

/**
 * A report's filter tree in words, for its printed page: "Status is Won and Amount at least 1,000". Field names,
 * options and dates are the reader's; a field the reader cannot see (not in their view of the object) is named by
 * its key. Deeper than three levels it says "…", as nobody reads more on paper.
 */
export function filterInWords(
  filter: unknown,
  object: ObjectDef | undefined,
  t: TFunction,
  prefs: Prefs,
  depth = 0,
): string {
  if (filter === null || filter === undefined) return '';
  if (depth > 3) return '…';
  if (isLeaf(filter)) {
    const field = object?.fields.find((f) => f.key === filter.field);
    const name = field ? label(field.labels, prefs.locale as Locale) : filter.field;
    const op = t(`op.${filter.op}`, { defaultValue: filter.op });
    if (filter.op === 'isNull' || filter.op === 'isNotNull') return `${name} ${op}`;
    const one = (v: unknown): string => {
      if (v === null || v === undefined) return t('reports.empty');
      if (typeof v === 'boolean') return v ? t('reports.yes') : t('reports.no');
      if (typeof v === 'number') return formatNumber(v, prefs);
      const text = String(v);
      const option = field?.options?.find((o) => o.value === text);
      if (option) return label(option.labels, prefs.locale as Locale);
      if (/^\d{4}-\d{2}-\d{2}/.test(text)) return formatDate(text, prefs);
      return text.length > 80 ? `${text.slice(0, 80)}…` : text;
    };
    const value = Array.isArray(filter.value)
      ? filter.value.map(one).join(prefs.locale === 'en' ? ', ' : '، ')
      : one(filter.value);
    return `${name} ${op} \u2068${value}\u2069`;
  }
  if (typeof filter === 'object') {
    const node = filter as { and?: unknown[]; or?: unknown[]; not?: unknown };
    const join = (parts: unknown[], word: string) => {
      const words = parts.map((p) => filterInWords(p, object, t, prefs, depth + 1)).filter(Boolean);
      return words.length > 1 && depth > 0 ? `(${words.join(` ${word} `)})` : words.join(` ${word} `);
    };
    if (Array.isArray(node.and)) return join(node.and, t('reports.print.and'));
    if (Array.isArray(node.or)) return join(node.or, t('reports.print.or'));
    if (node.not !== undefined)
      return `${t('reports.print.not')} (${filterInWords(node.not, object, t, prefs, depth + 1)})`;
  }
  return '';
}
