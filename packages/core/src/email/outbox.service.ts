import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { principalForMember } from '../auth/members.service.ts';
import { can, type Principal } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { cancelJob, scheduleJob } from '../jobs/jobs.service.ts';
import {
  cancelOutboxRow,
  finishOutbox,
  insertOutbox,
  type OutboxRow,
  selectMailbox,
  selectOutbox,
  selectReadableMailboxIds,
  takeOutbox,
} from './email.repository.ts';
import type { MailDeps } from './mailboxes.service.ts';
import { type MessageView, prepareSend, type SendInput, transmit } from './messages.service.ts';

export const SEND_TASK = 'rabita:email-send';
/** How many times a send whose SMTP server failed is tried (graphile-worker backs off between tries). */
const MAX_ATTEMPTS = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The longest a send may wait to be undone. */
export const MAX_UNDO_SECONDS = 30;

/** A message waiting to be sent, or what became of it. */
export interface OutboxView {
  id: string;
  mailboxId: string;
  to: string[];
  subject: string | null;
  sendAt: string;
  status: OutboxRow['status'];
  attempts: number;
  error: string | null;
  messageId: string | null;
  createdAt: string;
}

function present(row: OutboxRow): OutboxView {
  const input = row.input as Partial<SendInput>;
  return {
    id: row.id,
    mailboxId: row.mailbox_id,
    to: input.to ?? [],
    subject: input.subject ?? null,
    sendAt: row.send_at.toISOString(),
    status: row.status,
    attempts: row.attempts,
    error: row.error,
    messageId: row.message_id,
    createdAt: row.created_at.toISOString(),
  };
}

/** The result of a send: sent now, or scheduled (for a time, or for its undo window). */
export type SendOutcome =
  | { status: 'sent'; message: MessageView }
  | { status: 'scheduled'; outbox: OutboxView };

/**
 * Sends now, or — with `sendAt` (an instant; the composer turns the sender's calendar and time zone into it) or
 * `undoSeconds` — checks the message now and schedules it, so it can be undone until then.
 */
export async function sendOrSchedule(
  ctx: ServiceContext,
  input: SendInput & { sendAt?: string | undefined; undoSeconds?: number | undefined },
  deps: MailDeps,
): Promise<SendOutcome> {
  const { sendAt, undoSeconds, ...message } = input;
  let at: Date | undefined;
  if (sendAt !== undefined) {
    at = new Date(sendAt);
    if (Number.isNaN(at.getTime()) || at.getTime() > Date.now() + 366 * 86_400_000)
      throw new AppError('validation_failed', 'sendAt must be a time within the next year.', {
        errors: [{ field: 'sendAt', message: 'Must be an ISO 8601 time within the next year.' }],
      });
  } else if (undoSeconds) {
    at = new Date(Date.now() + Math.min(MAX_UNDO_SECONDS, undoSeconds) * 1000);
  }
  if (!at) {
    const prepared = await inWorkspace(ctx, (trx) => prepareSend(trx, ctx.principal, message));
    return { status: 'sent', message: await transmit(ctx.db, ctx.principal, message, prepared, deps) };
  }
  const runAt = at;
  const row = await inWorkspace(ctx, async (trx, workspaceId) => {
    const prepared = await prepareSend(trx, ctx.principal, message);
    const id = newId();
    const entry = await insertOutbox(trx, workspaceId, {
      id,
      mailboxId: prepared.mailbox.id,
      userId: ctx.principal.userId!,
      input: message,
      sendAt: runAt,
    });
    await scheduleJob(trx, {
      task: SEND_TASK,
      key: `email-send:${id}`,
      runAt,
      payload: { outboxId: id },
      maxAttempts: MAX_ATTEMPTS,
    });
    return entry;
  });
  return { status: 'scheduled', outbox: present(row) };
}

/** A message another module sends for the workspace from a shared mailbox (see `queueWorkspaceSend`). */
export interface WorkspaceSend {
  /** The member it is sent for (stored as its sender; must still be a member when it goes). */
  userId: string;
  mailboxId: string;
  to: string[];
  subject: string;
  text: string;
  /** The same message as HTML (a rendered template's), sent beside the text. */
  html?: string | undefined;
  /** The stored email message it answers (its thread and References are kept). */
  replyTo?: string | undefined;
  /** The record it is written from: its thread is linked to it, so answers find their way back. */
  record?: { object: string; id: string } | undefined;
  language?: 'en' | 'ar' | 'fa' | undefined;
}

/**
 * Whether a member (or a workflow acting as one) may have mail sent from a mailbox: they read it, or they manage
 * the workspace's mailboxes. What a caller checks before it has `queueWorkspaceSend` send on its member's word.
 */
export async function maySendFrom(trx: Tx, principal: Principal, mailboxId: string): Promise<boolean> {
  if (can(principal, 'mailboxes.manage')) return true;
  return (await selectReadableMailboxIds(trx, principal.workspaceId, principal.userId)).has(mailboxId);
}

/**
 * A shared mailbox of the workspace that can send (it has an SMTP server), or why not: `not_found` when it is not
 * a shared mailbox of the workspace, `validation_failed` without an SMTP server.
 */
export async function workspaceSendingMailbox(
  trx: Tx,
  workspaceId: string,
  mailboxId: string,
): Promise<
  { mailbox: { id: string; address: string } } | { code: 'not_found' | 'validation_failed'; message: string }
> {
  const mailbox = UUID.test(mailboxId) ? await selectMailbox(trx, workspaceId, mailboxId) : undefined;
  if (mailbox?.kind !== 'shared')
    return { code: 'not_found', message: `There is no shared mailbox ${mailboxId}.` };
  if (!mailbox.smtp_host)
    return {
      code: 'validation_failed',
      message: `The mailbox ${mailbox.address} has no SMTP server to send with.`,
    };
  return { mailbox };
}

/**
 * Queues a message for the workspace from one of its shared mailboxes, inside the caller's transaction: it goes
 * out once that commits (and only then), tried again while the SMTP server fails, as any scheduled send. The
 * calling module has decided the member may send it (a service-desk agent replying on a ticket), so the member
 * need not read the mailbox. Refuses a mailbox that is not shared or has no SMTP server.
 */
export async function queueWorkspaceSend(trx: Tx, workspaceId: string, send: WorkspaceSend): Promise<string> {
  const found = await workspaceSendingMailbox(trx, workspaceId, send.mailboxId);
  if (!('mailbox' in found)) throw new AppError(found.code, found.message);
  const { mailbox } = found;
  const id = newId();
  const input: SendInput = {
    mailboxId: mailbox.id,
    to: send.to,
    subject: send.subject,
    text: send.text,
    html: send.html,
    replyTo: send.replyTo,
    record: send.record,
    language: send.language,
    workspaceSend: true,
  };
  const runAt = new Date();
  await insertOutbox(trx, workspaceId, {
    id,
    mailboxId: mailbox.id,
    userId: send.userId,
    input,
    sendAt: runAt,
  });
  await scheduleJob(trx, {
    task: SEND_TASK,
    key: `email-send:${id}`,
    runAt,
    payload: { outboxId: id },
    maxAttempts: MAX_ATTEMPTS,
  });
  return id;
}

/** Undoes a scheduled send of the caller's; a message already sent (or being sent) cannot be undone. */
export async function cancelSend(ctx: ServiceContext, id: string): Promise<OutboxView> {
  if (!/^[0-9a-f-]{36}$/i.test(id) || !ctx.principal.userId)
    throw new AppError('not_found', `There is no send ${id}.`);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await cancelOutboxRow(trx, workspaceId, id, ctx.principal.userId!);
    if (!row) throw new AppError('not_found', `There is no send ${id}.`);
    if (row.status !== 'cancelled')
      throw new AppError(
        'conflict',
        `The message is already ${row.status === 'sending' ? 'being sent' : row.status}.`,
      );
    await cancelJob(trx, { task: SEND_TASK, key: `email-send:${id}` });
    return present(row);
  });
}

/** The caller's recent and scheduled sends, newest first. */
export async function listOutbox(ctx: ServiceContext): Promise<OutboxView[]> {
  if (!ctx.principal.userId) return [];
  return inWorkspace(ctx, async (trx, workspaceId) =>
    (await selectOutbox(trx, workspaceId, ctx.principal.userId!, 200)).map(present),
  );
}

/**
 * The send job: takes the entry if it is still scheduled, sends it as its author (who must still be a member who
 * reads the mailbox), and records the outcome. A failure is tried again (the job throws) until the last attempt,
 * which marks the entry failed with its reason.
 */
export async function deliverOutbox(
  db: Database,
  payload: { workspaceId: string; outboxId: string },
  deps: MailDeps,
  attempt: { number: number; max: number },
): Promise<void> {
  const { workspaceId, outboxId } = payload;
  const row = await withWorkspace(db, workspaceId, (trx) => takeOutbox(trx, workspaceId, outboxId));
  if (!row) return;
  const input = { ...(row.input as unknown as SendInput), messageKey: row.id };
  try {
    const principal = await principalForMember(db, row.user_id, workspaceId);
    if (!principal) throw new AppError('forbidden', 'The sender is no longer a member of this workspace.');
    const prepared = await withWorkspace(db, workspaceId, (trx) => prepareSend(trx, principal, input));
    const message = await transmit(db, principal, input, prepared, deps);
    await withWorkspace(db, workspaceId, (trx) =>
      finishOutbox(trx, workspaceId, row.id, { status: 'sent', messageId: message.id }),
    );
  } catch (error) {
    const last =
      attempt.number >= attempt.max || !(error instanceof AppError && error.code === 'mail_server_failed');
    await withWorkspace(db, workspaceId, (trx) =>
      finishOutbox(trx, workspaceId, row.id, {
        status: last ? 'failed' : 'scheduled',
        error: (error as Error).message.slice(0, 1000),
      }),
    );
    if (!last) throw error;
  }
}
