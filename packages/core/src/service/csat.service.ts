import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { can, type Principal } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { queueWorkspaceSend } from '../email/outbox.service.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { cancelJob, scheduleJob } from '../jobs/jobs.service.ts';
import type { StoredRecord } from '../modules/manifest.ts';
import { hiddenFor, ownerLimit, ruleFor } from '../records/access.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import * as repo from './csat.repository.ts';
import { selectReplyMailbox } from './mail.repository.ts';
import { addressesOf } from './mail-desk.ts';
import { DONE_STATUSES } from './service.objects.ts';
import {
  fill,
  type SurveyLocale as Locale,
  localDigits,
  localeOf,
  openFollowUpTask,
  openSurveyToken,
  sealSurveyToken,
  surveyPrincipal,
} from './survey-kit.ts';

export const CSAT_TASK = 'rabita:csat-send';
/** A rating at or under this opens a follow-up task. */
const UNHAPPY = 2;
const jobKey = (surveyId: string) => `csat:${surveyId}`;

/**
 * A ticket's status moved (a tickets after-hook): entering `resolved` schedules this resolution's survey after the
 * workspace's delay (one per resolution: its cycle is the reopen count); reopening before it is sent cancels it.
 */
export async function onTicketStatus(
  trx: Tx,
  workspaceId: string,
  ticket: StoredRecord,
  before: StoredRecord,
): Promise<void> {
  if (ticket.status === before.status) return;
  if (ticket.status === 'resolved') {
    const settings = await repo.selectSettings(trx, workspaceId);
    if (!settings.csatEnabled || !ticket.requester) return;
    const sendAt = new Date(Date.now() + settings.csatDelayMinutes * 60_000);
    const id = await repo.insertSurvey(trx, workspaceId, {
      id: newId(),
      ticketId: ticket.id,
      cycle: Number(ticket.reopenCount ?? 0),
      sendAt,
    });
    if (id)
      await scheduleJob(trx, { task: CSAT_TASK, key: jobKey(id), runAt: sendAt, payload: { surveyId: id } });
  } else if (!DONE_STATUSES.has(String(ticket.status))) {
    for (const id of await repo.cancelScheduled(trx, workspaceId, ticket.id))
      await cancelJob(trx, { task: CSAT_TASK, key: jobKey(id) });
  }
}

const WORDS: Record<
  Locale,
  { subject: string; greeting: string; ask: string; scale: string[]; until: string; title: string }
> = {
  en: {
    subject: 'How did we do?',
    greeting: 'Hello {name},',
    ask: 'Your request #{number} ({subject}) was resolved. How satisfied are you with our help?',
    scale: ['Very unsatisfied', 'Unsatisfied', 'Neutral', 'Satisfied', 'Very satisfied'],
    until: 'These links work for {days} days.',
    title: 'How did we do?',
  },
  ar: {
    subject: 'ما رأيك في خدمتنا؟',
    greeting: 'مرحبًا {name}،',
    ask: 'تم حل طلبك رقم {number} ({subject}). ما مدى رضاك عن مساعدتنا؟',
    scale: ['غير راضٍ إطلاقًا', 'غير راضٍ', 'محايد', 'راضٍ', 'راضٍ جدًا'],
    until: 'تعمل هذه الروابط لمدة {days} أيام.',
    title: 'ما رأيك في خدمتنا؟',
  },
  fa: {
    subject: 'از پاسخ ما راضی بودید؟',
    greeting: 'سلام {name}،',
    ask: 'درخواست شمارهٔ {number} شما ({subject}) حل شد. چقدر از کمک ما راضی هستید؟',
    scale: ['بسیار ناراضی', 'ناراضی', 'معمولی', 'راضی', 'بسیار راضی'],
    until: 'این پیوندها تا {days} روز کار می‌کنند.',
    title: 'از پاسخ ما راضی بودید؟',
  },
};

/** The sealed part of a survey's links: which workspace and survey, unforgeable without the server's key. */
export const surveyToken = (box: SecretBox, workspaceId: string, surveyId: string) =>
  sealSurveyToken(box, 'csat', workspaceId, surveyId);

/**
 * The survey job: sends this resolution's survey by email from the ticket's queue mailbox, for its assignee (or
 * the last agent who replied), unless the ticket was reopened since, or there is no address, mailbox, agent or public
 * address to link back to — then it is kept as skipped with the reason.
 */
export async function sendSurvey(
  db: Database,
  payload: { workspaceId: string; surveyId: string },
  deps: { secrets: { get(): Promise<SecretBox> }; publicUrl: string | undefined },
): Promise<void> {
  const box = await deps.secrets.get();
  await withWorkspace(db, payload.workspaceId, async (trx) => {
    const ws = payload.workspaceId;
    const survey = await repo.selectSurvey(trx, ws, payload.surveyId, { lock: true });
    if (survey?.status !== 'scheduled') return;
    const reader = surveyPrincipal(ws);
    const ticket = (
      await readRecords(trx, reader, 'tickets', [survey.ticketId], {
        fields: ['number', 'subject', 'status', 'reopenCount', 'requester', 'owner', 'queue', 'language'],
      })
    ).get(survey.ticketId) as Record<string, unknown> | undefined;
    const skip = (reason: string) => repo.finishSurvey(trx, ws, survey.id, { status: 'skipped', reason });
    if (!ticket || !DONE_STATUSES.has(String(ticket.status)) || Number(ticket.reopenCount) !== survey.cycle)
      return repo.finishSurvey(trx, ws, survey.id, { status: 'cancelled', reason: 'reopened' });
    if (!deps.publicUrl) return skip('RABITA_PUBLIC_URL is not set, so the survey has no link to answer at.');
    const requester = String(ticket.requester ?? '');
    const person = requester
      ? ((await readRecords(trx, reader, 'people', [requester], { fields: ['emails', 'firstName'] })).get(
          requester,
        ) as Record<string, unknown> | undefined)
      : undefined;
    const to = addressesOf(person?.emails)[0];
    if (!to) return skip('The requester has no email address.');
    const mailboxId = await selectReplyMailbox(trx, ws, (ticket.queue as string | null) ?? null);
    if (!mailboxId) return skip('The desk has no mailbox to send it from.');
    const agent = (ticket.owner as string | null) ?? (await repo.lastReplier(trx, ws, survey.ticketId));
    if (!agent) return skip('Nobody answered the ticket.');
    const settings = await repo.selectSettings(trx, ws);
    const locale = localeOf(ticket.language);
    const w = WORDS[locale];
    const link = `${deps.publicUrl.replace(/\/$/, '')}/s/csat/${surveyToken(box, ws, survey.id)}`;
    const values = {
      name: String(person?.firstName ?? ''),
      number: localDigits(locale, Number(ticket.number)),
      subject: String(ticket.subject ?? ''),
      days: localDigits(locale, settings.csatExpiryDays),
    };
    const text = [
      fill(w.greeting, values),
      '',
      fill(w.ask, values),
      '',
      ...w.scale.map((label, i) => `${localDigits(locale, i + 1)} — ${label}: ${link}?rating=${i + 1}`),
      '',
      fill(w.until, values),
    ].join('\n');
    await queueWorkspaceSend(trx, ws, {
      userId: agent,
      mailboxId,
      to: [to],
      subject: `${w.subject} [#${ticket.number}]`,
      text,
      language: locale,
    });
    await repo.finishSurvey(trx, ws, survey.id, {
      status: 'sent',
      expiresAt: new Date(Date.now() + settings.csatExpiryDays * 86_400_000),
    });
  });
}

/** What the survey page shows: the question in the ticket's language, or why it cannot be answered. */
export interface SurveyPage {
  state: 'open' | 'answered' | 'expired' | 'unknown';
  locale: Locale;
  title: string;
  question: string;
  scale: string[];
  rating: number | null;
  comment: string | null;
  resolved: boolean | null;
}

async function openSurvey<T>(
  db: Database,
  box: SecretBox,
  token: string,
  steps: (trx: Tx, ws: string, survey: repo.SurveyRow, ticket: Record<string, unknown>) => Promise<T>,
): Promise<T | undefined> {
  const opened = openSurveyToken(box, 'csat', token);
  if (!opened) return undefined;
  return withWorkspace(db, opened.workspaceId, async (trx) => {
    const survey = await repo.selectSurvey(trx, opened.workspaceId, opened.surveyId, { lock: true });
    if (!survey || (survey.status !== 'sent' && survey.status !== 'answered')) return undefined;
    const ticket = (
      await readRecords(trx, surveyPrincipal(opened.workspaceId), 'tickets', [survey.ticketId], {
        fields: ['number', 'subject', 'language', 'owner'],
      })
    ).get(survey.ticketId) as Record<string, unknown> | undefined;
    if (!ticket) return undefined;
    return steps(trx, opened.workspaceId, survey, ticket);
  });
}

function pageOf(survey: repo.SurveyRow | undefined, ticket: Record<string, unknown> | undefined): SurveyPage {
  const locale = localeOf(ticket?.language);
  const w = WORDS[locale];
  const expired = survey?.expiresAt ? survey.expiresAt.getTime() < Date.now() : false;
  return {
    state: !survey ? 'unknown' : expired ? 'expired' : survey.status === 'answered' ? 'answered' : 'open',
    locale,
    title: w.title,
    question: ticket
      ? fill(w.ask, {
          number: localDigits(locale, Number(ticket.number)),
          subject: String(ticket.subject ?? ''),
        })
      : '',
    scale: w.scale,
    rating: survey?.rating ?? null,
    comment: survey?.comment ?? null,
    resolved: survey?.resolved ?? null,
  };
}

/** The survey page for a link: reading it records nothing (mail scanners follow links). */
export async function surveyPage(db: Database, box: SecretBox, token: string): Promise<SurveyPage> {
  return (
    (await openSurvey(db, box, token, async (_trx, _ws, s, t) => pageOf(s, t))) ??
    pageOf(undefined, undefined)
  );
}

/**
 * Records a rating (1–5), an optional comment and an optional "was it resolved?" answer, until the survey expires;
 * answering again replaces the answer. A rating of 1–2 opens one follow-up task for the ticket's assignee.
 */
export async function answerSurvey(
  db: Database,
  box: SecretBox,
  token: string,
  answer: { rating: number; comment?: string | undefined; resolved?: boolean | undefined },
): Promise<SurveyPage> {
  if (!Number.isInteger(answer.rating) || answer.rating < 1 || answer.rating > 5)
    throw new AppError('validation_failed', 'Choose a rating from 1 to 5.', {
      errors: [{ field: 'rating', message: 'Choose a rating from 1 to 5.' }],
    });
  const comment = answer.comment?.trim().slice(0, 2000) || null;
  const result = await openSurvey(db, box, token, async (trx, ws, survey, ticket) => {
    if (survey.expiresAt && survey.expiresAt.getTime() < Date.now()) return pageOf(survey, ticket);
    let task: string | null = null;
    if (answer.rating <= UNHAPPY && !survey.followUpTaskId)
      task = await openFollowUpTask(trx, ws, {
        answer: { rating: answer.rating, ticketNumber: Number(ticket.number) },
        linkedObject: 'tickets',
        linkedRecord: survey.ticketId,
        owner: (ticket.owner as string | null) ?? null,
        cause: { kind: 'csat', surveyId: survey.id },
      });
    const resolved = answer.resolved ?? null;
    await repo.answerSurvey(trx, ws, survey.id, {
      rating: answer.rating,
      comment,
      resolved,
      followUpTaskId: task,
    });
    await repo.keepSatisfaction(trx, ws, survey.ticketId, answer.rating);
    return pageOf({ ...survey, status: 'answered', rating: answer.rating, comment, resolved }, ticket);
  });
  if (!result) throw new AppError('not_found', 'This survey link is not known here.');
  return result;
}

/** A ticket's surveys, newest resolution first, for anyone who may read the ticket. */
export async function ticketSurveys(ctx: ServiceContext, ticketId: string) {
  return inWorkspace(ctx, async (trx, ws) => {
    const seen = await readRecords(trx, ctx.principal, 'tickets', [ticketId], { fields: ['id'] });
    assertSeen(seen.has(ticketId), 'tickets', ticketId);
    return (await repo.selectTicketSurveys(trx, ws, ticketId)).map((s) => ({
      id: s.id,
      cycle: s.cycle,
      status: s.status,
      reason: s.reason,
      rating: s.rating,
      comment: s.comment,
      resolved: s.resolved,
      sendAt: s.sendAt.toISOString(),
      sentAt: s.sentAt?.toISOString() ?? null,
      expiresAt: s.expiresAt?.toISOString() ?? null,
      answeredAt: s.answeredAt?.toISOString() ?? null,
      followUpTaskId: s.followUpTaskId,
    }));
  });
}

export async function getSurveySettings(ctx: ServiceContext): Promise<repo.SurveySettings> {
  return inWorkspace(ctx, (trx, ws) => repo.selectSettings(trx, ws));
}

export async function putSurveySettings(
  ctx: ServiceContext,
  s: repo.SurveySettings,
): Promise<repo.SurveySettings> {
  if (!can(ctx.principal, 'service.channels.manage'))
    throw new AppError('forbidden', 'Your role may not change the desk’s surveys (service.channels.manage).');
  return inWorkspace(ctx, (trx, ws) => repo.upsertSettings(trx, ws, s));
}

/**
 * The latest satisfaction score a person gave, over all the tickets they requested, in one indexed statement — for
 * the call card. Only tickets the reader may read count: none when their role may not read tickets or hides the
 * requester (a score would say whose ticket it was), only their own under "own records only".
 */
export async function latestCsatOf(
  trx: Tx,
  reader: Principal,
  personId: string,
): Promise<repo.LatestRating | null> {
  const rule = ruleFor(reader, 'tickets');
  if (!rule.read || hiddenFor(reader)('tickets', 'requester')) return null;
  const limit = ownerLimit(reader, rule);
  if (limit === null) return null;
  return (await repo.selectLatestRating(trx, reader.workspaceId, personId, limit)) ?? null;
}
