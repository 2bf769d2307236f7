import { afterCommit, rememberedIn, type Tx } from '@rabita/db';
import { type Kysely, sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import type { RecordEvent } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import { automationMemo } from '../modules/automation-memo.ts';
import type { EventSubscriber, ModuleEvent, ModuleEventListener } from '../modules/manifest.ts';
import { type Reader, ruleFor } from '../records/access.ts';
import { readStoredRecord, recordMatchesFilter } from '../records/stored-record.ts';
import { parsePermissions } from '../roles/permissions.ts';
import { settings as settingsSchema } from './definition.ts';
import { expressionHolds } from './expressions.ts';
import { failpoint, failpointsArmed } from './failpoints.ts';
import { admission, MAX_DEPTH, queueStep } from './runs.ts';
import { scheduleDateTriggers } from './schedule-jobs.ts';
import {
  HELD,
  insertRun,
  markWaitEvent,
  selectActiveWorkflows,
  selectRun,
  selectVersion,
  selectWaitingRuns,
} from './workflows.repository.ts';

export { admission, MAX_DEPTH } from './runs.ts';

// Whether a workspace has any enabled, published workflow, kept per process by the workspace's automation version
// (migration 0028; `automationMemo`): every change to a workspace's workflows bumps it in its own transaction, so
// the answer is never stale, whichever instance made the change; a write in a workspace without workflows costs no
// query.
const hasWorkflows = automationMemo(
  async (trx, workspaceId) => (await selectActiveWorkflows(trx, workspaceId)).length > 0,
);

/** The reader of a workflow whose owner is no longer a member: every field (its run fails, saying why). */
const everyField: Reader = {
  userId: null,
  role: {
    permissions: { actions: [], objects: { '*': { read: true, create: true, update: true, delete: true } } },
  },
};

/** The fields of the object the reader may see (all but hidden ones), or none when it may not read the object. */
function visibleTo(reader: Reader, object: string) {
  const rule = ruleFor(reader, object);
  return (field: string) => rule.read && !(rule.hiddenFields?.includes(field) ?? false);
}

/** Whose rights a workflow's trigger reads with: its owner's role, or every field when the owner has left. */
function readerOf(w: { owner_user_id: string | null; owner_permissions: unknown }): Reader {
  return w.owner_permissions
    ? { userId: w.owner_user_id, role: { permissions: parsePermissions(w.owner_permissions) } }
    : everyField;
}

/**
 * For each record event, the runs it starts: every enabled workflow whose published record trigger matches (the
 * object, the kind, a changed field, the condition on the new values) gets a queued run and its first job, in the
 * writing transaction — so a committed write always has its runs and a rolled-back one has none. Date-relative
 * workflows get the record's job queued, moved or cancelled here too (schedule-jobs.ts).
 */
export async function startTriggeredRuns(trx: Tx, workspaceId: string, events: readonly RecordEvent[]) {
  if (!(await hasWorkflows(trx, workspaceId))) return;
  const workflows = await selectActiveWorkflows(trx, workspaceId);
  if (workflows.length === 0) return;
  await wakeWaitingRuns(trx, workspaceId, events, workflows);
  await scheduleDateTriggers(
    trx,
    workspaceId,
    events,
    workflows.map((w) => ({ ...w, owner_visible: (object, field) => visibleTo(readerOf(w), object)(field) })),
  );
  const raw = trx.withoutPlugins() as unknown as Kysely<unknown>;
  const { rows } = await sql<{ txid: string }>`select txid_current()::text as txid`.execute(raw);
  const txid = rows[0]!.txid;
  for (const [i, event] of events.entries()) {
    for (const w of workflows) {
      const trigger = w.definition.trigger;
      if (trigger.type !== 'record' || trigger.object !== event.object) continue;
      if (!(trigger.events as string[]).includes(event.kind)) continue;
      // The trigger sees what its owner may read: a change to fields hidden from them alone starts nothing, and
      // the condition reads the record without those fields (never more rights than the owner's).
      const reader = readerOf(w);
      if (!ruleFor(reader, event.object).read) continue;
      const visible = visibleTo(reader, event.object);
      const changed = Object.keys(event.changes).filter(visible);
      if (event.kind === 'updated' && (trigger.fields ?? changed).every((f) => !changed.includes(f)))
        continue;
      const depth = event.cause ? event.cause.depth : 0;
      // A workflow's own write on the same record never starts it again.
      if (event.cause?.kind === 'workflow') {
        const cause = await selectRun(trx, workspaceId, event.cause.runId);
        if (cause && cause.workflow_id === w.workflow_id && cause.trigger_record_id === event.recordId)
          continue;
      }
      const before = Object.fromEntries(Object.entries(event.changes).map(([k, c]) => [k, c.from]));
      const base = {
        workspaceId,
        id: newId(),
        workflowId: w.workflow_id,
        version: w.version,
        triggerKey: `event:${txid}:${i}:${event.object}:${event.recordId}:${event.kind}`,
        triggerObject: event.object,
        triggerRecordId: event.recordId,
        trigger: { kind: event.kind, source: event.source, fields: Object.keys(event.changes), before },
        depth,
        startedBy: event.actor.userId,
        currentStep: w.definition.start,
      };
      if (depth >= MAX_DEPTH) {
        await insertRun(trx, { ...base, status: 'skipped', reason: 'loop' });
        continue;
      }
      if (trigger.condition && event.kind !== 'deleted') {
        if (trigger.condition.expr) {
          const holds = await conditionHolds(
            trx,
            workspaceId,
            event,
            visible,
            trigger.condition.expr,
            (seen) => ({
              ...base.trigger,
              fields: changed,
              before: seen,
            }),
          );
          if (!holds) continue;
        }
        if (
          trigger.condition.filter &&
          !(await filterHolds(trx, reader, workspaceId, event, trigger.condition.filter))
        )
          continue;
      }
      await admitRun(trx, w, base);
    }
  }
}

type RunBase = Omit<Parameters<typeof insertRun>[1], 'status' | 'reason'>;

/**
 * A triggered run, admitted by the workflow's concurrency and re-enrolment settings for its record: held behind an
 * active run, skipped with the reason, or queued with its first job — all in the triggering transaction.
 */
async function admitRun(
  trx: Tx,
  w: { workflow_id: string; settings: unknown },
  base: RunBase & { triggerRecordId: string | null },
): Promise<void> {
  const settings = settingsSchema.parse(w.settings ?? {});
  const skip = base.triggerRecordId
    ? await admission(trx, base.workspaceId, w.workflow_id, base.triggerRecordId, settings)
    : null;
  if (skip === 'hold') {
    // Concurrency `queue`: it starts when the active run ends (that run's end queues its first job).
    await insertRun(trx, { ...base, status: 'queued', reason: HELD });
    return;
  }
  if (skip) {
    await insertRun(trx, { ...base, status: 'skipped', reason: skip });
    return;
  }
  if (base.currentStep === null) {
    await insertRun(trx, { ...base, status: 'succeeded', reason: null });
    return;
  }
  const id = await insertRun(trx, { ...base, status: 'queued', reason: null });
  if (id) await queueStep(trx, id);
  if (id && failpointsArmed()) afterCommit(trx, () => failpoint('after-trigger-commit'));
}

/**
 * For a module event (a web form submitted, an email received), the runs it starts: every enabled workflow whose
 * published trigger names the event and its record's object, read as the workflow's owner may read (an owner who
 * may not read the record's object starts nothing; the condition sees the record without the fields hidden from
 * them, and `trigger.payload`). One run per workflow and occurrence (`module:<key>:<id>`), in the announcing
 * transaction.
 */
export async function startEventRuns(trx: Tx, workspaceId: string, event: ModuleEvent): Promise<void> {
  if (!(await hasWorkflows(trx, workspaceId))) return;
  const record = event.record;
  // Read once per announcing transaction: a synced batch of mail announces each message, one after another.
  const active = await rememberedIn(trx, 'active-workflows', () => selectActiveWorkflows(trx, workspaceId));
  const workflows = active.filter(
    (w) =>
      w.definition.trigger.type === 'event' &&
      w.definition.trigger.event === event.key &&
      w.definition.trigger.object === (record?.object ?? w.definition.trigger.object),
  );
  for (const w of workflows) {
    const trigger = w.definition.trigger;
    if (trigger.type !== 'event') continue;
    const reader = readerOf(w);
    if (record && !ruleFor(reader, record.object).read) continue;
    const depth = event.cause ? event.cause.depth : 0;
    const base = {
      workspaceId,
      id: newId(),
      workflowId: w.workflow_id,
      version: w.version,
      triggerKey: `module:${event.key}:${event.id}`,
      triggerObject: record?.object ?? null,
      triggerRecordId: record?.id ?? null,
      trigger: { kind: event.key, payload: event.payload },
      depth,
      startedBy: event.actorUserId ?? null,
      currentStep: w.definition.start,
    };
    if (depth >= MAX_DEPTH) {
      await insertRun(trx, { ...base, status: 'skipped', reason: 'loop' });
      continue;
    }
    if (trigger.condition && record) {
      const target = { object: record.object, recordId: record.id, changes: {} };
      const visible = visibleTo(reader, record.object);
      const { expr, filter } = trigger.condition;
      if (expr && !(await conditionHolds(trx, workspaceId, target, visible, expr, () => base.trigger)))
        continue;
      if (filter && !(await filterHolds(trx, reader, workspaceId, target, filter))) continue;
    }
    await admitRun(trx, w, base);
  }
}

/**
 * Whether a condition holds on a changed record, read as a workflow's owner may read it: the record after the write
 * and the changed fields' old values (`before`), both without the fields hidden from the owner, so a condition
 * cannot probe a hidden field's present or past; `trigger` is built from those old values. An expression that fails
 * on this record does not hold.
 */
async function conditionHolds(
  trx: Tx,
  workspaceId: string,
  event: Pick<RecordEvent, 'object' | 'recordId' | 'changes'>,
  visible: (field: string) => boolean,
  expr: string,
  trigger?: (before: Record<string, unknown>) => Record<string, unknown>,
): Promise<boolean> {
  const stored = (await readStoredRecord(trx, workspaceId, event.object, event.recordId)) ?? {};
  const record = Object.fromEntries(Object.entries(stored).filter(([key]) => visible(key)));
  const before = Object.fromEntries(
    Object.entries(event.changes)
      .filter(([key]) => visible(key))
      .map(([key, c]) => [key, c.from]),
  );
  try {
    return expressionHolds(expr, { record, before, ...(trigger ? { trigger: trigger(before) } : {}) });
  } catch {
    return false;
  }
}

/**
 * Whether a record matches a condition's filter, compiled for the workflow's owner: a filter naming a field the
 * owner may not see is refused by the compiler (before any query), which is no match.
 */
async function filterHolds(
  trx: Tx,
  reader: Reader,
  workspaceId: string,
  target: Pick<RecordEvent, 'object' | 'recordId'>,
  filter: unknown,
): Promise<boolean> {
  return recordMatchesFilter(trx, reader, workspaceId, target.object, target.recordId, filter).catch(
    (error: unknown) => {
      if (error instanceof AppError) return false;
      throw error;
    },
  );
}

/**
 * Runs of enabled workflows waiting on a changed record in a `waitFor` step wake when the change is one the step
 * waits for (its kinds, fields and condition, read as the workflow's owner may read them — never a hidden field):
 * the step's output is marked with the event and its job brought forward to now (the job key is the run's, so the
 * timeout's job is replaced, not doubled). A run's own writes never wake it. Both the mark and the job commit with
 * the write; the step decides, under the run's lock, between the event and the timeout.
 */
async function wakeWaitingRuns(
  trx: Tx,
  workspaceId: string,
  events: readonly RecordEvent[],
  workflows: Awaited<ReturnType<typeof selectActiveWorkflows>>,
) {
  const ids = [...new Set(events.filter((e) => e.kind !== 'created').map((e) => e.recordId))];
  if (ids.length === 0) return;
  const runs = await selectWaitingRuns(trx, workspaceId, ids);
  if (runs.length === 0) return;
  const owners = new Map(workflows.map((w) => [w.workflow_id, readerOf(w)]));
  const versions = new Map<string, Awaited<ReturnType<typeof selectVersion>>>();
  for (const run of runs) {
    const reader = owners.get(run.workflow_id);
    if (!reader || !run.current_step) continue;
    const key = `${run.workflow_id}:${run.version}`;
    if (!versions.has(key))
      versions.set(key, await selectVersion(trx, workspaceId, run.workflow_id, run.version));
    const step = versions.get(key)?.definition.steps.find((s) => s.id === run.current_step);
    if (step?.type !== 'waitFor') continue;
    const mark = run.outputs?.[step.id] as { deadline?: string; event?: unknown } | undefined;
    if (!mark?.deadline || mark.event) continue;
    for (const event of events) {
      if (event.recordId !== run.trigger_record_id || event.object !== run.trigger_object) continue;
      if (!(step.events as string[]).includes(event.kind)) continue;
      if (event.cause?.kind === 'workflow' && event.cause.runId === run.id) continue;
      if (!ruleFor(reader, event.object).read) continue;
      const visible = visibleTo(reader, event.object);
      const changed = Object.keys(event.changes).filter(visible);
      if (
        event.kind === 'updated' &&
        (changed.length === 0 || (step.fields && !step.fields.some((f) => changed.includes(f))))
      )
        continue;
      if (
        step.condition &&
        event.kind !== 'deleted' &&
        !(await conditionHolds(trx, workspaceId, event, visible, step.condition.expr))
      )
        continue;
      const woke = await markWaitEvent(trx, workspaceId, run.id, step.id, {
        kind: event.kind,
        fields: changed,
        at: new Date().toISOString(),
      });
      if (woke) await queueStep(trx, run.id);
      break;
    }
  }
}

/** The workflows module's listener: module events start runs, in the announcing transaction. */
export const workflowEventTrigger: ModuleEventListener = {
  name: 'workflow event triggers',
  async handle(ctx, event) {
    await startEventRuns(ctx.trx, ctx.workspaceId, event);
  },
};

/** The workflows module's subscriber: record events start runs, in the writing transaction. */
export const workflowTrigger: EventSubscriber = {
  name: 'workflow triggers',
  phase: 'transaction',
  async handle(ctx, events) {
    await startTriggeredRuns(ctx.trx!, ctx.workspaceId, events);
  },
};
