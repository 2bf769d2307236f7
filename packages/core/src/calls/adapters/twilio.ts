import { createHmac, timingSafeEqual } from 'node:crypto';
import { type Database, withWorkspace } from '@rabita/db';
import type { SecretBox } from '../../auth/secret-box.ts';
import { AppError } from '../../errors/app-error.ts';
import { isUuid } from '../../ids.ts';
import { foldConnectionEvents, type ReceivedEvents } from '../call-events.service.ts';
import type { CallEventInput } from '../call-fold.ts';
import { findConnectionOwner } from '../calls.repository.ts';
import { callEventSchema } from '../calls.schemas.ts';
import { selectAdapterConnection } from './adapters.repository.ts';

// Twilio-style voice status callbacks: form posts signed with `X-Twilio-Signature`, the base64 HMAC-SHA1 of the
// URL Twilio posted to followed by every parameter's name and value in name order, keyed with the account's auth
// token. The URL is the one Twilio was given — the connection's `publicUrl` setting, else RABITA_PUBLIC_URL and
// the hook's path — never the Host header, which a proxy in front of Rabita rewrites and a caller controls.

/** Twilio's signature of a request: base64 HMAC-SHA1 over the URL and the sorted parameters. */
export function twilioSignature(authToken: string, url: string, params: readonly [string, string][]): string {
  const byName = new Map<string, string[]>();
  for (const [k, v] of params) byName.set(k, [...(byName.get(k) ?? []), v]);
  let data = url;
  for (const name of [...byName.keys()].sort()) for (const v of byName.get(name)!.sort()) data += name + v;
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** A call status's event and its sequence (each status happens once in a call, so its rank is its sequence). */
const STATUSES: Record<string, { event: CallEventInput['event']; sequence: number; cause?: string }> = {
  queued: { event: 'ringing', sequence: 10 },
  initiated: { event: 'ringing', sequence: 10 },
  ringing: { event: 'ringing', sequence: 10 },
  'in-progress': { event: 'answered', sequence: 20 },
  completed: { event: 'ended', sequence: 30 },
  busy: { event: 'ended', sequence: 30, cause: 'busy' },
  'no-answer': { event: 'ended', sequence: 30, cause: 'no answer' },
  failed: { event: 'ended', sequence: 30, cause: 'failed' },
  canceled: { event: 'ended', sequence: 30, cause: 'cancel' },
};

/** The queue a callback names, if any (trimmed; the call-event schema checks the rest). */
const queueOf = (params: Readonly<Record<string, string>>): string | undefined =>
  (params.queue ?? params.QueueSid)?.trim().slice(0, 200) || undefined;

/** The call events one Twilio callback's parameters mean (a status, and a recording when it names one). */
export function twilioEvents(params: Readonly<Record<string, string>>, now = new Date()): CallEventInput[] {
  const callId = params.CallSid;
  if (!callId) return [];
  const stamp = params.Timestamp ? Date.parse(params.Timestamp) : Number.NaN;
  const at = (Number.isFinite(stamp) ? new Date(stamp) : now).toISOString();
  const base = {
    callId,
    at,
    from: params.From ?? params.Caller ?? '',
    to: params.To ?? params.Called ?? '',
    direction: (params.Direction ?? '').startsWith('outbound') ? ('outbound' as const) : ('inbound' as const),
    ...(params.ParentCallSid ? { correlationId: params.ParentCallSid } : {}),
    // The queue: a `queue` field the voice application adds (a queue's or TaskRouter's friendly name), else the
    // `QueueSid` Twilio sends for a call in an `<Enqueue>`d queue.
    ...(queueOf(params) ? { queue: queueOf(params) } : {}),
  };
  const out: CallEventInput[] = [];
  const status = STATUSES[(params.CallStatus ?? '').toLowerCase()];
  if (status) {
    const duration = params.CallDuration !== undefined ? Number(params.CallDuration) : undefined;
    out.push({
      ...base,
      event: status.event,
      sequence: status.sequence,
      ...(status.cause ? { cause: status.cause } : {}),
      ...(status.event === 'ended' && duration !== undefined && Number.isInteger(duration) && duration >= 0
        ? { duration }
        : {}),
    });
  }
  if (params.RecordingUrl)
    out.push({ ...base, event: 'recording', sequence: 40, recordingUrl: params.RecordingUrl });
  return out;
}

const refused = () => new AppError('unauthenticated', 'The signature does not match this connection.');

/**
 * Takes in one Twilio callback for a connection: checks the connection is a Twilio one with an auth token, the
 * signature over the URL Twilio was given, then folds the call events it means. Unknown connection, wrong type,
 * no token and wrong signature are the same 401.
 */
export async function receiveTwilioCallback(
  db: Database,
  box: SecretBox,
  input: {
    connectionId: string;
    signature: string | undefined;
    /** RABITA_PUBLIC_URL + the hook's path + the request's query: the URL when the connection names none. */
    defaultUrl: string;
    params: readonly [string, string][];
    now?: Date | undefined;
  },
): Promise<ReceivedEvents> {
  if (!isUuid(input.connectionId) || !input.signature || input.signature.length > 200) throw refused();
  const owner = await findConnectionOwner(db, { keyHash: null, id: input.connectionId.toLowerCase() });
  if (!owner) throw refused();
  const row = await withWorkspace(db, owner.workspaceId, (trx) =>
    selectAdapterConnection(trx, owner.workspaceId, owner.connectionId),
  );
  if (row?.type !== 'twilio' || !row.adapterSecret) throw refused();
  const url = row.settings.publicUrl ?? input.defaultUrl;
  const expected = Buffer.from(twilioSignature(box.open(row.adapterSecret), url, input.params));
  const given = Buffer.from(input.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refused();
  const params: Record<string, string> = Object.create(null);
  for (const [k, v] of input.params) params[k] ??= v;
  const events = twilioEvents(params, input.now);
  const problems = events.flatMap((e) => {
    const r = callEventSchema.safeParse(e);
    return r.success ? [] : r.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message }));
  });
  if (problems.length > 0)
    throw new AppError('validation_failed', 'The callback’s parameters are not a call Rabita can keep.', {
      errors: problems,
    });
  if (events.length === 0) return { calls: [], accepted: 0, duplicates: 0 };
  return foldConnectionEvents(db, owner, events);
}
