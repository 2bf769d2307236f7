// Field types, labels and the filter tree: the vocabulary shared by the record engine, the API and the web app.
import type { Locale } from './preferences.ts';

/** Types an admin can give a custom field. */
export const CUSTOM_FIELD_TYPES = [
  'text',
  'longText',
  'number',
  'money',
  'date',
  'dateTime',
  'boolean',
  'select',
  'multiSelect',
  'email',
  'phone',
  'url',
  'relation',
  'rating',
  'file',
] as const;
export type CustomFieldType = (typeof CUSTOM_FIELD_TYPES)[number];

/** Every field type, including the composite ones standard objects use. */
export const FIELD_TYPES = [
  ...CUSTOM_FIELD_TYPES,
  'emails',
  'phones',
  'address',
  'location',
  'user',
  'tags',
] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A label in each interface language; `en` is required, the others fall back to it. */
export type Labels = { en: string } & Partial<Record<Exclude<Locale, 'en'>, string>>;

export interface SelectOption {
  value: string;
  labels: Labels;
  color?: string | undefined;
}

export const FILTER_OPERATORS = [
  'eq',
  'neq',
  'lt',
  'lte',
  'gt',
  'gte',
  'in',
  'nin',
  'contains',
  'startsWith',
  'isNull',
  'isNotNull',
  'hasAny',
  'hasAll',
] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** A filter: a condition on one field, or `and`/`or`/`not` of filters. */
export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  | { field: string; op: FilterOperator; value?: unknown };

/** A money amount: a decimal string (never a float) and an ISO 4217 currency. */
export interface Money {
  amount: string;
  currency: string;
}
