import { onCitus, type Tx } from '@rabita/db';
import type { Transaction } from 'kysely';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { type CompiledFilter, compileFilterReach, type FilterContext } from './filter.ts';
import { filterLookupsFound } from './records.repository.ts';

/**
 * `compileFilterReach` for a query Citus routes whole to the workspace's shard. A condition's owner-run lookups
 * (`rabita_folded_values`, `rabita_match_list`) read distributed tables, and a function called inside a query on a
 * shard may not ("cannot execute a distributed query from a query on a shard"): on a Citus coordinator they run
 * first, together in one statement of their own, and their answers are bound into the condition instead. One
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
  if (compiled.inQuery.length === 0 || !(await onCitus(trx))) return compiled;
  const found = await filterLookupsFound(
    trx.withoutPlugins() as unknown as Transaction<unknown>,
    compiled.inQuery,
  );
  const bound = compileFilterReach(object, filter, alias, {
    ...ctx,
    foldedValues: new Map([...(ctx.foldedValues ?? []), ...found.foldedValues]),
    listIds: new Map([...(ctx.listIds ?? []), ...found.listIds]),
  });
  if (bound.inQuery.length > 0) throw new Error('a filter lookup was run but its answer not bound');
  return bound;
}
