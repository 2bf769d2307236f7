import type { Tx } from '@rabita/db';
import {
  type ConvertedGroupRow,
  type DealMoneyKey,
  selectBasis,
  selectConvertedGroups,
} from './deal-money.repository.ts';

export type { ConvertedGroupRow, DealMoneyKey };

/** Deal fields the kept figures are keyed by, and their columns. */
export const DEAL_MONEY_KEYS: Readonly<Record<string, DealMoneyKey>> = {
  pipeline: 'pipeline_id',
  stage: 'stage_id',
  owner: 'owner_id',
};

/**
 * Live deals grouped by pipeline, stage and owner (any of them, in order), counted and with their amounts converted
 * into `currency` at the rate of the civil day each was created on in `timeZone` — read from the figures the sales
 * module keeps (migration sales-0015-deal-money), a few hundred rows whatever the number of deals. Undefined when
 * the figures are kept in another zone or currency: the caller then converts the deals themselves. `ownerId`
 * narrows to one owner's deals ("own records only"). The caller checks the reader's rights first.
 */
export async function keptConvertedDealGroups(
  trx: Tx,
  options: {
    workspaceId: string;
    timeZone: string;
    currency: string;
    keys: DealMoneyKey[];
    ownerId?: string | undefined;
  },
): Promise<ConvertedGroupRow[] | undefined> {
  const basis = await selectBasis(trx, options.workspaceId);
  if (!basis || basis.time_zone !== options.timeZone || basis.currency !== options.currency) return undefined;
  return selectConvertedGroups(trx, options.workspaceId, options.keys, options.ownerId);
}
