import type { Tx } from '@rabita/db';
import { announce } from '../events/module-events.ts';
import type { ModuleEventDef } from '../modules/manifest.ts';

/** The module event of a call that has just ended, on the one record its caller matched (workflows can start on it). */
export const CALL_ENDED = 'calls.ended';

export const callsEvents: ModuleEventDef[] = [
  {
    key: CALL_ENDED,
    object: '*',
    payload: ['callId', 'connectionId', 'direction', 'outcome', 'cause', 'durationSeconds', 'agentUserId'],
  },
];

/** What `announceCallEnded` needs of a call just folded to `ended`. */
export interface EndedCall {
  id: string;
  connectionId: string;
  direction: string | null;
  outcome: string | null;
  cause: string | null;
  durationSeconds: number | null;
  agentUserId: string | null;
  /** The one record the caller's number matched; a call matching none or several announces nothing. */
  record: { object: string; id: string } | undefined;
}

/**
 * Announces `calls.ended` once per call, when its fold first reaches `ended`, inside the folding transaction. Only a
 * call whose caller matched exactly one person, company or lead is announced: a run needs its record, and a pick
 * list is the agent's to resolve. The payload is the phone system's own data about the call — never the number,
 * which is a record's phone that the workflow owner's role may hide.
 */
export async function announceCallEnded(trx: Tx, workspaceId: string, call: EndedCall): Promise<void> {
  if (!call.record) return;
  await announce(trx, workspaceId, {
    key: CALL_ENDED,
    id: call.id,
    record: call.record,
    payload: {
      callId: call.id,
      connectionId: call.connectionId,
      direction: call.direction,
      outcome: call.outcome,
      cause: call.cause,
      durationSeconds: call.durationSeconds,
      agentUserId: call.agentUserId,
    },
  });
}
