import type { Tx } from '@rabita/db';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { scheduleJob } from '../jobs/jobs.service.ts';
import { hiddenFor, type Reader } from '../records/access.ts';
import { canFilterBy, recordsMatchingFilter } from '../records/computed-values.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { objectsInScope } from '../records/scope.ts';
import { bumpAutomationVersion } from '../workspaces/workspaces.service.ts';
import {
  bumpScoringVersion,
  deleteScoringRuleRow,
  insertScoringRule,
  type ScoringKind,
  type ScoringRuleRow,
  type ScoringRuleValues,
  selectLeadScore,
  selectScoringRule,
  selectScoringRules,
  updateScoringRuleRow,
} from './scoring.repository.ts';
import type { Reason } from './scoring-compute.ts';
import { RECOMPUTE_TASK } from './scoring-run.ts';

/** A scoring rule as the API shows it. */
export interface ScoringRuleView {
  id: string;
  name: string;
  kind: ScoringKind;
  condition: unknown;
  activityType: string | null;
  points: number;
  halfLifeDays: number | null;
  enabled: boolean;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export interface ScoringRuleInput {
  name: string;
  kind: ScoringKind;
  condition?: unknown;
  activityType?: string | null | undefined;
  points: number;
  halfLifeDays?: number | null | undefined;
  enabled?: boolean | undefined;
}

/** A reason as a caller sees it: a rule's, or the points of reasons they may not see, summed (`withheld`). */
export type ReasonView =
  | (Omit<Reason, 'reads'> & { kind: 'field' | 'activity' })
  | { source: 'rules'; kind: 'withheld'; points: number; count: number };

export interface LeadScoreView {
  leadId: string;
  score: number | null;
  rulesVersion: number | null;
  computedAt: string | null;
  reasons: ReasonView[];
}

const NIL = '00000000-0000-0000-0000-000000000000';

/** Checks a rule's condition against activity types as an admin would (every activity field readable). */
const ACTIVITY_READER: Reader = {
  userId: null,
  role: {
    permissions: {
      actions: [],
      objects: {
        leads: { read: true, create: false, update: false, delete: false },
        activities: { read: true, create: false, update: false, delete: false },
      },
    },
  },
};

function present(row: ScoringRuleRow): ScoringRuleView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    condition: row.condition ?? null,
    activityType: row.activityType,
    points: row.points,
    halfLifeDays: row.halfLifeDays,
    enabled: row.enabled,
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function assertManager(ctx: ServiceContext): void {
  if (!can(ctx.principal, 'sales.scoring.manage'))
    throw new AppError('forbidden', 'Your role may not manage lead scoring rules (sales.scoring.manage).');
}

const notFound = (id: string) => new AppError('not_found', `There is no scoring rule ${id}.`);

/** Checks a rule (kind and its parts agree, a condition that compiles, an activity type that exists). */
async function checkRule(trx: Tx, workspaceId: string, input: ScoringRuleInput): Promise<ScoringRuleValues> {
  const problems: FieldProblem[] = [];
  const field = input.kind === 'field';
  if (field && (input.condition === undefined || input.condition === null))
    problems.push({ field: 'condition', message: 'A field rule needs a condition on the lead.' });
  if (!field && input.condition !== undefined && input.condition !== null)
    problems.push({ field: 'condition', message: 'An activity rule has no condition.' });
  if (!field && !input.activityType)
    problems.push({ field: 'activityType', message: 'An activity rule needs the kind of activity.' });
  if (field && input.activityType)
    problems.push({ field: 'activityType', message: 'A field rule has no activity kind.' });
  if (field && input.halfLifeDays !== undefined && input.halfLifeDays !== null)
    problems.push({ field: 'halfLifeDays', message: 'Only activity points decay.' });
  if (problems.length > 0)
    throw new AppError('validation_failed', 'The scoring rule is not valid.', { errors: problems });
  if (field) {
    // Compiled (and run against no lead) to refuse a bad tree with the list filter's own messages.
    await recordsMatchingFilter(trx, ACTIVITY_READER, workspaceId, 'leads', [NIL], input.condition).catch(
      (error: unknown) => {
        if (error instanceof AppError && error.code === 'validation_failed')
          throw new AppError('validation_failed', `The condition is not valid: ${error.message}`, {
            errors: (error.errors ?? [{ field: '', message: error.message }]).map((e) => ({
              field: e.field ? `condition.${e.field.replace(/^filter\.?/, '')}` : 'condition',
              message: e.message,
            })),
          });
        throw error;
      },
    );
  } else {
    // The kinds are the options of the activities' type field, admins' added ones included.
    const { object } = await objectsInScope(trx, workspaceId, 'activities');
    const kinds = object.fields.find((f) => f.key === 'type')?.options ?? [];
    if (!kinds.some((o) => o.value === input.activityType))
      throw new AppError('validation_failed', 'The scoring rule is not valid.', {
        errors: [{ field: 'activityType', message: `There is no kind of activity "${input.activityType}".` }],
      });
  }
  return {
    name: input.name,
    kind: input.kind,
    condition: field ? input.condition : null,
    activityType: field ? null : (input.activityType ?? null),
    points: input.points,
    halfLifeDays: field ? null : (input.halfLifeDays ?? null),
    enabled: input.enabled ?? true,
  };
}

/** A changed rule set: its version moves on and every lead is recomputed by a job queued in the same transaction. */
async function ruleSetChanged(trx: Tx, workspaceId: string): Promise<void> {
  await bumpAutomationVersion(trx, workspaceId);
  const version = await bumpScoringVersion(trx, workspaceId);
  await scheduleJob(trx, { task: RECOMPUTE_TASK, key: 'scoring:recompute', payload: { version } });
}

/** The workspace's scoring rules, oldest first. */
export async function listScoringRules(ctx: ServiceContext): Promise<ScoringRuleView[]> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => (await selectScoringRules(trx, ws)).map(present));
}

/** Adds a rule; every lead is rescored by a job. */
export async function createScoringRule(
  ctx: ServiceContext,
  input: ScoringRuleInput,
): Promise<ScoringRuleView> {
  assertManager(ctx);
  const id = newId();
  return inWorkspace(ctx, async (trx, ws) => {
    await insertScoringRule(trx, ws, id, await checkRule(trx, ws, input));
    await ruleSetChanged(trx, ws);
    return present((await selectScoringRule(trx, ws, id))!);
  });
}

/** Changes a rule (the fields given; its revision moves on); every lead is rescored by a job. */
export async function updateScoringRule(
  ctx: ServiceContext,
  id: string,
  patch: Partial<ScoringRuleInput>,
): Promise<ScoringRuleView> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const current = await selectScoringRule(trx, ws, id, { lock: true });
    if (!current) throw notFound(id);
    const kind = patch.kind ?? current.kind;
    const kindChanged = kind !== current.kind;
    const merged: ScoringRuleInput = {
      name: patch.name ?? current.name,
      kind,
      condition: patch.condition !== undefined ? patch.condition : kindChanged ? null : current.condition,
      activityType:
        patch.activityType !== undefined ? patch.activityType : kindChanged ? null : current.activityType,
      points: patch.points ?? current.points,
      halfLifeDays:
        patch.halfLifeDays !== undefined ? patch.halfLifeDays : kindChanged ? null : current.halfLifeDays,
      enabled: patch.enabled ?? current.enabled,
    };
    await updateScoringRuleRow(trx, ws, id, await checkRule(trx, ws, merged));
    await ruleSetChanged(trx, ws);
    return present((await selectScoringRule(trx, ws, id))!);
  });
}

/** Removes a rule; every lead is rescored by a job. */
export async function deleteScoringRule(ctx: ServiceContext, id: string): Promise<void> {
  assertManager(ctx);
  await inWorkspace(ctx, async (trx, ws) => {
    if (!(await deleteScoringRuleRow(trx, ws, id))) throw notFound(id);
    await ruleSetChanged(trx, ws);
  });
}

/**
 * A lead's score and the reasons for it, as the caller may see them: the lead must be one they may read and its
 * score not hidden from them; a reason from a rule whose condition reads a field they could not filter by, or
 * from activities they may not read (or whose kind is hidden from them), is not shown — its points are summed
 * into one `withheld` reason, so the reasons still add up to the score without saying what gave them.
 */
export async function getLeadScore(ctx: ServiceContext, leadId: string): Promise<LeadScoreView> {
  return inWorkspace(ctx, async (trx, ws) => {
    const { principal } = ctx;
    const lead = (await readRecords(trx, principal, 'leads', [leadId], { fields: ['score'] })).get(leadId);
    assertSeen(lead !== undefined, 'leads', leadId);
    if (hiddenFor(principal)('leads', 'score'))
      throw new AppError('forbidden', 'Your role may not see the score of leads.');
    const row = await selectLeadScore(trx, ws, leadId);
    // A score no rule gave (written before scoring existed, or by the demo data) is shown without reasons.
    if (!row) {
      const stored = lead?.score;
      const score = stored === null || stored === undefined ? null : Number(stored);
      return { leadId, score, rulesVersion: null, computedAt: null, reasons: [] };
    }
    const activityIds = row.explanation.flatMap((r) => r.activityIds ?? []);
    const activities = await readRecords(trx, principal, 'activities', activityIds, { fields: ['type'] });
    const filterable = new Map<string, boolean>();
    const reasons: ReasonView[] = [];
    const withheld = { source: 'rules' as const, kind: 'withheld' as const, points: 0, count: 0 };
    for (const reason of row.explanation) {
      let visible: boolean;
      if (reason.kind === 'activity') {
        visible = (reason.activityIds ?? []).every((id) => activities.get(id)?.type !== undefined);
      } else {
        const reads = reason.reads ?? [];
        const key = JSON.stringify(reads);
        if (!filterable.has(key))
          filterable.set(
            key,
            await canFilterBy(trx, principal, ws, 'leads', {
              and: reads.map((f) => ({ field: f, op: 'isNotNull' })),
            }),
          );
        visible = filterable.get(key) === true;
      }
      if (visible) {
        const { reads: _reads, ...shown } = reason;
        reasons.push(shown);
      } else {
        withheld.points = Math.round((withheld.points + reason.points) * 100) / 100;
        withheld.count += 1;
      }
    }
    if (withheld.count > 0) reasons.push(withheld);
    return {
      leadId,
      score: Number(row.score),
      rulesVersion: row.rulesVersion,
      computedAt: row.computedAt.toISOString(),
      reasons,
    };
  });
}
