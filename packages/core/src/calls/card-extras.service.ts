import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import type { MailDeps } from '../email/mailboxes.service.ts';
import { sendOrSchedule } from '../email/outbox.service.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import { hiddenFor } from '../records/access.ts';
import { createRecordIn } from '../records/create-record.ts';
import { readRecords } from '../records/gate.ts';
import { type CaseType, caseWorkflowOf } from '../service/case-workflows.service.ts';
import { publishedArticleUrl } from '../service/kb.service.ts';
import { runManually } from '../workflows/workflows.service.ts';
import * as repo from './card-extras.repository.ts';
import { smsSender } from './sms.ts';
import { lockedCall, subjectForAction } from './wrap-up.service.ts';

const noCall = () => new AppError('not_found', 'There is no such call.');

/**
 * "Open a report": a complaint or return ticket with the caller as requester, by phone, with the agent's rights,
 * linked to the call; then the workflow the desk chose for the case type (a manual workflow on tickets) is started
 * on it through the workflows module's `runManually`. The ticket is committed first: a workflow that cannot start
 * (unpublished, turned off) leaves the case open and says why in `workflow.error`.
 */
export async function openReportFromCall(
  ctx: ServiceContext,
  id: string,
  input: { type: CaseType; subject: string; description?: string | undefined },
): Promise<{
  ticketId: string;
  number: number | null;
  workflow: { id: string; runId: string | null; error: string | null } | null;
}> {
  if (!isUuid(id)) throw noCall();
  const made = await inWorkspace(ctx, async (trx, ws) => {
    const { row, wrap } = await lockedCall(ctx, trx, ws, id);
    if (wrap.reportTicketId) throw new AppError('conflict', 'A report was already opened from this call.');
    const subject = await subjectForAction(ctx, trx, row, wrap);
    if (subject?.object !== 'people')
      throw new AppError('conflict', 'Link the call to a person first: a report needs its requester.');
    const ticket = await createRecordIn(trx, ctx.principal, 'tickets', {
      subject: input.subject,
      ...(input.description ? { description: input.description } : {}),
      type: input.type,
      channel: 'phone',
      requester: subject.id,
      ...(subject.company?.id ? { company: subject.company.id } : {}),
    });
    await repo.setReport(trx, ws, id, { ticketId: ticket.id, type: input.type });
    return {
      ticketId: ticket.id,
      number: typeof ticket.number === 'number' ? ticket.number : null,
      workflowId: await caseWorkflowOf(trx, ws, input.type),
    };
  });
  let workflow: { id: string; runId: string | null; error: string | null } | null = null;
  if (made.workflowId) {
    try {
      const { runIds } = await runManually(ctx, made.workflowId, [made.ticketId]);
      workflow = { id: made.workflowId, runId: runIds[0] ?? null, error: null };
      if (runIds[0]) await inWorkspace(ctx, (trx, ws) => repo.setReportRun(trx, ws, id, runIds[0]!));
    } catch (error) {
      workflow = {
        id: made.workflowId,
        runId: null,
        error: error instanceof AppError ? error.message : 'The workflow could not be started.',
      };
    }
  }
  return { ticketId: made.ticketId, number: made.number, workflow };
}

const WORDS = {
  en: 'Help for your request: {url}',
  ar: 'مساعدة لطلبك: {url}',
  fa: 'راهنمای درخواست شما: {url}',
} as const;
const SUBJECT = { en: 'Your help link', ar: 'رابط المساعدة', fa: 'پیوند راهنما' } as const;

/**
 * "Send self-service link": an article of the published help centre, else the workspace's self-service URL, sent
 * to the caller by email (from a mailbox the agent may send from, through the email module) or by text message
 * (through the SMS adapter); kept on the call (its timeline entry shows it). Only the call's agent or calls.manage,
 * and only to the linked person's own address or number as the agent sees them.
 */
export async function sendSelfServiceLink(
  ctx: ServiceContext,
  id: string,
  input: {
    channel: 'email' | 'sms';
    mailboxId?: string | undefined;
    articleId?: string | undefined;
    language?: 'en' | 'ar' | 'fa' | undefined;
  },
  deps: MailDeps & { publicUrl: string },
): Promise<{ channel: 'email' | 'sms'; to: string; url: string }> {
  if (!isUuid(id)) throw noCall();
  if (input.channel === 'email' && !input.mailboxId)
    throw new AppError('validation_failed', 'Choose the mailbox to send from.', {
      errors: [{ field: 'mailboxId', message: 'Required for email.' }],
    });
  const lang = input.language ?? 'en';
  const sentOf = (channel: 'email' | 'sms', to: string, url: string) => ({
    channel,
    to,
    url,
    at: new Date().toISOString(),
    by: ctx.principal.userId,
  });
  const prepared = await inWorkspace(ctx, async (trx, ws) => {
    const { row, wrap } = await lockedCall(ctx, trx, ws, id);
    const subject = await subjectForAction(ctx, trx, row, wrap);
    if (subject?.object !== 'people')
      throw new AppError('conflict', 'Link the call to a person first: the link goes to them.');
    const url =
      (input.articleId && isUuid(input.articleId)
        ? await publishedArticleUrl(trx, ws, deps.publicUrl, input.articleId, lang)
        : null) ?? (input.articleId ? null : await repo.selectSelfServiceUrl(trx, ws));
    if (!url)
      throw new AppError(
        'conflict',
        input.articleId
          ? 'That article is not published in the help centre.'
          : 'There is no self-service page: publish the help centre and pick an article, or set the self-service URL.',
      );
    const field = input.channel === 'email' ? 'emails' : 'phones';
    if (hiddenFor(ctx.principal)('people', field))
      throw new AppError('forbidden', `Your role does not show this person’s ${field}.`);
    const person = (await readRecords(trx, ctx.principal, 'people', [subject.id], { fields: [field] })).get(
      subject.id,
    );
    const list = Array.isArray(person?.[field]) ? (person[field] as unknown[]) : [];
    // Emails are stored as `[{ address }]`, phones as E.164 strings (or `{ number }` objects).
    const first = list
      .map((v) => {
        if (typeof v === 'string') return v;
        const o = (v ?? {}) as { address?: unknown; number?: unknown; value?: unknown };
        const found = o.address ?? o.number ?? o.value;
        return typeof found === 'string' ? found : undefined;
      })
      .find(Boolean);
    const to =
      input.channel === 'sms' ? (first ?? (row.direction === 'outbound' ? row.toE164 : row.fromE164)) : first;
    if (!to)
      throw new AppError(
        'conflict',
        input.channel === 'email' ? 'This person has no email address.' : 'There is no number to text.',
      );
    const body = WORDS[lang].replace('{url}', url);
    if (input.channel === 'sms') await smsSender().send(trx, ws, { to, body, callId: id });
    if (input.channel === 'sms') await repo.appendSelfService(trx, ws, id, sentOf('sms', to, url));
    return { to, url, body, personId: subject.id };
  });
  if (input.channel === 'email') {
    // The email module checks the agent may send from the mailbox; it is sent after a short undo window.
    await sendOrSchedule(
      ctx,
      {
        mailboxId: input.mailboxId!,
        to: [prepared.to],
        subject: SUBJECT[lang],
        text: prepared.body,
        record: { object: 'people', id: prepared.personId },
        language: lang,
        undoSeconds: 5,
      },
      deps,
    );
    await inWorkspace(ctx, (trx, ws) =>
      repo.appendSelfService(trx, ws, id, sentOf('email', prepared.to, prepared.url)),
    );
  }
  return { channel: input.channel, to: prepared.to, url: prepared.url };
}

/** Records (or clears) a promise to pay on the call's wrap-up. */
export async function setPromiseToPay(
  ctx: ServiceContext,
  id: string,
  promise: { amount: string; currency: string; dueOn: string } | null,
): Promise<void> {
  if (!isUuid(id)) throw noCall();
  await inWorkspace(ctx, async (trx, ws) => {
    await lockedCall(ctx, trx, ws, id);
    await repo.setPromise(trx, ws, id, promise);
  });
}

export function getSelfServiceUrl(ctx: ServiceContext) {
  return inWorkspace(ctx, async (trx, ws) => ({ url: await repo.selectSelfServiceUrl(trx, ws) }));
}

export function putSelfServiceUrl(ctx: ServiceContext, url: string | null) {
  if (!can(ctx.principal, 'calls.manage'))
    throw new AppError('forbidden', 'Your role may not change the self-service URL (calls.manage).');
  return inWorkspace(ctx, async (trx, ws) => {
    await repo.upsertSelfServiceUrl(trx, ws, url);
    return { url };
  });
}
