import { type RawBuilder, sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { fieldSql } from './expressions.ts';

export interface SortKey {
  field: string;
  desc: boolean;
  expr: RawBuilder<unknown>;
}

function invalid(field: string, message: string): never {
  throw new AppError('validation_failed', message, { errors: [{ field, message }] });
}

/**
 * Parses `field,-field` into sort keys, always ending with `id` so the order is total (what keyset
 * pagination needs). Only scalar fields sort.
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
    if (name !== 'id') keys.push({ field: name, desc, expr: s.scalar });
    else keys.push({ field: 'id', desc, expr: sql.ref(`${alias}.id`) });
  }
  if (!keys.some((k) => k.field === 'id'))
    keys.push({ field: 'id', desc: keys[0]?.desc ?? false, expr: sql.ref(`${alias}.id`) });
  return keys;
}

/** Keys no row leaves empty: a cursor on them needs no null handling. */
const NEVER_NULL = new Set(['id', 'createdAt', 'updatedAt']);

/**
 * ORDER BY for the keys; nulls sort last whatever the direction. Written as `x asc nulls last` (PostgreSQL's own
 * order for an ascending b-tree) rather than with an extra `(x is null)` term, so an index on the sort fields
 * serves an ascending list without sorting the whole table; a descending one sorts.
 */
export function orderBy(keys: SortKey[]): RawBuilder<unknown> {
  return sql.join(keys.map((k) => (k.desc ? sql`${k.expr} desc nulls last` : sql`${k.expr} asc nulls last`)));
}

/** An opaque cursor: the last row's sort values, and the sort they belong to. */
export function encodeCursor(keys: SortKey[], row: Record<string, unknown>): string {
  const values = keys.map((k) => {
    const v = row[`__sort_${keys.indexOf(k)}`];
    return v instanceof Date ? v.toISOString() : (v ?? null);
  });
  return Buffer.from(
    JSON.stringify({ s: keys.map((k) => (k.desc ? `-${k.field}` : k.field)).join(','), v: values }),
  ).toString('base64url');
}

/** The condition selecting rows after the cursor, in the keys' order (a row-wise comparison expanded per direction). */
export function afterCursor(keys: SortKey[], cursor: string | undefined): RawBuilder<unknown> {
  if (!cursor) return sql`true`;
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
  if (
    values.some((v) => v !== null && typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
  ) {
    invalid('cursor', 'The cursor is not one this API gave out.');
  }
  // For each i: keys before i equal, key i strictly after. "After" for a null (sorted last) is nothing;
  // for a value it is a greater/smaller value or null.
  const ors: RawBuilder<unknown>[] = [];
  for (let i = 0; i < keys.length; i++) {
    const ands: RawBuilder<unknown>[] = [];
    for (let j = 0; j < i; j++) {
      const v = values[j];
      const key = keys[j]!;
      ands.push(v === null ? sql`${key.expr} is null` : sql`${key.expr} = ${v}`);
    }
    const key = keys[i]!;
    const v = values[i];
    if (v === null) continue;
    // A key that is never null compares plainly, so the condition is an index range (a deep page by id or
    // by creation costs what the first page costs).
    if (NEVER_NULL.has(key.field)) ands.push(key.desc ? sql`${key.expr} < ${v}` : sql`${key.expr} > ${v}`);
    else
      ands.push(
        key.desc
          ? sql`(${key.expr} < ${v} or ${key.expr} is null)`
          : sql`(${key.expr} > ${v} or ${key.expr} is null)`,
      );
    ors.push(sql`(${sql.join(ands, sql` and `)})`);
  }
  return ors.length ? sql`(${sql.join(ors, sql` or `)})` : sql`false`;
}
