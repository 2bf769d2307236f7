import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { principalForMember } from '../auth/members.service.ts';
import { AppError } from '../errors/app-error.ts';
import type { RecordEvent } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import { cancelJob, scheduleJob } from '../jobs/jobs.service.ts';
import { listRecords } from '../records/list-records.ts';
import { workspaceSettings } from '../records/scope.ts';
import { readStoredRecord } from '../records/stored-record.ts';
import { settings as settingsSchema, type Trigger } from './definition.ts';
import { admission, queueStep } from './runs.ts';
import { type Calendar, calendarOf, dateFireTime, GRACE_MS, nextFire } from './schedule.ts';
import { insertRun, selectVersion, selectWorkflow, type VersionRow } from './workflows.repository.ts';

// Jobs at a time for workflow triggers: one job per scheduled workflow (its next fire time) and one per workflow
// and record for date-relative triggers. Each job starts its run with a unique trigger key in one transaction with
// queueing the next, so a job that runs twice (a crash after its commit) finds the run there and starts nothing.

export const SCHEDULE_TASK = 'rabita:workflow-schedule';
export const DATE_TASK = 'rabita:workflow-date';
export const BACKFILL_TASK = 'rabita:workflow-date-backfill';
export const scheduleJobKey = (workflowId: string) => `workflow-schedule:${workflowId}`;
export const dateJobKey = (workflowId: string, recordId: string) => `workflow-date:${workflowId}:${recordId}`;
/** Records whose date-relative jobs a publish queues, at most (pages of 500 read as the workflow's owner). */
export const BACKFILL_LIMIT = 10_000;
const BACKFILL_PAGE = 500;

type DateTrigger = Extract<Trigger, { type: 'date' }>;

/** The workspace's calendar (time zone and weekend, from its default country). */
export async function workspaceCalendar(trx: Tx, workspaceId: string): Promise<Calendar> {
  return calendarOf((await workspaceSettings(trx, workspaceId)).defaultCountry);
}

/** The workflow's published, enabled version when it is on, else undefined. */
async function liveVersion(trx: Tx, workspaceId: string, workflowId: string, lock = false) {
  const w = await selectWorkflow(trx, workspaceId, workflowId, { lock });
  if (!w?.enabled || w.current_version === null) return undefined;
  return selectVersion(trx, workspaceId, workflowId, w.current_version);
}

/**
 * After a workflow is published, turned on or off, or deleted (in that transaction): a schedule's next fire is
 * queued (replacing the one before, by the workflow's key) or cancelled; a live date-relative version gets its
 * existing records' backfill job when `backfill` is set (a publish, or turning it on).
 */
export async function syncWorkflowTimers(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  options: { backfill: boolean },
  now = new Date(),
): Promise<void> {
  const v = await liveVersion(trx, workspaceId, workflowId);
  const trigger = v?.definition.trigger;
  if (v && trigger?.type === 'schedule') {
    const fireAt = nextFire(trigger.cron, trigger.timeZone, now);
    await queueFire(trx, workflowId, v.version, fireAt);
  } else {
    await cancelJob(trx, { task: SCHEDULE_TASK, key: scheduleJobKey(workflowId) });
  }
  if (v && trigger?.type === 'date' && options.backfill)
    await queueBackfill(trx, workflowId, v.version, null, 0);
}

function queueFire(trx: Tx, workflowId: string, version: number, fireAt: Date) {
  return scheduleJob(trx, {
    task: SCHEDULE_TASK,
    key: scheduleJobKey(workflowId),
    runAt: fireAt,
    payload: { workflowId, version, fireAt: fireAt.toISOString() },
  });
}

/**
 * A schedule's job: the run of this fire time (trigger key `schedule:<fire time>`, unique per workflow) and the
 * next fire's job, in one transaction. A fire more than the grace window late (the server was down) is recorded
 * as a skipped run (`missed`); the next fire is then the first after the grace window's start, so one missed fire
 * within the window still runs. A job of a version no longer live starts nothing.
 */
export async function fireSchedule(
  db: Database,
  p: { workspaceId: string; workflowId: string; version: number; fireAt: string },
  now = new Date(),
): Promise<string | undefined> {
  return withWorkspace(db, p.workspaceId, async (trx) => {
    const v = await liveVersion(trx, p.workspaceId, p.workflowId, true);
    const trigger = v?.definition.trigger;
    if (!v || v.version !== p.version || trigger?.type !== 'schedule') return undefined;
    const fireAt = new Date(p.fireAt);
    const late = now.getTime() - fireAt.getTime() > GRACE_MS;
    const id = await startRun(trx, p.workspaceId, v, {
      triggerKey: `schedule:${fireAt.toISOString()}`,
      recordId: null,
      object: null,
      trigger: {
        kind: 'schedule',
        fireAt: fireAt.toISOString(),
        cron: trigger.cron,
        timeZone: trigger.timeZone,
      },
      missed: late,
    });
    const from = new Date(Math.max(fireAt.getTime(), now.getTime() - GRACE_MS));
    await queueFire(trx, p.workflowId, v.version, nextFire(trigger.cron, trigger.timeZone, from));
    return id;
  });
}

async function startRun(
  trx: Tx,
  workspaceId: string,
  v: VersionRow,
  r: {
    triggerKey: string;
    recordId: string | null;
    object: string | null;
    trigger: Record<string, unknown>;
    missed: boolean;
    reason?: string | null;
  },
): Promise<string | undefined> {
  const start = v.definition.start;
  const status = r.missed || r.reason ? 'skipped' : start === null ? 'succeeded' : 'queued';
  const id = await insertRun(trx, {
    workspaceId,
    id: newId(),
    workflowId: v.workflow_id,
    version: v.version,
    triggerKey: r.triggerKey,
    triggerObject: r.object,
    triggerRecordId: r.recordId,
    trigger: r.trigger,
    status,
    reason: r.missed ? 'missed: the server was down at the fire time' : (r.reason ?? null),
    depth: 0,
    startedBy: null,
    currentStep: start,
  });
  if (id && status === 'queued') await queueStep(trx, id);
  return id;
}

/**
 * Date-relative triggers, on record events (called by the trigger subscriber in the writing transaction with the
 * workspace's live workflows): a created or restored record, or a change of the date field, queues the record's
 * job at the computed time (replacing an earlier one, so a changed date reschedules); a cleared date, a time
 * already past, or a deleted record cancels it.
 */
export async function scheduleDateTriggers(
  trx: Tx,
  workspaceId: string,
  events: readonly RecordEvent[],
  workflows: readonly (VersionRow & { owner_visible: (object: string, field: string) => boolean })[],
  now = new Date(),
): Promise<void> {
  let calendar: Calendar | undefined;
  for (const event of events) {
    for (const w of workflows) {
      const trigger = w.definition.trigger;
      if (trigger.type !== 'date' || trigger.object !== event.object) continue;
      if (!w.owner_visible(event.object, trigger.field)) continue;
      const key = dateJobKey(w.workflow_id, event.recordId);
      if (event.kind === 'deleted') {
        await cancelJob(trx, { task: DATE_TASK, key });
        continue;
      }
      if (event.kind === 'updated' && !(trigger.field in event.changes)) continue;
      calendar ??= await workspaceCalendar(trx, workspaceId);
      await scheduleRecord(trx, workspaceId, w.workflow_id, event.recordId, trigger, calendar, now);
    }
  }
}

/**
 * Queues (or cancels) a record's job from its date as stored. The writer's subscriber and the backfill take a
 * transaction lock on (workflow, record) before reading the date, so the one that reads an older date always
 * queues first and the newer date's job replaces it.
 */
async function scheduleRecord(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  recordId: string,
  trigger: DateTrigger,
  calendar: Calendar,
  now: Date,
): Promise<boolean> {
  const key = dateJobKey(workflowId, recordId);
  await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
  const stored = await readStoredRecord(trx, workspaceId, trigger.object, recordId);
  const fireAt = dateFireTime(stored?.[trigger.field], trigger, calendar);
  if (!fireAt || fireAt.getTime() < now.getTime()) {
    await cancelJob(trx, { task: DATE_TASK, key });
    return false;
  }
  await scheduleJob(trx, {
    task: DATE_TASK,
    key,
    runAt: fireAt,
    payload: { workflowId, recordId, fireAt: fireAt.toISOString() },
  });
  return true;
}

/**
 * A date-relative workflow's existing records, one page of 500 per job (queued by the publish or the turning on,
 * in its transaction, so a committed publish always gets its backfill): each record the workflow's owner may read
 * whose time is still ahead gets its job, and the next page's job is queued in the same transaction (a retried
 * page queues the same keys again). At most `BACKFILL_LIMIT` records; later ones are scheduled when their date is
 * next written. Stops when the version is no longer live. Returns how many records were scheduled.
 */
export async function backfillDateJobs(
  db: Database,
  p: { workspaceId: string; workflowId: string; version: number; cursor?: string | null; seen?: number },
  now = new Date(),
): Promise<number> {
  const ws = p.workspaceId;
  const live = await withWorkspace(db, ws, async (trx) => {
    const v = await liveVersion(trx, ws, p.workflowId);
    const w = v ? await selectWorkflow(trx, ws, p.workflowId) : undefined;
    return v && v.version === p.version && v.definition.trigger.type === 'date' && w?.owner_user_id
      ? { trigger: v.definition.trigger, ownerId: w.owner_user_id }
      : undefined;
  });
  const seen = p.seen ?? 0;
  if (!live || seen >= BACKFILL_LIMIT) return 0;
  const { trigger } = live;
  const principal = await principalForMember(db, live.ownerId, ws);
  if (!principal) return 0;
  const page = await listRecords({ db, principal }, trigger.object, {
    fields: [trigger.field],
    limit: Math.min(BACKFILL_PAGE, BACKFILL_LIMIT - seen),
    cursor: p.cursor ?? undefined,
  }).catch((error: unknown) => {
    // An owner who may no longer read the object: the records are scheduled as their dates are written.
    if (error instanceof AppError && error.code === 'forbidden') return undefined;
    throw error;
  });
  if (!page) return 0;
  return withWorkspace(db, ws, async (trx) => {
    const calendar = await workspaceCalendar(trx, ws);
    let n = 0;
    for (const r of page.data)
      if (await scheduleRecord(trx, ws, p.workflowId, r.id, trigger, calendar, now)) n++;
    if (page.nextCursor && page.data.length > 0 && seen + page.data.length < BACKFILL_LIMIT)
      await queueBackfill(trx, p.workflowId, p.version, page.nextCursor, seen + page.data.length);
    return n;
  });
}

function queueBackfill(trx: Tx, workflowId: string, version: number, cursor: string | null, seen: number) {
  return scheduleJob(trx, {
    task: BACKFILL_TASK,
    key: `workflow-date-backfill:${workflowId}`,
    payload: { workflowId, version, cursor, seen },
  });
}

/**
 * A date-relative job: when the workflow is live and the record's date still gives this fire time (a changed
 * date or trigger has queued another job), the run of this record and time (trigger key
 * `date:<record>:<fire time>`); concurrency per record applies. More than the grace window late: skipped
 * (`missed`).
 */
export async function fireDateTrigger(
  db: Database,
  p: { workspaceId: string; workflowId: string; recordId: string; fireAt: string },
  now = new Date(),
): Promise<string | undefined> {
  return withWorkspace(db, p.workspaceId, async (trx) => {
    const v = await liveVersion(trx, p.workspaceId, p.workflowId);
    const trigger = v?.definition.trigger;
    if (!v || trigger?.type !== 'date') return undefined;
    const stored = await readStoredRecord(trx, p.workspaceId, trigger.object, p.recordId);
    if (!stored) return undefined;
    const calendar = await workspaceCalendar(trx, p.workspaceId);
    const fireAt = dateFireTime(stored[trigger.field], trigger, calendar);
    if (fireAt?.toISOString() !== p.fireAt) return undefined;
    const settings = settingsSchema.parse(v.settings ?? {});
    const admitted = await admission(trx, p.workspaceId, p.workflowId, p.recordId, settings, {
      reenrolment: false,
    });
    return startRun(trx, p.workspaceId, v, {
      triggerKey: `date:${p.recordId}:${p.fireAt}`,
      recordId: p.recordId,
      object: trigger.object,
      trigger: { kind: 'date', field: trigger.field, fireAt: p.fireAt },
      missed: now.getTime() - fireAt.getTime() > GRACE_MS,
      // A run already active on the record: skipped (this fire time is not held for later).
      reason: admitted === null ? null : admitted === 'hold' ? 'already running' : admitted,
    });
  });
}
