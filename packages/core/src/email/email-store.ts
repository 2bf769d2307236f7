import { domainToUnicode } from 'node:url';
import type { Tx } from '@rabita/db';
import { principalForMemberIn } from '../auth/members.service.ts';
import { type Principal, servicePrincipal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import type { InboundMail } from '../modules/manifest.ts';
import { registry } from '../modules/registry.ts';
import { createRecordIn } from '../records/create-record.ts';
import { readRecords } from '../records/gate.ts';
import { listRecordsIn } from '../records/list-records.ts';
import { recordsHoldingValues } from '../records/match-records.ts';
import { splitPersonName } from '../records/person-name.ts';
import { workspaceObjects } from '../records/scope.ts';
import { defaultRoles } from '../roles/permissions.ts';
import { memberEmailsIn } from '../workspaces/members.service.ts';
import {
  addToThreads,
  claimEarlyEventsOf,
  hasActiveEnrolments,
  insertAttachments,
  insertBounceEvent,
  insertEventsByMessageId,
  insertLinks,
  insertLocations,
  insertMessages,
  insertSuppression,
  insertThreads,
  mergeThreads,
  type NewMessage,
  refreshThread,
  selectLinksOfThreads,
  selectMailboxAddresses,
  selectMessagesByMessageIds,
  selectSentAmong,
  selectThreadBySubjectExcept,
  selectThreadGraph,
  type ThreadStateRow,
  upsertLinks,
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

/** One message of a batch: where it was found (absent for one Rabita sent) and, for a send, what the sender knows. */
export interface StoreItem {
  location?: StoreLocation | undefined;
  parsed: ParsedMessage;
  send?: SendContext | undefined;
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
  const [stored] = await storeMessages(trx, workspaceId, mailbox, [{ location, parsed, send }], context);
  return stored!;
}

/**
 * Stores a batch of messages with the same results as `storeMessage` on each in turn, in a fixed number of
 * statements: one look-up of the batch's Message-IDs and one of their related threads, threading worked out in
 * memory, one match of every external address, multi-row inserts, one update of the threads' numbers. What stays
 * per message is rare (a subject-only thread, a merge of stored threads, a bounce, an unknown sender to create) or
 * belongs to other modules (mail intakes, and sequence enrolments while any are active). Results are in the
 * items' order.
 */
export async function storeMessages(
  trx: Tx,
  workspaceId: string,
  mailbox: StoreMailbox,
  items: readonly StoreItem[],
  context: StoreContext,
): Promise<Stored[]> {
  const known = new Map(
    (
      await selectMessagesByMessageIds(trx, workspaceId, [...new Set(items.map((i) => i.parsed.messageId))])
    ).map((r) => [r.message_id, r]),
  );
  // New messages in order; a Message-ID stored already, or met earlier in the batch, only gains its location.
  const fresh: Fresh[] = [];
  const firstIn = new Map<string, Fresh>();
  for (const [index, item] of items.entries()) {
    const messageId = item.parsed.messageId;
    if (known.has(messageId) || firstIn.has(messageId)) continue;
    const f = describe(index, item, context.internal);
    firstIn.set(messageId, f);
    fresh.push(f);
  }
  const matches = await matchAddresses(trx, workspaceId, mailbox, fresh, context);
  const threads = await threadMessages(trx, workspaceId, fresh, matches, context);
  const sentBefore = new Set(
    await selectSentAmong(trx, workspaceId, [
      ...new Set(
        fresh.filter((f) => !f.fromInternal && !f.parsed.bounce).flatMap((f) => f.parsed.references),
      ),
    ]),
  );

  await insertThreads(
    trx,
    workspaceId,
    threads.created.map((t) => ({
      id: t.id,
      subject: t.subject,
      subjectKey: t.subjectKey,
      firstAt: t.firstAt,
      lastAt: t.lastAt,
      count: t.count,
      participants: [...t.participants],
    })),
  );
  for (const merge of threads.merges)
    await mergeThreads(
      trx,
      workspaceId,
      merge.keep.id,
      merge.others.map((t) => t.id),
    );
  const inserted = await insertMessages(
    trx,
    workspaceId,
    fresh.map((f) => newMessage(f, mailbox, root(f.thread).id)),
  );
  const lost = fresh.filter((f) => !inserted.has(f.id));
  // Another sync stored some of the same Message-IDs between our look and our insert: theirs are kept.
  const winners = new Map(
    (
      await selectMessagesByMessageIds(trx, workspaceId, [...new Set(lost.map((f) => f.parsed.messageId))])
    ).map((r) => [r.message_id, r]),
  );
  const results = items.map((item, index): Stored => {
    const messageId = item.parsed.messageId;
    const stored = known.get(messageId);
    if (stored) return { id: stored.id, threadId: stored.thread_id, created: false };
    const f = firstIn.get(messageId)!;
    const winner = inserted.has(f.id) ? undefined : winners.get(messageId);
    if (!inserted.has(f.id) && !winner) throw new Error(`Message ${messageId} vanished while being stored.`);
    if (winner) return { id: winner.id, threadId: winner.thread_id, created: false };
    return { id: f.id, threadId: root(f.thread).id, created: f.index === index };
  });
  await insertLocations(
    trx,
    workspaceId,
    items.flatMap((item, index) =>
      item.location ? [{ mailboxId: mailbox.id, ...item.location, messageId: results[index]!.id }] : [],
    ),
  );
  const kept = fresh.filter((f) => inserted.has(f.id));
  // Only mail from the workspace's own addresses can bounce back to it.
  await claimEarlyEventsOf(
    trx,
    workspaceId,
    kept.filter((f) => f.fromInternal).map((f) => ({ messageId: f.parsed.messageId, id: f.id })),
  );
  await insertAttachments(
    trx,
    workspaceId,
    kept.flatMap((f) =>
      f.parsed.attachments.map((a, position) => ({
        messageId: f.id,
        position,
        filename: a.filename,
        contentType: a.contentType,
        size: a.size,
        sha256: a.sha256,
        contentId: a.contentId ?? null,
        inline: a.inline,
        content: a.content.length > 0 ? a.content : null,
      })),
    ),
  );
  const roots = [...new Set(fresh.map((f) => root(f.thread)))];
  const recount = new Set([...roots.filter((t) => t.merged), ...lost.map((f) => root(f.thread))]);
  await addToThreads(
    trx,
    workspaceId,
    roots
      .filter((t) => !t.isNew && !recount.has(t) && t.added.count > 0)
      .map((t) => ({
        id: t.id,
        count: t.added.count,
        firstAt: t.added.firstAt!,
        subject: t.added.subject,
        lastAt: t.added.lastAt!,
        participants: [...t.added.participants],
      })),
  );
  const holding = new Set(kept.map((f) => root(f.thread)));
  for (const t of recount) {
    if (holding.has(t) || !t.isNew) await refreshThread(trx, workspaceId, t.id);
    else {
      // A new thread whose every message another sync stored first is left empty: it goes, as into the winner's.
      const winner = winners.get(lost.find((f) => root(f.thread) === t)!.parsed.messageId)!;
      await mergeThreads(trx, workspaceId, winner.thread_id, [t.id]);
    }
  }

  const inbound = kept.filter((f) => !f.fromInternal);
  for (const f of inbound) if (f.parsed.bounce) await recordBounce(trx, workspaceId, f.parsed, f.sentAt);
  for (const f of inbound)
    if (!f.parsed.bounce && f.parsed.from && (await enrolmentsActive(trx, workspaceId, context)))
      await stopOnInbound(trx, workspaceId, f.parsed, context);
  // A reply to a sent message: sent before this one (stored earlier, or earlier in the batch).
  const sentIn = new Map(kept.filter((f) => f.direction === 'out').map((f) => [f.parsed.messageId, f.index]));
  await insertEventsByMessageId(
    trx,
    workspaceId,
    inbound
      .filter((f) => !f.parsed.bounce)
      .flatMap((f) =>
        f.parsed.references
          .filter((r) => sentBefore.has(r) || (sentIn.get(r) ?? Number.POSITIVE_INFINITY) < f.index)
          .map((messageId) => ({
            messageId,
            kind: f.parsed.autoReply ? ('auto_reply' as const) : ('reply' as const),
            at: f.sentAt,
            machine: false,
            detail: { from: f.parsed.from?.address ?? null },
          })),
      ),
  );
  await upsertLinks(
    trx,
    workspaceId,
    kept.flatMap((f) => linkRows(f, [...f.links.values()])),
  );
  await takeIn(trx, workspaceId, mailbox, kept);
  return results;
}

/** A new message of a batch, with what storing it works out. */
interface Fresh {
  /** Its position among the batch's items (the order messages are stored in). */
  index: number;
  item: StoreItem;
  parsed: ParsedMessage;
  id: string;
  sentAt: Date;
  participants: string[];
  external: string[];
  fromInternal: boolean;
  direction: 'in' | 'out' | 'internal';
  /** The people holding its external addresses (and the one created for its sender). */
  personIds: string[];
  /** The person created for its unknown sender. */
  createdPerson?: string | undefined;
  /** The thread it joined, when it joined it (merges later move it: `root`). */
  thread: ThreadState;
  links: LinkMap;
}

function describe(index: number, item: StoreItem, internal: Set<string>): Fresh {
  const parsed = item.parsed;
  const participants = participantsOf(parsed);
  const fromInternal = parsed.from ? internal.has(parsed.from.address) : false;
  const external = participants.filter((a) => !internal.has(a));
  return {
    index,
    item,
    parsed,
    id: newId(),
    sentAt: parsed.date && !Number.isNaN(parsed.date.getTime()) ? parsed.date : new Date(),
    participants,
    external,
    fromInternal,
    direction: external.length === 0 ? 'internal' : fromInternal ? 'out' : 'in',
    personIds: [],
    thread: undefined as unknown as ThreadState,
    links: new Map(),
  };
}

function newMessage(f: Fresh, mailbox: StoreMailbox, threadId: string): NewMessage {
  const p = f.parsed;
  return {
    id: f.id,
    messageId: p.messageId,
    synthesised: p.messageIdSynthesised,
    threadId,
    subject: p.subject,
    fromAddress: p.from?.address ?? null,
    fromName: p.from?.name || null,
    recipients: { to: p.to, cc: p.cc, bcc: p.bcc, replyTo: p.replyTo },
    participants: f.participants,
    sentAt: f.sentAt,
    inReplyTo: p.inReplyTo ?? null,
    refs: p.references,
    snippet: p.snippet,
    bodyText: p.text,
    bodyHtml: p.html ?? null,
    size: p.size,
    tooLarge: p.tooLarge,
    autoReply: p.autoReply,
    bounce: p.bounce,
    direction: f.direction,
    sentByUserId: f.item.send?.sentByUserId ?? null,
    mailboxId: mailbox.id,
  };
}

function linkRows(f: Fresh, links: Link[]) {
  const threadId = root(f.thread).id;
  return links.map((l) => ({ ...l, messageId: f.id, threadId, sentAt: f.sentAt }));
}

/** The links mail intakes make (`linkMessageToRecord`) while a batch's store hands them a message. */
const linkedByIntakes = new WeakMap<Tx, Link[]>();

/**
 * Mail from outside that a sync found (not one Rabita sent) goes, message by message in order, to the modules
 * that take mail in. A record one of them links a message to (the ticket it opened) reaches the batch's later
 * messages of the same thread, as it would had they been stored after it.
 */
async function takeIn(trx: Tx, workspaceId: string, mailbox: StoreMailbox, kept: Fresh[]): Promise<void> {
  const intakes = registry().mailIntakes;
  if (intakes.length === 0) return;
  for (const [position, f] of kept.entries()) {
    if (!f.item.location || f.fromInternal || f.item.send || f.external.length === 0) continue;
    const thread = root(f.thread);
    const mail: InboundMail = {
      id: f.id,
      threadId: thread.id,
      messageId: f.parsed.messageId,
      mailbox: { id: mailbox.id, address: mailbox.address },
      subject: f.parsed.subject,
      from: f.parsed.from
        ? { address: f.parsed.from.address, name: f.parsed.from.name || undefined }
        : undefined,
      to: f.parsed.to.map((a) => a.address),
      cc: f.parsed.cc.map((a) => a.address),
      text: f.parsed.text,
      sentAt: f.sentAt,
      autoReply: f.parsed.autoReply,
      bounce: f.parsed.bounce !== undefined,
      links: [...f.links.values()]
        .filter((l) => l.how !== 'suggested')
        .map((l) => ({ object: l.objectKey, recordId: l.recordId })),
    };
    const linked: Link[] = [];
    linkedByIntakes.set(trx, linked);
    try {
      for (const intake of intakes) await intake.take({ trx, workspaceId }, mail);
    } finally {
      linkedByIntakes.delete(trx);
    }
    const gained = linked.filter((l) => !thread.links.has(linkKey(l)));
    const later = kept.slice(position + 1).filter((g) => g.external.length > 0 && root(g.thread) === thread);
    if (gained.length === 0 || later.length === 0) continue;
    for (const l of gained) thread.links.set(linkKey(l), l);
    for (const g of later) for (const l of gained) g.links.set(linkKey(l), l);
    await upsertLinks(
      trx,
      workspaceId,
      later.flatMap((g) => linkRows(g, gained)),
    );
  }
}

// Threading a batch in memory: every thread it touches, with the numbers `addToThreads` keeps, merged as
// `mergeThreads` would (a thread merged into another points at it; `root` follows).

type Link = { objectKey: string; recordId: string; how: 'address' | 'thread' | 'context' | 'suggested' };
type LinkMap = Map<string, Link>;

const linkKey = (l: { objectKey: string; recordId: string }) => `${l.objectKey}:${l.recordId}`;

/** Adds a link unless its record is linked already (a suggestion gives way to any other). */
function addLink(links: LinkMap, link: Link): void {
  const had = links.get(linkKey(link));
  if (!had || had.how === 'suggested') links.set(linkKey(link), link);
}

interface ThreadState {
  id: string;
  /** Created by this batch (inserted with its numbers counted). */
  isNew: boolean;
  firstAt: Date;
  lastAt: Date;
  participants: Set<string>;
  subject: string;
  subjectKey: string;
  count: number;
  /** The records its messages are linked to (suggestions left out): a new message of the thread inherits them. */
  links: LinkMap;
  /** The thread it was merged into. */
  into?: ThreadState | undefined;
  /** Another thread was merged into it: its numbers are recounted from its messages. */
  merged: boolean;
  /** Messages or links of it are in the database, so merging it away is a statement. */
  stored: boolean;
  /** What the batch added to a stored thread, for one update. */
  added: { count: number; firstAt?: Date; subject: string; lastAt?: Date; participants: Set<string> };
}

function root(thread: ThreadState): ThreadState {
  let t = thread;
  while (t.into) t = t.into;
  return t;
}

function storedThread(row: ThreadStateRow): ThreadState {
  return {
    id: row.thread_id,
    isNew: false,
    firstAt: row.first_at,
    lastAt: row.last_at,
    participants: new Set(row.participants),
    subject: '',
    subjectKey: row.subject_key,
    count: row.message_count,
    links: new Map(),
    merged: false,
    stored: true,
    added: { count: 0, subject: '', participants: new Set() },
  };
}

/** A message added to the thread's state: one older than the thread's first gives it its subject. */
function addToState(t: ThreadState, f: Fresh): void {
  const at = f.sentAt.getTime();
  if (t.count === 0 || at < t.firstAt.getTime()) t.subject = f.parsed.subject;
  t.count += 1;
  if (at < t.firstAt.getTime()) t.firstAt = f.sentAt;
  if (at > t.lastAt.getTime()) t.lastAt = f.sentAt;
  for (const a of f.participants) t.participants.add(a);
  const added = t.added;
  added.count += 1;
  if (!added.firstAt || at < added.firstAt.getTime()) {
    added.firstAt = f.sentAt;
    added.subject = f.parsed.subject;
  }
  if (!added.lastAt || at > added.lastAt.getTime()) added.lastAt = f.sentAt;
  for (const a of f.participants) added.participants.add(a);
}

/** The threads a batch wrote: new ones to insert, and merges of stored threads in the order they happened. */
interface Threading {
  created: ThreadState[];
  merges: { keep: ThreadState; others: ThreadState[] }[];
}

/**
 * Threads each new message as `storeMessage` would, in order, and works out its links (its thread's, then its
 * people's, their companies' and deals'), so a later message of the batch inherits an earlier one's.
 */
async function threadMessages(
  trx: Tx,
  workspaceId: string,
  fresh: Fresh[],
  matches: Matches,
  context: StoreContext,
): Promise<Threading> {
  const threads = new Map<string, ThreadState>();
  const byMessageId = new Map<string, ThreadState>();
  const byRef = new Map<string, ThreadState[]>();
  const track = async (rows: ThreadStateRow[]) => {
    const added: string[] = [];
    for (const row of rows)
      if (!threads.has(row.thread_id)) {
        threads.set(row.thread_id, storedThread(row));
        added.push(row.thread_id);
      }
    for (const l of await selectLinksOfThreads(trx, workspaceId, added))
      threads.get(l.thread_id)!.links.set(linkKey({ objectKey: l.object_key, recordId: l.record_id }), {
        objectKey: l.object_key,
        recordId: l.record_id,
        how: 'thread',
      });
  };
  const graph = await selectThreadGraph(
    trx,
    workspaceId,
    fresh.map((f) => f.parsed.messageId),
    [...new Set(fresh.flatMap((f) => f.parsed.references))],
  );
  await track(graph);
  for (const row of graph) {
    const thread = threads.get(row.thread_id)!;
    if (row.kind === 'id') byMessageId.set(row.key, thread);
    else byRef.set(row.key, [...(byRef.get(row.key) ?? []), thread]);
  }

  const out: Threading = { created: [], merges: [] };
  for (const [position, f] of fresh.entries()) {
    const p = f.parsed;
    const related = [
      ...new Set(
        [...p.references.map((r) => byMessageId.get(r)), ...(byRef.get(p.messageId) ?? [])]
          .filter((t): t is ThreadState => t !== undefined)
          .map(root),
      ),
    ].sort((a, b) => a.firstAt.getTime() - b.firstAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    let thread = related[0];
    if (thread) {
      const others = related.slice(1);
      for (const other of others) {
        other.into = thread;
        if (other.firstAt < thread.firstAt) thread.firstAt = other.firstAt;
        if (other.lastAt > thread.lastAt) thread.lastAt = other.lastAt;
        for (const a of other.participants) thread.participants.add(a);
        for (const l of other.links.values())
          if (!thread.links.has(linkKey(l))) thread.links.set(linkKey(l), l);
        thread.count += other.count;
        thread.merged = true;
      }
      const stored = others.filter((t) => t.stored);
      if (stored.length > 0) {
        out.merges.push({ keep: thread, others: stored });
        thread.stored = true;
        if (thread.isNew && !out.created.includes(thread)) out.created.push(thread);
      }
    } else {
      const bySubject = await threadBySubject(trx, workspaceId, f, threads);
      if (bySubject && !threads.has(bySubject.thread_id)) await track([bySubject]);
      thread = bySubject ? threads.get(bySubject.thread_id)! : undefined;
      if (!thread) {
        thread = {
          id: newId(),
          isNew: true,
          firstAt: f.sentAt,
          lastAt: f.sentAt,
          participants: new Set(),
          subject: p.subject,
          subjectKey: threadSubjectKey(p.subject),
          count: 0,
          links: new Map(),
          merged: false,
          stored: false,
          added: { count: 0, subject: '', participants: new Set() },
        };
        threads.set(thread.id, thread);
      }
    }
    addToState(thread, f);
    f.thread = thread;
    byMessageId.set(p.messageId, thread);
    for (const r of p.references) byRef.set(r, [...(byRef.get(r) ?? []), thread]);

    if (f.external.length > 0) f.links = linksOf(f, thread, matches, context);
    for (const l of f.links.values())
      if (l.how !== 'suggested') thread.links.set(linkKey(l), { ...l, how: 'thread' });
    // A person created for this sender is linked to the mail already stored with the address (`rematch.ts`).
    if (f.createdPerson) {
      const person: Link = { objectKey: 'people', recordId: f.createdPerson, how: 'address' };
      for (const g of fresh.slice(0, position))
        if (g.direction !== 'internal' && g.participants.includes(p.from!.address)) {
          addLink(g.links, person);
          root(g.thread).links.set(linkKey(person), { ...person, how: 'thread' });
        }
    }
  }
  // A new thread merged into another holds nothing; it is inserted only when a merge of stored threads used it.
  for (const t of threads.values()) if (t.isNew && !t.into && !out.created.includes(t)) out.created.push(t);
  return out;
}

/**
 * The thread a reply-looking message without references joins by subject (Re/Fwd stripped), shared participants
 * and time: among the threads the batch holds (their state as it is now) and the stored ones it does not.
 */
async function threadBySubject(
  trx: Tx,
  workspaceId: string,
  f: Fresh,
  threads: Map<string, ThreadState>,
): Promise<ThreadStateRow | undefined> {
  const p = f.parsed;
  const key = threadSubjectKey(p.subject);
  if (!key || p.references.length > 0 || key === p.subject.trim().toLowerCase()) return undefined;
  const at = f.sentAt.getTime();
  const week = 7 * 86_400_000;
  const fits = (t: ThreadState) =>
    !t.into &&
    t.subjectKey === key &&
    t.lastAt.getTime() > at - week &&
    t.firstAt.getTime() < at + week &&
    f.participants.some((a) => t.participants.has(a));
  const held = [...threads.values()].filter(fits).sort((a, b) => b.lastAt.getTime() - a.lastAt.getTime())[0];
  const stored = await selectThreadBySubjectExcept(trx, workspaceId, key, f.participants, f.sentAt, [
    ...threads.keys(),
  ]);
  if (held && (!stored || held.lastAt.getTime() >= stored.last_at.getTime()))
    return {
      thread_id: held.id,
      first_at: held.firstAt,
      last_at: held.lastAt,
      participants: [...held.participants],
      subject_key: held.subjectKey,
      message_count: held.count,
    };
  return stored;
}

/** A delivery report's event on the message Rabita sent; a hard bounce stops further mail to the address. */
async function recordBounce(trx: Tx, workspaceId: string, parsed: ParsedMessage, at: Date): Promise<void> {
  if (!parsed.bounce) return;
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
}

/** Mail from a person enrolled in a sequence (or a colleague at their company) stops or pauses the enrolment. */
async function stopOnInbound(
  trx: Tx,
  workspaceId: string,
  parsed: ParsedMessage,
  context: StoreContext,
): Promise<void> {
  const sender = parsed.from?.address;
  if (!sender) return;
  const personIds = await peopleWith(trx, workspaceId, sender, context);
  if (personIds.length === 0) return;
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
  await enrolmentsOnInbound(trx, workspaceId, { personIds, companyPersonIds: colleagues }, parsed.autoReply);
}

/**
 * The people object, taken once per store context from the objects kept for the transaction's metadata version
 * (read from the database only when that version changed: three statements a store otherwise).
 */
async function peopleObject(trx: Tx, workspaceId: string, context?: StoreContext): Promise<ObjectDef> {
  if (context?.people) return context.people;
  const people = (await workspaceObjects(trx, workspaceId)).find((o) => o.key === 'people');
  if (!people) throw new AppError('not_found', 'There is no object "people".');
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

/** A reader of every record, for matching: links are found for all, and each reader sees them through the gate. */
function matcher(workspaceId: string): Principal {
  return servicePrincipal(workspaceId, {
    id: 'email-matching',
    key: 'admin',
    name: 'Email matching',
    permissions: defaultRoles().admin.permissions,
  });
}

/** What matching found for a batch: each person's company, and each person's open deals. */
interface Matches {
  companyOf: Map<string, string>;
  dealsOf: Map<string, string[]>;
}

/**
 * Finds the people holding a batch's external addresses in one look-up (creating, in order, a person for each
 * unknown sender when the mailbox creates people: a later message from the same sender finds them), then their
 * companies and open deals in one read each.
 */
async function matchAddresses(
  trx: Tx,
  workspaceId: string,
  mailbox: StoreMailbox,
  fresh: Fresh[],
  context: StoreContext,
): Promise<Matches> {
  const matches: Matches = { companyOf: new Map(), dealsOf: new Map() };
  const matched = fresh.filter((f) => f.external.length > 0);
  if (matched.length === 0) return matches;
  const reader = matcher(workspaceId);
  const people = await peopleObject(trx, workspaceId, context);
  context.dealsLinkable ??= (await workspaceObjects(trx, workspaceId)).some(
    (o) => o.key === 'deals' && o.fields.some((f) => f.key === 'primaryPerson'),
  );
  // A person's address may be stored with its domain in Unicode (`info@مثال.إختبار`) or in punycode.
  const found = await recordsHoldingValues(trx, reader, people, 'emails', [
    ...new Set(matched.flatMap((f) => f.external.flatMap((a) => [a, unicodeForm(a)]))),
  ]);
  const created = new Map<string, string>();
  const holders = (address: string) =>
    [address, unicodeForm(address)].flatMap((a) => [
      ...(found.get(a) ?? []),
      ...(created.has(a) ? [created.get(a)!] : []),
    ]);
  for (const f of matched) {
    f.personIds = [...new Set(f.external.flatMap(holders))];
    const sender = f.parsed.from?.address;
    if (
      sender &&
      mailbox.createPeople &&
      holders(sender).length === 0 &&
      f.external.includes(sender) &&
      !f.parsed.autoReply &&
      !f.parsed.bounce &&
      mailbox.ownerUserId
    ) {
      const person = await createSender(trx, workspaceId, mailbox.ownerUserId, f.parsed);
      if (person) {
        f.personIds.push(person);
        f.createdPerson = person;
        created.set(sender, person);
        created.set(unicodeForm(sender), person);
      }
    }
  }
  const personIds = [...new Set(matched.flatMap((f) => f.personIds))];
  if (personIds.length === 0) return matches;
  for (const [id, view] of await readRecords(trx, reader, 'people', personIds, { fields: ['company'] })) {
    const company = (view as Record<string, unknown>).company;
    const companyId = typeof company === 'string' ? company : (company as { id?: string } | null)?.id;
    if (companyId) matches.companyOf.set(id, companyId);
  }
  if (context.dealsLinkable === false) return matches;
  // Every person's open deals: a person with exactly one is linked to it, more are suggestions.
  for (let i = 0; i < personIds.length; i += 100) {
    const deals = await listRecordsIn(trx, reader, 'deals', {
      filter: {
        and: [
          { field: 'primaryPerson', op: 'in', value: personIds.slice(i, i + 100) },
          { field: 'status', op: 'eq', value: 'open' },
        ],
      },
      fields: ['id', 'primaryPerson'],
      limit: 1000,
    });
    for (const deal of deals.data) {
      const person = String((deal as Record<string, unknown>).primaryPerson);
      matches.dealsOf.set(person, [...(matches.dealsOf.get(person) ?? []), String(deal.id)]);
    }
  }
  return matches;
}

/** A message's links: its thread's, the send's record, its people, their companies, and their one open deal. */
function linksOf(f: Fresh, thread: ThreadState, matches: Matches, context: StoreContext): LinkMap {
  const links: LinkMap = new Map();
  for (const l of thread.links.values()) addLink(links, { ...l, how: 'thread' });
  const record = f.item.send?.record;
  if (record) addLink(links, { objectKey: record.object, recordId: record.id, how: 'context' });
  for (const id of f.personIds) addLink(links, { objectKey: 'people', recordId: id, how: 'address' });
  if (f.personIds.length === 0) return links;
  for (const id of f.personIds) {
    const company = matches.companyOf.get(id);
    if (company) addLink(links, { objectKey: 'companies', recordId: company, how: 'address' });
  }
  const hasDeal = [...links.values()].some((l) => l.objectKey === 'deals' && l.how !== 'suggested');
  if (!hasDeal && context.dealsLinkable !== false)
    for (const person of f.personIds.slice(0, 100)) {
      const ids = matches.dealsOf.get(person) ?? [];
      for (const id of ids)
        addLink(links, { objectKey: 'deals', recordId: id, how: ids.length === 1 ? 'address' : 'suggested' });
    }
  return links;
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
  linkedByIntakes.get(trx)?.push({ objectKey: record.object, recordId: record.id, how: 'thread' });
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
