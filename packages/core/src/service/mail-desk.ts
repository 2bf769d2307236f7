import { rememberedIn, type Tx } from '@rabita/db';
import { can, type Principal, servicePrincipal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { linkMessageToRecord } from '../email/email-store.ts';
import { sharedMailboxOrFail, takesMail, visibleText, withSharedMailboxes } from '../email/mail-intake.ts';
import { replySubject } from '../email/messages.service.ts';
import { queueWorkspaceSend } from '../email/outbox.service.ts';
import { AppError } from '../errors/app-error.ts';
import { loadObject } from '../metadata/metadata.service.ts';
import type { InboundMail } from '../modules/manifest.ts';
import { createRecordIn } from '../records/create-record.ts';
import { readRecords } from '../records/gate.ts';
import { listRecordsIn } from '../records/list-records.ts';
import {
  hasEmailMessage,
  lastCustomerEmail,
  setMessageOutbox,
  type TicketMessage,
} from './conversation.repository.ts';
import { addMessageIn } from './conversation.service.ts';
import * as repo from './mail.repository.ts';
import { findOrAddRequester } from './requester.ts';

/** Channels whose public replies reach the requester by email. */
const EMAILED_CHANNELS = new Set(['email', 'web_form', 'portal', 'api']);

/**
 * The principal mail intake writes as: no person; reads and writes tickets, finds people by address and adds the
 * unknown sender as a person. Nothing else.
 */
function intakePrincipal(workspaceId: string): Principal {
  return servicePrincipal(workspaceId, {
    id: '00000000-0000-0000-0000-000000000000',
    key: 'serviceMail',
    name: 'Service desk mail',
    permissions: {
      actions: [],
      objects: {
        tickets: { read: true, create: true, update: true, delete: false },
        people: { read: true, create: true, update: false, delete: false },
      },
    },
  });
}

/** The language a customer wrote in, by its letters: Persian-only letters, else Arabic script, else English. */
export function languageOf(text: string): 'fa' | 'ar' | 'en' {
  if (/[\u067e\u0686\u0698\u06af\u06a9\u06cc]/.test(text)) return 'fa';
  if (/[\u0600-\u06ff]/.test(text)) return 'ar';
  return 'en';
}

/** The addresses of an `emails` value (`[{ address }]`), lower-cased, the primary first as stored. */
export function addressesOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  return value
    .map((e) => (typeof e === 'object' && e !== null ? (e as { address?: unknown }).address : undefined))
    .filter((a): a is string => typeof a === 'string' && a.includes('@'))
    .map((a) => a.toLowerCase());
}

/** The ticket a mail answers: its thread's ticket, else the number in its subject when the sender is the requester. */
async function ticketOf(
  trx: Tx,
  principal: Principal,
  mail: InboundMail,
): Promise<{ id: string; status: string; linked: boolean } | undefined> {
  const linked = mail.links.find((l) => l.object === 'tickets')?.recordId;
  if (linked) {
    const seen = await readRecords(trx, principal, 'tickets', [linked], { fields: ['status'] });
    const status = seen.get(linked)?.status;
    if (typeof status === 'string') return { id: linked, status, linked: true };
  }
  const number = /\[#(\d{1,12})\]/.exec(mail.subject)?.[1];
  const sender = mail.from?.address.toLowerCase();
  if (!number || !sender) return undefined;
  const found = await listRecordsIn(trx, principal, 'tickets', {
    filter: { field: 'number', op: 'eq', value: Number(number) },
    fields: ['id', 'status', 'requester'],
    limit: 1,
  });
  const ticket = found.data[0] as { id: string; status?: unknown; requester?: unknown } | undefined;
  const requester = typeof ticket?.requester === 'string' ? ticket.requester : undefined;
  if (!ticket || !requester) return undefined;
  // A number in a subject is easy to guess: only the requester's own address reaches the ticket by it.
  const person = (await readRecords(trx, principal, 'people', [requester], { fields: ['emails'] })).get(
    requester,
  );
  if (!addressesOf(person?.emails).includes(sender)) return undefined;
  return { id: ticket.id, status: String(ticket.status), linked: false };
}

/**
 * Takes a customer's mail to a desk mailbox: onto its ticket's conversation when it answers one (its thread, or
 * `[#number]` in the subject from the requester's own address), else as a new ticket in the mailbox's queue. An
 * auto-reply joins a ticket as an automatic message (it moves no status and no clock) and never opens one; a bounce
 * is the email module's business; mail dated before the mailbox was turned on (a first sync's history) is left be.
 * A mail answering a closed ticket opens a new one: closed is final.
 */
export async function takeMail(ctx: { trx: Tx; workspaceId: string }, mail: InboundMail): Promise<void> {
  const { trx, workspaceId } = ctx;
  if (mail.bounce || !mail.from) return;
  // Read once per storing transaction: a synced batch hands its messages over one by one.
  const desk = await rememberedIn(trx, `desk-mailbox:${mail.mailbox.id}`, () =>
    repo.selectDeskMailbox(trx, workspaceId, mail.mailbox.id),
  );
  if (!takesMail(desk, mail)) return;
  if (await hasEmailMessage(trx, workspaceId, mail.id)) return;
  const principal = intakePrincipal(workspaceId);
  const body = visibleText(mail.text).slice(0, 100_000) || mail.subject || '…';
  const existing = await ticketOf(trx, principal, mail);
  if (existing && existing.status !== 'closed') {
    await addMessageIn(trx, principal, workspaceId, existing.id, {
      kind: 'customer',
      body,
      automatic: mail.autoReply,
      emailMessageId: mail.id,
    });
    if (!existing.linked)
      await linkMessageToRecord(trx, workspaceId, mail, { object: 'tickets', id: existing.id });
    return;
  }
  if (mail.autoReply) return;
  const requester = await findOrAddRequester(
    trx,
    principal,
    { email: mail.from.address, name: mail.from.name },
    { source: 'system', cause: { kind: 'serviceMail', runId: mail.id, depth: 0 } },
  );
  const ticket = await createRecordIn(
    trx,
    principal,
    'tickets',
    {
      subject: (mail.subject.trim() || body.split('\n')[0] || '…').slice(0, 500),
      requester,
      channel: 'email',
      queue: desk.queue,
      language: languageOf(`${mail.subject}\n${body}`),
    },
    { source: 'system', cause: { kind: 'serviceMail', runId: mail.id, depth: 0 } },
  );
  const ticketId = String(ticket.id);
  await addMessageIn(trx, principal, workspaceId, ticketId, {
    kind: 'customer',
    body,
    emailMessageId: mail.id,
  });
  await linkMessageToRecord(trx, workspaceId, mail, { object: 'tickets', id: ticketId });
}

/**
 * Sends a public reply to the requester by email, from the queue's desk mailbox, once the reply's transaction
 * commits: answering the customer's latest mail (so it threads in their mail program), with the ticket's number in
 * the subject, in the ticket's language and direction. Nothing is sent when the desk has no mailbox, the requester
 * no address, or the ticket came by phone or chat; the reply is recorded either way.
 */
export async function mailReply(
  trx: Tx,
  principal: Principal,
  workspaceId: string,
  ticketId: string,
  message: TicketMessage,
): Promise<string | undefined> {
  if (!principal.userId) return undefined;
  const reader = intakePrincipal(workspaceId);
  const ticket = (
    await readRecords(trx, reader, 'tickets', [ticketId], {
      fields: ['number', 'subject', 'requester', 'queue', 'language', 'channel'],
    })
  ).get(ticketId) as Record<string, unknown> | undefined;
  if (!ticket || !EMAILED_CHANNELS.has(String(ticket.channel))) return undefined;
  const requester = typeof ticket.requester === 'string' ? ticket.requester : undefined;
  if (!requester) return undefined;
  const person = (await readRecords(trx, reader, 'people', [requester], { fields: ['emails'] })).get(
    requester,
  );
  const to = addressesOf(person?.emails)[0];
  if (!to) return undefined;
  const mailboxId = await repo.selectReplyMailbox(trx, workspaceId, (ticket.queue as string | null) ?? null);
  if (!mailboxId) return undefined;
  const tag = `[#${ticket.number}]`;
  const base = replySubject(String(ticket.subject ?? ''));
  const language =
    ticket.language === 'ar' || ticket.language === 'fa' || ticket.language === 'en'
      ? ticket.language
      : undefined;
  const outboxId = await queueWorkspaceSend(trx, workspaceId, {
    userId: principal.userId,
    mailboxId,
    to: [to],
    subject: base.includes(tag) ? base : `${base} ${tag}`,
    text: message.body,
    replyTo: await lastCustomerEmail(trx, workspaceId, ticketId),
    record: { object: 'tickets', id: ticketId },
    language,
  });
  await setMessageOutbox(trx, workspaceId, message.id, outboxId);
  return outboxId;
}

/** A shared mailbox the desk takes tickets in from, as its settings show it. */
export interface DeskMailboxView {
  mailboxId: string;
  name: string;
  address: string;
  /** It can send, so replies go out through it. */
  sends: boolean;
  queue: string;
  enabled: boolean;
  /** Mail dated from this moment on opens tickets. */
  since: string;
}

function assertManager(ctx: ServiceContext): void {
  if (!can(ctx.principal, 'service.channels.manage'))
    throw new AppError(
      'forbidden',
      'Your role may not change where tickets come in (service.channels.manage).',
    );
}

/** The shared mailboxes that open tickets, and their queues (read by anyone who manages channels). */
export async function listDeskMailboxes(ctx: ServiceContext): Promise<DeskMailboxView[]> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) =>
    (await withSharedMailboxes(trx, ws, await repo.selectDeskMailboxes(trx, ws))).map((r) => ({
      ...r,
      since: r.since.toISOString(),
    })),
  );
}

/** Makes a shared mailbox open tickets in a queue (or changes its queue, or turns it off). */
export async function putDeskMailbox(
  ctx: ServiceContext,
  mailboxId: string,
  input: { queue: string; enabled: boolean },
): Promise<DeskMailboxView> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const box = await sharedMailboxOrFail(trx, ws, mailboxId);
    const tickets = await loadObject(trx, ws, 'tickets');
    const queues = tickets.fields.find((f) => f.key === 'queue')?.options?.map((o) => o.value) ?? [];
    if (!queues.includes(input.queue))
      throw new AppError('validation_failed', `There is no queue "${input.queue}".`, {
        errors: [{ field: 'queue', message: `Choose one of the ticket queues: ${queues.join(', ')}.` }],
      });
    const row = await repo.upsertDeskMailbox(trx, ws, { mailboxId: box.id, ...input });
    return {
      mailboxId: box.id,
      name: box.name,
      address: box.address,
      sends: box.sends,
      queue: row.queue,
      enabled: row.enabled,
      since: row.since.toISOString(),
    };
  });
}

/** Stops a mailbox opening tickets (its mail and the tickets it opened stay). */
export async function deleteDeskMailbox(ctx: ServiceContext, mailboxId: string): Promise<void> {
  assertManager(ctx);
  await inWorkspace(ctx, async (trx, ws) => {
    if (!/^[0-9a-f-]{36}$/i.test(mailboxId) || !(await repo.deleteDeskMailbox(trx, ws, mailboxId)))
      throw new AppError('not_found', `The mailbox ${mailboxId} does not open tickets.`);
  });
}
