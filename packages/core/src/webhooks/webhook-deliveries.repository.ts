import type { Database, Tx } from '@rabita/db';
import { sql } from 'kysely';

// The delivery worker's SQL. Targets are found across workspaces through an owner-run function (keys only);
// everything else runs inside the target's workspace transaction, under row-level security.

/** A delivery claimed for one attempt, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  url: string;
  secret: string;
  payload: unknown;
  event: string;
  attemptCount: number;
}

/** Targets (webhooks) with a delivery due, oldest due first, one row each, leaving out those in `busy`. */
export async function dueTargets(
  db: Database,
  limit: number,
  busy: readonly string[],
): Promise<{ workspaceId: string; webhookId: string }[]> {
  const { rows } = await sql<{ workspaceId: string; webhookId: string }>`
    select workspace_id as "workspaceId", webhook_id as "webhookId"
    from rabita_due_webhook_targets(${limit}, ${busy}::uuid[])`.execute(db);
  return rows;
}

/**
 * Claims the target's first due delivery for one attempt: its due time moves `leaseSeconds` ahead, so no other
 * worker picks it up while it is sent (outside any transaction); if this worker dies mid-send it comes due again.
 */
export async function claimNextDelivery(
  trx: Tx,
  workspaceId: string,
  webhookId: string,
  leaseSeconds: number,
): Promise<ClaimedDelivery | undefined> {
  const { rows } = await sql<ClaimedDelivery>`
    with next as (
      select d.id from webhook_deliveries d
      where d.workspace_id = ${workspaceId} and d.webhook_id = ${webhookId}
        and d.status = 'pending' and d.next_attempt_at <= now()
      order by d.next_attempt_at, d.id
      limit 1
      for update skip locked
    )
    update webhook_deliveries d set next_attempt_at = now() + make_interval(secs => ${leaseSeconds})
    from next, webhooks w
    where d.workspace_id = ${workspaceId} and d.id = next.id
      and w.workspace_id = d.workspace_id and w.id = d.webhook_id
    returning d.id, w.url, w.secret, d.payload, d.event, d.attempt_count as "attemptCount"`.execute(trx);
  return rows[0];
}

/** Records one attempt's outcome: delivered, failed for good, or pending until `retryInSeconds` from now. */
export async function recordAttempt(
  trx: Tx,
  workspaceId: string,
  id: string,
  outcome: {
    status: 'delivered' | 'failed' | 'pending';
    tries: number;
    entry: Record<string, unknown>;
    retryInSeconds: number;
  },
): Promise<void> {
  await sql`
    update webhook_deliveries set
      status = ${outcome.status},
      attempt_count = ${outcome.tries},
      attempts = attempts || ${JSON.stringify([outcome.entry])}::jsonb,
      delivered_at = ${outcome.status === 'delivered' ? sql`now()` : sql`null`},
      next_attempt_at = ${outcome.status === 'pending' ? sql`now() + make_interval(secs => ${outcome.retryInSeconds})` : sql`null`}
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

/** Holds a target's pending deliveries (not their attempts) until `until`: none is due before then. */
export async function holdTarget(
  trx: Tx,
  workspaceId: string,
  webhookId: string,
  until: Date,
): Promise<number> {
  const { numAffectedRows } = await sql`
    update webhook_deliveries set next_attempt_at = ${until}
    where workspace_id = ${workspaceId} and webhook_id = ${webhookId} and status = 'pending'
      and next_attempt_at < ${until}`.execute(trx);
  return Number(numAffectedRows ?? 0);
}
