import { createHash } from 'node:crypto';
import { type Database, withWorkspace } from '@rabita/db';
import { servicePrincipal } from '../../auth/principal.ts';
import { hashToken } from '../../auth/tokens.ts';
import { AppError } from '../../errors/app-error.ts';
import { isUuid } from '../../ids.ts';
import { readRecords } from '../../records/gate.ts';
import { findRoleIn } from '../../roles/roles.service.ts';
import { foldConnectionEvents, type ReceivedEvents } from '../call-events.service.ts';
import type { CallEventInput } from '../call-fold.ts';
import { matchCaller, normaliseCallerNumber } from '../caller-match.ts';
import { findConnectionOwner } from '../calls.repository.ts';
import { seesPhonesOf } from '../calls.service.ts';
import { selectAdapterConnection } from './adapters.repository.ts';

// A 3CX-style CRM integration: the phone system asks Rabita who is calling (`lookup?number=`) and shows the answer
// in its client, and posts a journal entry for each call when it ends. Both are authenticated by the connection's
// API key (Bearer, or Basic with the key as password, which is what 3CX's CRM templates can send). The lookup
// answers what the connection's lookup role may read, through the records gate; a role that hides an object's
// phone numbers finds no record of it (the match itself would tell the hidden number).

const refused = () => new AppError('unauthenticated', 'The API key does not match this connection.');

/** The API key in an `Authorization` header: `Bearer <key>` or `Basic base64(<anything>:<key>)`. */
export function keyOf(authorization: string | undefined): string | undefined {
  if (!authorization || authorization.length > 1000) return undefined;
  const bearer = /^Bearer\s+(\S{1,512})$/i.exec(authorization)?.[1];
  if (bearer) return bearer;
  const basic = /^Basic\s+([A-Za-z0-9+/=]{1,1000})$/i.exec(authorization)?.[1];
  if (!basic) return undefined;
  const decoded = Buffer.from(basic, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon === -1 ? decoded : decoded.slice(colon + 1);
  return key.length > 0 && key.length <= 512 ? key : undefined;
}

async function ownerOf(db: Database, connectionId: string, authorization: string | undefined) {
  const key = keyOf(authorization);
  if (!key || !isUuid(connectionId)) throw refused();
  const owner = await findConnectionOwner(db, { keyHash: hashToken(key), id: null });
  if (!owner || owner.connectionId !== connectionId.toLowerCase()) throw refused();
  const row = await withWorkspace(db, owner.workspaceId, (trx) =>
    selectAdapterConnection(trx, owner.workspaceId, owner.connectionId),
  );
  if (row?.type !== '3cx') throw refused();
  return { owner, row };
}

/** One contact as a 3CX CRM template reads it. */
export interface LookupContact {
  id: string;
  object: 'people' | 'companies' | 'leads';
  firstName: string;
  lastName: string;
  company: string;
  email: string;
  phone: string;
  url: string;
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** A stored phone or email as text (`{e164, raw}`, `{address}`, or a plain string). */
const one = (v: unknown): string => {
  if (typeof v === 'string') return v;
  if (!v || typeof v !== 'object') return '';
  const o = v as Record<string, unknown>;
  return text(o.e164 ?? o.address ?? o.raw ?? o.number);
};
/** A list's primary item (else its first) as text. */
const first = (v: unknown): string => {
  if (!Array.isArray(v)) return one(v);
  const items = v as unknown[];
  return one(items.find((i) => (i as { primary?: unknown } | null)?.primary === true) ?? items[0]);
};

/**
 * The records holding a caller's number, as the connection's lookup role may see them (at most 10): the number
 * read with the connection's country and prefixes, exact matches first, the last-digits fallback otherwise.
 */
export async function lookupCaller(
  db: Database,
  input: { connectionId: string; authorization: string | undefined; number: string; publicUrl: string },
): Promise<{ contacts: LookupContact[] }> {
  const { owner, row } = await ownerOf(db, input.connectionId, input.authorization);
  const ws = owner.workspaceId;
  const number = normaliseCallerNumber(input.number, {
    country: row.country,
    stripPrefixes: row.stripPrefixes,
  });
  if (!number.e164 && !number.national) return { contacts: [] };
  return withWorkspace(db, ws, async (trx) => {
    const role = row.settings.lookupRole ? await findRoleIn(trx, ws, row.settings.lookupRole) : undefined;
    if (!role) return { contacts: [] };
    const reader = servicePrincipal(ws, role);
    const matches = await matchCaller(trx, ws, number, 10);
    const contacts: LookupContact[] = [];
    for (const object of ['people', 'companies', 'leads'] as const) {
      const ids = matches.filter((m) => m.object === object).map((m) => m.recordId);
      if (ids.length === 0 || !seesPhonesOf(reader, object)) continue;
      const seen = await readRecords(trx, reader, object, ids);
      const companies =
        object === 'people'
          ? await readRecords(
              trx,
              reader,
              'companies',
              [...seen.values()].map((v) => text(v.company)).filter(Boolean),
              { fields: ['name'] },
            )
          : new Map();
      for (const id of ids) {
        const v = seen.get(id);
        if (!v) continue;
        const url = `${input.publicUrl}/o/${object}/${id}`;
        if (object === 'people')
          contacts.push({
            id,
            object,
            firstName: text(v.firstName),
            lastName: text(v.lastName),
            company: text(companies.get(text(v.company))?.name),
            email: first(v.emails),
            phone: first(v.phones),
            url,
          });
        else if (object === 'companies')
          contacts.push({
            id,
            object,
            firstName: '',
            lastName: '',
            company: text(v.name),
            email: first(v.emails),
            phone: first(v.phones),
            url,
          });
        else {
          const [given = '', ...rest] = text(v.name).split(' ');
          contacts.push({
            id,
            object,
            firstName: given,
            lastName: rest.join(' '),
            company: text(v.companyName),
            email: one(v.email),
            phone: one(v.phone),
            url,
          });
        }
      }
    }
    return { contacts };
  });
}

/** A 3CX call journal entry (its CRM template's `[CallType]`, `[Number]`, `[Agent]`, `[Duration]`, times). */
export interface JournalEntry {
  callId?: string | undefined;
  callType: 'Inbound' | 'Outbound' | 'Missed' | 'Notanswered';
  number: string;
  agent?: string | undefined;
  /** Seconds, or `hh:mm:ss` (3CX's `[DurationTimeSpan]`). */
  duration?: string | number | undefined;
  start: string;
  end?: string | undefined;
  /** The queue the call came through, by the name or key Rabita's queue is known by (`[QueueName]`). */
  queue?: string | undefined;
  /** The queue's extension or number (`[QueueExtension]`): an inbound call dialled it, so it finds the queue. */
  queueNumber?: string | undefined;
}

/** Seconds from a number of seconds or an `hh:mm:ss` span (undefined when it is neither). */
export function secondsOf(duration: string | number | undefined): number | undefined {
  if (duration === undefined) return undefined;
  if (typeof duration === 'number') return Number.isInteger(duration) && duration >= 0 ? duration : undefined;
  const span = /^(?:(\d{1,4}):)?(\d{1,2}):(\d{2})$/.exec(duration.trim());
  if (span) return Number(span[1] ?? 0) * 3600 + Number(span[2]) * 60 + Number(span[3]);
  return /^\d{1,8}$/.test(duration.trim()) ? Number(duration.trim()) : undefined;
}

/**
 * The call events a journal entry means: ringing, answered when talked, ended; each names the entry's queue, if any
 * (by key; else, inbound, by the queue's number as the number dialled).
 */
export function journalEvents(entry: JournalEntry): CallEventInput[] {
  const outbound = entry.callType === 'Outbound' || entry.callType === 'Notanswered';
  const talked = entry.callType === 'Inbound' || entry.callType === 'Outbound';
  const duration = secondsOf(entry.duration);
  const start = new Date(entry.start);
  const end = entry.end ? new Date(entry.end) : new Date(start.getTime() + (duration ?? 0) * 1000);
  const callId =
    entry.callId ??
    `3cx-${createHash('sha256')
      .update(`${entry.number}|${start.toISOString()}|${entry.agent ?? ''}`)
      .digest('hex')
      .slice(0, 32)}`;
  const base = {
    callId,
    from: outbound ? '' : entry.number,
    // An inbound call's queue number is the number it dialled: the fold finds the queue holding that number.
    to: outbound ? entry.number : (entry.queueNumber ?? ''),
    direction: outbound ? ('outbound' as const) : ('inbound' as const),
    ...(entry.agent ? { extension: entry.agent } : {}),
    ...(entry.queue ? { queue: entry.queue } : {}),
  };
  const answeredAt = talked && duration !== undefined ? new Date(end.getTime() - duration * 1000) : start;
  return [
    { ...base, event: 'ringing', sequence: 0, at: start.toISOString() },
    ...(talked ? [{ ...base, event: 'answered' as const, sequence: 1, at: answeredAt.toISOString() }] : []),
    {
      ...base,
      event: 'ended',
      sequence: 2,
      at: end.toISOString(),
      ...(duration !== undefined ? { duration: talked ? duration : 0 } : {}),
      ...(talked ? {} : { cause: 'no answer' }),
    },
  ];
}

/** Keeps a 3CX journal entry as the call's events (idempotent: the same entry again changes nothing). */
export async function receiveJournal(
  db: Database,
  input: { connectionId: string; authorization: string | undefined; entry: JournalEntry },
): Promise<ReceivedEvents> {
  const { owner } = await ownerOf(db, input.connectionId, input.authorization);
  if (secondsOf(input.entry.duration) === undefined && input.entry.duration !== undefined)
    throw new AppError('validation_failed', 'The duration must be seconds or hh:mm:ss.', {
      errors: [{ field: 'duration', message: 'Seconds or hh:mm:ss.' }],
    });
  return foldConnectionEvents(db, owner, journalEvents(input.entry));
}
