import type { Tx } from '@rabita/db';
import { pickMember } from '../assignment/pick.ts';
import { agentsOnCalls } from '../calls/presence.service.ts';
import { AppError } from '../errors/app-error.ts';
import type { RecordHooks, StoredRecord } from '../modules/manifest.ts';
import type { Reader } from '../records/access.ts';
import { recordMatchesFilter } from '../records/stored-record.ts';
import { updateRecordIn } from '../records/update-record.ts';
import { memberIdsIn } from '../workspaces/members.service.ts';
import { teamMemberIds } from '../workspaces/teams.service.ts';
import {
  type AgentRow,
  DEFAULT_CAPACITY,
  type DeskRuleRow,
  openLoads,
  recentOwners,
  selectAgents,
  selectDeskRule,
  selectDeskRules,
  setDeskRuleTurn,
} from './assignment.repository.ts';
import { deskPrincipal } from './desk-principal.ts';
import { DONE_STATUSES } from './service.objects.ts';

/** A requester's ticket owned within this many days sends their next ticket to the same agent (sticky rules). */
export const STICKY_DAYS = 7;

/** Rules are an admin's: their conditions read every ticket field, whatever the creator's role hides. */
const RULES_READER: Reader = {
  userId: null,
  role: {
    permissions: {
      actions: [],
      objects: { tickets: { read: true, create: false, update: false, delete: false } },
    },
  },
};

/** Why a pool member could not take the ticket. */
export type Unfit = 'away' | 'onCall' | 'full' | 'language' | 'product' | 'tier';

/** What a run decided: the owner chosen (null when none), the rule, how, and why others were passed over. */
export interface DeskPick {
  ownerId: string | null;
  ruleId: string | null;
  how: 'sticky' | 'roundRobin' | 'leastLoad' | null;
  passed: { ruleId: string; reason: string }[];
  skipped: { userId: string; why: Unfit }[];
}

const defaults = (userId: string): AgentRow => ({
  userId,
  available: true,
  capacity: DEFAULT_CAPACITY,
  languages: [],
  products: [],
  tiers: [],
});

/** A ticket field's values as a list of strings (a select's value, a multi-select's or tags' values). */
function valuesOf(ticket: StoredRecord, key: string | null): string[] {
  if (!key) return [];
  const value = ticket[key];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string' && v !== '');
  return typeof value === 'string' && value !== '' ? [value] : [];
}

/** Why an agent cannot take this ticket under this rule, or undefined when they can. */
function unfit(agent: AgentRow, open: number, ticket: StoredRecord, rule: DeskRuleRow): Unfit | undefined {
  if (!agent.available) return 'away';
  if (open >= agent.capacity) return 'full';
  const language = typeof ticket.language === 'string' && ticket.language !== '' ? ticket.language : null;
  if (language && !agent.languages.includes(language)) return 'language';
  const products = valuesOf(ticket, rule.productField);
  if (products.length > 0 && !products.some((p) => agent.products.includes(p))) return 'product';
  const tiers = valuesOf(ticket, rule.tierField);
  if (tiers.length > 0 && !tiers.some((t) => agent.tiers.includes(t))) return 'tier';
  return undefined;
}

async function conditionMet(trx: Tx, workspaceId: string, rule: DeskRuleRow, ticketId: string) {
  if (rule.condition === null || rule.condition === undefined) return true;
  return recordMatchesFilter(trx, RULES_READER, workspaceId, 'tickets', ticketId, rule.condition).catch(
    (error: unknown) => {
      // A condition naming a field since removed is refused while compiling: the rule is passed over.
      if (error instanceof AppError && error.code === 'validation_failed') return false;
      throw error;
    },
  );
}

/**
 * Runs the ticket assignment rules for a ticket, in the caller's transaction: the first enabled rule whose condition
 * the ticket meets and whose pool has an agent who can take it (available, under capacity, with the ticket's
 * language, and its product and tier when the rule names those fields) sets the owner through the record engine,
 * as the desk with cause `assignment`. Sticky rules first give the ticket to the agent of the requester's latest
 * ticket of the last 7 days when that agent can take it. The rule's row is locked while it decides, so concurrent
 * creations take the round-robin turn one after another and see each other's load. No agent: nothing is written.
 */
export async function assignTicketIn(
  trx: Tx,
  workspaceId: string,
  ticket: StoredRecord,
  depth: number,
): Promise<DeskPick> {
  const result: DeskPick = { ownerId: null, ruleId: null, how: null, passed: [], skipped: [] };
  const rules = await selectDeskRules(trx, workspaceId, true);
  if (rules.length === 0) return result;
  const members = new Set(await memberIdsIn(trx, workspaceId));
  for (const candidate of rules) {
    if (!(await conditionMet(trx, workspaceId, candidate, ticket.id))) continue;
    const rule = await selectDeskRule(trx, workspaceId, candidate.id, { lock: true });
    if (!rule) continue;
    const ids = (rule.teamId ? await teamMemberIds(trx, workspaceId, rule.teamId) : rule.members).filter(
      (id) => members.has(id),
    );
    const agents = new Map((await selectAgents(trx, workspaceId, ids)).map((a) => [a.userId, a]));
    const loads = await openLoads(trx, workspaceId, ids);
    // The contact centre's presence: an agent on a call or in its wrap-up is offered no new ticket.
    const onCalls = await agentsOnCalls(trx, workspaceId, ids);
    const skip = new Set<string>();
    const skipped: DeskPick['skipped'] = [];
    for (const id of ids) {
      const why = onCalls.has(id)
        ? 'onCall'
        : unfit(agents.get(id) ?? defaults(id), loads.get(id)?.open ?? 0, ticket, rule);
      if (why) {
        skip.add(id);
        skipped.push({ userId: id, why });
      }
    }
    let ownerId: string | undefined;
    let how: DeskPick['how'] = rule.strategy;
    const requester = typeof ticket.requester === 'string' ? ticket.requester : null;
    if (rule.sticky && requester) {
      const since = new Date(Date.now() - STICKY_DAYS * 86_400_000);
      ownerId = (await recentOwners(trx, workspaceId, requester, ticket.id, since)).find(
        (id) => ids.includes(id) && !skip.has(id),
      );
      if (ownerId) how = 'sticky';
    }
    if (!ownerId) {
      const pool = ids.map((userId) => ({ userId }));
      const weighted = new Map(ids.map((id) => [id, loads.get(id)?.load ?? 0]));
      const picked = pickMember(rule.strategy, pool, BigInt(rule.turn), skip, weighted);
      ownerId = picked.member?.userId;
      if (ownerId && rule.strategy === 'roundRobin')
        await setDeskRuleTurn(trx, workspaceId, rule.id, picked.nextTurn);
    }
    if (!ownerId) {
      result.passed.push({
        ruleId: rule.id,
        reason: ids.length === 0 ? 'no one in the pool' : 'no agent can take it',
      });
      result.skipped.push(...skipped);
      continue;
    }
    if (ticket.owner !== ownerId)
      await updateRecordIn(
        trx,
        deskPrincipal(workspaceId),
        'tickets',
        ticket.id,
        { owner: ownerId },
        // The desk's own write, told apart from a person's or a workflow's in the history.
        { source: 'system', cause: { kind: 'assignment', runId: rule.id, depth: depth + 1 } },
      );
    return { ownerId, ruleId: rule.id, how, passed: result.passed, skipped };
  }
  return result;
}

/** An archive's ticket keeps its own creation time; a new one was created moments ago. */
const RESTORED_AFTER_MS = 60_000;

/**
 * Tickets created without an owner — or owned by their creator, which the record engine fills in when none is
 * given — are assigned by the rules inside the creating transaction. A ticket created for someone else, one
 * created already done, one restored from an archive, and the desk's own assignment writes are left alone.
 */
export const assignmentHooks: RecordHooks = {
  object: 'tickets',
  rewritesAfter: true,
  afterCreate: async (ctx, record) => {
    if (ctx.cause?.kind === 'assignment') return;
    const owner = record.owner as string | null | undefined;
    if (owner && owner !== ctx.principal.userId) return;
    if (DONE_STATUSES.has(String(record.status))) return;
    const createdAt = record.createdAt ? new Date(String(record.createdAt)).getTime() : Date.now();
    if (Date.now() - createdAt > RESTORED_AFTER_MS) return;
    await assignTicketIn(ctx.trx, ctx.workspaceId, record, ctx.cause?.depth ?? 0);
  },
};
