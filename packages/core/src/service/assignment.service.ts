import { assertEveryRuleOnce, checkRuleCondition } from '../assignment/rules.ts';
import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { loadObject } from '../metadata/metadata.service.ts';
import { assertAllowed } from '../records/access.ts';
import { assertSeen, readRecords } from '../records/gate.ts';
import { readStoredRecord } from '../records/stored-record.ts';
import { listMembers } from '../workspaces/members.service.ts';
import { listTeams } from '../workspaces/teams.service.ts';
import {
  type AgentPatch,
  DEFAULT_CAPACITY,
  type DeskRuleFields,
  type DeskRuleRow,
  type DeskStrategy,
  deleteDeskRuleRow,
  insertDeskRule,
  openLoads,
  selectAgents,
  selectDeskRule,
  selectDeskRules,
  setDeskRulePositions,
  updateDeskRuleRow,
  upsertAgent,
} from './assignment.repository.ts';
import { assignTicketIn, type DeskPick } from './assignment-run.ts';

export const DESK_STRATEGIES = ['roundRobin', 'leastLoad'] as const satisfies readonly DeskStrategy[];
export const DESK_LANGUAGES = ['ar', 'fa', 'en'] as const;
export const MAX_CAPACITY = 1000;

/** A member as the desk sees them: availability, capacity, skills, and how many open tickets they hold now. */
export interface AgentView {
  userId: string;
  name: string;
  available: boolean;
  capacity: number;
  languages: string[];
  products: string[];
  tiers: string[];
  openTickets: number;
}

/** A rule as the API shows it (its round-robin turn is the desk's own). */
export type DeskRuleView = Omit<DeskRuleRow, 'turn' | 'createdAt' | 'updatedAt'> & {
  createdAt: string;
  updatedAt: string;
};

export interface DeskRuleInput {
  name: string;
  enabled?: boolean | undefined;
  condition?: unknown;
  teamId?: string | null | undefined;
  members?: string[] | undefined;
  strategy: DeskStrategy;
  sticky?: boolean | undefined;
  productField?: string | null | undefined;
  tierField?: string | null | undefined;
}

/** Ticket field types a rule may read a product or tier from. */
const SKILL_FIELD_TYPES = new Set(['text', 'select', 'multiSelect', 'tags']);

function present(row: DeskRuleRow): DeskRuleView {
  const { turn: _turn, createdAt, updatedAt, ...rest } = row;
  return {
    ...rest,
    condition: row.condition ?? null,
    createdAt: createdAt.toISOString(),
    updatedAt: updatedAt.toISOString(),
  };
}

function assertManager(ctx: ServiceContext, what = 'manage ticket assignment'): void {
  if (!can(ctx.principal, 'service.assignment.manage'))
    throw new AppError('forbidden', `Your role may not ${what} (service.assignment.manage).`);
}

const ruleNotFound = (id: string) => new AppError('not_found', `There is no ticket assignment rule ${id}.`);

/** Every member of the workspace with their desk settings (defaults where none were set) and open tickets. */
export async function listAgents(ctx: ServiceContext): Promise<AgentView[]> {
  const members = await listMembers(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    const ids = members.map((m) => m.userId);
    const rows = new Map((await selectAgents(trx, ws, ids)).map((a) => [a.userId, a]));
    const loads = await openLoads(trx, ws, ids);
    return members.map((m) => {
      const a = rows.get(m.userId);
      return {
        userId: m.userId,
        name: m.name,
        available: a?.available ?? true,
        capacity: a?.capacity ?? DEFAULT_CAPACITY,
        languages: a?.languages ?? [],
        products: a?.products ?? [],
        tiers: a?.tiers ?? [],
        openTickets: loads.get(m.userId)?.open ?? 0,
      };
    });
  });
}

async function agentView(ctx: ServiceContext, userId: string): Promise<AgentView> {
  return (await listAgents(ctx)).find((a) => a.userId === userId)!;
}

async function assertMember(ctx: ServiceContext, userId: string): Promise<void> {
  if (!(await listMembers(ctx)).some((m) => m.userId === userId))
    throw new AppError('not_found', `There is no member ${userId} in this workspace.`);
}

/** Marks an agent available or away: oneself, or anyone with `service.assignment.manage`. */
export async function setAvailability(
  ctx: ServiceContext,
  userId: string,
  available: boolean,
): Promise<AgentView> {
  if (userId !== ctx.principal.userId) assertManager(ctx, "set another member's availability");
  await assertMember(ctx, userId);
  await inWorkspace(ctx, (trx, ws) => upsertAgent(trx, ws, userId, { available }));
  return agentView(ctx, userId);
}

/** A clean list of free tags: trimmed, without empties or repeats, each at most 100 characters. */
function tagList(
  values: string[] | undefined,
  field: string,
  problems: FieldProblem[],
): string[] | undefined {
  if (values === undefined) return undefined;
  const out: string[] = [];
  for (const [i, raw] of values.entries()) {
    const v = raw.trim().normalize('NFC');
    if (v === '' || v.length > 100)
      problems.push({ field: `${field}.${i}`, message: 'Give a name of 1 to 100 characters.' });
    else if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** Changes an agent's capacity, skills (and availability): `service.assignment.manage`. */
export async function updateAgent(
  ctx: ServiceContext,
  userId: string,
  patch: AgentPatch,
): Promise<AgentView> {
  assertManager(ctx, "change agents' capacity and skills");
  const problems: FieldProblem[] = [];
  if (
    patch.capacity !== undefined &&
    !(Number.isInteger(patch.capacity) && patch.capacity >= 0 && patch.capacity <= MAX_CAPACITY)
  )
    problems.push({ field: 'capacity', message: `Give a whole number from 0 to ${MAX_CAPACITY}.` });
  for (const [i, l] of (patch.languages ?? []).entries())
    if (!(DESK_LANGUAGES as readonly string[]).includes(l))
      problems.push({ field: `languages.${i}`, message: 'Choose ar, fa or en.' });
  const clean: AgentPatch = {
    available: patch.available,
    capacity: patch.capacity,
    languages: patch.languages ? [...new Set(patch.languages)] : undefined,
    products: tagList(patch.products, 'products', problems),
    tiers: tagList(patch.tiers, 'tiers', problems),
  };
  if (problems.length > 0)
    throw new AppError('validation_failed', "The agent's settings are not valid.", { errors: problems });
  await assertMember(ctx, userId);
  await inWorkspace(ctx, (trx, ws) => upsertAgent(trx, ws, userId, clean));
  return agentView(ctx, userId);
}

/** Checks a rule: a team of this workspace or members of it (not both, at least one), a condition that compiles, skill fields that exist. */
async function checkRule(ctx: ServiceContext, input: DeskRuleInput): Promise<DeskRuleFields> {
  const problems: FieldProblem[] = [];
  const teamId = input.teamId ?? null;
  const members = [...new Set(input.members ?? [])];
  if (teamId && members.length > 0)
    problems.push({ field: 'members', message: 'Choose a team or a list of members, not both.' });
  if (!teamId && members.length === 0)
    problems.push({ field: 'members', message: 'Choose a team or at least one member to assign to.' });
  if (teamId && !(await listTeams(ctx)).some((t) => t.id === teamId))
    problems.push({ field: 'teamId', message: 'Is not a team of this workspace.' });
  if (members.length > 0) {
    const known = new Set((await listMembers(ctx)).map((m) => m.userId));
    for (const [i, id] of members.entries())
      if (!known.has(id))
        problems.push({ field: `members.${i}`, message: 'Is not a member of this workspace.' });
  }
  const fields = await inWorkspace(ctx, async (trx, ws) => (await loadObject(trx, ws, 'tickets')).fields);
  for (const key of ['productField', 'tierField'] as const) {
    const value = input[key];
    if (value && !fields.some((f) => f.key === value && SKILL_FIELD_TYPES.has(f.type)))
      problems.push({ field: key, message: 'Choose a text, select or tags field of tickets.' });
  }
  if (problems.length > 0)
    throw new AppError('validation_failed', 'The rule is not valid.', { errors: problems });
  await checkRuleCondition(ctx, 'tickets', input.condition);
  return {
    name: input.name,
    enabled: input.enabled ?? true,
    condition: input.condition ?? null,
    teamId,
    members: teamId ? [] : members,
    strategy: input.strategy,
    sticky: input.sticky ?? false,
    productField: input.productField ?? null,
    tierField: input.tierField ?? null,
  };
}

/** The ticket assignment rules in priority order. */
export async function listDeskRules(ctx: ServiceContext): Promise<DeskRuleView[]> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => (await selectDeskRules(trx, ws)).map(present));
}

/** Adds a rule after the others. */
export async function createDeskRule(ctx: ServiceContext, input: DeskRuleInput): Promise<DeskRuleView> {
  assertManager(ctx);
  const fields = await checkRule(ctx, input);
  const id = newId();
  return inWorkspace(ctx, async (trx, ws) => {
    await insertDeskRule(trx, ws, id, fields);
    return present((await selectDeskRule(trx, ws, id))!);
  });
}

/** Changes the fields given of a rule. */
export async function updateDeskRule(
  ctx: ServiceContext,
  id: string,
  patch: Partial<DeskRuleInput>,
): Promise<DeskRuleView> {
  assertManager(ctx);
  const current = await inWorkspace(ctx, (trx, ws) => selectDeskRule(trx, ws, id));
  if (!current) throw ruleNotFound(id);
  const pool =
    patch.teamId !== undefined || patch.members !== undefined
      ? { teamId: patch.teamId ?? null, members: patch.members ?? [] }
      : { teamId: current.teamId, members: current.members };
  const fields = await checkRule(ctx, {
    name: patch.name ?? current.name,
    enabled: patch.enabled ?? current.enabled,
    condition: patch.condition === undefined ? current.condition : patch.condition,
    ...pool,
    strategy: patch.strategy ?? current.strategy,
    sticky: patch.sticky ?? current.sticky,
    productField: patch.productField === undefined ? current.productField : patch.productField,
    tierField: patch.tierField === undefined ? current.tierField : patch.tierField,
  });
  return inWorkspace(ctx, async (trx, ws) => {
    if (!(await selectDeskRule(trx, ws, id, { lock: true }))) throw ruleNotFound(id);
    await updateDeskRuleRow(trx, ws, id, fields);
    return present((await selectDeskRule(trx, ws, id))!);
  });
}

/** Puts the rules in the order given (every rule, each once). */
export async function reorderDeskRules(ctx: ServiceContext, ids: string[]): Promise<DeskRuleView[]> {
  assertManager(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    assertEveryRuleOnce(ids, new Set((await selectDeskRules(trx, ws)).map((r) => r.id)));
    await setDeskRulePositions(trx, ws, ids);
    return (await selectDeskRules(trx, ws)).map(present);
  });
}

/** Removes a rule (tickets it assigned keep their owner). */
export async function deleteDeskRule(ctx: ServiceContext, id: string): Promise<void> {
  assertManager(ctx);
  if (!(await inWorkspace(ctx, (trx, ws) => deleteDeskRuleRow(trx, ws, id)))) throw ruleNotFound(id);
}

/**
 * Runs the rules for a ticket now (the caller must be able to read and update it): the owner is set as on
 * creation; with no agent to take it the ticket keeps its owner and the answer says why.
 */
export async function assignTicketNow(ctx: ServiceContext, ticketId: string): Promise<DeskPick> {
  assertAllowed(ctx.principal, 'tickets', 'update');
  return inWorkspace(ctx, async (trx, ws) => {
    assertSeen(
      (await readRecords(trx, ctx.principal, 'tickets', [ticketId], { fields: ['id'] })).has(ticketId),
      'tickets',
      ticketId,
    );
    const ticket = await readStoredRecord(trx, ws, 'tickets', ticketId);
    if (!ticket) throw new AppError('not_found', `There is no ticket ${ticketId}.`);
    return assignTicketIn(trx, ws, ticket, 0);
  });
}
