import { timingSafeEqual } from 'node:crypto';
import { type Database, type Tx, withWorkspace } from '@rabita/db';
import type { SecretBox } from '../auth/secret-box.ts';
import { hashToken } from '../auth/tokens.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid, newId } from '../ids.ts';
import { HOOK_TOLERANCE_SECONDS, signHook } from '../workflows/hook-trigger.ts';
import { type CallEventInput, foldCall } from './call-fold.ts';
import { matchCaller, normaliseCallerNumber } from './caller-match.ts';
import { announceCallEnded } from './calls.events.ts';
import {
  type CallRow,
  createCallForFold,
  type FoldConnection,
  findConnectionOwner,
  foldLookups,
  keepCallEvents,
  lockCallForFold,
  selectConnectionForEvents,
  updateCall,
} from './calls.repository.ts';
import { notifyFold } from './presence.repository.ts';
import { type QueuePop, routeQueuePop } from './queues.routing.ts';
import { dialledForms, foldQueueKey } from './queues.service.ts';

/** The most events one request may carry. */
export const MAX_EVENTS_PER_REQUEST = 500;
/** The most events one call keeps. */
export const MAX_EVENTS_PER_CALL = 1000;
/** The largest body the call-event route takes (500 events of a few hundred bytes each, with room). */
export const CALL_EVENTS_BODY_LIMIT = 1024 * 1024;

/** How a phone system proved who it is: its connection's API key, or an HMAC signature with its secret. */
export interface CallEventCredentials {
  authorization?: string | undefined;
  connection?: string | undefined;
  timestamp?: string | undefined;
  signature?: string | undefined;
  /** The body's exact text (the signature covers it). */
  body: string;
  now?: Date | undefined;
}

const refused = () =>
  new AppError('unauthenticated', 'The API key or signature does not match any call connection.');

/**
 * Finds the connection the credentials belong to. Every failure that could tell a stranger whether a connection
 * exists (unknown key, unknown connection, no secret, wrong signature) is the same 401.
 */
async function authenticate(
  db: Database,
  box: SecretBox,
  creds: CallEventCredentials,
): Promise<{ workspaceId: string; connectionId: string }> {
  if (creds.authorization !== undefined) {
    const token = /^Bearer\s+(\S{1,512})$/i.exec(creds.authorization)?.[1];
    if (!token) throw refused();
    const owner = await findConnectionOwner(db, { keyHash: hashToken(token), id: null });
    if (!owner) throw refused();
    return owner;
  }
  const now = (creds.now ?? new Date()).getTime() / 1000;
  if (
    !creds.timestamp ||
    !/^\d{1,12}$/.test(creds.timestamp) ||
    Math.abs(now - Number(creds.timestamp)) > HOOK_TOLERANCE_SECONDS
  )
    throw new AppError(
      'unauthenticated',
      `Send the connection's API key as a Bearer token, or sign the call: X-Rabita-Timestamp must be its time in Unix seconds, within ${HOOK_TOLERANCE_SECONDS / 60} minutes of the server's clock.`,
    );
  if (!creds.signature || !/^sha256=[0-9a-f]{64}$/.test(creds.signature)) throw refused();
  if (!creds.connection || !isUuid(creds.connection)) throw refused();
  const owner = await findConnectionOwner(db, { keyHash: null, id: creds.connection.toLowerCase() });
  if (!owner) throw refused();
  const sealed = await withWorkspace(db, owner.workspaceId, async (trx) =>
    selectConnectionForEvents(trx, owner.workspaceId, owner.connectionId),
  );
  if (!sealed?.hmacSecret) throw refused();
  const expected = Buffer.from(signHook(box.open(sealed.hmacSecret), creds.timestamp, creds.body));
  const given = Buffer.from(creds.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refused();
  return owner;
}

/** What a request's events did: each call's id by its provider call id, and how many events were new. */
export interface ReceivedEvents {
  calls: { callId: string; id: string }[];
  accepted: number;
  duplicates: number;
}

/**
 * Takes in a phone system's call events: authenticates the connection, keeps each event once (a resend of the
 * same call, event and sequence changes nothing), and folds each touched call's events into its row, all in
 * one transaction. Calls are taken in the order of their provider ids, so two batches never wait on each other
 * in a circle.
 */
export async function receiveCallEvents(
  db: Database,
  box: SecretBox,
  creds: CallEventCredentials,
  events: readonly CallEventInput[],
): Promise<ReceivedEvents> {
  if (events.length > MAX_EVENTS_PER_REQUEST)
    throw new AppError('calls_batch_too_large', `Send at most ${MAX_EVENTS_PER_REQUEST} events a request.`);
  return foldConnectionEvents(db, await authenticate(db, box, creds), events);
}

/**
 * Keeps and folds the events of one known connection (the adapters' way in: an AMI or ARI client the worker runs,
 * or a hook route that has checked its own credentials). Idempotent and order-free like `receiveCallEvents`.
 */
export async function foldConnectionEvents(
  db: Database,
  owner: { workspaceId: string; connectionId: string },
  events: readonly CallEventInput[],
): Promise<ReceivedEvents> {
  if (events.length > MAX_EVENTS_PER_REQUEST)
    throw new AppError('calls_batch_too_large', `Send at most ${MAX_EVENTS_PER_REQUEST} events a request.`);
  const { workspaceId: ws, connectionId } = owner;
  const byCall = new Map<string, CallEventInput[]>();
  for (const e of events) {
    const same = byCall.get(e.callId);
    if (same) same.push(e);
    else byCall.set(e.callId, [e]);
  }
  const order = [...byCall.keys()].sort();
  return withWorkspace(db, ws, async (trx) => {
    const answer: ReceivedEvents = { calls: [], accepted: 0, duplicates: 0 };
    for (const providerCallId of order) {
      // The connection's rules and the call's lock in one statement; the call made at its first event.
      const locked = await lockCallForFold(trx, ws, connectionId, providerCallId);
      if (!locked) throw new AppError('not_found', 'This call connection no longer exists.');
      const row = locked.row ?? (await createCallForFold(trx, ws, connectionId, providerCallId, newId()));
      const sent = byCall.get(providerCallId)!;
      const kept = await keepCallEvents(
        trx,
        ws,
        row.id,
        sent.map((e) => ({ id: newId(), event: e.event, sequence: e.sequence, at: e.at, body: e })),
        MAX_EVENTS_PER_CALL + 1,
      );
      answer.accepted += kept.fresh;
      answer.duplicates += sent.length - kept.fresh;
      answer.calls.push({ callId: providerCallId, id: row.id });
      if (kept.fresh > 0) await refold(trx, ws, locked.connection, row, kept.bodies as CallEventInput[]);
    }
    return answer;
  });
}

/**
 * Folds a locked call's kept events into its row, matching the caller again only when their number changed. About
 * six statements an event (the caller's match and a queue's routing add theirs): each statement is a round trip
 * on the app's one event loop, which is what limits how many call events a second one process takes
 * (docs/PERFORMANCE.md, the screen pop under load).
 */
async function refold(
  trx: Tx,
  ws: string,
  connection: FoldConnection,
  before: CallRow & { offeredTo?: string[] },
  bodies: readonly CallEventInput[],
): Promise<void> {
  // Each new event folds all of the call's events again: a bound keeps a runaway sender from making that costly.
  if (bodies.length > MAX_EVENTS_PER_CALL)
    throw new AppError('validation_failed', `A call keeps at most ${MAX_EVENTS_PER_CALL} events.`, {
      errors: [{ field: 'callId', message: 'This call has too many events.' }],
    });
  const folded = foldCall(bodies);
  const rules = { country: connection.country, stripPrefixes: connection.stripPrefixes };
  const from = normaliseCallerNumber(folded.fromRaw, rules);
  const to = normaliseCallerNumber(folded.toRaw, rules);
  const customer = folded.direction === 'outbound' ? to : from;
  const customerKey =
    customer.e164 ?? customer.national ?? (folded.direction === 'outbound' ? folded.toRaw : folded.fromRaw);
  let matches = before.matches;
  if (customerKey !== before.matchedNumber)
    matches = customer.e164 || customer.national ? await matchCaller(trx, ws, customer, 10) : [];
  const only = matches.length === 1 ? matches[0]! : undefined;
  const mapped = folded.extension ? connection.extensions[folded.extension] : undefined;
  // The queue the events name by its key, else the one whose number an inbound call dialled. A call keeps the queue
  // it was given when its events now name none the workspace knows (a queue removed since keeps its calls).
  const key = folded.queue === null ? null : foldQueueKey(folded.queue);
  const numbers = folded.direction === 'outbound' ? [] : dialledForms(folded.toRaw, to.e164);
  const found = await foldLookups(trx, ws, {
    userId: mapped && isUuid(mapped) ? mapped : null,
    key,
    numbers,
  });
  const agentUserId = found.member ? mapped! : null;
  const queueId = found.queueId ?? before.queueId;
  // A waiting call of a queue pops for its available members, and closes for those it was offered to once it stops
  // waiting (queues.routing.ts); whom it is offered to is written with the row.
  const pop: QueuePop =
    queueId !== null || before.queueId !== null
      ? await routeQueuePop(trx, ws, { state: folded.state, queueId, agentUserId }, before.offeredTo ?? [])
      : { ringing: [], closed: [] };
  await updateCall(trx, ws, before.id, {
    ...folded,
    fromE164: from.e164,
    fromNational: from.national,
    toE164: to.e164,
    toNational: to.national,
    agentUserId,
    matchedNumber: customerKey,
    matches,
    personId: only?.object === 'people' ? only.recordId : null,
    companyId: only?.object === 'companies' ? only.recordId : null,
    leadId: only?.object === 'leads' ? only.recordId : null,
    queueId,
    offeredTo: pop.offeredTo,
  });
  if (folded.state === 'ended' && before.state !== 'ended')
    await announceCallEnded(trx, ws, {
      id: before.id,
      connectionId: before.connectionId,
      direction: folded.direction,
      outcome: folded.outcome,
      cause: folded.cause,
      durationSeconds: folded.duration,
      agentUserId,
      record: only && { object: only.object, id: only.recordId },
    });
  // The agents' browsers hear of the change (ids and state only; the card is read through the API), delivered
  // when this transaction commits: the agent whose extension rings, and a previous one; and the queue's members the
  // call pops or closes for.
  const told = new Map<string, string>();
  if (agentUserId && (folded.state !== before.state || agentUserId !== before.agentUserId || !before.fromRaw))
    told.set(agentUserId, folded.state);
  if (before.agentUserId && before.agentUserId !== agentUserId) told.set(before.agentUserId, folded.state);
  for (const userId of pop.ringing) if (!told.has(userId)) told.set(userId, 'ringing');
  for (const userId of pop.closed) told.set(userId, 'closed');
  const at = new Date().toISOString();
  const messages = [...told].map(([userId, kind]) =>
    JSON.stringify({
      type: 'call',
      workspaceId: ws,
      userId,
      object: 'calls',
      recordId: before.id,
      id: before.id,
      kind,
      at,
    }),
  );
  // The supervisor wall hears of the call, and the workspace of its agents' presence (the new agent and a previous
  // one), in the same statement.
  let presenceFor: string[] = [];
  if (
    folded.state !== before.state ||
    agentUserId !== before.agentUserId ||
    queueId !== before.queueId ||
    !before.fromRaw
  ) {
    messages.push(
      JSON.stringify({
        type: 'wall',
        workspaceId: ws,
        object: 'calls',
        recordId: before.id,
        kind: folded.state,
        at,
      }),
    );
    presenceFor = [...new Set([agentUserId, before.agentUserId].filter((id): id is string => id !== null))];
  }
  await notifyFold(trx, ws, messages, presenceFor, at);
}
