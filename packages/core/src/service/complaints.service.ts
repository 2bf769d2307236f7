import type { Tx } from '@rabita/db';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import type { Draft, RecordHooks, StoredRecord } from '../modules/manifest.ts';
import { assertAllowed } from '../records/access.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { calendarDeadline, type DeadlineState, deadlineState, isTimeZone } from './complaint-deadlines.ts';
import * as repo from './complaints.repository.ts';

/** Who may change the case settings (categories, root causes, reason codes, deadline days). */
export const CASES_MANAGE = 'service.cases.manage';

/** The desk's case settings; everyone signed in reads them (the ticket page's lists come from them). */
export function getCaseSettings(ctx: ServiceContext): Promise<repo.CaseSettings> {
  return inWorkspace(ctx, (trx, ws) => repo.selectCaseSettings(trx, ws));
}

/** Replaces the case settings (service.cases.manage); lists are trimmed, emptied of blanks and duplicates. */
export function putCaseSettings(ctx: ServiceContext, input: repo.CaseSettings): Promise<repo.CaseSettings> {
  if (!can(ctx.principal, CASES_MANAGE))
    throw new AppError('forbidden', `Your role may not change the desk’s case settings (${CASES_MANAGE}).`);
  if (!isTimeZone(input.timeZone))
    throw new AppError('validation_failed', 'Not a known time zone.', {
      errors: [{ field: 'timeZone', message: 'Use an IANA time zone name such as Asia/Tehran.' }],
    });
  const tidy = (list: string[]) => [...new Set(list.map((v) => v.trim()).filter((v) => v.length > 0))];
  return inWorkspace(ctx, (trx, ws) =>
    repo.upsertCaseSettings(trx, ws, {
      ...input,
      categories: tidy(input.categories),
      rootCauses: tidy(input.rootCauses),
      reasonCodes: tidy(input.reasonCodes),
    }),
  );
}

export interface Deadline {
  dueAt: string | null;
  doneAt: string | null;
  state: DeadlineState | null;
}

export interface Complaint {
  ticketId: string;
  isComplaint: boolean;
  category: string | null;
  rootCause: string | null;
  compensationAmount: string | null;
  compensationCurrency: string | null;
  compensationNote: string | null;
  updatedAt: string | null;
  /** Met by the first public reply. */
  acknowledgement: Deadline;
  /** Met by resolving the ticket. */
  finalResponse: Deadline;
}

export interface ComplaintInput {
  category: string | null;
  rootCause: string | null;
  compensationAmount: string | null;
  compensationCurrency: string | null;
  compensationNote: string | null;
}

const TICKET_FIELDS = [
  'type',
  'firstResponseAt',
  'resolvedAt',
  'complaintAckDueAt',
  'complaintResponseDueAt',
];

const dateOrNull = (value: unknown) => (value ? new Date(String(value)) : null);

function deadlineOf(due: unknown, done: unknown, now: Date): Deadline {
  const dueAt = dateOrNull(due);
  const doneAt = dateOrNull(done);
  return {
    dueAt: dueAt?.toISOString() ?? null,
    doneAt: doneAt?.toISOString() ?? null,
    state: dueAt ? deadlineState(dueAt, doneAt, now) : null,
  };
}

async function complaintIn(trx: Tx, ctx: ServiceContext, ws: string, ticketId: string): Promise<Complaint> {
  const ticket = (
    await readRecords(trx, ctx.principal, 'tickets', [ticketId], { fields: TICKET_FIELDS })
  ).get(ticketId);
  assertSeen(ticket !== undefined, 'tickets', ticketId);
  const row = await repo.selectComplaint(trx, ws, ticketId);
  const now = new Date();
  return {
    ticketId,
    isComplaint: ticket!.type === 'complaint',
    category: row?.category ?? null,
    rootCause: row?.rootCause ?? null,
    compensationAmount: row?.compensationAmount ?? null,
    compensationCurrency: row?.compensationCurrency ?? null,
    compensationNote: row?.compensationNote ?? null,
    updatedAt: row?.updatedAt.toISOString() ?? null,
    acknowledgement: deadlineOf(ticket!.complaintAckDueAt, ticket!.firstResponseAt, now),
    finalResponse: deadlineOf(ticket!.complaintResponseDueAt, ticket!.resolvedAt, now),
  };
}

/** A ticket's complaint: its details and both deadlines with their state, for anyone who may read the ticket. */
export function getComplaint(ctx: ServiceContext, ticketId: string): Promise<Complaint> {
  return inWorkspace(ctx, (trx, ws) => complaintIn(trx, ctx, ws, ticketId));
}

/**
 * Sets a complaint's details (needs update on tickets): the ticket must be a complaint; the category and root
 * cause come from the case settings' lists (a value kept from before stays allowed after it leaves the list);
 * compensation is an amount with its currency, and/or a note (a voucher, a gesture).
 */
export function putComplaint(
  ctx: ServiceContext,
  ticketId: string,
  input: ComplaintInput,
): Promise<Complaint> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  return inWorkspace(ctx, async (trx, ws) => {
    const current = await complaintIn(trx, ctx, ws, ticketId);
    if (!current.isComplaint)
      throw new AppError('conflict', 'This ticket is not a complaint: set its type to complaint first.');
    const settings = await repo.selectCaseSettings(trx, ws);
    const problems: FieldProblem[] = [];
    const fromList = (field: 'category' | 'rootCause', list: string[]) => {
      const value = input[field];
      if (value !== null && value !== current[field] && !list.includes(value))
        problems.push({
          field,
          message: 'Choose one of the desk’s list (Settings → Complaints and returns).',
        });
    };
    fromList('category', settings.categories);
    fromList('rootCause', settings.rootCauses);
    if ((input.compensationAmount === null) !== (input.compensationCurrency === null))
      problems.push({
        field: 'compensationCurrency',
        message: 'An amount needs its currency, and a currency its amount.',
      });
    if (problems.length > 0)
      throw new AppError('validation_failed', 'The complaint is not valid.', { errors: problems });
    await repo.upsertComplaint(trx, ws, ticketId, { ...input, updatedBy: ctx.principal.userId ?? null });
    return complaintIn(trx, ctx, ws, ticketId);
  });
}

/** Stamps (or clears) a ticket's complaint deadlines on a draft, counted from the ticket's creation. */
async function stampDeadlines(trx: Tx, workspaceId: string, draft: Draft, createdAt: Date): Promise<void> {
  const settings = await repo.selectCaseSettings(trx, workspaceId);
  draft.set(
    'complaintAckDueAt',
    calendarDeadline(createdAt, settings.ackDays, settings.timeZone).toISOString(),
  );
  draft.set(
    'complaintResponseDueAt',
    calendarDeadline(createdAt, settings.responseDays, settings.timeZone).toISOString(),
  );
}

/**
 * Tickets: one created as a complaint, or whose type becomes complaint, gets its acknowledgement and final-response
 * deadlines, in calendar days from the ticket's creation (when the customer complained, whenever it was
 * classified); one that stops being a complaint loses them. The settings in force when stamped are kept: a later
 * change of days does not move open complaints' deadlines.
 */
export const complaintHooks: RecordHooks = {
  object: 'tickets',
  beforeCreate: async (ctx, draft) => {
    if (draft.values.type === 'complaint') await stampDeadlines(ctx.trx, ctx.workspaceId, draft, new Date());
  },
  beforeUpdate: async (ctx, draft, current: StoredRecord) => {
    if (!('type' in draft.values) || draft.values.type === current.type) return;
    if (draft.values.type === 'complaint')
      await stampDeadlines(ctx.trx, ctx.workspaceId, draft, new Date(String(current.createdAt)));
    else if (current.type === 'complaint') {
      draft.set('complaintAckDueAt', null);
      draft.set('complaintResponseDueAt', null);
    }
  },
};
