import { epochSeconds, type Tx, withUtcTexts } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';

export type MessageKind = 'reply' | 'note' | 'customer';

export interface TicketMessage {
  id: string;
  ticketId: string;
  kind: MessageKind;
  body: string;
  authorUserId: string | null;
  authorPersonId: string | null;
  automatic: boolean;
  /** The email it came in as (a customer's mail to a desk mailbox). */
  emailMessageId: string | null;
  /** The send carrying a public reply to the requester by email. */
  outboxId: string | null;
  createdAt: string;
}

const columns = (createdAt: RawBuilder<unknown>) => sql`id, ticket_id, kind, body, author_user_id,
  author_person_id, automatic, email_message_id, outbox_id, ${createdAt} as created_at`;
const COLUMNS = columns(sql`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);
// What a write returns: the time as seconds, written by `withUtcTexts` (a cluster takes no `to_char` in `returning`).
const COLUMNS_RETURNED = columns(epochSeconds('created_at'));

export async function insertMessage(
  trx: Tx,
  workspaceId: string,
  m: Omit<TicketMessage, 'createdAt' | 'emailMessageId' | 'outboxId'> & {
    emailMessageId?: string | undefined;
  },
): Promise<TicketMessage> {
  const { rows } = await sql<TicketMessage>`
    insert into ticket_messages (workspace_id, id, ticket_id, kind, body, author_user_id, author_person_id, automatic,
      email_message_id)
    values (${workspaceId}, ${m.id}, ${m.ticketId}, ${m.kind}, ${m.body}, ${m.authorUserId}, ${m.authorPersonId},
      ${m.automatic}, ${m.emailMessageId ?? null})
    returning ${COLUMNS_RETURNED}`.execute(trx);
  return withUtcTexts(rows[0]!, ['createdAt'], 6);
}

/** Notes the send that carries a reply out by email. */
export async function setMessageOutbox(
  trx: Tx,
  workspaceId: string,
  id: string,
  outboxId: string,
): Promise<void> {
  await sql`update ticket_messages set outbox_id = ${outboxId} where workspace_id = ${workspaceId} and id = ${id}`.execute(
    trx,
  );
}

/** The latest email the customer wrote on the ticket, which a reply by email answers. */
export async function lastCustomerEmail(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<string | undefined> {
  const { rows } = await sql<{ emailMessageId: string }>`
    select email_message_id from ticket_messages
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId} and email_message_id is not null
    order by created_at desc, id desc limit 1`.execute(trx);
  return rows[0]?.emailMessageId;
}

/** Whether an email is already on a ticket's conversation (a mail seen again by a second mailbox). */
export async function hasEmailMessage(
  trx: Tx,
  workspaceId: string,
  emailMessageId: string,
): Promise<boolean> {
  const { rows } = await sql`
    select 1 from ticket_messages where workspace_id = ${workspaceId} and email_message_id = ${emailMessageId}`.execute(
    trx,
  );
  return rows.length > 0;
}

/** A page of a ticket's messages, newest first, strictly before the message `before` when given. */
export async function messagesPage(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  page: { limit: number; before?: string | undefined },
): Promise<TicketMessage[]> {
  const after = page.before
    ? sql`and (m.created_at, m.id) < (select b.created_at, b.id from ticket_messages b
        where b.workspace_id = ${workspaceId} and b.ticket_id = ${ticketId} and b.id = ${page.before})`
    : sql``;
  const { rows } = await sql<TicketMessage>`
    select ${COLUMNS} from ticket_messages m
    where m.workspace_id = ${workspaceId} and m.ticket_id = ${ticketId} ${after}
    order by m.created_at desc, m.id desc
    limit ${page.limit}`.execute(trx);
  return rows;
}

/** Stamps the ticket's first response, once. */
export async function stampFirstResponse(trx: Tx, workspaceId: string, ticketId: string): Promise<void> {
  await sql`
    update tickets set first_response_at = now()
    where workspace_id = ${workspaceId} and id = ${ticketId} and first_response_at is null`.execute(trx);
}

/** The live ticket's status and requester as stored (the desk's own rules read them whatever the caller sees). */
export async function ticketState(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<{ status: string; requesterId: string | null } | undefined> {
  const { rows } = await sql<{ status: string; requesterId: string | null }>`
    select status, requester_id from tickets
    where workspace_id = ${workspaceId} and id = ${ticketId} and deleted_at is null
    for update`.execute(trx);
  return rows[0];
}
