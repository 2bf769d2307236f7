import { type Database, type Tx, withWorkspace } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import type { RecordEvent } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import { cancelJob, scheduleJob } from '../jobs/jobs.service.ts';
import { listRecords } from '../records/list-records.ts';
import { workspaceSettings } from '../records/scope.ts';
import { readStoredRecord } from '../records/stored-record.ts';
import { settings as settingsSchema, type Trigger } from './definition.ts';
import { queueStep } from './run-step.ts';
import { type Calendar, calendarOf, dateFireTime, GRACE_MS, nextFire } from './schedule.ts';
import { admission } from './trigger.ts';
import { insertRun, selectVersion, selectWorkflow, type VersionRow } from './workflows.repository.ts';

// Jobs at a time for workflow triggers: one job per scheduled workflow (its next fire time) and one per workflow
// and record for date-relative triggers. Each job starts its run with a unique trigger key in one transaction with
// queueing the next, so a job that runs twice (a crash after its commit) finds the run there and starts nothing.

export const SCHEDULE_TASK = 'rabita:workflow-schedule';
export const DATE_TASK = 'rabita:workflow-date';
export const scheduleJobKey = (workflowId: string) => `workflow-schedule:${workflowId}`;
export const dateJobKey = (workflowId: string, recordId: string) => `workflow-date:${workflowId}:${recordId}`;
/** Records whose date-relative jobs a publish queues, at most (pages of 500 read as the publisher). */
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
 * queued (replacing the one before, by the workflow's key) or cancelled. Returns whether the live version has a
 * date-relative trigger, whose records the caller then schedules (after commit, `scheduleExistingRecords`).
 */
export async function syncWorkflowTimers(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  now = new Date(),
): Promise<{ dateTrigger: boolean }> {
  const v = await liveVersion(trx, workspaceId, workflowId);
  const trigger = v?.definition.trigger;
  if (v && trigger?.type === 'schedule') {
    const fireAt = nextFire(trigger.cron, trigger.timeZone, now);
    await queueFire(trx, workflowId, v.version, fireAt);
  } else {
    await cancelJob(trx, { task: SCHEDULE_TASK, key: scheduleJobKey(workflowId) });
  }
  return { dateTrigger: trigger?.type === 'date' };
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
      const stored = await readStoredRecord(trx, workspaceId, event.object, event.recordId);
      calendar ??= await workspaceCalendar(trx, workspaceId);
      await scheduleRecord(
        trx,
        w.workflow_id,
        event.recordId,
        trigger,
        stored?.[trigger.field],
        calendar,
        now,
      );
    }
  }
}

async function scheduleRecord(
  trx: Tx,
  workflowId: string,
  recordId: string,
  trigger: DateTrigger,
  value: unknown,
  calendar: Calendar,
  now: Date,
): Promise<boolean> {
  const key = dateJobKey(workflowId, recordId);
  const fireAt = dateFireTime(value, trigger, calendar);
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
 * After a date-relative workflow is published or turned on: queues the job of each existing record the publisher
 * may read whose time is still ahead, a page of 500 per transaction, at most `BACKFILL_LIMIT` records (later
 * records are scheduled when their date is next written; none when the caller may not read the object). Returns
 * how many were queued.
 */
export async function scheduleExistingRecords(
  db: Database,
  principal: Principal,
  workflowId: string,
  now = new Date(),
): Promise<number> {
  const ws = principal.workspaceId;
  const v = await withWorkspace(db, ws, (trx) => liveVersion(trx, ws, workflowId));
  const trigger = v?.definition.trigger;
  if (!v || trigger?.type !== 'date') return 0;
  let cursor: string | undefined;
  let seen = 0;
  let queued = 0;
  while (seen < BACKFILL_LIMIT) {
    const page = await listRecords({ db, principal }, trigger.object, {
      fields: [trigger.field],
      limit: Math.min(BACKFILL_PAGE, BACKFILL_LIMIT - seen),
      cursor,
    }).catch((error: unknown) => {
      // Turned on by someone who may not read the object: their writes to come schedule the records instead.
      if (error instanceof AppError && error.code === 'forbidden') return undefined;
      throw error;
    });
    if (!page) break;
    seen += page.data.length;
    queued += await withWorkspace(db, ws, async (trx) => {
      const calendar = await workspaceCalendar(trx, ws);
      let n = 0;
      for (const r of page.data)
        if (await scheduleRecord(trx, workflowId, r.id, trigger, r[trigger.field], calendar, now)) n++;
      return n;
    });
    if (!page.nextCursor || page.data.length === 0) break;
    cursor = page.nextCursor;
  }
  return queued;
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
