import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import { newId } from '../ids.ts';

/**
 * The seam a text message goes out through. A provider adapter (an SMS gateway's API) implements it; until one is
 * configured the log-only adapter keeps what would be sent in `call_sms_log` and sends nothing.
 */
export interface SmsSender {
  readonly name: string;
  /** Sends (or logs) inside the caller's transaction; answers an id for the message. */
  send(trx: Tx, workspaceId: string, message: { to: string; body: string; callId?: string }): Promise<string>;
}

/** Stores the message it would send; no provider is called. */
export const logOnlySms: SmsSender = {
  name: 'log',
  async send(trx, workspaceId, message) {
    const id = newId();
    await sql`
      insert into call_sms_log (workspace_id, id, call_id, to_number, body)
      values (${workspaceId}, ${id}, ${message.callId ?? null}, ${message.to}, ${message.body})`.execute(trx);
    return id;
  },
};

let current: SmsSender = logOnlySms;
/** The adapter in use (the log-only one unless a provider was set). */
export const smsSender = (): SmsSender => current;
/** Sets the adapter (a provider's, at start-up; tests put the log back). */
export const useSmsSender = (sender: SmsSender) => {
  current = sender;
};
