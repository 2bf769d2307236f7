import type { Tx } from '@rabita/db';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { aggregateRecordsIn } from '../records/aggregate.service.ts';
import { awayAmong } from '../sales/assignment.service.ts';
import { pickMember } from '../sales/assignment-pick.ts';
import { teamMemberIds } from '../workspaces/teams.service.ts';
import type { Step } from './definition.ts';
import { lockAssignTurn, setAssignTurn } from './workflows.repository.ts';

type AssignStep = Extract<Step, { type: 'assign' }>;

const WORDS = {
  roundRobin: 'round robin',
  weighted: 'weighted round robin',
  leastLoad: 'least load',
} as const;

/**
 * Whom an assign step picks for a record of `object`: the pool (a team's members or a list), less those marked
 * away (the sales module's away list), by the step's strategy. Round robin and weighted take the step's turn under
 * its row lock and move it in the same transaction; least load counts the records of the object each member owns,
 * as the run's principal may read them. The member picked is undefined when everyone is away.
 */
export async function pickAssignee(
  trx: Tx,
  principal: Principal,
  step: AssignStep,
  at: { workspaceId: string; workflowId: string; object: string; what: string },
): Promise<{ userId: string | undefined; skipped: string[]; reason: string }> {
  const users =
    'users' in step.pool ? step.pool.users : await teamMemberIds(trx, at.workspaceId, step.pool.teamId);
  if (users.length === 0)
    throw new AppError('validation_failed', `${at.what}: the team has no members to assign.`);
  const pool = users.map((userId) => ({ userId, name: userId, weight: step.weights?.[userId] ?? 1 }));
  const away = await awayAmong(trx, at.workspaceId, users);
  let loads = new Map<string, number>();
  if (step.strategy === 'leastLoad') {
    const rows = await aggregateRecordsIn(trx, principal, at.object, {
      filter: { field: step.field, op: 'in', value: users },
      groupBy: [step.field],
      metrics: [{ fn: 'count' }],
    });
    loads = new Map(rows.map((r) => [String(r.keys[step.field]), Number(r.values.count ?? 0)]));
  }
  const turn =
    step.strategy === 'leastLoad' ? 0n : await lockAssignTurn(trx, at.workspaceId, at.workflowId, step.id);
  const picked = pickMember(step.strategy, pool, turn, away, loads);
  if (picked.nextTurn !== turn)
    await setAssignTurn(trx, at.workspaceId, at.workflowId, step.id, picked.nextTurn);
  const skipped = picked.skipped.map((m) => m.userId);
  return {
    userId: picked.member?.userId,
    skipped,
    reason: `${WORDS[step.strategy]}${skipped.length ? `; ${skipped.length} away skipped` : ''}`,
  };
}
