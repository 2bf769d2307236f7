import type { Tx } from '@rabita/db';
import { normalizeText } from '@rabita/shared';
import { assertEveryRuleOnce, checkRuleCondition } from '../assignment/rules.ts';
import type { Territory } from '../assignment/territory.ts';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { getCalendar } from '../service/sla.service.ts';
import { listMembers } from '../workspaces/members.service.ts';
import {
  deleteRuleRow,
  insertRule,
  type PoolMember,
  type RuleRow,
  type Strategy,
  selectAssignment,
  selectAway,
  selectCapacities,
  selectRule,
  selectRules,
  setAway,
  setCapacity,
  setRulePositions,
  updateRuleRow,
} from './assignment.repository.ts';
import { MAX_CAPACITY, openLeadCounts } from './assignment-capacity.ts';

export const STRATEGIES = ['roundRobin', 'weighted', 'leastLoad', 'fixed', 'territory'] as const;
/** The most territory entries (every level of every member together) a rule may hold. */
export const MAX_TERRITORY_ENTRIES = 5_000;
export const TERRITORY_LEVELS = ['countries', 'regions', 'cities', 'postalCodes', 'industries'] as const;

/** An assignment rule as the API shows it. */
export interface RuleView {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  condition: unknown;
  strategy: Strategy;
  pool: PoolMember[];
  reassignAfterHours: number | null;
  calendarId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface RuleInput {
  name: string;
  enabled?: boolean | undefined;
  condition?: unknown;
  strategy: Strategy;
  pool: {
    userId: string;
    weight?: number | undefined;
    territory?: Territory | undefined;
    /** The most open leads the member may hold for this rule to give them another; null or absent: their default. */
    capacity?: number | null | undefined;
  }[];
  /** Re-assign a lead its owner has not touched within this many hours (1–720); null or absent: never. */
  reassignAfterHours?: number | null | undefined;
  /** The service desk's business calendar the hours are counted in; null: elapsed hours. */
  calendarId?: string | null | undefined;
}

function present(row: RuleRow): RuleView {
  return {
    id: row.id,
    name: row.name,
    position: row.position,
    enabled: row.enabled,
    condition: row.condition ?? null,
    strategy: row.strategy,
    pool: row.pool,
    reassignAfterHours: row.reassignAfterHours,
    calendarId: row.calendarId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function assertManager(ctx: ServiceContext): void {
  if (!can(ctx.principal, 'sales.assignment.manage'))
    throw new AppError('forbidden', 'Your role may not manage assignment rules (sales.assignment.manage).');
}

const notFound = (id: string) => new AppError('not_found', `There is no assignment rule ${id}.`);

/**
 * A territory as stored: entries trimmed, countries upper-cased, each entry once (folded text compared), levels
 * without entries left out.
 */
function cleanTerritory(territory: Territory | undefined): Territory | undefined {
  if (!territory) return undefined;
  const out: Territory = {};
  for (const level of TERRITORY_LEVELS) {
    const seen = new Set<string>();
    const kept: string[] = [];
    for (const raw of territory[level] ?? []) {
      const value = level === 'countries' ? raw.trim().toUpperCase() : raw.trim().replace(/\s+/g, ' ');
      const key = normalizeText(value);
      if (!value || seen.has(key)) continue;
      seen.add(key);
      kept.push(value);
    }
    if (kept.length > 0) out[level] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Checks a rule (pool members of this workspace, a pool that fits the strategy, territories within their limit, a
 * calendar of this workspace, a condition that compiles).
 */
async function checkRule(ctx: ServiceContext, input: RuleInput): Promise<PoolMember[]> {
  const problems: FieldProblem[] = [];
  const members = new Map((await listMembers(ctx)).map((m) => [m.userId, m]));
  const pool: PoolMember[] = [];
  const seen = new Set<string>();
  let entries = 0;
  for (const [i, entry] of input.pool.entries()) {
    const member = members.get(entry.userId);
    if (!member) problems.push({ field: `pool.${i}.userId`, message: 'Is not a member of this workspace.' });
    else if (seen.has(entry.userId))
      problems.push({ field: `pool.${i}.userId`, message: 'Is already in the pool.' });
    else {
      const territory = cleanTerritory(entry.territory);
      entries += TERRITORY_LEVELS.reduce((n, level) => n + (territory?.[level]?.length ?? 0), 0);
      if (
        entry.capacity !== undefined &&
        entry.capacity !== null &&
        !(Number.isInteger(entry.capacity) && entry.capacity >= 0 && entry.capacity <= MAX_CAPACITY)
      )
        problems.push({
          field: `pool.${i}.capacity`,
          message: `Give a whole number from 0 to ${MAX_CAPACITY}.`,
        });
      pool.push({
        userId: entry.userId,
        name: member.name,
        weight: entry.weight ?? 1,
        ...(territory ? { territory } : {}),
        ...(typeof entry.capacity === 'number' ? { capacity: entry.capacity } : {}),
      });
    }
    seen.add(entry.userId);
  }
  if (input.pool.length === 0) problems.push({ field: 'pool', message: 'Needs at least one member.' });
  if (input.strategy === 'fixed' && input.pool.length > 1)
    problems.push({ field: 'pool', message: 'A fixed owner rule has exactly one member.' });
  if (entries > MAX_TERRITORY_ENTRIES)
    problems.push({
      field: 'pool',
      message: `Holds ${entries} territory entries; a rule holds at most ${MAX_TERRITORY_ENTRIES}.`,
    });
  if (input.strategy === 'territory' && pool.length > 0 && !pool.some((m) => m.territory))
    problems.push({ field: 'pool', message: 'A territory rule needs at least one member with a territory.' });
  if (input.reassignAfterHours) {
    if (input.strategy === 'fixed')
      problems.push({
        field: 'reassignAfterHours',
        message: 'A fixed owner rule has no next member to re-assign to.',
      });
    else if (input.pool.length < 2)
      problems.push({ field: 'reassignAfterHours', message: 'Re-assigning needs at least two members.' });
  }
  if (input.calendarId && !input.reassignAfterHours)
    problems.push({ field: 'calendarId', message: 'A calendar counts the hours of re-assignment only.' });
  if (input.calendarId)
    await getCalendar(ctx, input.calendarId).catch((error: unknown) => {
      if (!(error instanceof AppError && error.code === 'not_found')) throw error;
      problems.push({ field: 'calendarId', message: 'There is no such business calendar.' });
    });
  if (problems.length > 0)
    throw new AppError('validation_failed', 'The rule is not valid.', { errors: problems });
  await checkRuleCondition(ctx, 'leads', input.condition);
  return pool;
}

/** The workspace's assignment rules in priority order. */
export async function listRules(ctx: ServiceContext): Promise<RuleView[]> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => (await selectRules(trx, ws)).map(present));
}

/** Adds a rule after the others. */
export async function createRule(ctx: ServiceContext, input: RuleInput): Promise<RuleView> {
  assertManager(ctx);
  const pool = await checkRule(ctx, input);
  const id = newId();
  return inWorkspace(ctx, async (trx, ws) => {
    await insertRule(trx, ws, {
      id,
      name: input.name,
      enabled: input.enabled ?? true,
      condition: input.condition ?? null,
      strategy: input.strategy,
      pool,
      reassignAfterHours: input.reassignAfterHours ?? null,
      calendarId: input.calendarId ?? null,
    });
    return present((await selectRule(trx, ws, id))!);
  });
}

/** Changes a rule (the fields given). */
export async function updateRule(
  ctx: ServiceContext,
  id: string,
  patch: Partial<RuleInput>,
): Promise<RuleView> {
  assertManager(ctx);
  const current = await inWorkspace(ctx, (trx, ws) => selectRule(trx, ws, id));
  if (!current) throw notFound(id);
  const merged: RuleInput = {
    name: patch.name ?? current.name,
    enabled: patch.enabled ?? current.enabled,
    condition: patch.condition === undefined ? current.condition : patch.condition,
    strategy: patch.strategy ?? current.strategy,
    pool: patch.pool ?? current.pool,
    reassignAfterHours:
      patch.reassignAfterHours === undefined ? current.reassignAfterHours : patch.reassignAfterHours,
    calendarId: patch.calendarId === undefined ? current.calendarId : patch.calendarId,
  };
  // Switching re-assignment off forgets the calendar with it.
  if (!merged.reassignAfterHours && patch.calendarId === undefined) merged.calendarId = null;
  const pool = await checkRule(ctx, merged);
  return inWorkspace(ctx, async (trx, ws) => {
    const locked = await selectRule(trx, ws, id, { lock: true });
    if (!locked) throw notFound(id);
    const poolKey = (p: readonly PoolMember[]) =>
      JSON.stringify(p.map((m) => [m.userId, m.weight, m.territory ?? null]));
    await updateRuleRow(
      trx,
      ws,
      id,
      {
        name: merged.name,
        enabled: merged.enabled ?? true,
        condition: merged.condition ?? null,
        strategy: merged.strategy,
        pool,
        reassignAfterHours: merged.reassignAfterHours ?? null,
        calendarId: merged.calendarId ?? null,
      },
      poolKey(pool) !== poolKey(locked.pool),
    );
    return present((await selectRule(trx, ws, id))!);
  });
}

/** Puts the rules in the order given (every rule, each once). */
export async function reorderRules(ctx: ServiceContext, ids: string[]): Promise<RuleView[]> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const rules = await selectRules(trx, ws);
    assertEveryRuleOnce(ids, new Set(rules.map((r) => r.id)));
    await setRulePositions(trx, ws, ids);
    return (await selectRules(trx, ws)).map(present);
  });
}

/** Removes a rule (leads it assigned keep their owner and reason). */
export async function deleteRule(ctx: ServiceContext, id: string): Promise<void> {
  assertManager(ctx);
  const deleted = await inWorkspace(ctx, (trx, ws) => deleteRuleRow(trx, ws, id));
  if (!deleted) throw notFound(id);
}

/** Which of these members are marked away, in a transaction the caller opened (a workflow's assign step). */
export async function awayAmong(
  trx: Tx,
  workspaceId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  return new Set((await selectAway(trx, workspaceId, userIds)).map((a) => a.userId));
}

/** Members marked away (skipped by every rule). */
export async function listAway(ctx: ServiceContext): Promise<{ userId: string; since: string }[]> {
  return inWorkspace(ctx, async (trx, ws) =>
    (await selectAway(trx, ws)).map((a) => ({ userId: a.userId, since: a.since.toISOString() })),
  );
}

/** Marks a member away or back: oneself, or anyone with `sales.assignment.manage`. */
export async function markAway(ctx: ServiceContext, userId: string, away: boolean): Promise<void> {
  if (userId !== ctx.principal.userId) assertManager(ctx);
  const members = await listMembers(ctx);
  if (!members.some((m) => m.userId === userId))
    throw new AppError('not_found', `There is no member ${userId} in this workspace.`);
  await inWorkspace(ctx, (trx, ws) => setAway(trx, ws, userId, away));
}

/** A member's own limit of open leads (null: none) and how many open leads they hold now. */
export interface MemberCapacity {
  userId: string;
  capacity: number | null;
  openLeads: number;
}

/** Every member's own limit of open leads and open leads now (`sales.assignment.manage`). */
export async function listCapacities(ctx: ServiceContext): Promise<MemberCapacity[]> {
  assertManager(ctx);
  const ids = (await listMembers(ctx)).map((m) => m.userId);
  return inWorkspace(ctx, async (trx, ws) => {
    const limits = new Map((await selectCapacities(trx, ws)).map((c) => [c.userId, c.capacity]));
    const open = await openLeadCounts(trx, ws, ids);
    return ids.map((userId) => ({
      userId,
      capacity: limits.get(userId) ?? null,
      openLeads: open.get(userId) ?? 0,
    }));
  });
}

/**
 * Sets a member's own limit of open leads, which every rule applies unless it names one of its own for them; null
 * removes it (`sales.assignment.manage`).
 */
export async function setMemberCapacity(
  ctx: ServiceContext,
  userId: string,
  capacity: number | null,
): Promise<MemberCapacity> {
  assertManager(ctx);
  if (capacity !== null && !(Number.isInteger(capacity) && capacity >= 0 && capacity <= MAX_CAPACITY))
    throw new AppError('validation_failed', 'The capacity is not valid.', {
      errors: [{ field: 'capacity', message: `Give a whole number from 0 to ${MAX_CAPACITY}, or null.` }],
    });
  const members = await listMembers(ctx);
  if (!members.some((m) => m.userId === userId))
    throw new AppError('not_found', `There is no member ${userId} in this workspace.`);
  return inWorkspace(ctx, async (trx, ws) => {
    await setCapacity(trx, ws, userId, capacity);
    return { userId, capacity, openLeads: (await openLeadCounts(trx, ws, [userId])).get(userId) ?? 0 };
  });
}

/** A lead's assignment: the rule, the owner it chose and why (null when no rule assigned it). */
export async function getLeadAssignment(ctx: ServiceContext, leadId: string) {
  return inWorkspace(ctx, async (trx, ws) => {
    assertSeen((await readRecords(trx, ctx.principal, 'leads', [leadId])).has(leadId), 'leads', leadId);
    const a = await selectAssignment(trx, ws, leadId);
    return a
      ? {
          leadId: a.leadId,
          ruleId: a.ruleId,
          ownerId: a.ownerId,
          reason: a.reason,
          detail: a.detail,
          assignedAt: a.assignedAt.toISOString(),
          reassignDueAt: a.reassignDueAt?.toISOString() ?? null,
          touchedAt: a.touchedAt?.toISOString() ?? null,
        }
      : null;
  });
}
