import type { Tx } from '@rabita/db';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import { createRecordIn } from '../records/create-record.ts';
import { readRecords } from '../records/gate.ts';
import { type CardPick, mayWrapUp, subjectOf } from './call-card.service.ts';
import { type CallRow, selectCall } from './calls.repository.ts';
import { seesPhonesOf } from './calls.service.ts';
import { selectCodesForCall } from './queues.repository.ts';
import {
  replaceWrapUpCodes,
  selectWrapUp,
  selectWrapUpCodes,
  setOpened,
  updateLink,
  updateWrapUp,
  type WrapUpCode,
  type WrapUpCodeInput,
  type WrapUpRow,
} from './wrap-up.repository.ts';

export const CALL_OUTCOMES = ['answered', 'missed', 'voicemail', 'abandoned', 'busy', 'failed'] as const;

/** What the agent writes after a call; a field left out keeps its value, null clears it. */
export interface WrapUpInput {
  notes?: string | null | undefined;
  wrapUpCode?: string | null | undefined;
  outcome?: (typeof CALL_OUTCOMES)[number] | null | undefined;
  /** The record the call is about: one of the pick list, or a person made from the call's number. */
  link?: { object: 'people' | 'companies' | 'leads'; recordId: string } | null | undefined;
}

const noCall = () => new AppError('not_found', 'There is no such call.');

/** The call locked for a write by someone who may wrap it up. */
export async function lockedCall(
  ctx: ServiceContext,
  trx: Tx,
  ws: string,
  id: string,
): Promise<{ row: CallRow; wrap: WrapUpRow }> {
  const wrap = await selectWrapUp(trx, ws, id, { lock: true });
  const row = wrap && (await selectCall(trx, ws, id));
  if (!row || !wrap) throw noCall();
  if (!mayWrapUp(ctx.principal, row))
    throw new AppError(
      'forbidden',
      'Only the agent who took the call, or a holder of calls.manage, wraps it up.',
    );
  return { row, wrap };
}

/**
 * Writes the agent's notes, wrap-up code, outcome and linked record on a call. The link must be a record the agent
 * may read whose phones their role shows (as the pick list does); the call then shows on its timeline.
 */
export async function wrapUpCall(ctx: ServiceContext, id: string, input: WrapUpInput): Promise<void> {
  if (!isUuid(id)) throw noCall();
  await inWorkspace(ctx, async (trx, ws) => {
    await lockedCall(ctx, trx, ws, id);
    if (typeof input.wrapUpCode === 'string') {
      // The codes of the call's queue when it has its own list, else the workspace's.
      const allowed = await selectCodesForCall(trx, ws, id);
      if (!allowed?.codes.some((c) => c.code === input.wrapUpCode))
        throw new AppError(
          'validation_failed',
          allowed?.source === 'queue'
            ? 'This call’s queue has no such wrap-up code.'
            : 'This workspace has no such wrap-up code.',
          {
            errors: [
              {
                field: 'wrapUpCode',
                message:
                  allowed?.source === 'queue'
                    ? 'Not one of the wrap-up codes of the call’s queue.'
                    : 'Not one of the workspace’s wrap-up codes.',
              },
            ],
          },
        );
    }
    if (input.link) {
      const { object, recordId } = input.link;
      const seen =
        seesPhonesOf(ctx.principal, object) &&
        (await readRecords(trx, ctx.principal, object, [recordId], { fields: ['id'] })).has(recordId);
      if (!seen)
        throw new AppError('validation_failed', `There is no ${object} record ${recordId}.`, {
          errors: [{ field: 'link.recordId', message: 'Not a record you may link this call to.' }],
        });
    }
    if (input.link !== undefined) await updateLink(trx, ws, id, input.link);
    await updateWrapUp(trx, ws, id, {
      notes: input.notes,
      wrapUpCode: input.wrapUpCode,
      outcomeOverride: input.outcome,
      by: ctx.principal.userId,
    });
  });
}

/** The record a ticket or task from the call is about, as the agent sees it (null: none yet). */
export async function subjectForAction(ctx: ServiceContext, trx: Tx, row: CallRow, wrap: WrapUpRow) {
  return (await subjectOf(trx, ctx.principal, row, wrap)).subject;
}

/**
 * Opens a ticket from the call, with the caller as its requester (a person; a company's call gives the ticket its
 * company), by phone, with the agent's rights to create tickets, and links it to the call.
 */
export async function openTicketFromCall(
  ctx: ServiceContext,
  id: string,
  input: {
    subject: string;
    description?: string | undefined;
    type?: string | undefined;
    priority?: string | undefined;
  },
): Promise<{ ticketId: string; number: number | null }> {
  if (!isUuid(id)) throw noCall();
  return inWorkspace(ctx, async (trx, ws) => {
    const { row, wrap } = await lockedCall(ctx, trx, ws, id);
    if (wrap.ticketId) throw new AppError('conflict', 'A ticket was already opened from this call.');
    const subject: CardPick | null = await subjectForAction(ctx, trx, row, wrap);
    if (!subject || subject.object === 'leads')
      throw new AppError(
        'conflict',
        'Link the call to a person or company first: a ticket needs its requester.',
      );
    const ticket = await createRecordIn(trx, ctx.principal, 'tickets', {
      subject: input.subject,
      ...(input.description ? { description: input.description } : {}),
      ...(input.type ? { type: input.type } : {}),
      ...(input.priority ? { priority: input.priority } : {}),
      channel: 'phone',
      ...(subject.object === 'people'
        ? { requester: subject.id, ...(subject.company?.id ? { company: subject.company.id } : {}) }
        : { company: subject.id }),
    });
    await setOpened(trx, ws, id, { ticketId: ticket.id });
    return { ticketId: ticket.id, number: typeof ticket.number === 'number' ? ticket.number : null };
  });
}

/** Adds a follow-up task for the agent on the record the call is about (or on no record), and links it to the call. */
export async function addFollowUpTask(
  ctx: ServiceContext,
  id: string,
  input: { title: string; dueAt?: string | undefined },
): Promise<{ taskId: string }> {
  if (!isUuid(id)) throw noCall();
  return inWorkspace(ctx, async (trx, ws) => {
    const { row, wrap } = await lockedCall(ctx, trx, ws, id);
    if (wrap.taskId) throw new AppError('conflict', 'A follow-up task was already added from this call.');
    const subject = await subjectForAction(ctx, trx, row, wrap);
    const task = await createRecordIn(trx, ctx.principal, 'tasks', {
      title: input.title,
      ...(input.dueAt ? { dueAt: input.dueAt } : {}),
      ...(ctx.principal.userId ? { assignee: ctx.principal.userId } : {}),
      ...(subject ? { linkedObject: subject.object, linkedRecord: subject.id } : {}),
    });
    await setOpened(trx, ws, id, { taskId: task.id });
    return { taskId: task.id };
  });
}

/**
 * The wrap-up codes an agent may give this call: its queue's own list when the queue has one, else the workspace's.
 */
export async function getCallWrapUpCodes(ctx: ServiceContext, id: string) {
  if (!isUuid(id)) throw noCall();
  const found = await inWorkspace(ctx, (trx, ws) => selectCodesForCall(trx, ws, id));
  if (!found) throw noCall();
  return found;
}

/** The workspace's wrap-up codes, in order. */
export function getWrapUpCodes(ctx: ServiceContext) {
  return inWorkspace(ctx, (trx, ws) => selectWrapUpCodes(trx, ws));
}

/** Replaces the workspace's wrap-up codes (calls keep the codes they were given). */
export async function putWrapUpCodes(
  ctx: ServiceContext,
  codes: readonly WrapUpCodeInput[],
): Promise<WrapUpCode[]> {
  if (!can(ctx.principal, 'calls.manage'))
    throw new AppError('forbidden', 'Your role may not change the wrap-up codes (calls.manage).');
  const seen = new Set<string>();
  codes.forEach((c, i) => {
    if (seen.has(c.code))
      throw new AppError('validation_failed', `The code "${c.code}" is given twice.`, {
        errors: [{ field: `codes.${i}.code`, message: 'Given twice.' }],
      });
    seen.add(c.code);
  });
  return inWorkspace(ctx, async (trx, ws) => {
    await replaceWrapUpCodes(trx, ws, codes);
    return selectWrapUpCodes(trx, ws);
  });
}
