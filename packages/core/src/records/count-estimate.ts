import { withWorkspace } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { assertAllowed } from './access.ts';
import { compileFilterBound } from './compile-filter-bound.ts';
import { objectScope } from './expressions.ts';
import { ALIAS, openScope, ownerCondition, type Scope } from './scope.ts';

/** Up to this many rows a list is counted exactly (a count that stops at one row more). */
export const EXACT_UP_TO = 10_000;

export interface CountAnswer {
  count: number;
  /** False when `count` is the planner's estimate (the list holds more than `EXACT_UP_TO` rows). */
  exact: boolean;
}

/** The FROM and WHERE of a list for the caller: its object, workspace, owner rule and filter. */
export async function listSource(
  s: Scope,
  principal: Principal,
  filter: unknown,
  options: { sample?: RawBuilder<unknown> } = {},
) {
  assertAllowed(principal, s.object.key, 'read');
  const { where } = await compileFilterBound(s.trx, s.object, filter, ALIAS, {
    ...s.ctx,
    workspaceId: s.workspaceId,
    objects: s.objects,
    reader: principal,
  });
  return sql`from ${sql.table(s.object.table)} as ${sql.table(ALIAS)} ${options.sample ?? sql``}
    where ${objectScope(s.object, ALIAS, s.workspaceId)}
      and ${ownerCondition(principal, s.object)}
      and ${where}`;
}

/**
 * How many rows a list holds, cheaply: counted exactly up to `exactUpTo` rows (the count stops one row later),
 * else PostgreSQL's planner estimate for the same filtered query, run as the application role so row-level
 * security and the caller's owner rule are part of it. Never counts every row of a large list.
 */
export async function estimateCount(
  s: Scope,
  principal: Principal,
  filter: unknown,
  options: { exactUpTo?: number } = {},
): Promise<CountAnswer> {
  const limit = options.exactUpTo ?? EXACT_UP_TO;
  const source = await listSource(s, principal, filter);
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from (select 1 ${source} limit ${limit + 1}) as probe`.execute(s.raw);
  const n = rows[0]?.n ?? 0;
  if (n <= limit) return { count: n, exact: true };
  const plan = await sql<{ 'QUERY PLAN': { Plan: { 'Plan Rows': number } }[] }>`
    explain (format json) select 1 ${source}`.execute(s.raw);
  const estimated = Math.round(plan.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'] ?? 0);
  // The list holds more than the probe counted, whatever the statistics say.
  return { count: Math.max(estimated, limit + 1), exact: false };
}

/**
 * Counts a list for `GET /objects/{object}/count`: the cheap count (`estimate`, the default), or with
 * `estimate: false` every row exactly (what an aggregate count does).
 */
export async function countRecords(
  { db, principal }: ServiceContext,
  objectKey: string,
  options: { filter?: unknown; estimate?: boolean | undefined; exactUpTo?: number | undefined },
): Promise<CountAnswer> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    if (options.estimate === false) {
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n ${await listSource(s, principal, options.filter)}`.execute(s.raw);
      return { count: rows[0]?.n ?? 0, exact: true };
    }
    return estimateCount(s, principal, options.filter, { exactUpTo: options.exactUpTo });
  });
}
