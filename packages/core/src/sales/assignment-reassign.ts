import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { type Principal, servicePrincipal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import type { RecordEvent } from '../events/record-event.ts';
import { cancelJob, scheduleJob } from '../jobs/jobs.service.ts';
import type { EventSubscriber } from '../modules/manifest.ts';
import { recordsLinkedFromActivities } from '../records/computed-values.ts';
import { readRecords } from '../records/gate.ts';
import { updateRecordIn } from '../records/update-record.ts';
import { addBusinessMs } from '../service/business-calendar.ts';
import { businessCalendarIn } from '../service/sla.service.ts';
import {
  anyReassignmentDue,
  clearReassignment,
  dueReassignments,
  markTouched,
  type RuleRow,
  selectAssignment,
  selectRule,
  upsertAssignment,
} from './assignment.repository.ts';
import { reasonText, reassignedText } from './assignment-pick.ts';
import { chooseMember, reasonDetail, territoryFacts } from './assignment-run.ts';

/**
 * Re-assignment of leads left untouched: a rule with `reassignAfterHours` gives a lead it assigned to the next
 * member when the owner has not touched it within that many hours (business hours of the rule's calendar, the
 * service desk's, when it names one) — a job at the due time (key `lead-reassign:<lead id>`), and a one-minute
 * sweep for a job that was lost.
 *
 * **Touched** means a record event, by the assignment's owner, that is work on the lead: an edit of the lead
 * itself (any field), or an activity (call, meeting, email, note, …) or a task linked to the lead, created or
 * changed. Opening the lead is not a touch (reading leaves no event). Converting or deleting the lead, or anyone
 * giving it an owner by hand, stops re-assignment altogether.
 */

/** The job at a lead's re-assignment time. */
export const REASSIGN_TASK = 'rabita:lead-reassign';
/** The one-minute sweep that catches a lost re-assignment job. */
export const REASSIGN_SWEEP_TASK = 'rabita:lead-reassign-sweep';
const SWEEP_LIMIT = 500;
/** The sweep leaves jobs this long to run on time before it steps in. */
const SWEEP_GRACE_MS = 60_000;
const HOUR_MS = 3_600_000;

const jobKey = (leadId: string) => `lead-reassign:${leadId}`;

/** The principal re-assignments are written as: no person, allowed to read and update leads. */
function assignmentPrincipal(workspaceId: string): Principal {
  return servicePrincipal(workspaceId, {
    id: '00000000-0000-0000-0000-000000000000',
    key: 'leadAssignment',
    name: 'Lead assignment',
    permissions: {
      actions: [],
      objects: {
        leads: { read: true, create: false, update: true, delete: false },
        tasks: { read: true, create: false, update: false, delete: false },
      },
    },
  });
}

/**
 * When a lead assigned by `rule` at `from` is re-assigned if untouched: its hours later on the rule's business
 * calendar, or in elapsed time without one (or when the calendar is gone or never opens); null when the rule
 * does not re-assign.
 */
export async function reassignDueAt(
  trx: Tx,
  workspaceId: string,
  rule: Pick<RuleRow, 'reassignAfterHours' | 'calendarId'>,
  from: Date,
): Promise<Date | null> {
  if (!rule.reassignAfterHours) return null;
  const ms = rule.reassignAfterHours * HOUR_MS;
  const calendar = rule.calendarId ? await businessCalendarIn(trx, workspaceId, rule.calendarId) : null;
  if (calendar) {
    try {
      return addBusinessMs(calendar, from, ms);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
    }
  }
  return new Date(from.getTime() + ms);
}

/** Schedules (or, with no time, cancels) a lead's re-assignment job. */
export async function scheduleReassignment(trx: Tx, leadId: string, dueAt: Date | null): Promise<void> {
  if (dueAt)
    await scheduleJob(trx, { task: REASSIGN_TASK, key: jobKey(leadId), runAt: dueAt, payload: { leadId } });
  else await cancelJob(trx, { task: REASSIGN_TASK, key: jobKey(leadId) });
}

async function cancelAll(trx: Tx, leadIds: readonly string[]): Promise<void> {
  for (const id of leadIds) await cancelJob(trx, { task: REASSIGN_TASK, key: jobKey(id) });
}

/**
 * Re-assigns a lead whose time has come (as of `now`), in the caller's workspace transaction: to the next member
 * by the rule's strategy, never to its present or an earlier owner nor to anyone away or at capacity, then
 * schedules the next period. Nothing happens when its time has not come, was already dealt with (a job and the
 * sweep both running), the owner touched it, or the lead is converted, deleted or given to someone else; when no
 * member is left it stays and stops. True when the owner changed.
 */
export async function reassignLead(
  trx: Tx,
  workspaceId: string,
  leadId: string,
  now: Date,
): Promise<boolean> {
  const current = await selectAssignment(trx, workspaceId, leadId, { lock: true });
  if (!current?.reassignDueAt || current.reassignDueAt.getTime() > now.getTime()) return false;
  const stop = async () => {
    await clearReassignment(trx, workspaceId, [leadId]);
    await scheduleReassignment(trx, leadId, null);
    return false;
  };
  const rule = current.ruleId
    ? await selectRule(trx, workspaceId, current.ruleId, {
        lock: true,
      })
    : undefined;
  if (!rule?.enabled || !rule.reassignAfterHours) return stop();
  const principal = assignmentPrincipal(workspaceId);
  const lead = (await readRecords(trx, principal, 'leads', [leadId])).get(leadId);
  if (!lead || lead.status === 'converted' || lead.owner !== current.ownerId) return stop();
  const before = [...current.ownersBefore, ...(current.ownerId ? [current.ownerId] : [])];
  const choice = await chooseMember(trx, workspaceId, rule, leadId, territoryFacts(lead), new Set(before));
  if (!choice.member) return stop();
  await updateRecordIn(
    trx,
    principal,
    'leads',
    leadId,
    { owner: choice.member.userId },
    { source: 'system', cause: { kind: 'assignment', runId: rule.id, depth: 1 } },
  );
  const business = rule.calendarId !== null;
  const previous = rule.pool.find((m) => m.userId === current.ownerId)?.name ?? null;
  const dueAt = await reassignDueAt(trx, workspaceId, rule, now);
  await upsertAssignment(trx, workspaceId, {
    leadId,
    ruleId: rule.id,
    ownerId: choice.member.userId,
    reason: `${reassignedText(rule.reassignAfterHours, business)}; ${reasonText(
      rule.strategy,
      rule.name,
      choice,
      choice.match,
    )}`,
    detail: {
      ...reasonDetail(rule, choice, []),
      reassigned: { hours: rule.reassignAfterHours, business, from: previous },
    },
    assignedAt: now,
    reassignDueAt: dueAt,
    ownersBefore: before,
  });
  await scheduleReassignment(trx, leadId, dueAt);
  return true;
}

/** The job at a lead's re-assignment time (`REASSIGN_TASK`). */
export async function runReassignJob(
  db: Database,
  p: { workspaceId: string; leadId: string },
  now = new Date(),
): Promise<boolean> {
  return withWorkspace(db, p.workspaceId, (trx) => reassignLead(trx, p.workspaceId, p.leadId, now));
}

/** The sweep (`REASSIGN_SWEEP_TASK`, every minute): leads of any workspace whose job should have run. */
export async function sweepReassignments(db: Database, now = new Date()): Promise<number> {
  const due = await dueReassignments(db, new Date(now.getTime() - SWEEP_GRACE_MS), SWEEP_LIMIT);
  for (const { workspace_id, lead_id } of due)
    await runReassignJob(db, { workspaceId: workspace_id, leadId: lead_id }, now);
  return due.length;
}

const idsOf = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/**
 * Watches the writes that touch a lead or end its re-assignment, in the writing transaction: the lead's own
 * edits, and activities and tasks linked to it (see "Touched" above). Does nothing in a workspace with no
 * re-assignment due.
 */
export const reassignmentSubscriber: EventSubscriber = {
  name: 'sales.assignment-touch',
  phase: 'transaction',
  objects: ['leads', 'activities', 'tasks'],
  kinds: ['created', 'updated', 'deleted'],
  async handle(ctx, events) {
    const trx = ctx.trx;
    if (!trx) return;
    const ws = ctx.workspaceId;
    const relevant = events.filter((e) => e.cause?.kind !== 'assignment');
    if (relevant.length === 0 || !(await anyReassignmentDue(trx, ws))) return;
    const stopped: string[] = [];
    const touches: { leadId: string; userId: string }[] = [];
    const activitiesToRead: RecordEvent[] = [];
    const tasksToRead: RecordEvent[] = [];
    for (const e of relevant) {
      const userId = e.actor.userId;
      if (e.object === 'leads') {
        if (e.kind === 'deleted' || e.changes.status?.to === 'converted' || 'owner' in e.changes)
          stopped.push(e.recordId);
        else if (e.kind === 'updated' && userId) touches.push({ leadId: e.recordId, userId });
        continue;
      }
      if (!userId || e.kind === 'deleted') continue;
      if (e.object === 'activities') {
        if ('leads' in e.changes)
          for (const leadId of idsOf(e.changes.leads?.to)) touches.push({ leadId, userId });
        else activitiesToRead.push(e);
        continue;
      }
      if ('linkedRecord' in e.changes || 'linkedObject' in e.changes) {
        const object = 'linkedObject' in e.changes ? e.changes.linkedObject?.to : undefined;
        const record = e.changes.linkedRecord?.to;
        if (object === 'leads' && typeof record === 'string') touches.push({ leadId: record, userId });
        else if (object === undefined || record === undefined) tasksToRead.push(e);
      } else tasksToRead.push(e);
    }
    for (const e of activitiesToRead)
      for (const leadId of await recordsLinkedFromActivities(trx, ws, 'leads', [e.recordId]))
        touches.push({ leadId, userId: e.actor.userId! });
    if (tasksToRead.length > 0) {
      const tasks = await readRecords(
        trx,
        assignmentPrincipal(ws),
        'tasks',
        tasksToRead.map((e) => e.recordId),
      );
      for (const e of tasksToRead) {
        const task = tasks.get(e.recordId);
        if (task?.linkedObject === 'leads' && typeof task.linkedRecord === 'string')
          touches.push({ leadId: task.linkedRecord, userId: e.actor.userId! });
      }
    }
    const ended = [
      ...(await clearReassignment(trx, ws, stopped)),
      ...(await markTouched(trx, ws, touches, new Date())),
    ];
    await cancelAll(trx, [...new Set(ended)]);
  },
};
