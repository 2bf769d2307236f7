import type { Tx } from '@rabita/db';
import { selectPresence } from './presence.repository.ts';
import { selectQueueMemberIds } from './queues.repository.ts';

// Who hears of a queue's call. A call ringing at an agent's extension pops for that agent (the fold's own rule, in
// call-events.service.ts). A call ringing in a queue at nobody's extension yet is *waiting*: it pops for every
// member of the queue who is available then, and the call keeps whom it was offered to (`calls.offered_to`). When
// it stops ringing — one answers, or the caller hangs up — everyone it was offered to but the agent who took it
// hears it close. A call that starts ringing at an agent's extension while it waits (a queue dialling its members
// one by one or all at once) keeps the others' pops until one answers.

/** The members to tell of a queue's call: the pop for some, its close for others. */
export interface QueuePop {
  /** Members to whom the waiting call pops now. */
  ringing: string[];
  /** Members who were offered the call and now hear it close (answered by another, or ended). */
  closed: string[];
  /** Whom the call is offered to from now on, when that changed (the fold writes it with the call's row). */
  offeredTo?: string[];
}

const NOTHING: QueuePop = { ringing: [], closed: [] };

/**
 * Decides, inside the fold's transaction (the call's row locked, `offered` read with it), who hears of a queue's call
 * now: the available members not yet offered a waiting call, or everyone offered a call that stopped waiting but its
 * agent; and whom it is offered to from now on. Members busy on a call, in wrap-up or away when it starts waiting
 * are not offered it; they are at its next event if they are available by then.
 */
export async function routeQueuePop(
  trx: Tx,
  workspaceId: string,
  call: { state: string; queueId: string | null; agentUserId: string | null },
  offered: readonly string[],
): Promise<QueuePop> {
  if (call.state === 'ringing' && call.queueId !== null && call.agentUserId === null) {
    const fresh = (await selectQueueMemberIds(trx, workspaceId, call.queueId)).filter(
      (m) => !offered.includes(m),
    );
    if (fresh.length === 0) return NOTHING;
    const available = (await selectPresence(trx, workspaceId, fresh))
      .filter((p) => p.state === 'available')
      .map((p) => p.userId);
    if (available.length === 0) return NOTHING;
    return { ringing: available, closed: [], offeredTo: [...offered, ...available] };
  }
  // Ringing at an agent's extension: the others keep their pop until one answers.
  if (call.state === 'ringing' || offered.length === 0) return NOTHING;
  return { ringing: [], closed: offered.filter((m) => m !== call.agentUserId), offeredTo: [] };
}
