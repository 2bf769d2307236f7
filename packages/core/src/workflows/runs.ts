import type { Tx } from '@rabita/db';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { scheduleJob } from '../jobs/jobs.service.ts';
import { settings as settingsSchema, type WorkflowSettings } from './definition.ts';
import {
  enrolmentOf,
  HELD,
  insertRun,
  lockRecordRuns,
  selectRunByKey,
  selectVersion,
  selectWorkflow,
} from './workflows.repository.ts';

// Starting runs: whether a run may start on a record now, the depth at which chains of automation stop, and the
// job that runs a run's current step. Shared by the record trigger, schedules, manual runs, inbound webhooks and
// workflows started by other workflows.

export const STEP_TASK = 'rabita:workflow-step';
export const runJobKey = (runId: string) => `workflow-run:${runId}`;
/** Chains of automated writes (and workflows starting workflows) stop at this depth: a run `skipped` (`loop`). */
export const MAX_DEPTH = 5;

/** Queues the job that runs a run's current step (at `runAt` for waits), in the caller's transaction. */
export function queueStep(trx: Tx, runId: string, runAt?: Date): Promise<void> {
  return scheduleJob(trx, { task: STEP_TASK, key: runJobKey(runId), payload: { runId }, runAt });
}

/**
 * Whether a new run of a workflow on a record may start now (null), must wait for the active one (`hold`), or is
 * skipped (the reason). An active run blocks unless concurrency is `parallel` (`skip`: "already running"; `queue`:
 * held); without re-enrolment a record that ever had a run is "already enrolled"; with it, the cool-down counts
 * from the record's last finished run (manual runs and retries: concurrency only, a person asked for them). Runs of
 * one workflow on one record decide this one at a time.
 */
export async function admission(
  trx: Tx,
  workspaceId: string,
  workflowId: string,
  recordId: string,
  settings: WorkflowSettings,
  options: { reenrolment: boolean } = { reenrolment: true },
): Promise<string | 'hold' | null> {
  if (settings.concurrency !== 'parallel') await lockRecordRuns(trx, workflowId, recordId);
  const e = await enrolmentOf(trx, workspaceId, workflowId, recordId, settings.reenrol.cooldownMinutes);
  if (e.active && settings.concurrency === 'skip') return 'already running';
  if (options.reenrolment && !settings.reenrol.allowed && (e.active || e.finished)) return 'already enrolled';
  if (options.reenrolment && settings.reenrol.allowed && settings.reenrol.cooldownMinutes > 0 && e.inCooldown)
    return 'already enrolled';
  if (e.active && settings.concurrency === 'queue') return 'hold';
  return null;
}

/**
 * A `runWorkflow` step's effect, in the step's transaction: a run of the called workflow (trigger `called`,
 * published and on), on the caller's record when the called workflow's trigger names that record's object (in a
 * loop, on each related record in turn). Its trigger key is the calling run and step (and the loop's record), so
 * the step's effect happens once; past MAX_DEPTH it is `skipped`
 * (`loop`), and concurrency per record applies as for a manual run.
 */
export async function startCalledRun(
  trx: Tx,
  workspaceId: string,
  call: {
    workflowId: string;
    callerRunId: string;
    callerWorkflowId: string;
    stepId: string;
    depth: number;
    object: string | null;
    recordId: string | null;
    startedBy: string | null;
    /** One run for each record of a loop: the run must be on this record, and is keyed by it too. */
    perRecord?: boolean;
  },
): Promise<{ runId: string; status: string; reason: string | null }> {
  const w = await selectWorkflow(trx, workspaceId, call.workflowId);
  const v =
    w?.enabled && w.current_version !== null
      ? await selectVersion(trx, workspaceId, w.id, w.current_version)
      : undefined;
  if (!w || !v)
    throw new AppError('validation_failed', 'the workflow it starts is not published and turned on.');
  const trigger = v.definition.trigger;
  if (trigger.type !== 'called')
    throw new AppError('validation_failed', `"${w.name}" is not started by other workflows.`);
  const onRecord = trigger.object !== undefined && trigger.object === call.object ? call.recordId : null;
  if (call.perRecord && !onRecord)
    throw new AppError(
      'validation_failed',
      `"${w.name}" does not start on ${call.object} records (its trigger must name that object).`,
    );
  const triggerKey = `call:${call.callerRunId}:${call.stepId}${call.perRecord ? `:${call.recordId}` : ''}`;
  const base = {
    workspaceId,
    id: newId(),
    workflowId: w.id,
    version: v.version,
    triggerKey,
    triggerObject: onRecord ? (trigger.object ?? null) : null,
    triggerRecordId: onRecord,
    trigger: { kind: 'called', by: { workflowId: call.callerWorkflowId, runId: call.callerRunId } },
    depth: call.depth,
    startedBy: call.startedBy,
    currentStep: v.definition.start,
  };
  let status: 'queued' | 'skipped' | 'succeeded' = base.currentStep === null ? 'succeeded' : 'queued';
  let reason: string | null = null;
  if (call.depth >= MAX_DEPTH) {
    status = 'skipped';
    reason = 'loop';
  } else if (onRecord) {
    const admitted = await admission(
      trx,
      workspaceId,
      w.id,
      onRecord,
      settingsSchema.parse(v.settings ?? {}),
      {
        reenrolment: false,
      },
    );
    if (admitted === 'hold') reason = HELD;
    else if (admitted) {
      status = 'skipped';
      reason = admitted;
    }
  }
  const id = await insertRun(trx, { ...base, status, reason });
  if (!id) {
    const existing = (await selectRunByKey(trx, workspaceId, w.id, triggerKey))!;
    return { runId: existing.id, status: existing.status, reason: existing.reason };
  }
  if (status === 'queued' && reason === null) await queueStep(trx, id);
  return { runId: id, status, reason };
}
