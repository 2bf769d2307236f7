import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { hiddenFor } from './access.ts';
import { EXACT_UP_TO, estimateCount, listSource } from './count-estimate.ts';
import { ALIAS, openScope } from './scope.ts';
import { orderBy, parseSort, type SortKey } from './sort.ts';

/** About how many of the list's rows a sample holds. */
const SAMPLE_ROWS = 2_000;

export interface KeyAnswer {
  /** The first sort key's value at the position (null: the position falls among rows where it is empty). */
  value: unknown;
  /** False when the value comes from a sample (the list holds more than `EXACT_UP_TO` rows). */
  exact: boolean;
  /** The list's size the position was taken of (as the count route gives it). */
  count: number;
}

/**
 * The value of the list's first sort key at a position `at` (0 the top, 1 the end) — where a page seeking to that
 * value starts. Up to `EXACT_UP_TO` rows it is the value of row ⌊at·n⌋, read by walking the sort's index that far.
 * Beyond, it is that quantile of a sample: `tablesample system` reads about SAMPLE_ROWS/n of the table's blocks
 * (whole blocks, so rows written together are drawn together) and the caller's list conditions keep its rows; the
 * value is then off by a few hundredths of the list, more when the key follows the order rows were written in.
 */
export async function keyAtPosition(
  { db, principal }: ServiceContext,
  objectKey: string,
  options: { sort?: string | undefined; at: number; filter?: unknown; exactUpTo?: number | undefined },
): Promise<KeyAnswer> {
  if (!Number.isFinite(options.at) || options.at < 0 || options.at > 1) {
    throw new AppError('validation_failed', 'at must be from 0 to 1.', {
      errors: [{ field: 'at', message: 'Must be from 0 to 1.' }],
    });
  }
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    const source = await listSource(s, principal, options.filter);
    const keys = parseSort(s.object, options.sort, ALIAS, hiddenFor(principal));
    const first = keys[0]!;
    const type = s.object.fields.find((f) => f.key === first.field)?.type;
    const { count, exact } = await estimateCount(s, principal, options.filter, {
      exactUpTo: options.exactUpTo ?? EXACT_UP_TO,
    });
    if (count === 0) return { value: null, exact: true, count };
    if (exact) {
      const offset = Math.min(count - 1, Math.floor(options.at * count));
      const { rows } = await sql<{ v: unknown }>`
        select ${first.expr} as v ${source} order by ${orderBy(keys)} offset ${offset} limit 1`.execute(
        s.raw,
      );
      return { value: keyValue(first, type, rows[0]?.v), exact: true, count };
    }
    // A sample too small to hold any row of the list (blocks are drawn by chance) is drawn again, larger.
    let percent = Math.min(100, (100 * SAMPLE_ROWS) / count);
    for (;;) {
      const sampled = await listSource(s, principal, options.filter, {
        // A literal: Citus sends a bound percent to the workers as text, which TABLESAMPLE refuses.
        sample: sql`tablesample system (${sql.lit(percent)})`,
      });
      const direction = sql.raw(first.desc ? 'desc' : 'asc');
      const { rows } = await sql<{ v: unknown }>`
        select v from (
          select v, row_number() over (order by v ${direction} nulls last) - 1 as r, count(*) over () as n
          from (select ${first.expr} as v ${sampled}) as drawn
        ) as ranked
        where r = least(floor(${options.at}::float8 * n), n - 1)`.execute(s.raw);
      if (rows.length > 0 || percent >= 100)
        return { value: keyValue(first, type, rows[0]?.v), exact: false, count };
      percent = Math.min(100, percent * 10);
    }
  });
}

/**
 * A key as the API shows it (and takes it back as `seek`): numbers as numbers, times as ISO text, a select's
 * position as its option's value.
 */
function keyValue(key: SortKey, type: string | undefined, v: unknown): unknown {
  if (v === undefined || v === null) return null;
  if (key.options) return key.options[Number(v) - 1] ?? null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' && (type === 'number' || type === 'rating' || type === 'money')) return Number(v);
  return v;
}
