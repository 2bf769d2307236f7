import { type Tx, withWorkspace } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid, newId } from '../ids.ts';
import { cancelJob } from '../jobs/jobs.service.ts';
import { loadObject } from '../metadata/metadata.service.ts';
import { ruleFor } from '../records/access.ts';
import { readRecords, readTitles } from '../records/gate.ts';
import { bumpAutomationVersion } from '../workspaces/workspaces.service.ts';
import {
  definition as definitionSchema,
  settings as settingsSchema,
  triggerObjectOf,
  type WorkflowDefinition,
  type WorkflowSettings,
} from './definition.ts';
import { assertRunAsWithin } from './run-as.ts';
import { releaseHeld, walkDraft } from './run-step.ts';
import { admission, queueStep, runJobKey, STEP_TASK } from './runs.ts';
import { syncWorkflowTimers } from './schedule-jobs.ts';
import { validateForPublish } from './validate-definition.ts';
import {
  HELD,
  insertRun,
  insertVersion,
  insertWorkflow,
  type RunQuery,
  type RunRow,
  type StepRunRow,
  selectRun,
  selectRuns,
  selectStepRuns,
  selectVersion,
  selectVersions,
  selectWorkflow,
  selectWorkflows,
  updateRun,
  updateWorkflowRow,
  type VersionRow,
  type WorkflowRow,
} from './workflows.repository.ts';

const EMPTY: WorkflowDefinition = {
  trigger: { type: 'manual', object: 'people' },
  start: null,
  steps: [],
};

function presentWorkflow(w: WorkflowRow) {
  return {
    id: w.id,
    name: w.name,
    description: w.description,
    enabled: w.enabled,
    draft: w.draft,
    settings: w.settings,
    ownerUserId: w.owner_user_id,
    currentVersion: w.current_version,
    createdAt: w.created_at.toISOString(),
    updatedAt: w.updated_at.toISOString(),
  };
}
export type WorkflowView = ReturnType<typeof presentWorkflow>;

function presentVersion(v: VersionRow) {
  return {
    version: v.version,
    definition: v.definition,
    settings: v.settings,
    publishedBy: v.published_by,
    publishedAt: v.published_at.toISOString(),
  };
}

/**
 * The trigger as the viewer may see it: the changed fields (and their old values) that the viewer's role hides on
 * the record's object are left out, and all of them when the role may not read the object.
 */
function visibleTrigger(trigger: Record<string, unknown>, object: string | null, viewer: Principal) {
  if (!object) return trigger;
  const rule = ruleFor(viewer, object);
  const shown = (key: string) => rule.read && !rule.hiddenFields?.includes(key);
  const out: Record<string, unknown> = { ...trigger };
  if (Array.isArray(trigger.fields)) out.fields = (trigger.fields as string[]).filter(shown);
  if (trigger.before && typeof trigger.before === 'object')
    out.before = Object.fromEntries(Object.entries(trigger.before).filter(([key]) => shown(key)));
  return out;
}

/**
 * The titles of the runs' records as the viewer may see them (through the gate: a record they may not read, or one
 * since deleted, has none), for the history to name records rather than show ids.
 */
async function runTitles(
  trx: Tx,
  viewer: Principal,
  runs: readonly RunRow[],
): Promise<Map<string, string | null>> {
  const titles = new Map<string, string | null>();
  const byObject = new Map<string, string[]>();
  for (const r of runs)
    if (r.trigger_object && r.trigger_record_id)
      byObject.set(r.trigger_object, [...(byObject.get(r.trigger_object) ?? []), r.trigger_record_id]);
  for (const [key, ids] of byObject) {
    const object = await loadObject(trx, viewer.workspaceId, key).catch(() => undefined);
    if (!object || !ruleFor(viewer, key).read) continue;
    for (const [id, title] of await readTitles(trx, viewer, object, [...new Set(ids)])) titles.set(id, title);
  }
  return titles;
}

function presentRun(r: RunRow, viewer: Principal, titles?: ReadonlyMap<string, string | null>) {
  return {
    id: r.id,
    workflowId: r.workflow_id,
    version: r.version,
    status: r.status,
    reason: r.reason,
    depth: r.depth,
    triggerObject: r.trigger_object,
    triggerRecordId: r.trigger_record_id,
    ...(titles
      ? { triggerRecordTitle: r.trigger_record_id ? (titles.get(r.trigger_record_id) ?? null) : null }
      : {}),
    trigger: visibleTrigger(r.trigger, r.trigger_object, viewer),
    startedBy: r.started_by,
    currentStep: r.current_step,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    finishedAt: r.finished_at?.toISOString() ?? null,
    error: r.error,
  };
}

/** Keys of a step's input or output that hold text or values computed from a whole record (not field by field). */
const COMPUTED_KEYS = new Set(['message', 'subject', 'body', 'value']);

/**
 * A step's input or output as a viewer may see it. Steps ran with their actor's rights (the owner's, or a role's),
 * so what they wrote down may hold fields hidden from the viewer. A viewer who reads the run's objects with no
 * hidden field sees it as it is. Otherwise record values (`{object, values}`, and the items of a loop over related
 * records) keep only the fields the viewer may see, and text or values rendered from the record as a whole (a
 * notification's message, an email's subject and body, a webhook's body, a switch's value) are withheld and named
 * in `withheld`.
 */
function visibleStepData(
  data: unknown,
  viewer: Principal,
  triggerObject: string | null,
  stepObject: string | null,
): unknown {
  const restricted = [triggerObject, stepObject].some((o) => {
    if (!o) return false;
    const rule = ruleFor(viewer, o);
    return !rule.read || (rule.hiddenFields?.length ?? 0) > 0;
  });
  if (!restricted) return data;
  const shown = (object: string | null, key: string) => {
    if (!object) return true;
    const rule = ruleFor(viewer, object);
    return rule.read && !rule.hiddenFields?.includes(key);
  };
  const walk = (node: unknown, object: string | null, depth: number): unknown => {
    if (depth > 16 || node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map((item) => walk(item, object, depth + 1));
    const own =
      typeof (node as { object?: unknown }).object === 'string'
        ? (node as { object: string }).object
        : object;
    const out: Record<string, unknown> = {};
    const withheld: string[] = [];
    for (const [key, value] of Object.entries(node)) {
      if (COMPUTED_KEYS.has(key)) withheld.push(key);
      else if (key === 'values' && value && typeof value === 'object' && !Array.isArray(value))
        out[key] = Object.fromEntries(Object.entries(value).filter(([field]) => shown(own, field)));
      else out[key] = walk(value, own, depth + 1);
    }
    if (withheld.length > 0) out.withheld = withheld;
    return out;
  };
  return walk(data, stepObject, 0);
}

/** A step run as a viewer sees it (null: whole, for the workflow's owner). */
function presentStepRun(s: StepRunRow, viewer: Principal | null, triggerObject: string | null) {
  // A loop over related records names its object in the input only; its planned items are of that object.
  const object =
    s.input && typeof s.input === 'object' && typeof (s.input as { object?: unknown }).object === 'string'
      ? (s.input as { object: string }).object
      : triggerObject;
  return {
    id: s.id,
    sequence: s.sequence,
    stepId: s.step_id,
    type: s.step_type,
    status: s.status,
    attempt: s.attempt,
    input: viewer ? visibleStepData(s.input, viewer, triggerObject, object) : s.input,
    output: viewer ? visibleStepData(s.output, viewer, triggerObject, object) : s.output,
    error: s.error,
    idempotencyKey: s.idempotency_key,
    startedAt: s.started_at.toISOString(),
    finishedAt: s.finished_at?.toISOString() ?? null,
  };
}

const notFound = (id: string) => new AppError('not_found', `There is no workflow ${id}.`);

async function load(trx: Tx, workspaceId: string, id: string, lock = false) {
  const w = isUuid(id) ? await selectWorkflow(trx, workspaceId, id, { lock }) : undefined;
  if (!w) throw notFound(id);
  return w;
}

/** The workspace's workflows (with their drafts). */
export async function listWorkflows(ctx: ServiceContext) {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, async (trx) => (await selectWorkflows(trx, ws)).map(presentWorkflow));
}

/** One workflow. */
export async function getWorkflow(ctx: ServiceContext, id: string) {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, async (trx) => presentWorkflow(await load(trx, ws, id)));
}

/** Creates a workflow (disabled, unpublished) owned by its creator. */
export async function createWorkflow(
  ctx: ServiceContext,
  input: {
    name: string;
    description?: string | null | undefined;
    draft?: WorkflowDefinition | undefined;
    settings?: WorkflowSettings | undefined;
  },
) {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, async (trx) => {
    await assertRunAsWithin(trx, ctx.principal, input.settings);
    return presentWorkflow(
      await insertWorkflow(trx, {
        workspaceId: ws,
        id: newId(),
        name: input.name,
        description: input.description ?? null,
        draft: input.draft ?? EMPTY,
        settings: input.settings ?? settingsSchema.parse({}),
        ownerUserId: ctx.principal.userId,
      }),
    );
  });
}

/** Changes a workflow's name, description, draft, settings or whether it runs. */
export async function updateWorkflow(
  ctx: ServiceContext,
  id: string,
  patch: {
    name?: string | undefined;
    description?: string | null | undefined;
    draft?: WorkflowDefinition | undefined;
    settings?: WorkflowSettings | undefined;
    enabled?: boolean | undefined;
  },
) {
  const ws = ctx.principal.workspaceId;
  const out = await withWorkspace(ctx.db, ws, async (trx) => {
    const w = await load(trx, ws, id, true);
    // Settings sent are checked against the sender (the role they run as is within the sender's own).
    await assertRunAsWithin(trx, ctx.principal, patch.settings);
    if (patch.enabled && w.current_version === null)
      throw new AppError('validation_failed', 'Publish the workflow before turning it on.', {
        errors: [{ field: 'enabled', message: 'The workflow has no published version.' }],
      });
    const updated = presentWorkflow((await updateWorkflowRow(trx, ws, id, patch))!);
    if (patch.enabled !== undefined) {
      await syncWorkflowTimers(trx, ws, id, { backfill: patch.enabled && !w.enabled });
      await bumpAutomationVersion(trx, ws);
    }
    return updated;
  });
  return out;
}

/** Deletes a workflow (its runs and versions stay readable in the history). */
export async function deleteWorkflow(ctx: ServiceContext, id: string) {
  const ws = ctx.principal.workspaceId;
  await withWorkspace(ctx.db, ws, async (trx) => {
    await load(trx, ws, id, true);
    await updateWorkflowRow(trx, ws, id, { deleted: true });
    await syncWorkflowTimers(trx, ws, id, { backfill: false });
    await bumpAutomationVersion(trx, ws);
  });
}

/** Checks the draft and freezes it as the next version, which new runs start on. */
export async function publishWorkflow(ctx: ServiceContext, id: string) {
  const ws = ctx.principal.workspaceId;
  const out = await withWorkspace(ctx.db, ws, async (trx) => {
    const w = await load(trx, ws, id, true);
    const draft = definitionSchema.parse(w.draft);
    await validateForPublish(trx, ctx.principal, draft);
    const settings = settingsSchema.parse(w.settings ?? {});
    // The publisher, too, holds all the role runs act as (whoever saved it).
    await assertRunAsWithin(trx, ctx.principal, settings);
    const version = (w.current_version ?? 0) + 1;
    await insertVersion(trx, {
      workspaceId: ws,
      workflowId: id,
      version,
      definition: draft,
      settings,
      publishedBy: ctx.principal.userId,
    });
    const updated = presentWorkflow((await updateWorkflowRow(trx, ws, id, { currentVersion: version }))!);
    await syncWorkflowTimers(trx, ws, id, { backfill: true });
    await bumpAutomationVersion(trx, ws);
    return updated;
  });
  return out;
}

/** A workflow's published versions, newest first. */
export async function listVersions(ctx: ServiceContext, id: string) {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, async (trx) => {
    await load(trx, ws, id);
    return (await selectVersions(trx, ws, id)).map(presentVersion);
  });
}

/** Copies a published version (its definition and settings) into the draft. */
export async function restoreVersion(ctx: ServiceContext, id: string, version: number) {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, async (trx) => {
    await load(trx, ws, id, true);
    const v = await selectVersion(trx, ws, id, version);
    if (!v) throw new AppError('not_found', `Workflow ${id} has no version ${version}.`);
    return presentWorkflow(
      (await updateWorkflowRow(trx, ws, id, { draft: v.definition, settings: v.settings }))!,
    );
  });
}

/** Walks the draft against a record without side effects: what each step would do. */
export async function testRun(ctx: ServiceContext, id: string, recordId: string | undefined) {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, async (trx) => {
    const w = await load(trx, ws, id);
    const draft = definitionSchema.parse(w.draft);
    const object = triggerObjectOf(draft.trigger) ?? null;
    if (object && recordId) {
      const found = await readRecords(trx, ctx.principal, object, [recordId]);
      if (!found.has(recordId)) throw new AppError('not_found', `There is no ${object} record ${recordId}.`);
    }
    // A workflow running as a role is walked as that role (its hidden fields hidden), once the caller holds it.
    const actor =
      (await assertRunAsWithin(trx, ctx.principal, settingsSchema.parse(w.settings ?? {}))) ?? ctx.principal;
    const steps = await walkDraft(trx, actor, draft, object, recordId ?? null);
    // Nothing the walk did may last: the transaction is rolled back by throwing after the answer is taken.
    throw new TestRunDone(steps);
  }).catch((error: unknown) => {
    if (error instanceof TestRunDone) return { steps: error.steps };
    throw error;
  });
}

class TestRunDone extends Error {
  readonly steps: Awaited<ReturnType<typeof walkDraft>>;
  constructor(steps: Awaited<ReturnType<typeof walkDraft>>) {
    super('test run done');
    this.steps = steps;
  }
}

/** Starts a manual workflow's published version on records the caller may read (one run each). */
export async function runManually(ctx: ServiceContext, id: string, recordIds: readonly string[]) {
  const ws = ctx.principal.workspaceId;
  const out = await withWorkspace(ctx.db, ws, async (trx) => {
    const w = await load(trx, ws, id);
    if (!w.enabled || w.current_version === null)
      throw new AppError('validation_failed', 'The workflow is not published and turned on.');
    const v = (await selectVersion(trx, ws, id, w.current_version))!;
    if (v.definition.trigger.type !== 'manual')
      throw new AppError('validation_failed', 'This workflow is not started by hand.');
    const object = v.definition.trigger.object;
    const seen = await readRecords(trx, ctx.principal, object, recordIds);
    const missing = recordIds.filter((r) => !seen.has(r));
    if (missing.length > 0)
      throw new AppError('not_found', `There is no ${object} record ${missing[0]}.`, {
        errors: [{ field: 'recordIds', message: `No ${object} record ${missing[0]}.` }],
      });
    const settings = settingsSchema.parse(v.settings ?? {});
    const runs: string[] = [];
    for (const recordId of new Set(recordIds)) {
      const runId = newId();
      // Concurrency per record applies (a run already active: skipped, or held behind it); re-enrolment does not.
      const admitted = await admission(trx, ws, id, recordId, settings, { reenrolment: false });
      const status =
        admitted === 'hold' || !admitted ? (v.definition.start ? 'queued' : 'succeeded') : 'skipped';
      await insertRun(trx, {
        workspaceId: ws,
        id: runId,
        workflowId: id,
        version: v.version,
        triggerKey: `manual:${runId}`,
        triggerObject: object,
        triggerRecordId: recordId,
        trigger: { kind: 'manual' },
        status: admitted === 'hold' ? 'queued' : status,
        reason: admitted === 'hold' ? HELD : admitted,
        depth: 0,
        startedBy: ctx.principal.userId,
        currentStep: v.definition.start,
      });
      if (status === 'queued' && admitted === null) await queueStep(trx, runId);
      runs.push(runId);
    }
    return runs;
  });
  return { runIds: out };
}

/** Runs newest first, filtered, a keyset page at a time. */
export async function listRuns(
  ctx: ServiceContext,
  filter: Omit<RunQuery, 'before' | 'limit'>,
  page: { cursor?: string | undefined; limit: number },
) {
  const ws = ctx.principal.workspaceId;
  let before: RunQuery['before'];
  if (page.cursor) {
    const [at, id] = page.cursor.split('_');
    const date = new Date(at ?? '');
    if (!id || !isUuid(id) || Number.isNaN(date.getTime()))
      throw new AppError('validation_failed', 'The cursor is not one this list gave.', {
        errors: [{ field: 'cursor', message: 'Unknown cursor.' }],
      });
    before = { createdAt: date, id };
  }
  for (const [k, v] of [
    ['workflowId', filter.workflowId],
    ['recordId', filter.recordId],
  ] as const)
    if (v !== undefined && !isUuid(v))
      throw new AppError('validation_failed', `${k} is not an id.`, {
        errors: [{ field: k, message: 'Is not an id.' }],
      });
  const { rows, titles } = await withWorkspace(ctx.db, ws, async (trx) => {
    const found = await selectRuns(trx, ws, { ...filter, before, limit: page.limit + 1 });
    return { rows: found, titles: await runTitles(trx, ctx.principal, found.slice(0, page.limit)) };
  });
  const data = rows.slice(0, page.limit).map((r) => presentRun(r, ctx.principal, titles));
  const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
  return { data, nextCursor: last ? `${last.created_at.toISOString()}_${last.id}` : null };
}

async function loadRun(trx: Tx, ws: string, id: string, lock = false) {
  const r = isUuid(id) ? await selectRun(trx, ws, id, { lock }) : undefined;
  if (!r) throw new AppError('not_found', `There is no workflow run ${id}.`);
  return r;
}

/** One run with its step runs. */
export async function getRun(ctx: ServiceContext, id: string) {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, async (trx) => {
    const run = await loadRun(trx, ws, id);
    const owner = (await selectWorkflow(trx, ws, run.workflow_id))?.owner_user_id ?? null;
    return {
      ...presentRun(run, ctx.principal, await runTitles(trx, ctx.principal, [run])),
      // The workflow's owner sees its steps whole: they ran with the owner's rights, or a role's within them.
      steps: (await selectStepRuns(trx, ws, id)).map((s) =>
        presentStepRun(s, owner === ctx.principal.userId ? null : ctx.principal, run.trigger_object),
      ),
    };
  });
}

/** Retries a failed run from its failed step, on the version it started on. */
export async function retryRun(ctx: ServiceContext, id: string) {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, async (trx) => {
    const run = await loadRun(trx, ws, id, true);
    if (run.status !== 'failed')
      throw new AppError('conflict', `Only a failed run can be retried; this one is ${run.status}.`);
    const v = await selectVersion(trx, ws, run.workflow_id, run.version);
    const settings = settingsSchema.parse(v?.settings ?? {});
    // Concurrency per record: another run active on the record holds this one (queue) or refuses the retry (skip).
    const admitted = run.trigger_record_id
      ? await admission(trx, ws, run.workflow_id, run.trigger_record_id, settings, { reenrolment: false })
      : null;
    if (admitted === 'already running')
      throw new AppError(
        'conflict',
        'Another run of this workflow is active on the record (concurrency: skip); retry when it has ended.',
      );
    await updateRun(trx, ws, id, {
      status: 'queued',
      error: null,
      finished: false,
      reason: admitted === 'hold' ? HELD : null,
    });
    if (admitted !== 'hold') await queueStep(trx, id);
    return presentRun((await selectRun(trx, ws, id))!, ctx.principal);
  });
}

/** Cancels a queued or waiting run (its pending job is removed). */
export async function cancelRun(ctx: ServiceContext, id: string) {
  const ws = ctx.principal.workspaceId;
  return withWorkspace(ctx.db, ws, async (trx) => {
    const run = await loadRun(trx, ws, id, true);
    if (run.status !== 'queued' && run.status !== 'waiting')
      throw new AppError(
        'conflict',
        `Only a queued or waiting run can be cancelled; this one is ${run.status}.`,
      );
    await updateRun(trx, ws, id, { status: 'cancelled', finished: true });
    await cancelJob(trx, { task: STEP_TASK, key: runJobKey(id) });
    await releaseHeld(trx, ws, run);
    return presentRun((await selectRun(trx, ws, id))!, ctx.principal);
  });
}
