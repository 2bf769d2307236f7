import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import {
  pruneStalePresence,
  recentViewers,
  type TicketViewer,
  touchPresence,
} from './presence.repository.ts';

/** A page says it is open about every 20 seconds; one not heard from in this long is gone. */
export const PRESENCE_WINDOW_SECONDS = 45;
/** Rows older than this are deleted by the workspace's next heartbeat. */
const PRUNE_AFTER_SECONDS = 300;

/** Refuses a ticket the caller may not read (through the record gate) as not found. */
async function assertReadable(trx: Tx, principal: Principal, ticketId: string): Promise<void> {
  const seen = await readRecords(trx, principal, 'tickets', [ticketId], { fields: ['id'] });
  assertSeen(seen.has(ticketId), 'tickets', ticketId);
}

/** The other people who have the ticket open now; the caller must be able to read the ticket. */
export function ticketViewers(ctx: ServiceContext, ticketId: string): Promise<TicketViewer[]> {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    await assertReadable(trx, ctx.principal, ticketId);
    return recentViewers(trx, workspaceId, ticketId, ctx.principal.userId, PRESENCE_WINDOW_SECONDS);
  });
}

/**
 * The caller's heartbeat on a ticket they have open (and whether they are typing a reply); answers the other
 * people who have it open, as `ticketViewers`. Only a person signed in has a presence; the caller must be able to
 * read the ticket.
 */
export function markViewing(
  ctx: ServiceContext,
  ticketId: string,
  input: { replying: boolean },
): Promise<TicketViewer[]> {
  const userId = ctx.principal.userId;
  if (userId === null)
    throw new AppError(
      'forbidden',
      'Only a person signed in can be shown viewing a ticket; an API key cannot.',
    );
  return inWorkspace(ctx, async (trx, workspaceId) => {
    await assertReadable(trx, ctx.principal, ticketId);
    await pruneStalePresence(trx, workspaceId, PRUNE_AFTER_SECONDS);
    await touchPresence(trx, workspaceId, ticketId, userId, input.replying);
    return recentViewers(trx, workspaceId, ticketId, userId, PRESENCE_WINDOW_SECONDS);
  });
}
