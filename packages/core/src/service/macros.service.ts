import type { Tx } from '@rabita/db';
import { can, type Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem, isAppError } from '../errors/app-error.ts';
import { isUuid, newId } from '../ids.ts';
import { assertAllowed } from '../records/access.ts';
import { assertSeen, type RecordView, readRecords } from '../records/gate.ts';
import { openScope } from '../records/scope.ts';
import { updateRecordIn } from '../records/update-record.ts';
import { prepare } from '../records/write-steps.ts';
import { getWorkspace } from '../workspaces/workspaces.service.ts';
import { chooseBody, mergeContext, renderText, templateProblems } from './canned-replies.render.ts';
import { findCannedReply } from './canned-replies.repository.ts';
import { MANAGE_REPLIES } from './canned-replies.service.ts';
import type { TicketMessage } from './conversation.repository.ts';
import { addMessageIn } from './conversation.service.ts';
import { deleteMacroRow, findMacro, type MacroRow, macrosPage, upsertMacro } from './macros.repository.ts';

export interface MacroInput {
  name: string;
  /** Ticket fields to set, by key (`status`, `priority`, `owner`, custom fields…); tags are added to the ticket's. */
  changes?: Record<string, unknown> | undefined;
  /** A shared canned reply to send, rendered for the ticket in its language. */
  replyId?: string | null | undefined;
  /** Or the reply's own text, with merge fields. */
  replyText?: string | null | undefined;
  /** An internal note to add, with merge fields. */
  note?: string | null | undefined;
}

export type MacroView = MacroRow;

/** What applying a macro to one ticket did: the ticket as the agent now sees it and the messages added. */
export interface MacroApplied {
  ticket: RecordView;
  messages: TicketMessage[];
}

function invalid(message: string, errors: FieldProblem[]): never {
  throw new AppError('validation_failed', message, { errors });
}

function assertManager(principal: Principal): void {
  if (!can(principal, MANAGE_REPLIES))
    throw new AppError('forbidden', `Macros are written by those with ${MANAGE_REPLIES}.`);
}

async function existingMacro(trx: Tx, workspaceId: string, id: string): Promise<MacroRow> {
  const row = isUuid(id) ? await findMacro(trx, workspaceId, id) : undefined;
  if (!row) throw new AppError('not_found', `There is no macro ${id}.`);
  return row;
}

/**
 * A macro's input checked as its author may write it: each change is a writable ticket field with a value the
 * record engine accepts (all problems at once, under `changes.<field>`), the reply is a shared canned reply or text,
 * and texts parse. Returns the changes as the engine reads them.
 */
async function checkedChanges(
  trx: Tx,
  principal: Principal,
  input: MacroInput,
): Promise<Record<string, unknown>> {
  const problems = templateProblems([
    ['replyText', input.replyText],
    ['note', input.note],
  ]);
  if (input.replyId && input.replyText)
    problems.push({ field: 'replyText', message: 'Send a canned reply or a text, not both.' });
  if (input.replyId) {
    const reply = isUuid(input.replyId)
      ? await findCannedReply(trx, principal.workspaceId, input.replyId)
      : undefined;
    if (!reply?.shared)
      problems.push({
        field: 'replyId',
        message: 'Choose a shared canned reply: a macro is for everyone, a personal reply is not.',
      });
  }
  const changes = input.changes ?? {};
  let values: Record<string, unknown> = {};
  try {
    values = prepare(
      await openScope(trx, principal.workspaceId, 'tickets'),
      principal,
      changes,
      'update',
      'changes',
    ).values;
  } catch (error) {
    if (!isAppError(error) || !error.errors) throw error;
    problems.push(...error.errors);
  }
  if (Object.keys(changes).length === 0 && !input.replyId && !input.replyText && !input.note)
    problems.push({ field: 'changes', message: 'A macro changes a field, sends a reply or adds a note.' });
  if (problems.length > 0) invalid('The macro has errors.', problems);
  return values;
}

/** A page of the workspace's macros by name; everyone signed in reads them (applying one is within their rights). */
export function listMacros(
  ctx: ServiceContext,
  page: { limit: number; after?: string | undefined },
): Promise<{ data: MacroView[]; nextCursor: string | null }> {
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const rows = await macrosPage(trx, workspaceId, { limit: page.limit + 1, after: page.after });
    const more = rows.length > page.limit;
    return { data: rows.slice(0, page.limit), nextCursor: more ? rows[page.limit - 1]!.id : null };
  });
}

export function getMacro(ctx: ServiceContext, id: string): Promise<MacroView> {
  return inWorkspace(ctx, (trx, workspaceId) => existingMacro(trx, workspaceId, id));
}

/** Creates (`id` undefined) or replaces a macro; needs `service.replies.manage`. */
export async function saveMacro(
  ctx: ServiceContext,
  id: string | undefined,
  input: MacroInput,
): Promise<MacroView> {
  assertManager(ctx.principal);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const current = id === undefined ? undefined : await existingMacro(trx, workspaceId, id);
    const changes = await checkedChanges(trx, ctx.principal, input);
    const key = current?.id ?? newId();
    await upsertMacro(trx, workspaceId, {
      id: key,
      name: input.name,
      changes,
      replyId: input.replyId ?? null,
      replyText: input.replyText ?? null,
      note: input.note ?? null,
      createdBy: current?.createdBy ?? ctx.principal.userId,
    });
    return (await findMacro(trx, workspaceId, key))!;
  });
}

export async function deleteMacro(ctx: ServiceContext, id: string): Promise<void> {
  assertManager(ctx.principal);
  await inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await existingMacro(trx, workspaceId, id);
    await deleteMacroRow(trx, workspaceId, row.id);
  });
}

/**
 * Applies a macro to one ticket inside the caller's transaction, as the caller: its field changes through the record
 * engine (the caller's object and field rules apply; tags are added to the ticket's), then its reply and its note
 * through the conversation, rendered for the ticket as the caller sees it. Anything refused throws, and the
 * transaction takes nothing of it.
 */
export async function applyMacroIn(
  trx: Tx,
  principal: Principal,
  macro: MacroRow,
  ticketId: string,
  workspace: { name: string; defaultLocale: string },
): Promise<MacroApplied> {
  const { workspaceId } = principal;
  assertAllowed(principal, 'tickets', 'update');
  const before = (await readRecords(trx, principal, 'tickets', [ticketId])).get(ticketId);
  assertSeen(before !== undefined, 'tickets', ticketId);
  const patch = { ...macro.changes };
  if (Object.keys(patch).length > 0) {
    const { object } = await openScope(trx, workspaceId, 'tickets');
    for (const field of object.fields)
      if (field.type === 'tags' && Array.isArray(patch[field.key]) && Array.isArray(before![field.key]))
        patch[field.key] = [
          ...new Set([...(before![field.key] as string[]), ...(patch[field.key] as string[])]),
        ];
    try {
      await updateRecordIn(trx, principal, 'tickets', ticketId, patch);
    } catch (error) {
      if (!isAppError(error) || error.code !== 'validation_failed' || !error.errors) throw error;
      // The fields are the macro's, not the request's: say so, and name them under its `changes`.
      throw new AppError(
        'validation_failed',
        `The macro "${macro.name}" changes what you may not change on this ticket: ${error.errors
          .map((e) => `${e.field} (${e.message})`)
          .join(', ')}`,
        { errors: error.errors.map((e) => ({ field: `changes.${e.field}`, message: e.message })) },
      );
    }
  }
  const messages: TicketMessage[] = [];
  if (macro.replyId || macro.replyText || macro.note) {
    const { context, language } = await mergeContext(trx, principal, ticketId, workspace);
    let reply = macro.replyText;
    if (macro.replyId) {
      const canned = await findCannedReply(trx, workspaceId, macro.replyId);
      if (!canned) throw new AppError('not_found', `There is no canned reply ${macro.replyId}.`);
      reply = chooseBody(canned.bodies, language, workspace.defaultLocale).source;
    }
    if (reply) {
      const body = await renderText(reply, context, 'reply');
      messages.push(await addMessageIn(trx, principal, workspaceId, ticketId, { kind: 'reply', body }));
    }
    if (macro.note) {
      const body = await renderText(macro.note, context, 'note');
      messages.push(await addMessageIn(trx, principal, workspaceId, ticketId, { kind: 'note', body }));
    }
  }
  const ticket = (await readRecords(trx, principal, 'tickets', [ticketId])).get(ticketId)!;
  return { ticket, messages };
}

/** Applies a macro to one ticket, all of it or nothing. */
export async function applyMacro(
  ctx: ServiceContext,
  macroId: string,
  ticketId: string,
): Promise<MacroApplied> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  const workspace = await getWorkspace(ctx);
  return inWorkspace(ctx, async (trx, workspaceId) =>
    applyMacroIn(trx, ctx.principal, await existingMacro(trx, workspaceId, macroId), ticketId, workspace),
  );
}

export interface BulkOutcome {
  ticketId: string;
  ok: boolean;
  code?: string | undefined;
  message?: string | undefined;
}

/**
 * Applies a macro to several tickets, each in its own transaction (all of the macro or nothing, per ticket), and
 * says for each whether it was applied or why not; one ticket refused does not hold back the others.
 */
export async function applyMacroToMany(
  ctx: ServiceContext,
  macroId: string,
  ticketIds: readonly string[],
): Promise<{ results: BulkOutcome[] }> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  const workspace = await getWorkspace(ctx);
  const macro = await getMacro(ctx, macroId);
  const results: BulkOutcome[] = [];
  for (const ticketId of new Set(ticketIds)) {
    try {
      await inWorkspace(ctx, (trx) => applyMacroIn(trx, ctx.principal, macro, ticketId, workspace));
      results.push({ ticketId, ok: true });
    } catch (error) {
      if (!isAppError(error)) throw error;
      results.push({ ticketId, ok: false, code: error.code, message: error.message });
    }
  }
  return { results };
}
