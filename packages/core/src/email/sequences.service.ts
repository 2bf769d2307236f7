import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { principalForMember } from '../auth/members.service.ts';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, isAppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { cancelJob, scheduleJob } from '../jobs/jobs.service.ts';
import { readRecords } from '../records/gate.ts';
import { workspaceCalendar } from '../workflows/schedule-jobs.ts';
import {
  countSequenceSends,
  deleteSequenceRow,
  type EnrolmentRow,
  insertEnrolment,
  type SequenceRow,
  type SequenceSettings,
  type SequenceStep,
  selectActiveEnrolments,
  selectEnrolment,
  selectEnrolments,
  selectMailbox,
  selectReadableMailboxIds,
  selectSequence,
  selectSequences,
  selectTemplate,
  setMessageSequence,
  takeEnrolment,
  updateEnrolment,
  upsertSequence,
} from './email.repository.ts';
import type { MailDeps } from './mailboxes.service.ts';
import { prepareSend, transmit } from './messages.service.ts';
import {
  nextDayOpening,
  nextOpening,
  type SendRules,
  sendRules,
  startOfLocalDay,
  stepTime,
} from './sequence-time.ts';

export const SEQUENCE_TASK = 'rabita:email-sequence-step';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An auto-reply (out of office) holds an enrolment this long before its next step. */
const AUTO_REPLY_PAUSE_DAYS = 3;

export interface SequenceInput {
  name: string;
  steps: SequenceStep[];
  settings?: SequenceSettings | undefined;
  enabled?: boolean | undefined;
}

export interface SequenceView {
  id: string;
  name: string;
  steps: SequenceStep[];
  settings: SequenceSettings;
  enabled: boolean;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface EnrolmentView {
  id: string;
  sequenceId: string;
  personId: string;
  dealId: string | null;
  mailboxId: string;
  status: EnrolmentRow['status'];
  stopReason: string | null;
  step: number;
  nextAt: string | null;
  pausedUntil: string | null;
  createdAt: string;
}

function presentSequence(row: SequenceRow): SequenceView {
  return {
    id: row.id,
    name: row.name,
    steps: row.steps,
    settings: row.settings,
    enabled: row.enabled,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function presentEnrolment(row: EnrolmentRow): EnrolmentView {
  return {
    id: row.id,
    sequenceId: row.sequence_id,
    personId: row.person_id,
    dealId: row.deal_id,
    mailboxId: row.mailbox_id,
    status: row.status,
    stopReason: row.stop_reason,
    step: row.step,
    nextAt: row.next_at?.toISOString() ?? null,
    pausedUntil: row.paused_until?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
  };
}

const jobKey = (enrolmentId: string) => `email-seq:${enrolmentId}`;

async function queueStep(trx: Tx, enrolmentId: string, at: Date): Promise<void> {
  await scheduleJob(trx, {
    task: SEQUENCE_TASK,
    key: jobKey(enrolmentId),
    runAt: at,
    payload: { enrolmentId },
    maxAttempts: 5,
  });
}

/** Refuses steps whose templates the caller cannot use, and settings that cannot be kept. */
async function checkSequence(trx: Tx, ctx: ServiceContext, input: SequenceInput): Promise<void> {
  const errors: { field: string; message: string }[] = [];
  for (const [i, step] of input.steps.entries()) {
    const t = UUID.test(step.templateId)
      ? await selectTemplate(trx, ctx.principal.workspaceId, step.templateId)
      : undefined;
    if (!t || (!t.shared && t.owner_user_id !== ctx.principal.userId))
      errors.push({ field: `steps.${i}.templateId`, message: 'There is no such template you may use.' });
  }
  const zone = input.settings?.timeZone;
  if (zone !== undefined && zone !== 'UTC' && !Intl.supportedValuesOf('timeZone').includes(zone))
    errors.push({ field: 'settings.timeZone', message: 'Must be an IANA time zone such as Asia/Tehran.' });
  const w = input.settings?.window;
  if (w && !(w.start < w.end))
    errors.push({ field: 'settings.window', message: 'The window must start before it ends.' });
  if (errors.length > 0) throw new AppError('validation_failed', 'The sequence has errors.', { errors });
}

export async function listSequences(ctx: ServiceContext): Promise<SequenceView[]> {
  return inWorkspace(ctx, async (trx, ws) => (await selectSequences(trx, ws)).map(presentSequence));
}

/** Sequences are the workspace's; their author or a mailbox manager changes them. */
async function changeable(trx: Tx, ctx: ServiceContext, id: string): Promise<SequenceRow> {
  const row = UUID.test(id) ? await selectSequence(trx, ctx.principal.workspaceId, id) : undefined;
  if (!row) throw new AppError('not_found', `There is no sequence ${id}.`);
  if (row.created_by !== ctx.principal.userId && !can(ctx.principal, 'mailboxes.manage'))
    throw new AppError('forbidden', 'A sequence is changed by its author or by those with mailboxes.manage.');
  return row;
}

export async function saveSequence(
  ctx: ServiceContext,
  id: string | undefined,
  input: SequenceInput,
): Promise<SequenceView> {
  if (!ctx.principal.userId) throw new AppError('forbidden', 'Sequences are made by people: sign in.');
  return inWorkspace(ctx, async (trx, ws) => {
    if (id !== undefined) await changeable(trx, ctx, id);
    await checkSequence(trx, ctx, input);
    const key = id ?? newId();
    await upsertSequence(trx, ws, {
      id: key,
      name: input.name,
      steps: input.steps,
      settings: input.settings ?? {},
      enabled: input.enabled ?? true,
      createdBy: ctx.principal.userId,
    });
    return presentSequence((await selectSequence(trx, ws, key))!);
  });
}

export async function deleteSequence(ctx: ServiceContext, id: string): Promise<void> {
  await inWorkspace(ctx, async (trx, ws) => {
    const row = await changeable(trx, ctx, id);
    for (const e of await selectEnrolments(trx, ws, row.id, 100_000))
      if (e.status === 'active') await cancelJob(trx, { task: SEQUENCE_TASK, key: jobKey(e.id) });
    await deleteSequenceRow(trx, ws, row.id);
  });
}

async function rulesFor(trx: Tx, workspaceId: string, settings: SequenceSettings): Promise<SendRules> {
  return sendRules(settings, await workspaceCalendar(trx, workspaceId));
}

/**
 * Enrols people the caller may read in a sequence, sending through a mailbox the caller owns or reads; a person
 * already enrolled (active) is skipped with that reason. The first step is queued for its time.
 */
export async function enrol(
  ctx: ServiceContext,
  sequenceId: string,
  input: { personIds: string[]; mailboxId: string; dealId?: string | undefined },
): Promise<{ enrolled: EnrolmentView[]; skipped: { personId: string; reason: string }[] }> {
  const { principal } = ctx;
  if (!principal.userId) throw new AppError('forbidden', 'People are enrolled by a person: sign in.');
  return inWorkspace(ctx, async (trx, ws) => {
    const sequence = UUID.test(sequenceId) ? await selectSequence(trx, ws, sequenceId) : undefined;
    if (!sequence) throw new AppError('not_found', `There is no sequence ${sequenceId}.`);
    if (!sequence.enabled || sequence.steps.length === 0)
      throw new AppError('conflict', 'The sequence is turned off or has no steps.');
    const mailbox = UUID.test(input.mailboxId) ? await selectMailbox(trx, ws, input.mailboxId) : undefined;
    if (!mailbox || !(await selectReadableMailboxIds(trx, ws, principal.userId)).has(mailbox.id))
      throw new AppError('not_found', `There is no mailbox ${input.mailboxId}.`);
    if (input.dealId) {
      const deal = await readRecords(trx, principal, 'deals', [input.dealId], { fields: ['id'] });
      if (!deal.has(input.dealId))
        throw new AppError('not_found', `There is no deals record ${input.dealId}.`);
    }
    const people = await readRecords(trx, principal, 'people', input.personIds, { fields: ['emails'] });
    const rules = await rulesFor(trx, ws, sequence.settings);
    const first = stepTime(new Date(), sequence.steps[0]!.delayDays, rules);
    const enrolled: EnrolmentView[] = [];
    const skipped: { personId: string; reason: string }[] = [];
    for (const personId of [...new Set(input.personIds)]) {
      const person = people.get(personId);
      if (!person) {
        skipped.push({ personId, reason: 'not_found' });
        continue;
      }
      const row = await insertEnrolment(trx, ws, {
        id: newId(),
        sequenceId: sequence.id,
        personId,
        dealId: input.dealId ?? null,
        mailboxId: mailbox.id,
        userId: principal.userId!,
        nextAt: first,
      });
      if (!row) {
        skipped.push({ personId, reason: 'already_enrolled' });
        continue;
      }
      await queueStep(trx, row.id, first);
      enrolled.push(presentEnrolment(row));
    }
    return { enrolled, skipped };
  });
}

export async function listEnrolments(ctx: ServiceContext, sequenceId: string): Promise<EnrolmentView[]> {
  if (!UUID.test(sequenceId)) throw new AppError('not_found', `There is no sequence ${sequenceId}.`);
  return inWorkspace(ctx, async (trx, ws) => {
    if (!(await selectSequence(trx, ws, sequenceId)))
      throw new AppError('not_found', `There is no sequence ${sequenceId}.`);
    const rows = await selectEnrolments(trx, ws, sequenceId, 1000);
    // Only enrolments of people the caller may read.
    const seen = await readRecords(
      trx,
      ctx.principal,
      'people',
      rows.map((r) => r.person_id),
      { fields: ['id'] },
    );
    return rows.filter((r) => seen.has(r.person_id)).map(presentEnrolment);
  });
}

async function stop(trx: Tx, workspaceId: string, row: EnrolmentRow, reason: string): Promise<void> {
  await updateEnrolment(trx, workspaceId, row.id, { status: 'stopped', stopReason: reason, nextAt: null });
  await cancelJob(trx, { task: SEQUENCE_TASK, key: jobKey(row.id) });
}

/** Stops an enrolment by hand (its enroller, or a mailbox manager). */
export async function stopEnrolment(ctx: ServiceContext, id: string): Promise<EnrolmentView> {
  if (!UUID.test(id)) throw new AppError('not_found', `There is no enrolment ${id}.`);
  return inWorkspace(ctx, async (trx, ws) => {
    const row = await selectEnrolment(trx, ws, id);
    if (!row) throw new AppError('not_found', `There is no enrolment ${id}.`);
    if (row.enrolled_by !== ctx.principal.userId && !can(ctx.principal, 'mailboxes.manage'))
      throw new AppError(
        'forbidden',
        'An enrolment is stopped by whoever enrolled the person, or a mailbox manager.',
      );
    if (row.status === 'active' || row.status === 'sending') await stop(trx, ws, row, 'manual');
    return presentEnrolment((await selectEnrolment(trx, ws, id))!);
  });
}

/**
 * What an inbound message does to enrolments: a reply from an enrolled person (any of their addresses) — or, where
 * the sequence says so, from anyone at their company — stops it; an auto-reply holds it a few days instead.
 */
export async function enrolmentsOnInbound(
  trx: Tx,
  workspaceId: string,
  from: { personIds: string[]; companyPersonIds: string[] },
  autoReply: boolean,
): Promise<void> {
  const direct = await selectActiveEnrolments(trx, workspaceId, { personIds: from.personIds });
  const colleagues = from.companyPersonIds.length
    ? await selectActiveEnrolments(trx, workspaceId, { personIds: from.companyPersonIds })
    : [];
  for (const row of direct) {
    if (!autoReply) await stop(trx, workspaceId, row, 'replied');
    else {
      const until = new Date(Date.now() + AUTO_REPLY_PAUSE_DAYS * 86_400_000);
      await updateEnrolment(trx, workspaceId, row.id, { pausedUntil: until });
    }
  }
  if (autoReply) return;
  for (const row of colleagues) {
    if (direct.some((d) => d.id === row.id)) continue;
    const sequence = await selectSequence(trx, workspaceId, row.sequence_id);
    if (sequence?.settings.stopOnCompanyReply) await stop(trx, workspaceId, row, 'company_replied');
  }
}

/** Stops the active enrolments of people (a hard bounce, an unsubscribe) or of a deal that closed. */
export async function stopEnrolmentsOf(
  trx: Tx,
  workspaceId: string,
  by: { personIds?: string[] | undefined; dealId?: string | undefined },
  reason: string,
): Promise<void> {
  for (const row of await selectActiveEnrolments(trx, workspaceId, by))
    await stop(trx, workspaceId, row, reason);
}

/**
 * The step job: takes the enrolment if it is active, waits for its pause, window and the mailbox's daily cap,
 * sends the step's template to the person's first address (as a reply in the sequence's thread when the step says
 * so) as the person who enrolled them, and queues the next step or finishes. A refusal (suppressed address, no
 * address, no longer a member) stops the enrolment with its reason; an SMTP failure is tried again.
 */
export async function runSequenceStep(
  db: Database,
  payload: { workspaceId: string; enrolmentId: string },
  deps: MailDeps,
  attempt: { number: number; max: number },
): Promise<void> {
  const { workspaceId, enrolmentId } = payload;
  const now = new Date();
  const plan = await withWorkspace(db, workspaceId, async (trx) => {
    const row = await takeEnrolment(trx, workspaceId, enrolmentId);
    if (!row) return undefined;
    const sequence = await selectSequence(trx, workspaceId, row.sequence_id);
    const step = sequence?.steps[row.step];
    if (!sequence?.enabled || !step) {
      await updateEnrolment(trx, workspaceId, row.id, {
        status: sequence?.enabled && !step ? 'finished' : 'stopped',
        stopReason: sequence?.enabled ? null : 'sequence_off',
        nextAt: null,
      });
      return undefined;
    }
    const rules = await rulesFor(trx, workspaceId, sequence.settings);
    let later: Date | undefined;
    if (row.paused_until && row.paused_until > now) later = nextOpening(row.paused_until, rules);
    else if (nextOpening(now, rules).getTime() > now.getTime() + 60_000) later = nextOpening(now, rules);
    else if (
      sequence.settings.dailyCap !== undefined &&
      (await countSequenceSends(trx, workspaceId, row.mailbox_id, startOfLocalDay(now, rules.timeZone))) >=
        sequence.settings.dailyCap
    )
      later = nextDayOpening(now, rules);
    if (later) {
      await updateEnrolment(trx, workspaceId, row.id, { status: 'active', nextAt: later });
      await queueStep(trx, row.id, later);
      return undefined;
    }
    return { row, sequence, step, rules };
  });
  if (!plan) return;
  const { row, sequence, step, rules } = plan;
  try {
    const principal = await principalForMember(db, row.enrolled_by, workspaceId);
    if (!principal) throw new AppError('forbidden', 'The person who enrolled them is no longer a member.');
    const email = await withWorkspace(db, workspaceId, async (trx) => {
      const person = (
        await readRecords(trx, principal, 'people', [row.person_id], { fields: ['emails'] })
      ).get(row.person_id) as { emails?: unknown } | undefined;
      const emails = Array.isArray(person?.emails)
        ? (person.emails as { address?: string; primary?: boolean }[])
        : [];
      return (emails.find((e) => e.primary) ?? emails[0])?.address;
    });
    if (!email) throw new AppError('validation_failed', 'The person has no email address.');
    const input = {
      mailboxId: row.mailbox_id,
      to: [email],
      templateId: step.templateId,
      record: { object: 'people', id: row.person_id },
      replyTo: step.asReply && row.last_message_id ? row.last_message_id : undefined,
      track: true,
      bulk: true,
    };
    const prepared = await withWorkspace(db, workspaceId, (trx) => prepareSend(trx, principal, input));
    const message = await transmit(db, principal, input, prepared, deps);
    await withWorkspace(db, workspaceId, async (trx) => {
      await setMessageSequence(trx, workspaceId, message.id, sequence.id);
      const next = sequence.steps[row.step + 1];
      const nextAt = next ? stepTime(new Date(), next.delayDays, rules) : null;
      await updateEnrolment(trx, workspaceId, row.id, {
        status: next ? 'active' : 'finished',
        step: row.step + 1,
        lastMessageId: message.id,
        nextAt,
        pausedUntil: null,
      });
      if (nextAt) await queueStep(trx, row.id, nextAt);
    });
  } catch (error) {
    const retry = isAppError(error) && error.code === 'mail_server_failed' && attempt.number < attempt.max;
    await withWorkspace(db, workspaceId, async (trx) => {
      const current = (await selectEnrolment(trx, workspaceId, row.id))!;
      if (retry) await updateEnrolment(trx, workspaceId, row.id, { status: 'active' });
      else await stop(trx, workspaceId, current, `failed: ${(error as Error).message}`.slice(0, 500));
    });
    if (retry) throw error;
  }
}
