import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { newId } from '../ids.ts';
import { assertAllowed } from '../records/access.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { updateRecordIn } from '../records/update-record.ts';
import {
  insertMessage,
  type MessageKind,
  messagesPage,
  stampFirstResponse,
  type TicketMessage,
  ticketState,
} from './conversation.repository.ts';
import { deskPrincipal } from './desk-principal.ts';
import { mailReply } from './mail-desk.ts';
import { onTicketMessage } from './sla-desk.ts';

export interface NewMessage {
  kind: MessageKind;
  body: string;
  /** Sent by a machine (an auto-reply, a bot): never a first response, never reopens or wakes a ticket. */
  automatic?: boolean | undefined;
  /** A status to set with the message ("reply and set pending customer"); otherwise the usual move. */
  status?: string | undefined;
  /** The email the customer's message came in as (set by mail intake only). */
  emailMessageId?: string | undefined;
}

/** Statuses a customer's own message moves back to open: they were waiting for the customer, or done. */
const WAKES_ON_CUSTOMER = new Set(['pending_customer', 'resolved']);

/** A page of the ticket's conversation, newest first; the caller must be able to read the ticket. */
export function listMessages(
  ctx: ServiceContext,
  ticketId: string,
  page: { limit: number; before?: string | undefined },
): Promise<{ data: TicketMessage[]; nextCursor: string | null }> {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const seen = await readRecords(trx, ctx.principal, 'tickets', [ticketId], { fields: ['id'] });
    assertSeen(seen.has(ticketId), 'tickets', ticketId);
    const data = await messagesPage(trx, workspaceId, ticketId, { ...page, limit: page.limit + 1 });
    const more = data.length > page.limit;
    return { data: data.slice(0, page.limit), nextCursor: more ? data[page.limit - 1]!.id : null };
  });
}

/**
 * Adds a reply, a note or the customer's message to a ticket the caller may update, and moves the ticket as a
 * desk would: the first public reply by a person stamps the first response and opens a new ticket; the
 * customer's message reopens a ticket waiting for them or resolved (a closed ticket stays closed: it is final);
 * automatic messages and notes move nothing. Status changes go through the record engine, so they are audited,
 * published and seen by workflows like any edit.
 */
export function addMessage(ctx: ServiceContext, ticketId: string, input: NewMessage): Promise<TicketMessage> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  return inWorkspace(ctx, (trx, workspaceId) =>
    addMessageIn(trx, ctx.principal, workspaceId, ticketId, input),
  );
}

/** `addMessage` inside a workspace transaction the caller opened (a macro's reply and note with its changes). */
export async function addMessageIn(
  trx: Tx,
  principal: Principal,
  workspaceId: string,
  ticketId: string,
  input: NewMessage,
): Promise<TicketMessage> {
  assertAllowed(principal, 'tickets', 'update');
  const seen = await readRecords(trx, principal, 'tickets', [ticketId], { fields: ['id'] });
  const ticket = seen.has(ticketId) ? await ticketState(trx, workspaceId, ticketId) : undefined;
  assertSeen(ticket !== undefined, 'tickets', ticketId);
  const automatic = input.automatic === true;
  const message = await insertMessage(trx, workspaceId, {
    id: newId(),
    ticketId,
    kind: input.kind,
    body: input.body,
    authorUserId: input.kind === 'customer' ? null : principal.userId,
    authorPersonId: input.kind === 'customer' ? ticket!.requesterId : null,
    automatic,
    emailMessageId: input.emailMessageId,
  });
  if (input.kind === 'reply' && !automatic) {
    await stampFirstResponse(trx, workspaceId, ticketId);
    // The requester reads it by email, sent once this commits.
    message.outboxId = (await mailReply(trx, principal, workspaceId, ticketId, message)) ?? null;
  }
  // A status the caller asked for is their own edit, within their rights.
  if (input.status !== undefined && input.status !== ticket!.status)
    await updateRecordIn(trx, principal, 'tickets', ticketId, { status: input.status });
  else if (input.status === undefined && !automatic) {
    const move =
      (input.kind === 'reply' && ticket!.status === 'new') ||
      (input.kind === 'customer' && WAKES_ON_CUSTOMER.has(ticket!.status));
    // The usual move is the desk's, not the caller's: made by the desk even when the caller may not edit the
    // status field itself.
    if (move) await updateRecordIn(trx, deskPrincipal(workspaceId), 'tickets', ticketId, { status: 'open' });
  }
  // After the status moves, so a customer's message that reopens a resolved ticket starts a next-response cycle.
  if (!automatic && input.kind !== 'note') await onTicketMessage(trx, workspaceId, ticketId, input.kind);
  return message;
}
