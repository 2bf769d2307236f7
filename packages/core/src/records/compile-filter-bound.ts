import { onCitus, type Tx } from '@rabita/db';
import type { Transaction } from 'kysely';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { type CompiledFilter, compileFilterReach, type FilterContext } from './filter.ts';
import type { FilterLookup } from './filter-lookups.ts';
import { filterLookupsFound } from './records.repository.ts';

/**
 * `compileFilterReach` for a query Citus routes whole to the workspace's shard. A condition's owner-run lookups
 * (`rabita_folded_values`, `rabita_match_list`) read distributed tables, and a function called inside a query on a
 * shard may not ("cannot execute a distributed query from a query on a shard"): on a Citus coordinator they run
 * first, together in one call of their own that the cluster runs on the workspace's worker
 * (`rabita_filter_lookups`), and their answers are bound into the condition instead. One
 * PostgreSQL keeps them inside the query, as they were: nothing is asked or run there but the one-time question
 * whether the database is a coordinator, and only for a filter that has such a lookup.
 */
export async function compileFilterBound(
  trx: Tx,
  object: ObjectDef,
  filter: unknown,
  alias: string,
  ctx: FilterContext,
): Promise<CompiledFilter> {
  const compiled = compileFilterReach(object, filter, alias, ctx);
  const boundCtx = await filterLookupsBound(trx, ctx.workspaceId, compiled.inQuery, ctx);
  if (!boundCtx) return compiled;
  const bound = compileFilterReach(object, filter, alias, boundCtx);
  if (bound.inQuery.length > 0) throw new Error('a filter lookup was run but its answer not bound');
  return bound;
}

/**
 * The step of `compileFilterBound` for a query that compiles several filters (a report's own and its shares'):
 * given the lookups its compiles left inside the query, on a Citus coordinator runs them all in one statement and
 * returns the context with their answers, to compile again with; undefined (nothing run) when there are none or on
 * one PostgreSQL, where they stay inside the query.
 */
export async function filterLookupsBound<C extends Pick<FilterContext, 'foldedValues' | 'listIds'>>(
  trx: Tx,
  workspaceId: string,
  inQuery: readonly FilterLookup[],
  ctx: C,
): Promise<C | undefined> {
  if (inQuery.length === 0 || !(await onCitus(trx))) return undefined;
  const found = await filterLookupsFound(
    trx.withoutPlugins() as unknown as Transaction<unknown>,
    workspaceId,
    inQuery,
  );
  return {
    ...ctx,
    foldedValues: new Map([...(ctx.foldedValues ?? []), ...found.foldedValues]),
    listIds: new Map([...(ctx.listIds ?? []), ...found.listIds]),
  };
}
