import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { AppError } from '../errors/app-error.ts';
import { automationMemo } from '../modules/automation-memo.ts';
import type { EventSubscriber, RecordHooks, StoredRecord, WriteContext } from '../modules/manifest.ts';
import type { Reader } from '../records/access.ts';
import {
  activitiesLinkedTo,
  recordsLinkedFromActivities,
  recordsMatchingFilter,
  writeComputedNumbers,
} from '../records/computed-values.ts';
import { readStoredRecords } from '../records/read-stored-records.ts';
import {
  deleteLeadScores,
  lockLeadScores,
  type ScoringRuleRow,
  selectDecayingLeadIds,
  selectDecayWorkspaces,
  selectScoringRules,
  selectScoringVersion,
  upsertLeadScores,
} from './scoring.repository.ts';
import { computeScore, fieldsRead, type ScoringRule } from './scoring-compute.ts';

export const RECOMPUTE_TASK = 'rabita:scoring-recompute';
export const DECAY_TASK = 'rabita:scoring-decay';
/** Leads per transaction in the jobs. */
export const SCORING_BATCH = 200;

/** Rules are an admin's: their conditions read every lead field, whatever the writer's role hides. */
const RULES_READER: Reader = {
  userId: null,
  role: {
    permissions: {
      actions: [],
      objects: { leads: { read: true, create: false, update: false, delete: false } },
    },
  },
};

function asRule(row: ScoringRuleRow): ScoringRule {
  return {
    id: row.id,
    name: row.name,
    revision: row.revision,
    kind: row.kind,
    reads: row.kind === 'field' ? fieldsRead(row.condition) : [],
    activityType: row.activityType,
    points: row.points,
    halfLifeDays: row.halfLifeDays,
  };
}

/**
 * Recomputes the scores of these leads inside the caller's transaction at `now`: each enabled field rule's
 * condition is evaluated for all of them in one statement, their activities read in one more, then the scores
 * and explanations are stored and `leads.score` written. With no enabled rules a lead keeps no score (null).
 */
export async function recomputeLeadScores(
  trx: Tx,
  workspaceId: string,
  leadIds: readonly string[],
  now: Date,
): Promise<void> {
  if (leadIds.length === 0) return;
  // Live leads only (an activity may still link a deleted one): a deleted lead keeps no score row.
  const live = await recordsMatchingFilter(trx, RULES_READER, workspaceId, 'leads', [...new Set(leadIds)], {
    and: [],
  });
  const ids = [...live].sort();
  if (ids.length === 0) return;
  // First, so everything read below is at least as new as the last committed rescoring of these leads.
  await lockLeadScores(trx, workspaceId, ids);
  const rows = await selectScoringRules(trx, workspaceId, true);
  if (rows.length === 0) {
    await deleteLeadScores(trx, workspaceId, ids);
    const cleared = new Map<string, string | null>(ids.map((id) => [id, null]));
    await writeComputedNumbers(trx, workspaceId, 'leads', 'score', cleared);
    remember(trx, cleared);
    return;
  }
  const rules = rows.map(asRule);
  const version = await selectScoringVersion(trx, workspaceId);
  const matchedBy = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
  for (const row of rows) {
    if (row.kind !== 'field') continue;
    const matching = await recordsMatchingFilter(
      trx,
      RULES_READER,
      workspaceId,
      'leads',
      ids,
      row.condition,
    ).catch((error: unknown) => {
      // A condition naming a field since removed gives no points rather than failing the lead's write.
      if (error instanceof AppError && error.code === 'validation_failed') return new Set<string>();
      throw error;
    });
    for (const id of matching) matchedBy.get(id)?.add(row.id);
  }
  const activities = rows.some((r) => r.kind === 'activity')
    ? await activitiesLinkedTo(trx, workspaceId, 'leads', ids)
    : [];
  const byLead = new Map<string, { activityId: string; type: string; at: Date }[]>();
  for (const a of activities) {
    const list = byLead.get(a.recordId) ?? [];
    list.push({ activityId: a.activityId, type: a.type, at: new Date(a.at) });
    byLead.set(a.recordId, list);
  }
  const scores = ids.map((leadId) => {
    const computed = computeScore(
      rules,
      { matched: matchedBy.get(leadId) ?? new Set(), activities: byLead.get(leadId) ?? [] },
      now,
    );
    return { leadId, rulesVersion: version, ...computed };
  });
  await upsertLeadScores(trx, workspaceId, scores, now);
  const written = new Map(scores.map((s) => [s.leadId, s.score]));
  await writeComputedNumbers(trx, workspaceId, 'leads', 'score', written);
  remember(trx, written);
}

/**
 * Scores computed in a transaction, by lead: the record engine publishes a write's events (and so runs the
 * subscriber below) before its after-write hooks, and the hooks put the fresh score into the record the write
 * answers with, without reading it again.
 */
const freshScores = new WeakMap<object, Map<string, string | null>>();

function remember(trx: Tx, scores: ReadonlyMap<string, string | null>): void {
  const known = freshScores.get(trx) ?? new Map<string, string | null>();
  for (const [id, score] of scores) known.set(id, score);
  freshScores.set(trx, known);
}

/** Lead hooks: the record a create or an update answers with carries the score computed in its transaction. */
export const scoringHooks: RecordHooks = {
  object: 'leads',
  afterCreate: async (ctx, record) => showFreshScore(ctx, record),
  afterUpdate: async (ctx, record) => showFreshScore(ctx, record),
};

function showFreshScore(ctx: WriteContext, record: StoredRecord): void {
  const known = freshScores.get(ctx.trx);
  if (!known?.has(record.id)) return;
  const score = known.get(record.id);
  (record as Record<string, unknown>).score = score === null || score === undefined ? null : Number(score);
}

const ACTIVITY_FIELDS_THAT_SCORE = ['leads', 'type', 'occurredAt'];

/** Whether the workspace has an enabled scoring rule, kept while its automation version holds (a rule change bumps it). */
const hasScoringRules = automationMemo(
  async (trx, workspaceId) => (await selectScoringRules(trx, workspaceId, true)).length > 0,
);

/**
 * Keeps scores current in the writing transaction: a lead written (created, changed, restored), or an activity
 * logged, changed, deleted or restored on leads, recomputes those leads' scores before the write commits.
 */
export const scoringSubscriber: EventSubscriber = {
  name: 'sales.scoring',
  phase: 'transaction',
  objects: ['leads', 'activities'],
  async handle(ctx, events) {
    const trx = ctx.trx;
    if (!trx) return;
    const leads = new Set<string>();
    const activities: string[] = [];
    const deletedLeads: string[] = [];
    for (const e of events) {
      if (e.object === 'leads') {
        if (e.kind === 'deleted') deletedLeads.push(e.recordId);
        else leads.add(e.recordId);
        continue;
      }
      if (e.kind === 'deleted' || e.kind === 'restored') {
        activities.push(e.recordId);
        continue;
      }
      if (!ACTIVITY_FIELDS_THAT_SCORE.some((f) => f in e.changes)) continue;
      const linked = e.changes.leads;
      for (const side of [linked?.from, linked?.to])
        if (Array.isArray(side)) for (const id of side) leads.add(String(id));
      if (!linked) activities.push(e.recordId);
    }
    // A deleted lead's score is dropped (a restore recomputes it), so the nightly decay never pages through it.
    await deleteLeadScores(trx, ctx.workspaceId, deletedLeads);
    if (leads.size === 0 && activities.length === 0) return;
    if (!(await hasScoringRules(trx, ctx.workspaceId))) return;
    for (const id of await recordsLinkedFromActivities(trx, ctx.workspaceId, 'leads', activities))
      leads.add(id);
    await recomputeLeadScores(trx, ctx.workspaceId, [...leads], new Date());
  },
};

/**
 * The job a rule change queues: every lead of the workspace recomputed, a batch per transaction in id order
 * (keyset). A newer rule change queues the job again under the same key; a run that finds the rule set moved on
 * past its version stops, leaving the work to the newer one.
 */
export async function recomputeAllLeadScores(
  db: Database,
  payload: { workspaceId: string; version?: number | undefined },
  now: () => Date = () => new Date(),
): Promise<number> {
  let afterId: string | null = null;
  let done = 0;
  for (;;) {
    const page: { last: string | null; stop: boolean } = await withWorkspace(
      db,
      payload.workspaceId,
      async (trx) => {
        if (
          payload.version !== undefined &&
          (await selectScoringVersion(trx, payload.workspaceId)) > payload.version
        )
          return { last: null, stop: true };
        const { records } = await readStoredRecords(
          trx,
          payload.workspaceId,
          'leads',
          afterId,
          SCORING_BATCH,
        );
        const live = records.filter((r) => !r.deleted).map((r) => r.view.id);
        await recomputeLeadScores(trx, payload.workspaceId, live, now());
        done += live.length;
        return { last: records.at(-1)?.view.id ?? null, stop: records.length < SCORING_BATCH };
      },
    );
    if (page.stop || page.last === null) return done;
    afterId = page.last;
    await yieldToLoop();
  }
}

/**
 * The nightly decay: in each workspace with decaying rules, the leads whose scores hold decaying points are
 * recomputed at `now`, a batch per transaction (keyset on the partial index), yielding to the event loop between
 * batches.
 */
export async function decayLeadScores(db: Database, now: () => Date = () => new Date()): Promise<number> {
  let done = 0;
  for (const workspaceId of await selectDecayWorkspaces(db)) {
    let afterId: string | null = null;
    for (;;) {
      const ids: string[] = await withWorkspace(db, workspaceId, async (trx) => {
        const page = await selectDecayingLeadIds(trx, workspaceId, afterId, SCORING_BATCH);
        await recomputeLeadScores(trx, workspaceId, page, now());
        return page;
      });
      done += ids.length;
      if (ids.length < SCORING_BATCH) break;
      afterId = ids.at(-1) ?? null;
      await yieldToLoop();
    }
  }
  return done;
}
