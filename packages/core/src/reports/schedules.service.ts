// Scheduled reports by email: a saved report rendered as its schedule's owner (their rights at run time) on a
// recurrence in their calendar and time zone, the chart as a picture in the message and the file attached, sent from
// a mailbox of theirs through the email module's own sending service. Each run is a job at its time that queues the
// next one: no polling.
import { withWorkspace } from '@rabita/db';
import { z } from 'zod';
import { principalForMember } from '../auth/members.service.ts';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { getMailbox, type MailDeps } from '../email/mailboxes.service.ts';
import { sendEmail } from '../email/messages.service.ts';
import { keepUpload } from '../email/uploads.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { cancelJob, scheduleJob } from '../jobs/jobs.service.ts';
import { notifyMember } from '../notifications/notifications.service.ts';
import { getUser } from '../users/users.service.ts';
import { listMembers } from '../workspaces/members.service.ts';
import type { ExportFormat } from './export.repository.ts';
import { type ExportDeps, renderReportAs } from './export.service.ts';
import { getSavedReport } from './saved-reports.service.ts';
import { nextRun, type Recurrence, recurrenceSchema } from './schedule-recurrence.ts';
import {
  countOwnedSchedules,
  deleteScheduleRow,
  findScheduleRow,
  insertScheduleRow,
  listScheduleRows,
  recordScheduleRun,
  resumeScheduleRow,
  type ScheduleRow,
  updateScheduleRow,
} from './schedules.repository.ts';

export const SCHEDULE_TASK = 'rabita:report-schedule';
/** Sends that may fail in a row before a schedule pauses itself (and its owner is told). */
export const MAX_FAILED_SENDS = 5;
/** The notification its owner gets when a schedule pauses itself (about the report: `reports:report`). */
export const SCHEDULE_PAUSED_NOTICE = { kind: 'report_schedule_paused', object: 'reports:report' } as const;
const MAX_SCHEDULES_PER_PERSON = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** What a schedule is given: the mailbox it sends from, the format, the recurrence, and whom it goes to. */
export const scheduleInputSchema = z
  .object({
    mailboxId: z.string().max(64).describe('A mailbox of the owner’s (or one they may send from).'),
    format: z.enum(['pdf', 'xlsx', 'csv']),
    recurrence: recurrenceSchema,
    memberIds: z.array(z.string().max(64)).max(50).default([]).describe('Members of the workspace.'),
    addresses: z.array(z.email().max(254)).max(50).default([]).describe('Other email addresses.'),
    enabled: z.boolean().default(true),
  })
  .strict();
export type ScheduleInput = z.infer<typeof scheduleInputSchema>;

/** A schedule as the API shows it. */
export interface ScheduleView {
  id: string;
  reportId: string;
  ownerId: string;
  mailboxId: string;
  format: ExportFormat;
  recurrence: Recurrence;
  memberIds: string[];
  addresses: string[];
  enabled: boolean;
  nextRunAt: string | null;
  lastRunAt: string | null;
  lastError: string | null;
  /** Sends that failed in a row. */
  failures: number;
  /** Set when it paused itself after `MAX_FAILED_SENDS` failed sends in a row: when, and the last error. */
  paused: { at: string; reason: string | null } | null;
}

function present(row: ScheduleRow): ScheduleView {
  return {
    id: row.id,
    reportId: row.reportId,
    ownerId: row.ownerId,
    mailboxId: row.mailboxId,
    format: row.format,
    recurrence: row.recurrence as Recurrence,
    memberIds: row.memberIds,
    addresses: row.addresses,
    enabled: row.enabled,
    nextRunAt: row.nextRunAt?.toISOString() ?? null,
    lastRunAt: row.lastRunAt?.toISOString() ?? null,
    lastError: row.lastError,
    failures: row.failures,
    paused: row.pausedAt ? { at: row.pausedAt.toISOString(), reason: row.pauseReason } : null,
  };
}

const jobKey = (id: string) => `report-schedule:${id}`;

/** Checks the recipients and the mailbox as the caller sees them; the input with members' ids normalised. */
async function checkInput(ctx: ServiceContext, input: ScheduleInput): Promise<ScheduleInput> {
  const memberIds = [...new Set(input.memberIds.map((m) => m.toLowerCase()))];
  const addresses = [...new Set(input.addresses.map((a) => a.toLowerCase()))];
  if (memberIds.length + addresses.length === 0)
    throw new AppError('validation_failed', 'Send the report to at least one member or address.', {
      errors: [{ field: 'memberIds', message: 'Name at least one recipient.' }],
    });
  if (memberIds.length > 0) {
    const members = new Set((await listMembers(ctx)).map((m) => m.userId));
    const problems = memberIds.flatMap((id, i) =>
      UUID.test(id) && members.has(id)
        ? []
        : [{ field: `memberIds.${i}`, message: `There is no member ${id.slice(0, 64)} in this workspace.` }],
    );
    if (problems.length > 0)
      throw new AppError('validation_failed', problems.map((p) => p.message).join(' '), { errors: problems });
  }
  const mailboxProblem = new AppError('validation_failed', 'There is no such mailbox you may send from.', {
    errors: [{ field: 'mailboxId', message: 'Not a mailbox of yours.' }],
  });
  if (!UUID.test(input.mailboxId)) throw mailboxProblem;
  await getMailbox(ctx, input.mailboxId).catch((error) => {
    throw error instanceof AppError && error.code === 'not_found' ? mailboxProblem : error;
  });
  return { ...input, memberIds, addresses, mailboxId: input.mailboxId.toLowerCase() };
}

function owner(ctx: ServiceContext): string {
  if (!ctx.principal.userId)
    throw new AppError('forbidden', 'Schedules belong to people; an API key has none.');
  return ctx.principal.userId;
}

/** The caller's schedules of a report (every one of them for `reports.manage`). */
export async function listSchedules(ctx: ServiceContext, reportId: string): Promise<ScheduleView[]> {
  const userId = owner(ctx);
  await getSavedReport(ctx, reportId);
  return inWorkspace(ctx, async (trx, ws) =>
    (await listScheduleRows(trx, ws, reportId, can(ctx.principal, 'reports.manage') ? null : userId)).map(
      present,
    ),
  );
}

/** Schedules a saved report the caller may run, owned by them; its first run is queued at its time. */
export async function createSchedule(
  ctx: ServiceContext,
  reportId: string,
  raw: ScheduleInput,
): Promise<ScheduleView> {
  const userId = owner(ctx);
  await getSavedReport(ctx, reportId);
  const input = await checkInput(ctx, raw);
  const id = newId();
  const nextRunAt = input.enabled ? nextRun(input.recurrence, new Date()) : null;
  return inWorkspace(ctx, async (trx, ws) => {
    if ((await countOwnedSchedules(trx, ws, userId)) >= MAX_SCHEDULES_PER_PERSON)
      throw new AppError(
        'validation_failed',
        `A person may keep at most ${MAX_SCHEDULES_PER_PERSON} schedules.`,
      );
    await insertScheduleRow(trx, ws, { ...input, id, reportId, ownerId: userId, nextRunAt });
    if (nextRunAt)
      await scheduleJob(trx, {
        task: SCHEDULE_TASK,
        key: jobKey(id),
        runAt: nextRunAt,
        payload: { scheduleId: id },
        maxAttempts: 1,
      });
    return present((await findScheduleRow(trx, ws, id))!);
  });
}

/** Changes a schedule (its owner, or `reports.manage`); its next run moves with it, and a pause ends. */
export async function updateSchedule(
  ctx: ServiceContext,
  reportId: string,
  id: string,
  raw: ScheduleInput,
): Promise<ScheduleView> {
  owner(ctx);
  await getSavedReport(ctx, reportId);
  if (!UUID.test(id)) throw new AppError('not_found', `There is no schedule ${id.slice(0, 64)}.`);
  const input = await checkInput(ctx, raw);
  const nextRunAt = input.enabled ? nextRun(input.recurrence, new Date()) : null;
  return inWorkspace(ctx, async (trx, ws) => {
    const row = await findScheduleRow(trx, ws, id, { reportId, lock: true });
    if (!row || (row.ownerId !== ctx.principal.userId && !can(ctx.principal, 'reports.manage')))
      throw new AppError('not_found', `There is no schedule ${id}.`);
    await updateScheduleRow(trx, ws, id, { ...input, nextRunAt });
    if (nextRunAt)
      await scheduleJob(trx, {
        task: SCHEDULE_TASK,
        key: jobKey(id),
        runAt: nextRunAt,
        payload: { scheduleId: id },
        maxAttempts: 1,
      });
    else await cancelJob(trx, { task: SCHEDULE_TASK, key: jobKey(id) });
    return present((await findScheduleRow(trx, ws, id))!);
  });
}

/**
 * Resumes a schedule that paused itself (its owner, or `reports.manage`): the failures in a row back to 0 and its
 * next run queued from now. A schedule that is not paused is answered as it is.
 */
export async function resumeSchedule(
  ctx: ServiceContext,
  reportId: string,
  id: string,
): Promise<ScheduleView> {
  owner(ctx);
  await getSavedReport(ctx, reportId);
  if (!UUID.test(id)) throw new AppError('not_found', `There is no schedule ${id.slice(0, 64)}.`);
  return inWorkspace(ctx, async (trx, ws) => {
    const row = await findScheduleRow(trx, ws, id, { reportId, lock: true });
    if (!row || (row.ownerId !== ctx.principal.userId && !can(ctx.principal, 'reports.manage')))
      throw new AppError('not_found', `There is no schedule ${id}.`);
    if (!row.pausedAt) return present(row);
    const recurrence = recurrenceSchema.safeParse(row.recurrence);
    const nextRunAt = row.enabled && recurrence.success ? nextRun(recurrence.data, new Date()) : null;
    await resumeScheduleRow(trx, ws, id, nextRunAt);
    if (nextRunAt)
      await scheduleJob(trx, {
        task: SCHEDULE_TASK,
        key: jobKey(id),
        runAt: nextRunAt,
        payload: { scheduleId: id },
        maxAttempts: 1,
      });
    return present((await findScheduleRow(trx, ws, id))!);
  });
}

/** Removes a schedule and its queued run (its owner, or `reports.manage`). */
export async function deleteSchedule(ctx: ServiceContext, reportId: string, id: string): Promise<void> {
  owner(ctx);
  await getSavedReport(ctx, reportId);
  if (!UUID.test(id)) throw new AppError('not_found', `There is no schedule ${id.slice(0, 64)}.`);
  await inWorkspace(ctx, async (trx, ws) => {
    const row = await findScheduleRow(trx, ws, id, { reportId, lock: true });
    if (!row || (row.ownerId !== ctx.principal.userId && !can(ctx.principal, 'reports.manage')))
      throw new AppError('not_found', `There is no schedule ${id}.`);
    await deleteScheduleRow(trx, ws, id);
    await cancelJob(trx, { task: SCHEDULE_TASK, key: jobKey(id) });
  });
}

const WORDS = {
  en: { body: 'Your scheduled report, run as you.', attached: 'The report is attached.' },
  ar: { body: 'تقريرك المجدول، شُغّل باسمك.', attached: 'التقرير مرفق.' },
  fa: { body: 'گزارش زمان‌بندی‌شدهٔ شما، اجراشده به نام شما.', attached: 'گزارش پیوست است.' },
} as const;

const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The schedule job: renders the report as the schedule's owner (their role now), sends it — the chart as a picture
 * in the body, the file attached — from their mailbox to the members' and the other addresses, records the outcome,
 * and queues the next run from the time this one was due (a late run does not shift the ones after it). The
 * `MAX_FAILED_SENDS`th failure in a row pauses the schedule instead (no next run) and tells its owner.
 */
export async function runReportSchedule(
  deps: ExportDeps & { mail: MailDeps | undefined },
  payload: { workspaceId: string; scheduleId: string },
): Promise<void> {
  const { workspaceId, scheduleId } = payload;
  if (!UUID.test(String(scheduleId))) return;
  const row = await withWorkspace(deps.db, workspaceId, (trx) =>
    findScheduleRow(trx, workspaceId, scheduleId),
  );
  if (!row?.enabled || row.pausedAt) return;
  const due = row.nextRunAt ?? new Date();
  let error: string | null = null;
  try {
    const principal = await principalForMember(deps.db, row.ownerId, workspaceId);
    if (!principal) throw new AppError('forbidden', 'The schedule’s owner is no longer a member.');
    if (!deps.mail) throw new AppError('validation_failed', 'The worker cannot send mail (no secret key).');
    const ctx: ServiceContext = { db: deps.db, principal };
    const report = await getSavedReport(ctx, row.reportId);
    const out = await renderReportAs(deps, ctx, row.reportId, row.format, { picture: true });
    const members = row.memberIds.length > 0 ? await listMembers(ctx) : [];
    const to = [
      ...new Set([
        ...members.filter((m) => row.memberIds.includes(m.userId)).map((m) => m.email.toLowerCase()),
        ...row.addresses,
      ]),
    ];
    if (to.length === 0)
      throw new AppError('validation_failed', 'None of the schedule’s recipients is left.');
    const user = await getUser(deps.db, row.ownerId);
    const lang = user.locale === 'ar' || user.locale === 'fa' ? user.locale : 'en';
    const words = WORDS[lang];
    const upload = await keepUpload(deps.db, await deps.mail.secrets.get(), principal, {
      filename: out.filename,
      contentType: out.contentType,
      content: out.file,
    });
    const dir = lang === 'en' ? 'ltr' : 'rtl';
    const picture = out.picture
      ? `<p><img src="data:image/png;base64,${out.picture.toString('base64')}" alt="${escapeHtml(report.name)}" width="640"></p>`
      : '';
    await sendEmail(
      ctx,
      {
        mailboxId: row.mailboxId,
        to,
        subject: report.name,
        html: `<div dir="${dir}" lang="${lang}"><h2>${escapeHtml(report.name)}</h2><p>${words.body}</p>${picture}<p>${words.attached}</p></div>`,
        attachments: [upload.token],
        language: lang,
      },
      deps.mail,
    );
  } catch (e) {
    error = (e as Error).message ?? String(e);
  }
  const recurrence = recurrenceSchema.safeParse(row.recurrence);
  const following = recurrence.success
    ? nextRun(recurrence.data, new Date(Math.max(due.getTime(), Date.now() - 60_000)))
    : null;
  await withWorkspace(deps.db, workspaceId, async (trx) => {
    const outcome = await recordScheduleRun(trx, workspaceId, scheduleId, {
      at: new Date(),
      error,
      nextRunAt: following,
      maxFailures: MAX_FAILED_SENDS,
    });
    if (outcome.paused) {
      // Its owner is told, in the same transaction; the notification names the report, whose schedules say why.
      await notifyMember(trx, {
        workspaceId,
        userId: row.ownerId,
        kind: SCHEDULE_PAUSED_NOTICE.kind,
        object: SCHEDULE_PAUSED_NOTICE.object,
        recordId: row.reportId,
        actorUserId: null,
      });
      // Nothing stays queued for it (the run under way finishes; a job queued by a change in between goes).
      await cancelJob(trx, { task: SCHEDULE_TASK, key: jobKey(scheduleId) });
      return;
    }
    if (following)
      await scheduleJob(trx, {
        task: SCHEDULE_TASK,
        key: jobKey(scheduleId),
        runAt: following,
        payload: { scheduleId },
        maxAttempts: 1,
      });
  });
}
