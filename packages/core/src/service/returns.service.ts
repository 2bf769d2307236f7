import type { Tx } from '@rabita/db';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import type { RecordHooks } from '../modules/manifest.ts';
import { assertAllowed } from '../records/access.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { selectCaseSettings } from './complaints.repository.ts';
import * as repo from './returns.repository.ts';
import {
  AWAITING_ITEM,
  DECISIONS,
  isEnding,
  LINES_OPEN,
  RETURN_MOVES,
  type ReturnState,
} from './returns-flow.ts';
import { holdTicketClocks } from './sla-desk.ts';

/** Who may approve, refund, replace or reject a return. */
export const RETURNS_DECIDE = 'service.returns.decide';
export const MAX_RETURN_LINES = 100;
export const MAX_LINE_PHOTOS = 10;
export const MAX_PHOTO_BYTES = 5 * 1024 * 1024;

export interface ReturnView {
  ticketId: string;
  isReturn: boolean;
  state: ReturnState;
  /** The states it may move to next (decisions among them need service.returns.decide). */
  moves: ReturnState[];
  /** Approved and waiting for the item: the ticket's SLA clocks are paused. */
  awaitingItem: boolean;
  canDecide: boolean;
  lines: (Omit<repo.ReturnLineRow, 'createdAt'> & { createdAt: string; photos: PhotoView[] })[];
  history: {
    id: string;
    from: ReturnState;
    to: ReturnState;
    note: string | null;
    userId: string | null;
    at: string;
  }[];
}

export type PhotoView = Omit<repo.ReturnPhotoRow, 'createdAt'> & { createdAt: string };

export interface LineInput {
  product: string;
  orderRef: string | null;
  quantity: number;
  reasonCode: string;
  note: string | null;
}

const photoView = (p: repo.ReturnPhotoRow): PhotoView => ({ ...p, createdAt: p.createdAt.toISOString() });

/** The ticket as the caller sees it (its type), or a 404 when they may not. */
async function seenTicket(trx: Tx, ctx: ServiceContext, ticketId: string): Promise<{ type: unknown }> {
  const ticket = (await readRecords(trx, ctx.principal, 'tickets', [ticketId], { fields: ['type'] })).get(
    ticketId,
  );
  assertSeen(ticket !== undefined, 'tickets', ticketId);
  return { type: ticket?.type };
}

/** The ticket, which the caller may update and which must be a return. */
async function returnTicket(trx: Tx, ctx: ServiceContext, ticketId: string): Promise<void> {
  const ticket = await seenTicket(trx, ctx, ticketId);
  if (ticket.type !== 'return')
    throw new AppError('conflict', 'This ticket is not a return: set its type to return first.');
}

async function viewIn(trx: Tx, ctx: ServiceContext, ws: string, ticketId: string): Promise<ReturnView> {
  const ticket = await seenTicket(trx, ctx, ticketId);
  const state = (await repo.selectReturnState(trx, ws, ticketId)) ?? 'requested';
  const photos = (await repo.selectPhotos(trx, ws, ticketId)).map(photoView);
  return {
    ticketId,
    isReturn: ticket.type === 'return',
    state,
    moves: [...RETURN_MOVES[state]],
    awaitingItem: state === AWAITING_ITEM,
    canDecide: can(ctx.principal, RETURNS_DECIDE),
    lines: (await repo.selectLines(trx, ws, ticketId)).map((l) => ({
      ...l,
      createdAt: l.createdAt.toISOString(),
      photos: photos.filter((p) => p.lineId === l.id),
    })),
    history: (await repo.selectReturnEvents(trx, ws, ticketId)).map((e) => ({
      id: e.id,
      from: e.fromState,
      to: e.toState,
      note: e.note,
      userId: e.userId,
      at: e.createdAt.toISOString(),
    })),
  };
}

/** A ticket's return: its state and next moves, lines with photos, and history; for anyone who may read the ticket. */
export function getReturn(ctx: ServiceContext, ticketId: string): Promise<ReturnView> {
  return inWorkspace(ctx, (trx, ws) => viewIn(trx, ctx, ws, ticketId));
}

/**
 * Adds a line to a requested return (needs update on tickets): the product, its order reference, how many, and a
 * reason code from the case settings' list (any reason while the list is empty).
 */
export function addReturnLine(ctx: ServiceContext, ticketId: string, input: LineInput): Promise<ReturnView> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  return inWorkspace(ctx, async (trx, ws) => {
    await returnTicket(trx, ctx, ticketId);
    const state = await repo.lockReturn(trx, ws, ticketId);
    if (state !== LINES_OPEN)
      throw new AppError('conflict', `The return is ${state}: its lines change only while it is requested.`);
    const { reasonCodes } = await selectCaseSettings(trx, ws);
    if (reasonCodes.length > 0 && !reasonCodes.includes(input.reasonCode))
      throw new AppError('validation_failed', 'Not one of the desk’s reason codes.', {
        errors: [{ field: 'reasonCode', message: `Choose one of: ${reasonCodes.join(', ')}.` }],
      });
    if ((await repo.countLines(trx, ws, ticketId)) >= MAX_RETURN_LINES)
      throw new AppError('conflict', `A return has at most ${MAX_RETURN_LINES} lines.`);
    await repo.insertLine(trx, ws, {
      ...input,
      id: newId(),
      ticketId,
      createdBy: ctx.principal.userId ?? null,
    });
    return viewIn(trx, ctx, ws, ticketId);
  });
}

/** The line's ticket, locked return state, for a caller who may update it; 404 for a line they cannot see. */
async function lineIn(
  trx: Tx,
  ctx: ServiceContext,
  ws: string,
  lineId: string,
): Promise<{ ticketId: string; state: ReturnState }> {
  const ticketId = await repo.lineTicket(trx, ws, lineId);
  if (!ticketId) throw new AppError('not_found', `There is no return line ${lineId}.`);
  const seen = await readRecords(trx, ctx.principal, 'tickets', [ticketId], { fields: ['id'] });
  if (!seen.has(ticketId)) throw new AppError('not_found', `There is no return line ${lineId}.`);
  return { ticketId, state: await repo.lockReturn(trx, ws, ticketId) };
}

/** Removes a line (and its photos) from a requested return. */
export function removeReturnLine(ctx: ServiceContext, lineId: string): Promise<ReturnView> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  return inWorkspace(ctx, async (trx, ws) => {
    const { ticketId, state } = await lineIn(trx, ctx, ws, lineId);
    if (state !== LINES_OPEN)
      throw new AppError('conflict', `The return is ${state}: its lines change only while it is requested.`);
    await repo.deleteLine(trx, ws, lineId);
    return viewIn(trx, ctx, ws, ticketId);
  });
}

/** The image type a file's first bytes say, whatever it was declared as; undefined for anything else. */
export function imageTypeOf(content: Buffer): string | undefined {
  if (content.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'image/png';
  if (content[0] === 0xff && content[1] === 0xd8 && content[2] === 0xff) return 'image/jpeg';
  if (
    content.subarray(0, 6).toString('latin1') === 'GIF87a' ||
    content.subarray(0, 6).toString('latin1') === 'GIF89a'
  )
    return 'image/gif';
  if (
    content.subarray(0, 4).toString('latin1') === 'RIFF' &&
    content.subarray(8, 12).toString('latin1') === 'WEBP'
  )
    return 'image/webp';
  return undefined;
}

/**
 * Adds a photo to a line (needs update on tickets) until the return ends: a PNG, JPEG, GIF or WebP image by its
 * bytes (the declared type is not trusted), at most 5 MB and 10 to a line.
 */
export function addReturnPhoto(
  ctx: ServiceContext,
  lineId: string,
  file: { filename: string; content: Buffer },
): Promise<PhotoView> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  const contentType = imageTypeOf(file.content);
  if (!contentType)
    throw new AppError('validation_failed', 'A photo must be a PNG, JPEG, GIF or WebP image.', {
      errors: [{ field: 'file', message: 'A photo must be a PNG, JPEG, GIF or WebP image.' }],
    });
  return inWorkspace(ctx, async (trx, ws) => {
    const { state } = await lineIn(trx, ctx, ws, lineId);
    if (isEnding(state)) throw new AppError('conflict', `The return is ${state}: it takes no more photos.`);
    if ((await repo.countPhotos(trx, ws, lineId)) >= MAX_LINE_PHOTOS)
      throw new AppError('conflict', `A line has at most ${MAX_LINE_PHOTOS} photos.`);
    const photo = await repo.insertPhoto(trx, ws, {
      id: newId(),
      lineId,
      filename: file.filename,
      contentType,
      size: file.content.length,
      content: file.content,
      createdBy: ctx.principal.userId ?? null,
    });
    return photoView(photo);
  });
}

/** A photo's bytes, for anyone who may read its ticket. */
export function getReturnPhoto(
  ctx: ServiceContext,
  photoId: string,
): Promise<{ filename: string; contentType: string; content: Buffer }> {
  return inWorkspace(ctx, async (trx, ws) => {
    const photo = await repo.selectPhoto(trx, ws, photoId);
    const seen = photo
      ? await readRecords(trx, ctx.principal, 'tickets', [photo.ticketId], { fields: ['id'] })
      : null;
    if (!photo || !seen?.has(photo.ticketId))
      throw new AppError('not_found', `There is no return photo ${photoId}.`);
    return { filename: photo.filename, contentType: photo.contentType, content: photo.content };
  });
}

/** Removes a photo (needs update on tickets) until the return ends. */
export function removeReturnPhoto(ctx: ServiceContext, photoId: string): Promise<void> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  return inWorkspace(ctx, async (trx, ws) => {
    const photo = await repo.selectPhoto(trx, ws, photoId);
    if (!photo) throw new AppError('not_found', `There is no return photo ${photoId}.`);
    const { state } = await lineIn(trx, ctx, ws, photo.lineId);
    if (isEnding(state)) throw new AppError('conflict', `The return is ${state}: its photos are kept.`);
    await repo.deletePhoto(trx, ws, photoId);
  });
}

/**
 * Moves a return to its next state (needs update on tickets; approving, refunding, replacing and rejecting also
 * need service.returns.decide): only a legal move is taken (409 otherwise, naming the moves it may make), approving
 * needs a line, and each move is kept with who, when and a note. Approved is "awaiting the item": entering it holds
 * the ticket's SLA clocks, leaving it releases them.
 */
export function moveReturn(
  ctx: ServiceContext,
  ticketId: string,
  input: { to: ReturnState; note: string | null },
): Promise<ReturnView> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  return inWorkspace(ctx, async (trx, ws) => {
    await returnTicket(trx, ctx, ticketId);
    const from = await repo.lockReturn(trx, ws, ticketId);
    const moves = RETURN_MOVES[from];
    if (!moves.includes(input.to))
      throw new AppError(
        'conflict',
        moves.length === 0
          ? `The return is ${from}, which ends it: it moves no further.`
          : `A ${from} return cannot become ${input.to}; it can become ${moves.join(' or ')}.`,
      );
    if (DECISIONS.has(input.to) && !can(ctx.principal, RETURNS_DECIDE))
      throw new AppError('forbidden', `Your role may not decide returns (${RETURNS_DECIDE}).`);
    if (input.to === 'approved' && (await repo.countLines(trx, ws, ticketId)) === 0)
      throw new AppError('conflict', 'Add the items being returned before approving the return.');
    await repo.updateReturnState(trx, ws, ticketId, input.to);
    await repo.insertReturnEvent(trx, ws, {
      id: newId(),
      ticketId,
      fromState: from,
      toState: input.to,
      note: input.note,
      userId: ctx.principal.userId ?? null,
    });
    if (from === AWAITING_ITEM || input.to === AWAITING_ITEM)
      await holdTicketClocks(trx, ws, ticketId, input.to === AWAITING_ITEM);
    return viewIn(trx, ctx, ws, ticketId);
  });
}

/**
 * Tickets: a return awaiting its item whose ticket stops being a return releases the ticket's clocks (nothing
 * else would: its moves need a return ticket), and holds them again if it becomes a return once more.
 */
export const returnHooks: RecordHooks = {
  object: 'tickets',
  afterUpdate: async (ctx, record, before) => {
    if (record.type === before.type || (record.type !== 'return' && before.type !== 'return')) return;
    if ((await repo.selectReturnState(ctx.trx, ctx.workspaceId, record.id)) !== AWAITING_ITEM) return;
    await holdTicketClocks(ctx.trx, ctx.workspaceId, record.id, record.type === 'return');
  },
};
