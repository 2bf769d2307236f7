import type { FieldType } from '@rabita/shared';
import { type RawBuilder, sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import { unstorableText } from '../http/route-kit.ts';
import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';
import { fieldSql } from './expressions.ts';

export interface SortKey {
  field: string;
  desc: boolean;
  expr: RawBuilder<unknown>;
  /** A timestamp's value as text to the microsecond, for cursors (a `Date` keeps only milliseconds). */
  exact?: RawBuilder<unknown> | undefined;
  /** What a cursor's value for the key must be, so a forged one cannot make the comparison fail in PostgreSQL. */
  kind: CursorKind;
  /**
   * For a select: its option values in their order. The key's value (in SQL, in cursors) is then a value's position
   * among them, from 1, and null for an empty field or a value that is no longer an option; `seek` and `/keys`
   * speak in option values and translate.
   */
  options?: readonly string[] | undefined;
}

type CursorKind = 'id' | 'dateTime' | 'date' | 'number' | 'boolean' | 'text' | 'rank';

/** The largest position a select's option may have in a cursor (a stored rank column is a smallint). */
const MAX_RANK = 32_767;

function cursorKind(type: FieldType): CursorKind {
  switch (type) {
    case 'dateTime':
    case 'date':
    case 'boolean':
      return type;
    case 'number':
    case 'rating':
    case 'money':
      return 'number';
    default:
      return 'text';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2}))?$/;
const NUMBER = /^-?\d{1,30}(\.\d{1,30})?$/;

/** Whether a cursor's value (never null here) can be compared with a key of `kind`. */
export function fitsKind(kind: CursorKind, value: unknown): boolean {
  switch (kind) {
    case 'rank':
      return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= MAX_RANK;
    case 'id':
      return typeof value === 'string' && UUID.test(value);
    case 'dateTime':
    case 'date':
      return typeof value === 'string' && DATE_TIME.test(value) && !Number.isNaN(Date.parse(value));
    case 'number':
      return (
        (typeof value === 'number' && Number.isFinite(value)) ||
        (typeof value === 'string' && NUMBER.test(value))
      );
    case 'boolean':
      return typeof value === 'boolean';
    case 'text':
      return typeof value === 'string' && unstorableText(value) === undefined;
  }
}

/** The columns a page selects for its sort keys: `__sort_<i>`, and `__sortx_<i>` for a timestamp's exact text. */
export function sortColumns(keys: SortKey[]): RawBuilder<unknown> {
  return sql.join(
    keys.flatMap((k, i) => [
      sql`${k.expr} as ${sql.id(`__sort_${i}`)}`,
      ...(k.exact ? [sql`${k.exact} as ${sql.id(`__sortx_${i}`)}`] : []),
    ]),
  );
}

/** A row's value of sort key `i` as a cursor keeps it: a timestamp to the microsecond. */
export function cursorValue(row: Record<string, unknown>, i: number): unknown {
  const exact = row[`__sortx_${i}`];
  if (typeof exact === 'string') return exact;
  const v = row[`__sort_${i}`];
  return v instanceof Date ? v.toISOString() : (v ?? null);
}

function invalid(field: string, message: string): never {
  throw new AppError('validation_failed', message, { errors: [{ field, message }] });
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * How a select sorts: by its options' order as the field lists them (what the user arranged, or the order a
 * standard field declares), not by the text of its values. The value is the option's position from 1; a stored
 * rank column gives it when the field has one and its options are still exactly those the column ranks (an index
 * can then serve the order), otherwise `array_position` over the options computes it per row (no index).
 */
function selectKey(field: FieldDef, scalar: RawBuilder<unknown>, alias: string) {
  const options = (field.options ?? []).map((o) => o.value);
  const expr =
    field.rank && sameList(field.rank.of, options)
      ? sql.ref(`${alias}.${field.rank.column}`)
      : sql`array_position(${options}::text[], ${scalar})`;
  return { expr, options, kind: 'rank' as const };
}

/**
 * Parses `field,-field` into sort keys, always ending with `id` so the order is total (what keyset
 * pagination needs). Only scalar fields sort; a select sorts by its options' order (`selectKey`).
 */
export function parseSort(
  object: ObjectDef,
  sort: string | undefined,
  alias: string,
  hidden?: (objectKey: string, fieldKey: string) => boolean,
): SortKey[] {
  const keys: SortKey[] = [];
  const parts = (sort ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length > 5) invalid('sort', 'Sort by at most 5 fields.');
  for (const part of parts) {
    const desc = part.startsWith('-');
    const name = desc ? part.slice(1) : part;
    const field = object.fields.find((f) => f.key === name);
    if (!field || hidden?.(object.key, field.key)) invalid('sort', `There is no field "${name}" to sort by.`);
    const s = fieldSql(field, alias);
    if (!s.scalar) invalid('sort', `"${name}" cannot be sorted.`);
    if (keys.some((k) => k.field === name)) invalid('sort', `"${name}" appears twice.`);
    if (field.type === 'select') keys.push({ field: name, desc, ...selectKey(field, s.scalar, alias) });
    else if (name !== 'id')
      keys.push({
        field: name,
        desc,
        expr: s.scalar,
        kind: cursorKind(field.type),
        ...(field.type === 'dateTime'
          ? { exact: sql`to_char(${s.scalar} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` }
          : {}),
      });
    else keys.push({ field: 'id', desc, expr: sql.ref(`${alias}.id`), kind: 'id' });
  }
  // A sort by one field breaks its ties as the index serving it does (`ObjectDef.sortTies`), then by id; never by a
  // field the caller may not see (its order would tell something of its values).
  const only = keys.length === 1 && keys[0]!.field !== 'id' ? keys[0]! : undefined;
  for (const tie of (only && object.sortTies?.[only.field]) || []) {
    const field = object.fields.find((f) => f.key === tie);
    const scalar = field && !hidden?.(object.key, tie) ? fieldSql(field, alias).scalar : undefined;
    if (!field || !scalar || field.type === 'select' || field.type === 'dateTime') break;
    keys.push({ field: tie, desc: only!.desc, expr: scalar, kind: cursorKind(field.type) });
  }
  if (!keys.some((k) => k.field === 'id'))
    keys.push({ field: 'id', desc: keys[0]?.desc ?? false, expr: sql.ref(`${alias}.id`), kind: 'id' });
  return keys;
}

/** Keys no row leaves empty: a cursor on them needs no null handling. */
const NEVER_NULL = new Set(['id', 'createdAt', 'updatedAt']);

/**
 * ORDER BY for the keys; nulls sort last whatever the direction. Written as `x asc nulls last` (PostgreSQL's own
 * order for an ascending b-tree) rather than with an extra `(x is null)` term, so an index on the sort fields
 * serves an ascending list without sorting the whole table.
 */
export function orderBy(keys: SortKey[]): RawBuilder<unknown> {
  return sql.join(keys.map((k) => (k.desc ? sql`${k.expr} desc nulls last` : sql`${k.expr} asc nulls last`)));
}

/** The same order over the `__sort_<i>` columns a page's parts select (for the query that merges them). */
export function orderBySortColumns(keys: SortKey[]): RawBuilder<unknown> {
  return sql.join(
    keys.map((k, i) => sql`${sql.ref(`__sort_${i}`)} ${sql.raw(k.desc ? 'desc' : 'asc')} nulls last`),
  );
}

/** An opaque cursor: the last row's sort values, and the sort they belong to. */
export function encodeCursor(keys: SortKey[], row: Record<string, unknown>): string {
  const values = keys.map((_, i) => cursorValue(row, i));
  return Buffer.from(
    JSON.stringify({ s: keys.map((k) => (k.desc ? `-${k.field}` : k.field)).join(','), v: values }),
  ).toString('base64url');
}

function decodeCursor(keys: SortKey[], cursor: string): unknown[] {
  let decoded: { s?: unknown; v?: unknown };
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    invalid('cursor', 'The cursor is not one this API gave out.');
  }
  const spec = keys.map((k) => (k.desc ? `-${k.field}` : k.field)).join(',');
  if (decoded?.s !== spec || !Array.isArray(decoded.v) || decoded.v.length !== keys.length) {
    invalid('cursor', 'The cursor belongs to another sort; start again without it.');
  }
  const values = decoded.v as unknown[];
  if (values.some((v, i) => v !== null && !fitsKind(keys[i]!.kind, v))) {
    invalid('cursor', 'The cursor is not one this API gave out.');
  }
  return values;
}

/** One index range of a page: its condition and the order that reads it straight out of an index. */
export interface KeysetPart {
  where: RawBuilder<unknown>;
  order: RawBuilder<unknown>;
}

/**
 * The order for one part: a key the part pins (to a value, to null, or to a range of values, so it holds no nulls)
 * takes the index's own order (`asc`, or `desc`, which a backward scan gives); the keys after it keep nulls last.
 */
function partOrder(keys: SortKey[], pinned: number): RawBuilder<unknown> {
  return sql.join(
    keys.map((k, i) => {
      if (i < pinned) return k.desc ? sql`${k.expr} desc` : sql`${k.expr} asc`;
      return k.desc ? sql`${k.expr} desc nulls last` : sql`${k.expr} asc nulls last`;
    }),
  );
}

/**
 * The rows of a page, as disjoint parts that each are one index range in the keys' order (nulls last). After a
 * cursor (v1…vn) the rows that follow are, for each level i from the deepest up: keys before i equal to the
 * cursor's, key i after vi — either beyond it, or null. Each of those is a range with an equality prefix, which
 * a b-tree on the sort fields reads from its position onwards and stops after a page, so page 10,000 costs what
 * page 1 costs. One `or` of them all (the textbook expansion) is no index range, and made PostgreSQL read the
 * index from its start up to the cursor on every page. The caller merges the parts, each limited to a page.
 */
export function keysetParts(keys: SortKey[], cursor: string | undefined): KeysetPart[] {
  if (!cursor) {
    const first = keys[0]!;
    // A descending first key with nulls last is two ranges of an ascending index: the values backwards, then nulls.
    if (first.desc && !NEVER_NULL.has(first.field)) {
      const order = partOrder(keys, 1);
      return [
        { where: sql`${first.expr} is not null`, order },
        { where: sql`${first.expr} is null`, order },
      ];
    }
    return [{ where: sql`true`, order: orderBy(keys) }];
  }
  const values = decodeCursor(keys, cursor);
  const parts: KeysetPart[] = [];
  for (let i = keys.length - 1; i >= 0; i--) {
    const v = values[i];
    // Nothing follows a null at its own level: nulls come last.
    if (v === null) continue;
    const prefix: RawBuilder<unknown>[] = [];
    for (let j = 0; j < i; j++) {
      const key = keys[j]!;
      const w = values[j];
      prefix.push(w === null ? sql`${key.expr} is null` : sql`${key.expr} = ${w}`);
    }
    const key = keys[i]!;
    const beyond = key.desc ? sql`${key.expr} < ${v}` : sql`${key.expr} > ${v}`;
    const order = partOrder(keys, i + 1);
    parts.push({ where: sql.join([...prefix, beyond], sql` and `), order });
    if (!NEVER_NULL.has(key.field))
      parts.push({ where: sql.join([...prefix, sql`${key.expr} is null`], sql` and `), order });
  }
  return parts.length ? parts : [{ where: sql`false`, order: orderBy(keys) }];
}
