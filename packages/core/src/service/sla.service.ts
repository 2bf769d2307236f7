import type { Tx } from '@rabita/db';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { unstorableText } from '../http/route-kit.ts';
import { newId } from '../ids.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { recordMatchesFilter } from '../records/stored-record.ts';
import { type BusinessCalendar, checkCalendar, type HolidayNote } from './business-calendar.ts';
import {
  type DateSpan,
  type GeneratedHoliday,
  generateHolidays,
  type HolidayChoice,
  holidaysFromIcs,
  type IcsHoliday,
} from './holidays.ts';
import { DONE_STATUSES, TICKET_STATUSES } from './service.objects.ts';
import {
  type CalendarRow,
  deleteCalendarRow,
  deletePolicyRow,
  findCalendar,
  findPolicy,
  insertCalendar,
  insertPolicy,
  insertPolicyVersion,
  listCalendars,
  listPolicies,
  type PolicyRow,
  policiesUsingCalendar,
  updateCalendarRow,
  updatePolicyRow,
} from './sla.repository.ts';
import {
  type Clock,
  SLA_METRICS,
  type SlaMetric,
  type SlaTargets,
  type SlaWarn,
  summarize,
} from './sla-clocks.ts';
import { currentClocks, policyChanged, snapshotOf } from './sla-desk.ts';

const NIL = '00000000-0000-0000-0000-000000000000';
/** The longest target: a year, in minutes. */
export const MAX_TARGET_MINUTES = 525_600;
const PAUSABLE = new Set(TICKET_STATUSES.map((o) => o.value).filter((s) => !DONE_STATUSES.has(s)));

export interface CalendarInput {
  name: string;
  definition: unknown;
}

export interface PolicyInput {
  name: string;
  enabled?: boolean | undefined;
  condition?: unknown;
  calendarId?: string | null | undefined;
  businessTime?: boolean | undefined;
  targets: SlaTargets;
  pauseStatuses?: string[] | undefined;
  warn?: SlaWarn | undefined;
  position?: number | undefined;
}

function invalid(message: string, errors: FieldProblem[]): never {
  throw new AppError('validation_failed', message, { errors });
}

function checkedCalendar(definition: unknown): BusinessCalendar {
  const problems = checkCalendar(definition);
  if (problems.length > 0)
    invalid(
      'The calendar is not valid.',
      problems.map((p) => ({ field: p.field ? `definition.${p.field}` : 'definition', message: p.message })),
    );
  return definition as BusinessCalendar;
}

// Calendars

/** The workspace's business calendars. */
export function getCalendars(ctx: ServiceContext): Promise<CalendarRow[]> {
  return inWorkspace(ctx, (trx, ws) => listCalendars(trx, ws));
}

/** One calendar (404 when it is not the workspace's). */
export function getCalendar(ctx: ServiceContext, id: string): Promise<CalendarRow> {
  return inWorkspace(ctx, async (trx, ws) => {
    const row = await findCalendar(trx, ws, id);
    if (!row) throw new AppError('not_found', 'There is no such calendar.');
    return row;
  });
}

/**
 * A calendar's definition inside a transaction another module opened (sales' lead re-assignment counts business
 * hours with it), or null when the workspace has no such calendar.
 */
export async function businessCalendarIn(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<BusinessCalendar | null> {
  return (await findCalendar(trx, workspaceId, id))?.definition ?? null;
}

/** Adds a calendar (checked by `checkCalendar`). */
export function createCalendar(ctx: ServiceContext, input: CalendarInput): Promise<CalendarRow> {
  const definition = checkedCalendar(input.definition);
  return inWorkspace(ctx, (trx, ws) =>
    insertCalendar(trx, ws, { id: newId(), name: input.name, definition }),
  );
}

/**
 * Changes a calendar. Every policy using it gets a new version, and its tickets a `policy` event: open deadlines
 * move, time already consumed stays as it was measured.
 */
export function updateCalendar(
  ctx: ServiceContext,
  id: string,
  input: Partial<CalendarInput>,
): Promise<CalendarRow> {
  return inWorkspace(ctx, async (trx, ws) => {
    const current = await findCalendar(trx, ws, id);
    if (!current) throw new AppError('not_found', 'There is no such calendar.');
    const definition = input.definition === undefined ? undefined : checkedCalendar(input.definition);
    return saveCalendar(trx, ws, current, input.name ?? current.name, definition);
  });
}

async function saveCalendar(
  trx: Tx,
  ws: string,
  current: CalendarRow,
  name: string,
  definition: BusinessCalendar | undefined,
): Promise<CalendarRow> {
  const row = (await updateCalendarRow(trx, ws, current.id, {
    name,
    definition: definition ?? current.definition,
  }))!;
  if (definition !== undefined)
    for (const policy of await policiesUsingCalendar(trx, ws, current.id)) {
      const next = await updatePolicyRow(trx, ws, { ...policy, version: policy.version + 1 });
      await insertPolicyVersion(trx, ws, snapshotOf(next, definition));
      await policyChanged(trx, ws, next, next.id);
    }
  return row;
}

/** Adds holidays to a calendar (kept sorted, each date once) and saves it as an edit. */
async function addHolidays(
  ctx: ServiceContext,
  id: string,
  added: readonly ({ date: string } & HolidayNote)[],
): Promise<CalendarRow> {
  return inWorkspace(ctx, async (trx, ws) => {
    const current = await findCalendar(trx, ws, id);
    if (!current) throw new AppError('not_found', 'There is no such calendar.');
    const holidays = [...new Set([...current.definition.holidays, ...added.map((h) => h.date)])].sort();
    // Each added day keeps its name and whether it is an estimate; a day already there keeps a confirmation.
    const holidayNotes: Record<string, HolidayNote> = { ...current.definition.holidayNotes };
    for (const { date, name: given, estimated } of added) {
      const before = holidayNotes[date];
      // A name an iCalendar file gave that the database cannot store (a NUL) is left out, not the holiday.
      const name = typeof given === 'string' && unstorableText(given) ? undefined : given;
      holidayNotes[date] = {
        ...(name ? { name } : before?.name ? { name: before.name } : {}),
        ...(before?.estimated === false ? { estimated: false } : estimated ? { estimated: true } : {}),
      };
    }
    const definition = checkedCalendar({ ...current.definition, holidays, holidayNotes });
    return saveCalendar(trx, ws, current, current.name, definition);
  });
}

/** Generates Jalali and Hijri holidays (holidays.ts) for a span and adds them to the calendar. */
export async function generateCalendarHolidays(
  ctx: ServiceContext,
  id: string,
  input: { span: DateSpan; choice: HolidayChoice },
): Promise<{ calendar: CalendarRow; holidays: GeneratedHoliday[] }> {
  const holidays = generateHolidays(input.span, input.choice);
  return {
    calendar: await addHolidays(ctx, id, holidays),
    holidays,
  };
}

/** Adds the all-day events of an iCalendar file within a span to the calendar's holidays. */
export async function importCalendarHolidays(
  ctx: ServiceContext,
  id: string,
  input: { ics: string; from: string; to: string },
): Promise<{ calendar: CalendarRow; holidays: IcsHoliday[]; skipped: number }> {
  const { holidays, skipped } = holidaysFromIcs(input.ics, { from: input.from, to: input.to });
  return {
    calendar: await addHolidays(ctx, id, holidays),
    holidays,
    skipped,
  };
}

/** Removes a calendar no policy uses (409 otherwise). */
export function deleteCalendar(ctx: ServiceContext, id: string): Promise<void> {
  return inWorkspace(ctx, async (trx, ws) => {
    const users = await policiesUsingCalendar(trx, ws, id);
    if (users.length > 0)
      throw new AppError(
        'conflict',
        `The calendar is used by ${users.map((p) => `“${p.name}”`).join(', ')}.`,
      );
    if (!(await deleteCalendarRow(trx, ws, id)))
      throw new AppError('not_found', 'There is no such calendar.');
  });
}

// Policies

/** The workspace's SLA policies, in the order they are matched. */
export function getPolicies(ctx: ServiceContext): Promise<PolicyRow[]> {
  return inWorkspace(ctx, (trx, ws) => listPolicies(trx, ws));
}

/** One policy (404 when it is not the workspace's). */
export function getPolicy(ctx: ServiceContext, id: string): Promise<PolicyRow> {
  return inWorkspace(ctx, async (trx, ws) => {
    const row = await findPolicy(trx, ws, id);
    if (!row) throw new AppError('not_found', 'There is no such SLA policy.');
    return row;
  });
}

function checkPolicy(p: {
  businessTime: boolean;
  calendarId: string | null;
  targets: SlaTargets;
  pauseStatuses: string[];
  warn: SlaWarn;
}): void {
  const problems: FieldProblem[] = [];
  if (p.businessTime && !p.calendarId)
    problems.push({ field: 'calendarId', message: 'Business time needs a calendar.' });
  for (const [priority, targets] of Object.entries(p.targets))
    for (const [metric, minutes] of Object.entries(targets)) {
      if (!SLA_METRICS.includes(metric as SlaMetric))
        problems.push({
          field: `targets.${priority}.${metric}`,
          message: `Must be one of ${SLA_METRICS.join(', ')}.`,
        });
      else if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_TARGET_MINUTES)
        problems.push({
          field: `targets.${priority}.${metric}`,
          message: `Minutes, a whole number from 0 to ${MAX_TARGET_MINUTES}.`,
        });
    }
  p.pauseStatuses.forEach((s, i) => {
    if (!PAUSABLE.has(s))
      problems.push({ field: `pauseStatuses.${i}`, message: `Must be one of ${[...PAUSABLE].join(', ')}.` });
  });
  if (problems.length > 0) invalid('The SLA policy is not valid.', problems);
}

async function checkCondition(ctx: ServiceContext, condition: unknown): Promise<void> {
  if (condition === undefined || condition === null) return;
  // Compiled and run against no ticket, to refuse a bad tree with the list filter's own messages.
  await inWorkspace(ctx, (trx, ws) =>
    recordMatchesFilter(trx, ctx.principal, ws, 'tickets', NIL, condition),
  ).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'validation_failed')
      invalid(
        `The condition is not valid: ${error.message}`,
        (error.errors ?? [{ field: '', message: error.message }]).map((e) => ({
          field: e.field ? `condition.${e.field.replace(/^filter\.?/, '')}` : 'condition',
          message: e.message,
        })),
      );
    throw error;
  });
}

async function calendarFor(trx: Tx, ws: string, id: string | null): Promise<BusinessCalendar | null> {
  if (!id) return null;
  const calendar = await findCalendar(trx, ws, id);
  if (!calendar)
    invalid('The SLA policy is not valid.', [{ field: 'calendarId', message: 'There is no such calendar.' }]);
  return calendar.definition;
}

/** Adds a policy (matched after the others); tickets created from now on may fall under it. */
export async function createPolicy(ctx: ServiceContext, input: PolicyInput): Promise<PolicyRow> {
  const values = {
    id: newId(),
    name: input.name,
    enabled: input.enabled ?? true,
    condition: input.condition ?? null,
    calendarId: input.calendarId ?? null,
    businessTime: input.businessTime ?? true,
    targets: input.targets,
    pauseStatuses: input.pauseStatuses ?? [],
    warn: input.warn ?? {},
    version: 1,
  };
  checkPolicy(values);
  await checkCondition(ctx, values.condition);
  return inWorkspace(ctx, async (trx, ws) => {
    const calendar = await calendarFor(trx, ws, values.calendarId);
    const row = await insertPolicy(trx, ws, values);
    await insertPolicyVersion(trx, ws, snapshotOf(row, calendar));
    return row;
  });
}

/**
 * Changes a policy: a new version, and a `policy` event for each ticket under it (the new targets apply with
 * the time already consumed); disabling it cancels those tickets' clocks and clears their breaches.
 */
export async function updatePolicy(
  ctx: ServiceContext,
  id: string,
  input: Partial<PolicyInput>,
): Promise<PolicyRow> {
  if (input.condition !== undefined) await checkCondition(ctx, input.condition);
  return inWorkspace(ctx, async (trx, ws) => {
    const current = await findPolicy(trx, ws, id, true);
    if (!current) throw new AppError('not_found', 'There is no such SLA policy.');
    const values = {
      ...current,
      name: input.name ?? current.name,
      position: input.position ?? current.position,
      enabled: input.enabled ?? current.enabled,
      condition: input.condition === undefined ? current.condition : input.condition,
      calendarId: input.calendarId === undefined ? current.calendarId : input.calendarId,
      businessTime: input.businessTime ?? current.businessTime,
      targets: input.targets ?? current.targets,
      pauseStatuses: input.pauseStatuses ?? current.pauseStatuses,
      warn: input.warn ?? current.warn,
      version: current.version + 1,
    };
    checkPolicy(values);
    const calendar = await calendarFor(trx, ws, values.calendarId);
    const row = await updatePolicyRow(trx, ws, values);
    await insertPolicyVersion(trx, ws, snapshotOf(row, calendar));
    await policyChanged(trx, ws, row, id);
    return row;
  });
}

/** Removes a policy: its tickets' clocks are cancelled first, as when it is disabled. */
export function deletePolicy(ctx: ServiceContext, id: string): Promise<void> {
  return inWorkspace(ctx, async (trx, ws) => {
    const current = await findPolicy(trx, ws, id, true);
    if (!current) throw new AppError('not_found', 'There is no such SLA policy.');
    await policyChanged(trx, ws, null, id);
    await deletePolicyRow(trx, ws, id);
  });
}

export interface TicketClock extends Clock {
  /** Time left to the deadline as of now (negative once breached); null when the clock is not running. */
  remainingMs: number | null;
}

/** A ticket's SLA clocks as of now, for a caller who may read the ticket. */
export function getTicketSla(
  ctx: ServiceContext,
  ticketId: string,
): Promise<{ status: string; dueAt: string | null; clocks: TicketClock[] }> {
  return inWorkspace(ctx, async (trx, ws) => {
    const seen = await readRecords(trx, ctx.principal, 'tickets', [ticketId], { fields: ['id'] });
    assertSeen(seen.has(ticketId), 'tickets', ticketId);
    // Read as of now from the log, without writing: the stored clocks may be up to a job's delay behind.
    const clocks = await currentClocks(trx, ws, ticketId, new Date());
    const summary = summarize(clocks);
    return {
      status: summary.status,
      dueAt: summary.dueAt?.toISOString() ?? null,
      clocks: clocks.map((c) => ({
        ...c,
        remainingMs: c.state === 'running' || c.state === 'paused' ? c.targetMs - c.consumedMs : null,
      })),
    };
  });
}
