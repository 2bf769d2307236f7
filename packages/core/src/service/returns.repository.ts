import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { ReturnState } from './returns-flow.ts';

// SQL of a ticket's return (returns.migrations.ts). Every function takes the workspace transaction first.

export interface ReturnLineRow {
  id: string;
  position: number;
  product: string;
  orderRef: string | null;
  quantity: number;
  reasonCode: string;
  note: string | null;
  createdBy: string | null;
  createdAt: Date;
}

export interface ReturnPhotoRow {
  id: string;
  lineId: string;
  filename: string;
  contentType: string;
  size: number;
  createdBy: string | null;
  createdAt: Date;
}

export interface ReturnEventRow {
  id: string;
  fromState: ReturnState;
  toState: ReturnState;
  note: string | null;
  userId: string | null;
  createdAt: Date;
}

/** The return's state (locked for the transaction when asked), undefined before it has one. */
export async function selectReturnState(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  options: { lock?: boolean } = {},
): Promise<ReturnState | undefined> {
  const { rows } = await sql<{ state: ReturnState }>`
    select state from ticket_returns where workspace_id = ${workspaceId} and ticket_id = ${ticketId}
    ${options.lock ? sql`for update` : sql``}`.execute(trx);
  return rows[0]?.state;
}

/** The ticket's return, made (requested) when it has none; its state, locked for the transaction. */
export async function lockReturn(trx: Tx, workspaceId: string, ticketId: string): Promise<ReturnState> {
  await sql`insert into ticket_returns (workspace_id, ticket_id) values (${workspaceId}, ${ticketId})
    on conflict do nothing`.execute(trx);
  return (await selectReturnState(trx, workspaceId, ticketId, { lock: true }))!;
}

export async function updateReturnState(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  state: ReturnState,
): Promise<void> {
  await sql`update ticket_returns set state = ${state}, updated_at = now()
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId}`.execute(trx);
}

export async function insertReturnEvent(
  trx: Tx,
  workspaceId: string,
  e: {
    id: string;
    ticketId: string;
    fromState: ReturnState;
    toState: ReturnState;
    note: string | null;
    userId: string | null;
  },
): Promise<void> {
  await sql`insert into ticket_return_events (workspace_id, id, ticket_id, from_state, to_state, note, user_id)
    values (${workspaceId}, ${e.id}, ${e.ticketId}, ${e.fromState}, ${e.toState}, ${e.note}, ${e.userId})`.execute(
    trx,
  );
}

export async function selectReturnEvents(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<ReturnEventRow[]> {
  const { rows } = await sql<ReturnEventRow>`
    select id, from_state, to_state, note, user_id, created_at from ticket_return_events
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId} order by created_at, id`.execute(trx);
  return rows;
}

/** A page of the return's state changes for the ticket's timeline, newest first (`at` with microseconds). */
export async function returnEventsPage(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  page: { limit: number; before?: { at: string; id: string } | undefined },
): Promise<(ReturnEventRow & { at: string })[]> {
  const { rows } = await sql<ReturnEventRow & { at: string }>`
    select id, from_state, to_state, note, user_id, created_at,
      to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
    from ticket_return_events where workspace_id = ${workspaceId} and ticket_id = ${ticketId}
      ${page.before ? sql`and (created_at, id) < (${page.before.at}::timestamptz, ${page.before.id})` : sql``}
    order by created_at desc, id desc limit ${page.limit}`.execute(trx);
  return rows;
}

const LINE = sql`id, position, product, order_ref, quantity, reason_code, note, created_by, created_at`;

export async function selectLines(trx: Tx, workspaceId: string, ticketId: string): Promise<ReturnLineRow[]> {
  const { rows } = await sql<ReturnLineRow>`
    select ${LINE} from ticket_return_lines where workspace_id = ${workspaceId} and ticket_id = ${ticketId}
    order by position, id`.execute(trx);
  return rows;
}

export async function countLines(trx: Tx, workspaceId: string, ticketId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from ticket_return_lines
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId}`.execute(trx);
  return rows[0]?.n ?? 0;
}

/**
 * Adds a line last on its return. One statement a Citus cluster routes to the workspace's shard: an `insert …
 * select` anchored on the workspace's row (a subquery in `values` is refused there), the target aliased (without an
 * alias Citus writes the shard's `returning` with the table's own name, which the shard does not know). The
 * workspace must be the transaction's: another's row is not visible, and nothing would be inserted.
 */
export async function insertLine(
  trx: Tx,
  workspaceId: string,
  l: Omit<ReturnLineRow, 'position' | 'createdAt'> & { ticketId: string },
): Promise<ReturnLineRow> {
  const { rows } = await sql<ReturnLineRow>`
    insert into ticket_return_lines as t
      (workspace_id, id, ticket_id, position, product, order_ref, quantity, reason_code, note, created_by)
    select w.id, ${l.id}::uuid, ${l.ticketId}::uuid,
      (select coalesce(max(position), 0) + 1 from ticket_return_lines
        where workspace_id = ${workspaceId} and ticket_id = ${l.ticketId}),
      ${l.product}::text, ${l.orderRef}::text, ${l.quantity}::integer, ${l.reasonCode}::text, ${l.note}::text,
      ${l.createdBy}::uuid
    from workspaces w where w.id = ${workspaceId}
    returning ${LINE}`.execute(trx);
  return rows[0]!;
}

/** The line's ticket, when the line is in this workspace. */
export async function lineTicket(trx: Tx, workspaceId: string, lineId: string): Promise<string | undefined> {
  const { rows } = await sql<{ ticketId: string }>`
    select ticket_id from ticket_return_lines where workspace_id = ${workspaceId} and id = ${lineId}`.execute(
    trx,
  );
  return rows[0]?.ticketId;
}

export async function deleteLine(trx: Tx, workspaceId: string, lineId: string): Promise<void> {
  await sql`delete from ticket_return_lines where workspace_id = ${workspaceId} and id = ${lineId}`.execute(
    trx,
  );
}

const PHOTO = sql`id, line_id, filename, content_type, size, created_by, created_at`;

export async function selectPhotos(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<ReturnPhotoRow[]> {
  const { rows } = await sql<ReturnPhotoRow>`
    select p.id, p.line_id, p.filename, p.content_type, p.size, p.created_by, p.created_at
    from ticket_return_photos p
    join ticket_return_lines l on l.workspace_id = p.workspace_id and l.id = p.line_id
    where p.workspace_id = ${workspaceId} and l.ticket_id = ${ticketId}
    order by p.created_at, p.id`.execute(trx);
  return rows;
}

export async function countPhotos(trx: Tx, workspaceId: string, lineId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from ticket_return_photos
    where workspace_id = ${workspaceId} and line_id = ${lineId}`.execute(trx);
  return rows[0]?.n ?? 0;
}

export async function insertPhoto(
  trx: Tx,
  workspaceId: string,
  p: Omit<ReturnPhotoRow, 'createdAt'> & { content: Buffer },
): Promise<ReturnPhotoRow> {
  const { rows } = await sql<ReturnPhotoRow>`
    insert into ticket_return_photos (workspace_id, id, line_id, filename, content_type, size, content, created_by)
    values (${workspaceId}, ${p.id}, ${p.lineId}, ${p.filename}, ${p.contentType}, ${p.size}, ${p.content},
      ${p.createdBy})
    returning ${PHOTO}`.execute(trx);
  return rows[0]!;
}

/** A photo with its bytes and the ticket it belongs to, when it is in this workspace. */
export async function selectPhoto(
  trx: Tx,
  workspaceId: string,
  photoId: string,
): Promise<(ReturnPhotoRow & { ticketId: string; content: Buffer }) | undefined> {
  const { rows } = await sql<ReturnPhotoRow & { ticketId: string; content: Buffer }>`
    select p.id, p.line_id, p.filename, p.content_type, p.size, p.created_by, p.created_at, p.content, l.ticket_id
    from ticket_return_photos p
    join ticket_return_lines l on l.workspace_id = p.workspace_id and l.id = p.line_id
    where p.workspace_id = ${workspaceId} and p.id = ${photoId}`.execute(trx);
  return rows[0];
}

export async function deletePhoto(trx: Tx, workspaceId: string, photoId: string): Promise<void> {
  await sql`delete from ticket_return_photos where workspace_id = ${workspaceId} and id = ${photoId}`.execute(
    trx,
  );
}
