import { type RawBuilder, sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import {
  cursorValue,
  encodeCursor,
  fitsKind,
  type KeysetPart,
  keysetParts,
  orderBySortColumns,
  type SortKey,
} from './sort.ts';

// Where a list page starts: at the top (or after a cursor), at a value of the first sort key (`seek`), or at the
// end, read backwards (`reverse`). Each start is a few index ranges, like the pages after a cursor (sort.ts), so
// the last page or a page in the middle costs what the first one costs.

/** How a page is asked to start. */
export interface PageStart {
  cursor?: string | undefined;
  /** A value of the first sort key: the page starts at the first row whose key is at or after it in sort order. */
  seek?: unknown;
  /** Read the same order from its end: the page holds the list's last rows (before the cursor), last first. */
  reverse?: boolean | undefined;
}

/** The parts of a page, the order that merges them, and how to make the cursors of its answer. */
export interface PagePlan {
  parts: KeysetPart[];
  merge: RawBuilder<unknown>;
  /** The cursor that continues in the page's own direction after its last row. */
  nextCursor(row: Record<string, unknown>): string;
  /** The cursor that reads the other way from the page's first row (the rows before it, for a forward page). */
  backCursor(row: Record<string, unknown>): string;
}

/** Keys no row leaves empty (as in sort.ts): no null part. */
const NEVER_NULL = new Set(['id', 'createdAt', 'updatedAt']);
/** Reversed cursors carry this before their sort, so a forward page refuses them and the other way round. */
const REVERSED = '~';

function invalid(field: string, message: string): never {
  throw new AppError('validation_failed', message, { errors: [{ field, message }] });
}

/**
 * The ORDER BY of one part. Keys before `pinned` are fixed by the part (a value, null, or a range without nulls)
 * and take the bare direction an index scan gives; the rest keep nulls last going forwards and first backwards,
 * which is exactly the backward scan of the ascending index that serves the forward order.
 */
function partOrder(keys: SortKey[], pinned: number, reverse: boolean): RawBuilder<unknown> {
  return sql.join(
    keys.map((k, i) => {
      const dir = sql.raw(k.desc !== reverse ? 'desc' : 'asc');
      if (i < pinned) return sql`${k.expr} ${dir}`;
      return sql`${k.expr} ${dir} nulls ${sql.raw(reverse ? 'first' : 'last')}`;
    }),
  );
}

function reversedMerge(keys: SortKey[]): RawBuilder<unknown> {
  return sql.join(
    keys.map((k, i) => sql`${sql.ref(`__sort_${i}`)} ${sql.raw(k.desc ? 'asc' : 'desc')} nulls first`),
  );
}

function specOf(keys: SortKey[]): string {
  return keys.map((k) => (k.desc ? `-${k.field}` : k.field)).join(',');
}

function encodeReversed(keys: SortKey[], row: Record<string, unknown>): string {
  const values = keys.map((_, i) => cursorValue(row, i));
  return Buffer.from(JSON.stringify({ s: `${REVERSED}${specOf(keys)}`, v: values })).toString('base64url');
}

function decodeReversed(keys: SortKey[], cursor: string): unknown[] {
  let decoded: { s?: unknown; v?: unknown } | undefined;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    invalid('cursor', 'The cursor is not one this API gave out.');
  }
  if (
    decoded?.s !== `${REVERSED}${specOf(keys)}` ||
    !Array.isArray(decoded.v) ||
    decoded.v.length !== keys.length
  )
    invalid('cursor', 'The cursor belongs to another sort or direction; start again without it.');
  const values = decoded.v as unknown[];
  // Each value must fit its key, as forward cursors' must, so a forged one cannot make PostgreSQL fail.
  if (values.some((v, i) => v !== null && !fitsKind(keys[i]!.kind, v)))
    invalid('cursor', 'The cursor is not one this API gave out.');
  return values;
}

/**
 * Checks a seek value against the first sort key's field: it must be a value that field holds (or null, for the
 * rows where it is empty), so PostgreSQL never sees a value of the wrong type. A select's value becomes its
 * option's position, which is what the key compares.
 */
export function checkSeekValue(object: ObjectDef, key: SortKey, value: unknown): unknown {
  if (value === null) return null;
  const field = key.field === 'id' ? undefined : object.fields.find((f) => f.key === key.field);
  const type = field?.type ?? 'id';
  const bad = (what: string): never =>
    invalid('seek', `seek must be ${what} (the first sort key, "${key.field}").`);
  switch (type) {
    case 'id':
    case 'relation':
    case 'user':
      if (typeof value !== 'string' || !isUuid(value)) bad('an id');
      return value;
    case 'number':
    case 'rating':
    case 'money':
      if (typeof value !== 'number' || !Number.isFinite(value)) bad('a number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') bad('true or false');
      return value;
    case 'select': {
      // A select sorts by its options' order: the value is an option, compared by its position.
      const at = typeof value === 'string' ? (key.options ?? []).indexOf(value) : -1;
      if (at < 0) bad("one of the field's options");
      return at + 1;
    }
    case 'date':
    case 'dateTime':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(Date.parse(value)))
        bad('an ISO date');
      return value;
    default:
      if (typeof value !== 'string' || value.length > 1000 || value.includes('\u0000')) bad('a text');
      return value;
  }
}

function seekParts(object: ObjectDef, keys: SortKey[], seek: unknown): KeysetPart[] {
  const first = keys[0]!;
  const value = checkSeekValue(object, first, seek);
  const order = partOrder(keys, 1, false);
  const nulls: KeysetPart[] = NEVER_NULL.has(first.field)
    ? []
    : [{ where: sql`${first.expr} is null`, order }];
  if (value === null) return nulls.length > 0 ? nulls : [{ where: sql`false`, order }];
  const from = first.desc ? sql`${first.expr} <= ${value}` : sql`${first.expr} >= ${value}`;
  return [{ where: from, order }, ...nulls];
}

/**
 * The parts of a page read backwards: the list's last rows, or the rows before a reversed cursor, each part one
 * index range read from its end. Before (v1…vn) in the forward order come, for each level i: keys before i equal
 * to the cursor's, and key i before vi — a smaller value (larger when descending), or any value when vi is null
 * (nulls come last).
 */
function reversedParts(keys: SortKey[], cursor: string | undefined): KeysetPart[] {
  if (!cursor) {
    const first = keys[0]!;
    // Backwards, a descending first key starts with its nulls, then its values from the smallest: two ranges.
    if (first.desc && !NEVER_NULL.has(first.field)) {
      const order = partOrder(keys, 1, true);
      return [
        { where: sql`${first.expr} is null`, order },
        { where: sql`${first.expr} is not null`, order },
      ];
    }
    return [{ where: sql`true`, order: partOrder(keys, 0, true) }];
  }
  const values = decodeReversed(keys, cursor);
  const parts: KeysetPart[] = [];
  for (let i = keys.length - 1; i >= 0; i--) {
    const prefix: RawBuilder<unknown>[] = [];
    for (let j = 0; j < i; j++) {
      const w = values[j];
      prefix.push(w === null ? sql`${keys[j]!.expr} is null` : sql`${keys[j]!.expr} = ${w}`);
    }
    const key = keys[i]!;
    const v = values[i];
    const before =
      v === null
        ? sql`${key.expr} is not null`
        : key.desc
          ? sql`${key.expr} > ${v}`
          : sql`${key.expr} < ${v}`;
    parts.push({ where: sql.join([...prefix, before], sql` and `), order: partOrder(keys, i + 1, true) });
  }
  return parts;
}

/** How to read the page these options ask for, over the list's sort keys. */
export function pagePlan(object: ObjectDef, keys: SortKey[], start: PageStart): PagePlan {
  if (start.seek !== undefined && start.cursor)
    invalid(
      'seek',
      'Give a seek value or a cursor, not both: the cursor already says where the page starts.',
    );
  if (start.seek !== undefined && start.reverse)
    invalid('seek', 'A seek reads forwards; read backwards from its page with its backCursor.');
  if (start.reverse) {
    return {
      parts: reversedParts(keys, start.cursor),
      merge: reversedMerge(keys),
      nextCursor: (row) => encodeReversed(keys, row),
      backCursor: (row) => encodeCursor(keys, row),
    };
  }
  return {
    parts: start.seek !== undefined ? seekParts(object, keys, start.seek) : keysetParts(keys, start.cursor),
    merge: orderBySortColumns(keys),
    nextCursor: (row) => encodeCursor(keys, row),
    backCursor: (row) => encodeReversed(keys, row),
  };
}

/** Parses the `seek` query parameter: a JSON value (`"Karimi"`, `42`, `null`). */
export function parseSeekParam(value: string | undefined): unknown {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    invalid('seek', 'seek must be a JSON value, such as "Karimi" (with its quotes), 42 or null.');
  }
}
