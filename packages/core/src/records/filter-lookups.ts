import { normalizeText } from '@rabita/shared';
import { type RawBuilder, sql } from 'kysely';
import { unstorableText } from '../http/route-kit.ts';
import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';

// How the filter compiler reaches indexes under row-level security (migration 0021). Text is compared folded —
// `rabita_fold` in SQL is `normalizeText` — on both sides. Only leakproof conditions reach an index for the
// application's role, and `rabita_fold(column)` is not one, so:
// - the names lists are filtered by most are kept folded in stored columns (`x_folded`, byte-ordered), whose `=`
//   and `^@` (starts with) are leakproof and served by a b-tree on `(workspace_id, x_folded)`;
// - a substring of a title field is looked up in the search documents' trigram index, and phones and emails in
//   their GIN indexes, through owner-run functions confined to the transaction's workspace; the result is a list
//   of ids, which the primary key serves (`id = any(…)` is leakproof), and the field itself is checked again.

/** Standard text columns kept folded beside themselves as `<column>_folded` (migration 0021), by table. */
const FOLDED_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  people: ['first_name', 'last_name'],
  companies: ['name'],
  leads: ['name'],
  deals: ['name'],
};

/** Standard list columns with a GIN index that `rabita_match_list` may probe, by table. */
const LIST_LOOKUPS: Readonly<Record<string, readonly string[]>> = {
  people: ['phone_numbers', 'email_addresses'],
  companies: ['phone_numbers'],
  leads: ['phone_numbers'],
};

/** The trigram index needs three characters to narrow anything; a shorter substring is checked row by row. */
const MIN_TRIGRAM_TEXT = 3;

/** Free text compared folded in every operator (a read-only field is a key the system wrote, compared as is). */
export function isFoldedText(field: FieldDef): boolean {
  return (field.type === 'text' || field.type === 'longText' || field.type === 'email') && !field.readOnly;
}

export function storedFolded(object: ObjectDef, field: FieldDef): string | undefined {
  if (object.custom || !field.column) return undefined;
  return FOLDED_COLUMNS[object.table]?.includes(field.column) ? `${field.column}_folded` : undefined;
}

/** The field's value folded: its stored folded column when it has one (indexed), else folded as it is read. */
export function foldedSql(
  object: ObjectDef,
  field: FieldDef,
  alias: string,
  scalar: RawBuilder<unknown>,
): RawBuilder<unknown> {
  const column = storedFolded(object, field);
  return column ? sql.ref(`${alias}.${column}`) : sql`rabita_fold((${scalar})::text)`;
}

/** A value folded in SQL, by the same function as the stored side (constant-folded when the query is planned). */
export function foldValue(value: unknown): RawBuilder<unknown> {
  return sql`rabita_fold(${String(value)})`;
}

/** Values folded in SQL as a text[], for `in` and `nin`. */
export function foldValues(values: unknown[]): RawBuilder<unknown> {
  return sql`array[${sql.join(values.map(foldValue))}]::text[]`;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Ids of the records whose search document holds `text` folded, when that narrows a `contains` on this field
 * exactly: a title field of a standard object with documents (a document's text begins with its folded title,
 * which the field's length keeps within the document), and a text long enough for the trigram index.
 */
export function documentCandidates(
  object: ObjectDef,
  field: FieldDef,
  alias: string,
  text: string,
): RawBuilder<unknown> | undefined {
  if (!storedFolded(object, field) || !object.titleFields.includes(field.key)) return undefined;
  if ((field.maxLength ?? Number.POSITIVE_INFINITY) > 1000) return undefined;
  const folded = normalizeText(text);
  if ([...folded].length < MIN_TRIGRAM_TEXT) return undefined;
  return sql`${sql.ref(`${alias}.id`)} = any(array(select rabita_filter_documents(${object.key}, ${`%${escapeLike(folded)}%`})))`;
}

/** A `contains` on a stored folded column: the column's key (`people.last_name`) and the LIKE pattern. */
export interface ValueLookup {
  column: string;
  pattern: string;
}

/** Where a lookup's values are kept in `FilterContext.foldedValues`. */
export function lookupKey(lookup: ValueLookup): string {
  return `${lookup.column}\u0000${lookup.pattern}`;
}

/** Records of `table` holding one of `keys` in the list `column` (`rabita_match_list`). */
export interface ListLookup {
  table: string;
  column: string;
  keys: readonly string[];
}

/** Where a list lookup's record ids are kept in `FilterContext.listIds`. */
export function listLookupKey(lookup: ListLookup): string {
  return JSON.stringify([lookup.table, lookup.column, lookup.keys]);
}

/**
 * An owner-run lookup a compiled condition calls inside its query (`rabita_folded_values`, `rabita_match_list`).
 * On a Citus cluster such a call, routed to the workspace's shard with the query, may not read distributed tables
 * there: these are run first, as a statement of their own (`filterLookupsFound`), and their answers bound instead.
 */
export type FilterLookup = ({ kind: 'folded' } & ValueLookup) | ({ kind: 'list' } & ListLookup);

function valueLookup(object: ObjectDef, field: FieldDef, text: string): ValueLookup | undefined {
  if (!storedFolded(object, field) || !field.column) return undefined;
  const folded = normalizeText(text);
  if ([...folded].length < MIN_TRIGRAM_TEXT) return undefined;
  return { column: `${object.table}.${field.column}`, pattern: `%${escapeLike(folded)}%` };
}

/**
 * The `contains` conditions of a filter tree on the object's own stored folded columns, so their values can be
 * looked up before the list query is planned. Only walks: the compiler refuses whatever is malformed.
 */
export function valueLookups(
  object: ObjectDef,
  filter: unknown,
  hidden: (objectKey: string, fieldKey: string) => boolean,
): ValueLookup[] {
  const found = new Map<string, ValueLookup>();
  let nodes = 0;
  const walk = (node: unknown, depth: number): void => {
    nodes += 1;
    if (nodes > 200 || depth > 12 || typeof node !== 'object' || node === null || Array.isArray(node)) return;
    const n = node as Record<string, unknown>;
    for (const items of [n.and, n.or])
      if (Array.isArray(items)) for (const item of items) walk(item, depth + 1);
    if ('not' in n) walk(n.not, depth + 1);
    if (n.op !== 'contains' || typeof n.field !== 'string' || typeof n.value !== 'string') return;
    // Text the database cannot take is the compiler's to refuse, with a sentence.
    if (n.value.length > 2000 || unstorableText(n.value) !== undefined) return;
    const field = object.fields.find((f) => f.key === n.field);
    if (!field || hidden(object.key, field.key) || !isFoldedText(field)) return;
    const lookup = valueLookup(object, field, n.value);
    if (lookup) found.set(lookupKey(lookup), lookup);
  };
  walk(filter, 0);
  return [...found.values()];
}

/**
 * `contains` on a stored folded column: the column equals one of the distinct folded values holding the text
 * (migration 0027), so the column's index answers it; the values match exactly, so no further check is needed.
 * Values looked up beforehand (`known`) are given as a list the planner can weigh (a rare name's few rows, or a
 * common letter's many); otherwise they are looked up inside the query.
 */
export function valueCandidates(
  object: ObjectDef,
  field: FieldDef,
  alias: string,
  text: string,
  known?: ReadonlyMap<string, readonly string[]>,
  inQuery?: FilterLookup[],
): RawBuilder<unknown> | undefined {
  const lookup = valueLookup(object, field, text);
  if (!lookup) return undefined;
  const column = sql.ref(`${alias}.${storedFolded(object, field)}`);
  const values = known?.get(lookupKey(lookup));
  if (values) return values.length === 0 ? sql`false` : sql`${column} = any(${sql.val(values)}::text[])`;
  inQuery?.push({ kind: 'folded', ...lookup });
  return sql`${column} = any(array(select rabita_folded_values(${lookup.column}, ${lookup.pattern})))`;
}

/** Ids of the records holding one of `keys` in a standard phone or email list, from its GIN index. */
export function listCandidates(
  object: ObjectDef,
  field: FieldDef,
  alias: string,
  keys: string[],
  known?: ReadonlyMap<string, readonly string[]>,
  inQuery?: FilterLookup[],
): RawBuilder<unknown> | undefined {
  if (object.custom || !field.column || keys.length === 0) return undefined;
  const column =
    field.type === 'emails'
      ? 'email_addresses'
      : field.type === 'phones' || field.type === 'phone'
        ? 'phone_numbers'
        : undefined;
  if (!column) return undefined;
  if (!LIST_LOOKUPS[object.table]?.includes(column)) return undefined;
  const lookup: ListLookup = { table: object.table, column, keys };
  const ids = known?.get(listLookupKey(lookup));
  if (ids) return sql`${sql.ref(`${alias}.id`)} = any(${sql.val(ids)}::uuid[])`;
  inQuery?.push({ kind: 'list', ...lookup });
  return sql`${sql.ref(`${alias}.id`)} = any(array(select l.id from rabita_match_list(${object.table}, ${column}, ${keys}::text[], null, null) as l))`;
}
