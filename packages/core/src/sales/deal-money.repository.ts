import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

// SQL of the kept converted deal totals (migration sales-0015-deal-money) and the deal totals they are read beside
// (`rabita_derived.deal_totals`, platform migrations 0019 and 0031, which the sales module reads for its shortcut).

const raw = (trx: Tx) => trx.withoutPlugins();

/** A deal key the kept figures hold, by its column. */
export type DealMoneyKey = 'pipeline_id' | 'stage_id' | 'owner_id';

export interface BasisRow {
  time_zone: string;
  currency: string;
}

/** The zone and currency a workspace's converted figures are kept in (none before its first deal). */
export async function selectBasis(trx: Tx, workspaceId: string): Promise<BasisRow | undefined> {
  const { rows } = await sql<BasisRow>`
    select time_zone, currency from rabita_derived.deal_money_basis where workspace_id = ${workspaceId}`.execute(
    raw(trx),
  );
  return rows[0];
}

export interface ConvertedGroupRow {
  /** One key per grouping column, as text (null: no value). */
  keys: (string | null)[];
  /** Live deals of the group. */
  deals: string;
  /** Those with an amount. */
  amounts: string;
  /** Those with an amount but no rate on their day. */
  missing: string;
  /** The amounts converted at their day's rate, exact (null: none converted). */
  converted: string | null;
}

/**
 * Live deals per group of keys — counted from the deal totals, their amounts converted and summed from the kept
 * figures; a key's slot rows are added up first (one alone may be negative). No keys: one group of all deals.
 */
export async function selectConvertedGroups(
  trx: Tx,
  workspaceId: string,
  keys: DealMoneyKey[],
  ownerId: string | undefined,
): Promise<ConvertedGroupRow[]> {
  const owner = ownerId === undefined ? sql`true` : sql`owner_id = ${ownerId}`;
  const cols = keys.map((k, i) => sql`${sql.ref(k)}::text as ${sql.id(`k${i}`)}`);
  const groupBy = keys.length > 0 ? sql`group by ${sql.join(keys.map((k) => sql.ref(k)))}` : sql``;
  const on =
    keys.length > 0
      ? sql.join(
          keys.map((_, i) => sql`${sql.ref(`m.k${i}`)} is not distinct from ${sql.ref(`c.k${i}`)}`),
          sql` and `,
        )
      : sql`true`;
  const { rows } = await sql<Record<string, string | null>>`
    with counts as (
      select ${sql.join([...cols, sql`coalesce(sum(deals), 0)::text as deals`, sql`coalesce(sum(amounts), 0)::text as amounts`])}
      from rabita_derived.deal_totals
      where workspace_id = ${workspaceId} and ${owner}
      ${groupBy}
      ${keys.length > 0 ? sql`having sum(deals) > 0` : sql``}
    ), money as (
      select ${sql.join([...cols, sql`sum(missing) as missing`, sql`sum(converted) filter (where convs > 0) as converted`])}
      from (
        select pipeline_id, stage_id, owner_id, sum(convs) as convs, sum(missing) as missing,
               sum(converted) as converted
        from rabita_derived.deal_money_totals
        where workspace_id = ${workspaceId} and ${owner}
        group by pipeline_id, stage_id, owner_id, currency, scale
      ) as t
      ${groupBy}
    )
    select ${sql.join([
      ...keys.map((_, i) => sql`${sql.ref(`c.k${i}`)}`),
      sql`c.deals`,
      sql`c.amounts`,
      sql`coalesce(m.missing, 0)::text as missing`,
      sql`m.converted::text as converted`,
    ])}
    from counts as c left join money as m on ${on}`.execute(raw(trx));
  return rows.map((r) => ({
    keys: keys.map((_, i) => r[`k${i}`] ?? null),
    deals: r.deals ?? '0',
    amounts: r.amounts ?? '0',
    missing: r.missing ?? '0',
    converted: r.converted ?? null,
  }));
}
