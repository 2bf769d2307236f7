import { type RawBuilder, sql } from 'kysely';
import type { AggregateShortcut } from '../modules/manifest.ts';

/** Deals' keys kept in `rabita_derived.deal_totals` (migration 0019), by their column there. */
const TOTAL_KEYS: Record<string, string> = { pipeline: 'pipeline_id', stage: 'stage_id', owner: 'owner_id' };
const TOTAL_METRICS: Record<string, RawBuilder<unknown>> = {
  count: sql`coalesce(sum(t.deals), 0)`,
  'count:amount': sql`coalesce(sum(t.amounts), 0)`,
  'sum:amount': sql`sum(t.amount) filter (where t.amounts > 0)`,
  'avg:amount': sql`sum(t.amount) filter (where t.amounts > 0) / nullif(sum(t.amounts), 0)`,
};

/**
 * Deals counted or summed by pipeline, stage and owner — the board's totals and the commonest report — read from
 * the totals the database keeps per key (a trigger on deals) instead of aggregating every deal: a few hundred
 * rows instead of all of them. Other keys or metrics go to the general query.
 */
export const dealTotals: AggregateShortcut = {
  object: 'deals',
  query(workspaceId, request, limit) {
    const columns = request.groupBy.map((spec) => TOTAL_KEYS[spec]);
    const labels = request.metrics.map((m) => (m.field ? `${m.fn}:${m.field}` : m.fn));
    if (columns.some((c) => !c) || labels.some((l) => !TOTAL_METRICS[l])) return undefined;
    const money = labels.some((l) => l === 'sum:amount' || l === 'avg:amount');
    const keys = [
      ...columns.map((c, i) => sql`${sql.ref(`t.${c}`)}::text as ${sql.id(`k${i}`)}`),
      ...(money ? [sql`t.currency as currency`] : []),
    ];
    const grouping = [...columns.map((c) => sql.ref(`t.${c}`)), ...(money ? [sql`t.currency`] : [])];
    const query = sql<Record<string, unknown>>`
      select ${sql.join([...keys, ...labels.map((l, i) => sql`${TOTAL_METRICS[l]!} as ${sql.id(`m${i}`)}`)])}
      from (
        -- A key's rows (one per writer's slot, migration 0031) added up first: one alone may be negative.
        select pipeline_id, stage_id, owner_id, currency, scale, sum(deals) as deals, sum(amounts) as amounts,
          sum(amount) as amount
        from rabita_derived.deal_totals where workspace_id = ${workspaceId}
        group by pipeline_id, stage_id, owner_id, currency, scale
      ) as t
      ${grouping.length > 0 ? sql`group by ${sql.join(grouping)} having sum(t.deals) > 0` : sql``}
      order by ${sql.id('m0')} desc nulls last
      limit ${limit}`;
    return { query, money };
  },
};
