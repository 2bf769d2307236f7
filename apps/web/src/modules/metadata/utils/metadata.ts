import type { components } from '../../../api/schema.gen.ts';
import type { Locale } from '../../../i18n/index.ts';

// The server's own shapes, from its OpenAPI document (schema.gen.ts): never re-declared here.
export type ObjectDef = components['schemas']['ObjectDefinition'];
export type FieldDef = components['schemas']['FieldDefinition'];
export type Labels = FieldDef['labels'];
export type SelectOption = NonNullable<FieldDef['options']>[number];

export function label(labels: Labels | undefined, locale: Locale): string {
  if (!labels) return '';
  return labels[locale] || labels.en;
}

/** The record's title in the user's language: its translated title if it has one, else its title fields. */
export function titleOf(
  object: ObjectDef | undefined,
  record: Record<string, unknown> | undefined,
  locale: Locale,
): string {
  if (!object || !record) return '';
  const localized = object.localizedTitle?.[locale];
  const translated = localized ? record[localized] : undefined;
  if (typeof translated === 'string' && translated.trim() !== '') return translated;
  const parts = object.titleFields
    .map((k) => record[k])
    .filter((v) => typeof v === 'string' && v.trim() !== '');
  return parts.length ? parts.join(' ') : String(record.id ?? '');
}

/** A value as plain text in the user's language: a choice by its label, anything else as it is. */
export function plainText(field: FieldDef, value: unknown, locale: Locale): string {
  if (field.type === 'select' && typeof value === 'string')
    return label(field.options?.find((o) => o.value === value)?.labels, locale) || value;
  return String(value);
}

/** Fields shown in tables and forms by default (system and read-only ones last or hidden). */
export function visibleFields(object: ObjectDef): FieldDef[] {
  const system = new Set(['id', 'createdAt', 'updatedAt', 'createdBy']);
  return object.fields.filter((f) => !system.has(f.key));
}

export const OPERATORS_BY_TYPE: Record<string, string[]> = {
  text: ['contains', 'eq', 'neq', 'startsWith', 'isNull', 'isNotNull'],
  longText: ['contains', 'isNull', 'isNotNull'],
  email: ['contains', 'eq', 'isNull', 'isNotNull'],
  emails: ['contains', 'eq', 'isNull', 'isNotNull'],
  url: ['contains', 'eq', 'isNull', 'isNotNull'],
  phone: ['eq', 'isNull', 'isNotNull'],
  phones: ['eq', 'isNull', 'isNotNull'],
  number: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'isNull', 'isNotNull'],
  rating: ['eq', 'lt', 'gt', 'isNull', 'isNotNull'],
  money: ['lt', 'lte', 'gt', 'gte', 'isNull', 'isNotNull'],
  date: ['eq', 'lt', 'gt', 'isNull', 'isNotNull'],
  dateTime: ['lt', 'gt', 'isNull', 'isNotNull'],
  boolean: ['eq'],
  select: ['eq', 'neq', 'in', 'isNull', 'isNotNull'],
  multiSelect: ['hasAny', 'hasAll', 'isNull', 'isNotNull'],
  tags: ['hasAny', 'hasAll', 'isNull', 'isNotNull'],
  relation: ['eq', 'isNull', 'isNotNull'],
  user: ['eq', 'in', 'nin', 'isNull', 'isNotNull'],
};
