import { domainToUnicode } from 'node:url';
import type { Tx } from '@rabita/db';
import { principalForMemberIn } from '../auth/members.service.ts';
import { type Principal, servicePrincipal } from '../auth/principal.ts';
import { newId } from '../ids.ts';
import { loadObject, loadObjects } from '../metadata/metadata.service.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { registry } from '../modules/registry.ts';
import { createRecordIn } from '../records/create-record.ts';
import { readRecords } from '../records/gate.ts';
import { listRecordsIn } from '../records/list-records.ts';
import { recordsHoldingValues } from '../records/match-records.ts';
import { splitPersonName } from '../records/person-name.ts';
import { defaultRoles } from '../roles/permissions.ts';
import { memberEmailsIn } from '../workspaces/members.service.ts';
import {
  addToThread,
  claimEarlyEvents,
  hasActiveEnrolments,
  insertAttachment,
  insertBounceEvent,
  insertEventsByMessageId,
  insertLinks,
  insertLocation,
  insertMessage,
  insertSuppression,
  insertThread,
  mergeThreads,
  refreshThread,
  selectMailboxAddresses,
  selectMessageByMessageId,
  selectRelatedThreads,
  selectSentAmong,
  selectThreadBySubject,
  selectThreadLinks,
} from './email.repository.ts';
import { normaliseAddress, type ParsedMessage, threadSubjectKey } from './message-parse.ts';
import { enrolmentsOnInbound, stopEnrolmentsOf } from './sequences.service.ts';

/** The mailbox a message was found in, as the store needs it. */
export interface StoreMailbox {
  id: string;
  address: string;
  ownerUserId: string | null;
  createPeople: boolean;
}

/** Where a message sits on the server (absent for a message Rabita sent and has not yet seen in Sent). */
export interface StoreLocation {
  folder: string;
  uidValidity: string;
  uid: string;
}

/** What the sending side knows about a message it stores itself. */
export interface SendContext {
  sentByUserId: string;
  /** The record the message was written from (its deal links the thread to that deal). */
  record?: { object: string; id: string } | undefined;
}

/**
 * What the messages stored in one transaction share, read once: the workspace's own addresses, the people object,
 * and whether any sequence enrolment is active (inbound mail only then checks whom it stops).
 */
export interface StoreContext {
  internal: Set<string>;
  people?: ObjectDef | undefined;
  activeEnrolments?: boolean | undefined;
  /** False when the workspace has no deals with a primary person to link (a module list without sales). */
  dealsLinkable?: boolean | undefined;
}

/** The result of storing one message. */
export interface Stored {
  id: string;
  threadId: string;
  /** False when the message was already stored (only its location was added). */
  created: boolean;
}

/**
 * Addresses of the workspace itself: its members' and its connected mailboxes'. A thread between them only is
 * internal and is linked to no record.
 */
export async function internalAddresses(trx: Tx, workspaceId: string): Promise<Set<string>> {
  const [members, mailboxes] = await Promise.all([
    memberEmailsIn(trx, workspaceId),
    selectMailboxAddresses(trx, workspaceId),
  ]);
  return new Set([...members, ...mailboxes].map((a) => a.toLowerCase()));
}

/**
 * Stores a message once per workspace: a Message-ID already stored only gains this location. A new message joins
 * the thread of any message it references or that references it (threads it bridges merge into the oldest), or
 * failing that a recent thread with the same subject and participants; then it is linked to the people with its
 * external addresses, their companies, and a deal when the thread or the send says so.
 */
export async function storeMessage(
  trx: Tx,
  workspaceId: string,
  mailbox: StoreMailbox,
  location: StoreLocation | undefined,
  parsed: ParsedMessage,
  context: StoreContext,
  send?: SendContext,
): Promise<Stored> {
  const { internal } = context;
  const existing = await selectMessageByMessageId(trx, workspaceId, parsed.messageId);
  if (existing) {
    if (location)
      await insertLocation(trx, workspaceId, { mailboxId: mailbox.id, ...location, messageId: existing.id });
    return { id: existing.id, threadId: existing.thread_id, created: false };
  }
  const participants = participantsOf(parsed);
  const sentAt = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : new Date();
  const thread = await chooseThread(trx, workspaceId, parsed, participants, sentAt);
  const threadId = thread.id;
  const fromInternal = parsed.from ? internal.has(parsed.from.address) : false;
  const external = participants.filter((a) => !internal.has(a));
  const id = newId();
  const inserted = await insertMessage(trx, workspaceId, {
    id,
    messageId: parsed.messageId,
    synthesised: parsed.messageIdSynthesised,
    threadId,
    subject: parsed.subject,
    fromAddress: parsed.from?.address ?? null,
    fromName: parsed.from?.name || null,
    recipients: { to: parsed.to, cc: parsed.cc, bcc: parsed.bcc, replyTo: parsed.replyTo },
    participants,
    sentAt,
    inReplyTo: parsed.inReplyTo ?? null,
    refs: parsed.references,
    snippet: parsed.snippet,
    bodyText: parsed.text,
    bodyHtml: parsed.html ?? null,
    size: parsed.size,
    tooLarge: parsed.tooLarge,
    autoReply: parsed.autoReply,
    bounce: parsed.bounce,
    direction: external.length === 0 ? 'internal' : fromInternal ? 'out' : 'in',
    sentByUserId: send?.sentByUserId ?? null,
    mailboxId: mailbox.id,
  });
  if (!inserted) {
    // Another sync stored the same Message-ID between our look and our insert: keep theirs.
    const winner = await selectMessageByMessageId(trx, workspaceId, parsed.messageId);
    if (!winner) throw new Error(`Message ${parsed.messageId} vanished while being stored.`);
    if (location)
      await insertLocation(trx, workspaceId, { mailboxId: mailbox.id, ...location, messageId: winner.id });
    return { id: winner.id, threadId: winner.thread_id, created: false };
  }
  if (location) await insertLocation(trx, workspaceId, { mailboxId: mailbox.id, ...location, messageId: id });
  // Only mail from the workspace's own addresses can bounce back to it.
  if (fromInternal) await claimEarlyEvents(trx, workspaceId, parsed.messageId, id);
  for (const [position, a] of parsed.attachments.entries()) {
    await insertAttachment(trx, workspaceId, {
      messageId: id,
      position,
      filename: a.filename,
      contentType: a.contentType,
      size: a.size,
      sha256: a.sha256,
      contentId: a.contentId ?? null,
      inline: a.inline,
      content: a.content.length > 0 ? a.content : null,
    });
  }
  if (thread.merged) await refreshThread(trx, workspaceId, threadId);
  else await addToThread(trx, workspaceId, threadId, { at: sentAt, participants, subject: parsed.subject });
  if (!fromInternal) await recordOutcomes(trx, workspaceId, parsed, context);
  if (external.length > 0) {
    const links = await matchRecords(trx, workspaceId, mailbox, parsed, external, threadId, send, context);
    await insertLinks(
      trx,
      workspaceId,
      links.map((l) => ({ ...l, messageId: id, threadId, sentAt })),
    );
    // Mail from outside that a sync found (not one Rabita sent) goes to the modules that take mail in.
    if (location && !fromInternal && !send)
      for (const intake of registry().mailIntakes)
        await intake.take(
          { trx, workspaceId },
          {
            id,
            threadId,
            messageId: parsed.messageId,
            mailbox: { id: mailbox.id, address: mailbox.address },
            subject: parsed.subject,
            from: parsed.from
              ? { address: parsed.from.address, name: parsed.from.name || undefined }
              : undefined,
            to: parsed.to.map((a) => a.address),
            cc: parsed.cc.map((a) => a.address),
            text: parsed.text,
            sentAt,
            autoReply: parsed.autoReply,
            bounce: parsed.bounce !== undefined,
            links: links
              .filter((l) => l.how !== 'suggested')
              .map((l) => ({ object: l.objectKey, recordId: l.recordId })),
          },
        );
  }
  return { id, threadId, created: true };
}

/**
 * What an inbound message says about messages Rabita sent: a delivery report (hard bounces stop further mail to
 * the address), an auto-reply (never a reply, never a bounce), or a reply.
 */
async function recordOutcomes(
  trx: Tx,
  workspaceId: string,
  parsed: ParsedMessage,
  context: StoreContext,
): Promise<void> {
  const at = parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : new Date();
  if (parsed.bounce) {
    const verp = [...parsed.to, ...parsed.cc]
      .map((a) => /^[^@+]+\+rb-([0-9a-f-]{36})@(.+)$/i.exec(a.address))
      .find((m) => m !== null);
    const original = parsed.bounce.originalMessageId ?? (verp ? `${verp[1]}@${verp[2]}` : undefined);
    if (!original) return;
    const hard = parsed.bounce.hard;
    await insertBounceEvent(trx, workspaceId, {
      messageId: original,
      kind: hard ? 'bounce' : 'soft_bounce',
      at,
      machine: false,
      detail: { status: parsed.bounce.status, recipient: parsed.bounce.recipient ?? null },
    });
    const recipient = parsed.bounce.recipient ? normaliseAddress(parsed.bounce.recipient) : undefined;
    if (hard && recipient) {
      await insertSuppression(trx, workspaceId, recipient, `bounce ${parsed.bounce.status}`);
      if (await hasActiveEnrolments(trx, workspaceId))
        await stopEnrolmentsOf(
          trx,
          workspaceId,
          { personIds: await peopleWith(trx, workspaceId, recipient) },
          'bounced',
        );
    }
    return;
  }
  const sender = parsed.from?.address;
  if (sender && (await enrolmentsActive(trx, workspaceId, context))) {
    const personIds = await peopleWith(trx, workspaceId, sender, context);
    if (personIds.length > 0) {
      const reader = matcher(workspaceId);
      const companies = [
        ...(await readRecords(trx, reader, 'people', personIds, { fields: ['company'] })).values(),
      ]
        .map((v) => (v as Record<string, unknown>).company)
        .filter((c): c is string => typeof c === 'string');
      const colleagues = companies.length
        ? (
            await listRecordsIn(trx, reader, 'people', {
              filter: { field: 'company', op: 'in', value: [...new Set(companies)] },
              fields: ['id'],
              limit: 500,
            })
          ).data.map((r) => String(r.id))
        : [];
      await enrolmentsOnInbound(
        trx,
        workspaceId,
        { personIds, companyPersonIds: colleagues },
        parsed.autoReply,
      );
    }
  }
  if (parsed.references.length === 0) return;
  const sent = await selectSentAmong(trx, workspaceId, parsed.references);
  await insertEventsByMessageId(
    trx,
    workspaceId,
    sent.map((messageId) => ({
      messageId,
      kind: parsed.autoReply ? ('auto_reply' as const) : ('reply' as const),
      at,
      machine: false,
      detail: { from: parsed.from?.address ?? null },
    })),
  );
}

/** The people object, read once per store context. */
async function peopleObject(trx: Tx, workspaceId: string, context?: StoreContext): Promise<ObjectDef> {
  if (context?.people) return context.people;
  const people = await loadObject(trx, workspaceId, 'people');
  if (context) context.people = people;
  return people;
}

async function enrolmentsActive(trx: Tx, workspaceId: string, context: StoreContext): Promise<boolean> {
  context.activeEnrolments ??= await hasActiveEnrolments(trx, workspaceId);
  return context.activeEnrolments;
}

/** The people holding an address (in punycode or Unicode form). */
export async function peopleWith(
  trx: Tx,
  workspaceId: string,
  address: string,
  context?: StoreContext,
): Promise<string[]> {
  const people = await peopleObject(trx, workspaceId, context);
  const found = await recordsHoldingValues(trx, matcher(workspaceId), people, 'emails', [
    ...new Set([address, unicodeForm(address)]),
  ]);
  return [...new Set([...found.values()].flat())];
}

/** Every address on the message, normalised, once. */
function participantsOf(parsed: ParsedMessage): string[] {
  const all = [parsed.from, ...parsed.to, ...parsed.cc, ...parsed.bcc, ...parsed.replyTo]
    .map((a) => a?.address)
    .filter((a): a is string => Boolean(a));
  return [...new Set(all)];
}

async function chooseThread(
  trx: Tx,
  workspaceId: string,
  parsed: ParsedMessage,
  participants: string[],
  at: Date,
): Promise<{ id: string; merged: boolean }> {
  const related = await selectRelatedThreads(trx, workspaceId, parsed.messageId, parsed.references);
  const [keep, ...others] = related.map((r) => r.thread_id);
  if (keep) {
    await mergeThreads(trx, workspaceId, keep, others);
    return { id: keep, merged: others.length > 0 };
  }
  const subjectKey = threadSubjectKey(parsed.subject);
  // Subject alone threads only a reply-looking message whose references are all missing (never two new ones).
  if (subjectKey && parsed.references.length === 0 && subjectKey !== parsed.subject.trim().toLowerCase()) {
    const bySubject = await selectThreadBySubject(trx, workspaceId, subjectKey, participants, at);
    if (bySubject) return { id: bySubject, merged: false };
  }
  const id = newId();
  await insertThread(trx, workspaceId, { id, subject: parsed.subject, subjectKey, at });
  return { id, merged: false };
}

/** A reader of every record, for matching: links are found for all, and each reader sees them through the gate. */
function matcher(workspaceId: string): Principal {
  return servicePrincipal(workspaceId, {
    id: 'email-matching',
    key: 'admin',
    name: 'Email matching',
    permissions: defaultRoles().admin.permissions,
  });
}

type Link = { objectKey: string; recordId: string; how: 'address' | 'thread' | 'context' | 'suggested' };

async function matchRecords(
  trx: Tx,
  workspaceId: string,
  mailbox: StoreMailbox,
  parsed: ParsedMessage,
  external: string[],
  threadId: string,
  send: SendContext | undefined,
  context: StoreContext,
): Promise<Link[]> {
  const reader = matcher(workspaceId);
  const links = new Map<string, Link>();
  const add = (link: Link) => {
    const key = `${link.objectKey}:${link.recordId}`;
    const had = links.get(key);
    if (!had || had.how === 'suggested') links.set(key, link);
  };
  for (const l of await selectThreadLinks(trx, workspaceId, threadId))
    add({ objectKey: l.object_key, recordId: l.record_id, how: 'thread' });
  if (send?.record) add({ objectKey: send.record.object, recordId: send.record.id, how: 'context' });

  const people = await peopleObject(trx, workspaceId, context);
  context.dealsLinkable ??= (await loadObjects(trx, workspaceId)).some(
    (o) => o.key === 'deals' && o.fields.some((f) => f.key === 'primaryPerson'),
  );
  // A person's address may be stored with its domain in Unicode (`info@مثال.إختبار`) or in punycode.
  const unicode = new Map(external.map((a) => [unicodeForm(a), a]));
  const found = await recordsHoldingValues(trx, reader, people, 'emails', [
    ...new Set([...external, ...unicode.keys()]),
  ]);
  const byAddress = new Map<string, string[]>();
  for (const [value, ids] of found) {
    const key = unicode.get(value) ?? value;
    byAddress.set(key, [...new Set([...(byAddress.get(key) ?? []), ...ids])]);
  }
  const personIds = [...new Set([...byAddress.values()].flat())];
  const sender = parsed.from?.address;
  if (
    sender &&
    mailbox.createPeople &&
    !byAddress.has(sender) &&
    external.includes(sender) &&
    !parsed.autoReply &&
    !parsed.bounce &&
    mailbox.ownerUserId
  ) {
    const created = await createSender(trx, workspaceId, mailbox.ownerUserId, parsed);
    if (created) personIds.push(created);
  }
  for (const id of personIds) add({ objectKey: 'people', recordId: id, how: 'address' });
  if (personIds.length === 0) return [...links.values()];

  const seen = await readRecords(trx, reader, 'people', personIds, { fields: ['company'] });
  for (const view of seen.values()) {
    const company = (view as Record<string, unknown>).company;
    const companyId = typeof company === 'string' ? company : (company as { id?: string } | null)?.id;
    if (companyId) add({ objectKey: 'companies', recordId: companyId, how: 'address' });
  }
  const hasDeal = [...links.values()].some((l) => l.objectKey === 'deals' && l.how !== 'suggested');
  if (!hasDeal && context.dealsLinkable !== false) {
    // One query for every person's open deals: a person with exactly one is linked to it, more are suggestions.
    const deals = await listRecordsIn(trx, reader, 'deals', {
      filter: {
        and: [
          { field: 'primaryPerson', op: 'in', value: personIds.slice(0, 100) },
          { field: 'status', op: 'eq', value: 'open' },
        ],
      },
      fields: ['id', 'primaryPerson'],
      limit: 200,
    });
    const byPerson = new Map<string, string[]>();
    for (const deal of deals.data) {
      const person = String((deal as Record<string, unknown>).primaryPerson);
      byPerson.set(person, [...(byPerson.get(person) ?? []), String(deal.id)]);
    }
    for (const ids of byPerson.values())
      for (const id of ids)
        add({ objectKey: 'deals', recordId: id, how: ids.length === 1 ? 'address' : 'suggested' });
  }
  return [...links.values()];
}

/** The address with its domain in Unicode (`xn--` labels decoded), lower-cased. */
function unicodeForm(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  const domain = domainToUnicode(address.slice(at + 1));
  return `${address.slice(0, at)}@${domain || address.slice(at + 1)}`.toLowerCase();
}

/**
 * A new person's values for a sender: first and last name from the display name (or the address's local part), a
 * one-word name as the first name alone.
 */
function personFromAddress(address: string, displayName?: string | undefined): Record<string, unknown> {
  const name = (displayName || address.split('@')[0] || '').trim().slice(0, 200);
  return { ...splitPersonName(name), emails: [address] };
}

/** A person for an unknown sender, owned by the mailbox's owner (when the mailbox creates people). */
async function createSender(
  trx: Tx,
  workspaceId: string,
  ownerUserId: string,
  parsed: ParsedMessage,
): Promise<string | undefined> {
  const owner = await principalForMemberIn(trx, ownerUserId, workspaceId);
  if (!owner || !parsed.from) return undefined;
  const view = await createRecordIn(
    trx,
    owner,
    'people',
    personFromAddress(parsed.from.address, parsed.from.name),
    { source: 'system', cause: { kind: 'email', runId: newId(), depth: 1 } },
  );
  return String(view.id);
}

/**
 * Links a stored message (and so its thread: later messages inherit the thread's links) to a record another
 * module made of it, such as the ticket an email opened.
 */
export async function linkMessageToRecord(
  trx: Tx,
  workspaceId: string,
  message: { id: string; threadId: string; sentAt: Date },
  record: { object: string; id: string },
): Promise<void> {
  await insertLinks(trx, workspaceId, [
    {
      objectKey: record.object,
      recordId: record.id,
      messageId: message.id,
      threadId: message.threadId,
      sentAt: message.sentAt,
      how: 'context',
    },
  ]);
}
