import { createHash } from 'node:crypto';
import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { can } from '../auth/principal.ts';
import type { SecretBox } from '../auth/secret-box.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { queueWorkspaceSend } from '../email/outbox.service.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { cancelJob, scheduleJob } from '../jobs/jobs.service.ts';
import type { StoredRecord } from '../modules/manifest.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { listRecordsIn } from '../records/list-records.ts';
import { lastReplier } from './csat.repository.ts';
import { selectReplyMailbox } from './mail.repository.ts';
import { addressesOf } from './mail-desk.ts';
import * as repo from './nps.repository.ts';
import { DONE_STATUSES } from './service.objects.ts';
import {
  fill,
  localDigits,
  localeOf,
  openFollowUpTask,
  openSurveyToken,
  type SurveyLocale,
  sealSurveyToken,
  surveyPrincipal,
} from './survey-kit.ts';
import { type SurveyPage, unknownSurveyPage } from './survey-page.ts';

/** Sends one ticket resolution's NPS survey after the workspace's delay. */
export const NPS_SEND_TASK = 'rabita:nps-send';
/** One page of a relationship campaign's run: its people surveyed, then the next page queued. */
export const NPS_RUN_TASK = 'rabita:nps-run';
/** How many people one job of a campaign run surveys (one transaction each). */
export const NPS_BATCH = 200;
/** A score at or under this is a detractor's: it opens a follow-up task (9–10 are promoters', 7–8 passives'). */
const DETRACTOR = 6;

export interface NpsDeps {
  secrets: { get(): Promise<SecretBox> };
  publicUrl: string | undefined;
}

/** What a survey reads of its person: their address, name, language and owner. */
const PERSON_FIELDS = ['id', 'emails', 'firstName', 'preferredLanguage', 'owner'] as const;
const sendKey = (surveyId: string) => `nps:${surveyId}`;
const runKey = (campaignId: string, runAt: Date) => `nps-run:${campaignId}:${runAt.toISOString()}`;

const WORDS: Record<
  SurveyLocale,
  {
    subject: string;
    greeting: string;
    ask: string;
    after: string;
    ends: string;
    until: string;
    title: string;
  }
> = {
  en: {
    subject: 'Would you recommend us?',
    greeting: 'Hello {name},',
    ask: 'How likely are you to recommend us to a friend or colleague?',
    after: 'Your request #{number} ({subject}) was resolved.',
    ends: '{low} means not at all likely, {high} extremely likely.',
    until: 'These links work for {days} days.',
    title: 'Would you recommend us?',
  },
  ar: {
    subject: 'هل تنصح بنا؟',
    greeting: 'مرحبًا {name}،',
    ask: 'ما مدى احتمال أن تنصح صديقًا أو زميلًا بالتعامل معنا؟',
    after: 'تم حل طلبك رقم {number} ({subject}).',
    ends: '{low} تعني غير محتمل إطلاقًا، و{high} تعني محتمل جدًا.',
    until: 'تعمل هذه الروابط لمدة {days} يومًا.',
    title: 'هل تنصح بنا؟',
  },
  fa: {
    subject: 'ما را به دیگران پیشنهاد می‌کنید؟',
    greeting: 'سلام {name}،',
    ask: 'چقدر احتمال دارد ما را به یک دوست یا همکار پیشنهاد کنید؟',
    after: 'درخواست شمارهٔ {number} شما ({subject}) حل شد.',
    ends: '{low} یعنی اصلاً محتمل نیست و {high} یعنی بسیار محتمل است.',
    until: 'این پیوندها تا {days} روز کار می‌کنند.',
    title: 'ما را به دیگران پیشنهاد می‌کنید؟',
  },
};

/** The question of a survey in its language: about the ticket for a transactional one. */
function question(locale: SurveyLocale, ticket: Record<string, unknown> | undefined): string {
  const w = WORDS[locale];
  const ends = fill(w.ends, { low: localDigits(locale, 0), high: localDigits(locale, 10) });
  const about = ticket
    ? `${fill(w.after, { number: localDigits(locale, Number(ticket.number)), subject: String(ticket.subject ?? '') })} `
    : '';
  return `${about}${w.ask} ${ends}`;
}

/**
 * A ticket's status moved (a tickets after-hook): entering resolved or closed from an open status schedules this
 * resolution's transactional NPS survey of the requester after the workspace's delay (one per resolution: its
 * cycle is the reopen count); reopening before it is sent cancels it.
 */
export async function onTicketStatusNps(
  trx: Tx,
  workspaceId: string,
  ticket: StoredRecord,
  before: StoredRecord,
): Promise<void> {
  const done = DONE_STATUSES.has(String(ticket.status));
  const wasDone = DONE_STATUSES.has(String(before.status));
  if (done && !wasDone) {
    const settings = await repo.selectNpsSettings(trx, workspaceId);
    if (!settings.transactionalEnabled || typeof ticket.requester !== 'string') return;
    const sendAt = new Date(Date.now() + settings.transactionalDelayMinutes * 60_000);
    const id = await repo.insertTicketSurvey(trx, workspaceId, {
      id: newId(),
      ticketId: ticket.id,
      cycle: Number(ticket.reopenCount ?? 0),
      personId: ticket.requester,
      sendAt,
    });
    if (id)
      await scheduleJob(trx, {
        task: NPS_SEND_TASK,
        key: sendKey(id),
        runAt: sendAt,
        payload: { surveyId: id },
      });
  } else if (!done && wasDone) {
    for (const id of await repo.cancelTicketSurveys(trx, workspaceId, ticket.id))
      await cancelJob(trx, { task: NPS_SEND_TASK, key: sendKey(id) });
  }
}

/**
 * Sends one scheduled survey (locked by the caller) to its person, in their preferred language, from the desk's
 * mailbox for the survey's owner — unless the person has no address, was surveyed of this kind within the
 * throttle window, or there is no mailbox, sender or public address: then it is kept as skipped with the reason.
 */
async function deliver(
  trx: Tx,
  ws: string,
  survey: repo.NpsSurveyRow,
  ctx: {
    box: SecretBox;
    publicUrl: string | undefined;
    settings: repo.NpsSettings;
    ticket?: Record<string, unknown>;
    /** The person as a campaign's page listed them (else read here). */
    person?: Record<string, unknown>;
  },
): Promise<void> {
  const skip = (reason: string) => repo.finishNpsSurvey(trx, ws, survey.id, { status: 'skipped', reason });
  if (!ctx.publicUrl) return skip('RABITA_PUBLIC_URL is not set, so the survey has no link to answer at.');
  const person =
    ctx.person ??
    ((
      await readRecords(trx, surveyPrincipal(ws), 'people', [survey.personId], { fields: [...PERSON_FIELDS] })
    ).get(survey.personId) as Record<string, unknown> | undefined);
  if (!person) return skip('The person was deleted.');
  const to = addressesOf(person.emails)[0];
  if (!to) return skip('The person has no email address.');
  const mailboxId = await selectReplyMailbox(
    trx,
    ws,
    (ctx.ticket?.queue as string | null | undefined) ?? null,
  );
  if (!mailboxId) return skip('The desk has no mailbox to send it from.');
  const sender =
    survey.ownerUserId ??
    (ctx.ticket?.owner as string | null | undefined) ??
    (survey.ticketId ? await lastReplier(trx, ws, survey.ticketId) : undefined) ??
    (person.owner as string | null | undefined);
  if (!sender) return skip('Nobody to send it for: the ticket and the person have no owner.');
  const window =
    survey.kind === 'relationship'
      ? { months: ctx.settings.relationshipThrottleMonths }
      : { days: ctx.settings.transactionalThrottleDays };
  const claim = await repo.claimThrottle(trx, ws, {
    personId: survey.personId,
    kind: survey.kind,
    surveyId: survey.id,
    window,
  });
  if (claim !== true)
    return skip(
      `Throttled: surveyed (${survey.kind}) on ${claim.lastSentAt.toISOString().slice(0, 10)}; at most once every ${
        'months' in window ? `${window.months} months` : `${window.days} days`
      }.`,
    );
  const locale = localeOf(person.preferredLanguage);
  const w = WORDS[locale];
  const link = `${ctx.publicUrl.replace(/\/$/, '')}/s/nps/${sealSurveyToken(ctx.box, 'nps', ws, survey.id)}`;
  const text = [
    fill(w.greeting, { name: String(person.firstName ?? '') }),
    '',
    question(locale, ctx.ticket),
    '',
    ...Array.from({ length: 11 }, (_, n) => `${localDigits(locale, n)}: ${link}?rating=${n}`),
    '',
    fill(w.until, { days: localDigits(locale, ctx.settings.expiryDays) }),
  ].join('\n');
  await queueWorkspaceSend(trx, ws, {
    userId: sender,
    mailboxId,
    to: [to],
    subject: ctx.ticket ? `${w.subject} [#${ctx.ticket.number}]` : w.subject,
    text,
    language: locale,
  });
  await repo.finishNpsSurvey(trx, ws, survey.id, {
    status: 'sent',
    expiresAt: new Date(Date.now() + ctx.settings.expiryDays * 86_400_000),
    ownerUserId: sender,
  });
}

/**
 * `deliver` in a savepoint: a send the outbox refuses (the desk's mailbox has no SMTP server, say) is undone and the
 * survey kept as skipped with the reason, so one person never stalls a campaign's page or retries forever.
 */
async function deliverOrSkip(
  trx: Tx,
  ws: string,
  survey: repo.NpsSurveyRow,
  ctx: Parameters<typeof deliver>[3],
) {
  try {
    await repo.inSavepoint(trx, () => deliver(trx, ws, survey, ctx));
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    await repo.finishNpsSurvey(trx, ws, survey.id, {
      status: 'skipped',
      reason: `Could not be sent: ${error.message}`.slice(0, 500),
    });
  }
}

/** The transactional survey's job: sends it unless the ticket was reopened since (then it is cancelled). */
export async function sendTicketNps(
  db: Database,
  payload: { workspaceId: string; surveyId: string },
  deps: NpsDeps,
): Promise<void> {
  const box = await deps.secrets.get();
  await withWorkspace(db, payload.workspaceId, async (trx) => {
    const ws = payload.workspaceId;
    const survey = await repo.selectNpsSurvey(trx, ws, payload.surveyId, { lock: true });
    if (survey?.status !== 'scheduled' || !survey.ticketId) return;
    const ticket = (
      await readRecords(trx, surveyPrincipal(ws), 'tickets', [survey.ticketId], {
        fields: ['number', 'subject', 'status', 'reopenCount', 'owner', 'queue'],
      })
    ).get(survey.ticketId) as Record<string, unknown> | undefined;
    if (!ticket || !DONE_STATUSES.has(String(ticket.status)) || Number(ticket.reopenCount) !== survey.cycle)
      return repo.finishNpsSurvey(trx, ws, survey.id, {
        status: 'cancelled',
        reason: 'The ticket was reopened.',
      });
    const settings = await repo.selectNpsSettings(trx, ws);
    await deliverOrSkip(trx, ws, survey, { box, publicUrl: deps.publicUrl, settings, ticket });
  });
}

/**
 * One page of a relationship campaign's run (a job): the run is made on its first page, which also schedules the
 * campaign's next run when it repeats; each person on the page matching the campaign's filter gets this run's
 * survey (once: a job run twice finds theirs made and sends nothing), then the next page is queued.
 */
export async function runNpsCampaignPage(
  db: Database,
  payload: {
    workspaceId: string;
    campaignId: string;
    runAt: string;
    cursor?: string | undefined;
    page?: number;
  },
  deps: NpsDeps,
): Promise<void> {
  const box = await deps.secrets.get();
  const ws = payload.workspaceId;
  const runAt = new Date(payload.runAt);
  await withWorkspace(db, ws, async (trx) => {
    const campaign = await repo.selectCampaign(trx, ws, payload.campaignId);
    if (!campaign?.active) return;
    const run = await repo.upsertRun(trx, ws, { id: newId(), campaignId: campaign.id, runAt });
    if (run.status === 'done') return;
    if (run.created) {
      const next = campaign.repeatMonths ? addMonths(runAt, campaign.repeatMonths) : null;
      await repo.setCampaignSchedule(trx, ws, campaign.id, { nextRunAt: next });
      if (next)
        await scheduleJob(trx, {
          task: NPS_RUN_TASK,
          key: runKey(campaign.id, next),
          runAt: next,
          payload: { workspaceId: ws, campaignId: campaign.id, runAt: next.toISOString() },
        });
    }
    const principal = surveyPrincipal(ws);
    const people = await listRecordsIn(trx, principal, 'people', {
      filter: campaign.filter ?? undefined,
      limit: NPS_BATCH,
      cursor: payload.cursor,
      fields: [...PERSON_FIELDS],
    });
    const settings = await repo.selectNpsSettings(trx, ws);
    for (const person of people.data) {
      const personId = person.id;
      const surveyId = await repo.insertRunSurvey(trx, ws, {
        id: newId(),
        runId: run.id,
        personId,
        ownerUserId: campaign.ownerUserId,
      });
      if (!surveyId) continue;
      const survey = await repo.selectNpsSurvey(trx, ws, surveyId);
      if (survey) await deliverOrSkip(trx, ws, survey, { box, publicUrl: deps.publicUrl, settings, person });
    }
    if (people.nextCursor) {
      const page = (payload.page ?? 0) + 1;
      await scheduleJob(trx, {
        task: NPS_RUN_TASK,
        key: `${runKey(campaign.id, runAt)}:${page}:${createHash('sha256').update(people.nextCursor).digest('hex').slice(0, 16)}`,
        runAt: new Date(),
        payload: { ...payload, cursor: people.nextCursor, page },
      });
    } else await repo.finishRun(trx, ws, run.id);
  });
}

/** The same day and time `months` later (UTC), on the month's last day when it is shorter (31 January → 28 February). */
export function addMonths(at: Date, months: number): Date {
  const next = new Date(at);
  next.setUTCDate(1);
  next.setUTCMonth(next.getUTCMonth() + months);
  const last = new Date(Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 0)).getUTCDate();
  next.setUTCDate(Math.min(at.getUTCDate(), last));
  return next;
}

async function openNps<T>(
  db: Database,
  box: SecretBox,
  token: string,
  steps: (
    trx: Tx,
    ws: string,
    survey: repo.NpsSurveyRow,
    person: Record<string, unknown>,
    ticket: Record<string, unknown> | undefined,
  ) => Promise<T>,
): Promise<T | undefined> {
  const opened = openSurveyToken(box, 'nps', token);
  if (!opened) return undefined;
  return withWorkspace(db, opened.workspaceId, async (trx) => {
    const ws = opened.workspaceId;
    const survey = await repo.selectNpsSurvey(trx, ws, opened.surveyId, { lock: true });
    if (!survey || (survey.status !== 'sent' && survey.status !== 'answered')) return undefined;
    const reader = surveyPrincipal(ws);
    const person = (
      await readRecords(trx, reader, 'people', [survey.personId], {
        fields: ['firstName', 'lastName', 'preferredLanguage', 'owner'],
      })
    ).get(survey.personId) as Record<string, unknown> | undefined;
    if (!person) return undefined;
    const ticket = survey.ticketId
      ? ((
          await readRecords(trx, reader, 'tickets', [survey.ticketId], { fields: ['number', 'subject'] })
        ).get(survey.ticketId) as Record<string, unknown> | undefined)
      : undefined;
    return steps(trx, ws, survey, person, ticket);
  });
}

function pageOf(
  survey: repo.NpsSurveyRow,
  person: Record<string, unknown>,
  ticket: Record<string, unknown> | undefined,
): SurveyPage {
  const locale = localeOf(person.preferredLanguage);
  const expired = survey.expiresAt ? survey.expiresAt.getTime() < Date.now() : false;
  return {
    state: expired ? 'expired' : survey.status === 'answered' ? 'answered' : 'open',
    locale,
    title: WORDS[locale].title,
    question: question(locale, ticket),
    choices: Array.from({ length: 11 }, (_, n) => ({ value: n, label: localDigits(locale, n) })),
    inline: true,
    answer: survey.score,
    comment: survey.comment,
  };
}

/** The NPS page for a link: reading it records nothing (mail scanners follow links). */
export async function npsPage(db: Database, box: SecretBox, token: string): Promise<SurveyPage> {
  return (
    (await openNps(db, box, token, async (_trx, _ws, s, p, t) => pageOf(s, p, t))) ?? unknownSurveyPage()
  );
}

/**
 * Records a score (0–10) and an optional comment, until the survey expires; answering again replaces the answer. A
 * detractor's score (0–6) opens one follow-up task for the person's owner (or the survey's owner).
 */
export async function answerNps(
  db: Database,
  box: SecretBox,
  token: string,
  answer: { value: number; comment?: string | undefined },
): Promise<SurveyPage> {
  if (!Number.isInteger(answer.value) || answer.value < 0 || answer.value > 10)
    throw new AppError('validation_failed', 'Choose a score from 0 to 10.', {
      errors: [{ field: 'rating', message: 'Choose a score from 0 to 10.' }],
    });
  const score = answer.value;
  const comment = answer.comment?.trim().slice(0, 2000) || null;
  const result = await openNps(db, box, token, async (trx, ws, survey, person, ticket) => {
    if (survey.expiresAt && survey.expiresAt.getTime() < Date.now()) return pageOf(survey, person, ticket);
    let task: string | null = null;
    if (score <= DETRACTOR && !survey.followUpTaskId) {
      const name = [person.firstName, person.lastName].filter(Boolean).join(' ');
      task = await openFollowUpTask(trx, ws, {
        answer: { rating: score, name, ticketNumber: ticket ? Number(ticket.number) : undefined },
        linkedObject: 'people',
        linkedRecord: survey.personId,
        owner: (person.owner as string | null) ?? survey.ownerUserId,
        cause: { kind: 'nps', surveyId: survey.id },
      });
    }
    await repo.answerNpsSurvey(trx, ws, survey.id, { score, comment, followUpTaskId: task });
    return pageOf({ ...survey, status: 'answered', score, comment }, person, ticket);
  });
  if (!result) throw new AppError('not_found', 'This survey link is not known here.');
  return result;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A person's NPS surveys, newest first, for anyone who may read the person. */
export async function personNps(ctx: ServiceContext, personId: string) {
  return inWorkspace(ctx, async (trx, ws) => {
    const seen = await readRecords(trx, ctx.principal, 'people', [personId], { fields: ['id'] });
    assertSeen(seen.has(personId), 'people', personId);
    return (await repo.selectPersonSurveys(trx, ws, personId)).map((s) => ({
      id: s.id,
      kind: s.kind,
      ticketId: s.ticketId,
      status: s.status,
      reason: s.reason,
      score: s.score,
      comment: s.comment,
      sendAt: s.sendAt.toISOString(),
      sentAt: iso(s.sentAt),
      expiresAt: iso(s.expiresAt),
      answeredAt: iso(s.answeredAt),
      followUpTaskId: s.followUpTaskId,
    }));
  });
}

/** The NPS of surveys sent in [from, to), per kind: % promoters − % detractors, the counts and the response rate. */
export async function npsReport(ctx: ServiceContext, range: { from: string; to: string }) {
  const from = new Date(range.from);
  const to = new Date(range.to);
  if (!(from < to) || to.getTime() - from.getTime() > 5 * 366 * 86_400_000)
    throw new AppError('validation_failed', 'from must be before to, at most five years apart.', {
      errors: [{ field: 'to', message: 'Must be after from, at most five years later.' }],
    });
  const counts = await inWorkspace(ctx, (trx, ws) => repo.selectNpsCounts(trx, ws, from, to));
  const of = (kind: repo.NpsKind) => {
    const c = counts.find((x) => x.kind === kind) ?? {
      sent: 0,
      responses: 0,
      promoters: 0,
      passives: 0,
      detractors: 0,
    };
    return {
      sent: c.sent,
      responses: c.responses,
      promoters: c.promoters,
      passives: c.passives,
      detractors: c.detractors,
      score: c.responses ? Math.round(((c.promoters - c.detractors) / c.responses) * 1000) / 10 : null,
      responseRate: c.sent ? c.responses / c.sent : null,
    };
  };
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    relationship: of('relationship'),
    transactional: of('transactional'),
  };
}

const presentCampaign = (
  c: repo.NpsCampaignRow & Partial<{ runs: number; sent: number; answered: number; skipped: number }>,
) => ({
  id: c.id,
  name: c.name,
  filter: c.filter ?? null,
  ownerUserId: c.ownerUserId,
  firstRunAt: c.firstRunAt.toISOString(),
  repeatMonths: c.repeatMonths,
  nextRunAt: iso(c.nextRunAt),
  active: c.active,
  runs: c.runs ?? 0,
  sent: c.sent ?? 0,
  answered: c.answered ?? 0,
  skipped: c.skipped ?? 0,
  createdAt: c.createdAt.toISOString(),
});

function assertManager(ctx: ServiceContext) {
  if (!can(ctx.principal, 'service.channels.manage'))
    throw new AppError('forbidden', 'Your role may not change the desk’s surveys (service.channels.manage).');
}

/** The relationship campaigns, newest first, with how their surveys went. */
export async function listNpsCampaigns(ctx: ServiceContext) {
  return inWorkspace(ctx, async (trx, ws) => (await repo.selectCampaigns(trx, ws)).map(presentCampaign));
}

/**
 * A relationship campaign: people matching `filter` (the record engine's filter tree, checked now as the caller
 * may read people) surveyed at `firstRunAt` and, with `repeatMonths`, again every that many months.
 */
export async function createNpsCampaign(
  ctx: ServiceContext,
  input: { name: string; filter?: unknown; firstRunAt: string; repeatMonths?: number | null | undefined },
) {
  assertManager(ctx);
  const owner = ctx.principal.userId;
  if (!owner)
    throw new AppError(
      'validation_failed',
      'A campaign’s surveys are sent for a person: create it signed in.',
    );
  const firstRunAt = new Date(input.firstRunAt);
  if (Number.isNaN(firstRunAt.getTime()) || firstRunAt.getTime() > Date.now() + 366 * 86_400_000)
    throw new AppError('validation_failed', 'firstRunAt must be a time within the next year.', {
      errors: [{ field: 'firstRunAt', message: 'Must be an ISO 8601 time within the next year.' }],
    });
  return inWorkspace(ctx, async (trx, ws) => {
    // A filter the caller could not list people with is refused here (400), not at the first run.
    await listRecordsIn(trx, ctx.principal, 'people', { filter: input.filter, limit: 1, fields: ['id'] });
    const campaign = await repo.insertCampaign(trx, ws, {
      id: newId(),
      name: input.name,
      filter: input.filter,
      ownerUserId: owner,
      firstRunAt,
      repeatMonths: input.repeatMonths ?? null,
    });
    await scheduleJob(trx, {
      task: NPS_RUN_TASK,
      key: runKey(campaign.id, firstRunAt),
      runAt: firstRunAt,
      payload: { workspaceId: ws, campaignId: campaign.id, runAt: firstRunAt.toISOString() },
    });
    return presentCampaign(campaign);
  });
}

/** Stops a campaign: its next run is cancelled; its surveys already sent can still be answered. */
export async function stopNpsCampaign(ctx: ServiceContext, id: string): Promise<void> {
  assertManager(ctx);
  await inWorkspace(ctx, async (trx, ws) => {
    const campaign = await repo.selectCampaign(trx, ws, id, { lock: true });
    if (!campaign) throw new AppError('not_found', `There is no NPS campaign ${id}.`);
    if (campaign.nextRunAt) await cancelJob(trx, { task: NPS_RUN_TASK, key: runKey(id, campaign.nextRunAt) });
    await repo.setCampaignSchedule(trx, ws, id, { nextRunAt: null, active: false });
  });
}

export async function getNpsSettings(ctx: ServiceContext): Promise<repo.NpsSettings> {
  return inWorkspace(ctx, (trx, ws) => repo.selectNpsSettings(trx, ws));
}

export async function putNpsSettings(ctx: ServiceContext, s: repo.NpsSettings): Promise<repo.NpsSettings> {
  assertManager(ctx);
  return inWorkspace(ctx, (trx, ws) => repo.upsertNpsSettings(trx, ws, s));
}
