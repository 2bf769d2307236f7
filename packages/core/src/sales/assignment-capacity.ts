import type { Tx } from '@rabita/db';
import type { Reader } from '../records/access.ts';
import { countRecordsByOwnerIn } from '../records/count-by-owner.ts';
import { type PoolMember, selectCapacities } from './assignment.repository.ts';

// Capacity: how many open leads a member may hold before the rules pass them over. A rule may set a limit for a
// member of its pool; otherwise the member's own default (`assignment_capacity`) applies; otherwise there is none.

/** The statuses that end a lead's work: every other status is open. */
export const CLOSED_LEAD_STATUSES = ['converted', 'disqualified'] as const;

/** The most open leads a limit may name. */
export const MAX_CAPACITY = 10_000;

/** Counting reads every lead, whoever created the lead being assigned (a rule is an admin's). */
const LEADS_READER: Reader = {
  userId: null,
  role: {
    permissions: {
      actions: [],
      objects: { leads: { read: true, create: false, update: false, delete: false } },
    },
  },
};

/**
 * Each member's open leads (not deleted, status neither converted nor disqualified), leaving out `exceptLeadId`
 * (the lead being assigned, which its creator already owns): one grouped count through the record engine, answered
 * by `leads_open_owner_idx`. Members with none are absent.
 */
export async function openLeadCounts(
  trx: Tx,
  workspaceId: string,
  userIds: readonly string[],
  exceptLeadId?: string | undefined,
): Promise<Map<string, number>> {
  return countRecordsByOwnerIn(trx, LEADS_READER, workspaceId, 'leads', userIds, {
    except: { field: 'status', values: CLOSED_LEAD_STATUSES },
    excludeIds: exceptLeadId ? [exceptLeadId] : [],
  });
}

/** Each pool member's limit: the rule's own for them, else their default; members without one are absent. */
export async function capacityLimits(
  trx: Tx,
  workspaceId: string,
  pool: readonly PoolMember[],
): Promise<Map<string, number>> {
  const limits = new Map<string, number>();
  const rest = pool.filter((m) => {
    if (typeof m.capacity === 'number') limits.set(m.userId, m.capacity);
    return typeof m.capacity !== 'number';
  });
  if (rest.length > 0)
    for (const row of await selectCapacities(
      trx,
      workspaceId,
      rest.map((m) => m.userId),
    ))
      limits.set(row.userId, row.capacity);
  return limits;
}
