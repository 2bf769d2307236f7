import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import { pickByTerritory, type TerritoryFacts, type TerritoryMatch } from '../assignment/territory.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import type { StoredRecord, WriteContext } from '../modules/manifest.ts';
import type { Reader } from '../records/access.ts';
import { recordMatchesFilter } from '../records/stored-record.ts';
import { updateRecordIn } from '../records/update-record.ts';
import {
  type PoolMember,
  type RuleRow,
  selectAway,
  selectRule,
  selectRules,
  setRuleTurn,
  setTerritoryTurn,
  upsertAssignment,
} from './assignment.repository.ts';
import { capacityLimits, openLeadCounts } from './assignment-capacity.ts';
import { pickMember, reasonText } from './assignment-pick.ts';
import { reassignDueAt, scheduleReassignment } from './assignment-reassign.ts';

/** Rules are an admin's: their conditions read every lead field, whatever the creator's role hides. */
const RULES_READER: Reader = {
  userId: null,
  role: {
    permissions: {
      actions: [],
      objects: { leads: { read: true, create: false, update: false, delete: false } },
    },
  },
};

/** The creator's principal with the right to set a lead's owner: the rule an admin made decides, not the creator. */
function assigner(principal: Principal): Principal {
  const permissions = principal.role.permissions;
  return {
    ...principal,
    role: {
      ...principal.role,
      permissions: {
        ...permissions,
        objects: { ...permissions.objects, leads: { read: true, create: true, update: true, delete: false } },
      },
    },
  };
}

/** A lead's place and trade as a territory reads them: its address's parts and its industry. */
export function territoryFacts(lead: Record<string, unknown>): TerritoryFacts {
  const address = (lead.address ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v : undefined);
  return {
    country: text(address.country),
    region: text(address.region),
    city: text(address.city),
    postalCode: text(address.postalCode),
    industry: text(lead.industry),
  };
}

/** Whom a rule chose for a lead, those skipped as away or at capacity, and (territory) how their territory matched. */
export interface Choice {
  member: PoolMember | undefined;
  away: PoolMember[];
  atCapacity: PoolMember[];
  match: TerritoryMatch | undefined;
}

/**
 * Chooses a member of a rule's pool for `leadId`, skipping members away, members holding as many open leads as
 * their limit or more, and those in `exclude` (a re-assignment's owners so far), and moves the rule's turn. Least
 * load takes the fewest open leads. Call with the rule's row locked unless it is a fixed owner without a limit.
 */
export async function chooseMember(
  trx: Tx,
  workspaceId: string,
  rule: RuleRow,
  leadId: string,
  facts: TerritoryFacts,
  exclude: ReadonlySet<string> = new Set(),
): Promise<Choice> {
  const ids = rule.pool.map((m) => m.userId);
  const away = new Set((await selectAway(trx, workspaceId, ids)).map((a) => a.userId));
  const limits = await capacityLimits(trx, workspaceId, rule.pool);
  // Open leads are counted only for those who may still be picked: the limited, or everyone under least load.
  const counted = ids.filter(
    (id) => !away.has(id) && !exclude.has(id) && (limits.has(id) || rule.strategy === 'leastLoad'),
  );
  const open = await openLeadCounts(trx, workspaceId, counted, leadId);
  const full = new Set(
    counted.filter(
      (id) => limits.has(id) && (open.get(id) ?? 0) >= (limits.get(id) ?? Number.POSITIVE_INFINITY),
    ),
  );
  const skip = new Set([...away, ...full, ...exclude]);
  const why = (skipped: readonly PoolMember[]) => ({
    away: skipped.filter((m) => away.has(m.userId)),
    atCapacity: skipped.filter((m) => full.has(m.userId)),
  });
  if (rule.strategy === 'territory') {
    const picked = pickByTerritory(rule.pool, facts, rule.territoryTurns, skip);
    if (picked.member && picked.group !== undefined)
      await setTerritoryTurn(trx, workspaceId, rule.id, picked.group, picked.nextTurn);
    return { member: picked.member, ...why(picked.skipped), match: picked.match };
  }
  const picked = pickMember(rule.strategy, rule.pool, BigInt(rule.turn), skip, open);
  if (picked.member && (rule.strategy === 'roundRobin' || rule.strategy === 'weighted'))
    await setRuleTurn(trx, workspaceId, rule.id, picked.nextTurn);
  return { member: picked.member, ...why(picked.skipped), match: undefined };
}

/** The parts of a reason the web app says in the reader's language. */
export function reasonDetail(rule: RuleRow, choice: Choice, passed: string[]): Record<string, unknown> {
  return {
    strategy: rule.strategy,
    rule: rule.name,
    owner: choice.member?.name,
    away: choice.away.map((m) => m.name),
    atCapacity: choice.atCapacity.map((m) => m.name),
    passed,
    ...(choice.match ? { territory: { level: choice.match.level, value: choice.match.value } } : {}),
  };
}

/**
 * Runs the assignment rules for a lead just created (in its transaction): the first enabled rule whose condition
 * the lead meets and whose pool has a member present and below their limit of open leads (under `territory`, one
 * whose territory covers the lead) sets the owner, and the rule and reason are recorded. A lead created with an
 * owner other than its creator keeps it. The round-robin turn moves under the rule row's lock, so concurrent creates
 * queue on it and never take the same turn. A rule that re-assigns untouched leads schedules its job.
 */
export async function assignLead(ctx: WriteContext, lead: StoredRecord): Promise<void> {
  if (ctx.cause?.kind === 'assignment') return;
  const owner = lead.owner as string | null | undefined;
  if (owner && owner !== ctx.principal.userId) return;
  const { trx, workspaceId } = ctx;
  const rules = await selectRules(trx, workspaceId, true);
  if (rules.length === 0 || (await restored(ctx, lead))) return;
  const passed: string[] = [];
  const facts = territoryFacts(lead);
  for (const candidate of rules) {
    if (candidate.condition) {
      const meets = await recordMatchesFilter(
        trx,
        RULES_READER,
        workspaceId,
        'leads',
        lead.id,
        candidate.condition,
      ).catch((error: unknown) => {
        // A condition naming a field since removed is refused while compiling, before any SQL runs: the rule is
        // passed over rather than failing the lead's creation.
        if (error instanceof AppError && error.code === 'validation_failed') {
          passed.push(`${candidate.name}: its condition no longer applies (${error.message})`);
          return false;
        }
        throw error;
      });
      if (!meets) continue;
    }
    // Every strategy but a fixed owner reads shared state (the turn, the open loads), and so does a fixed owner
    // with a limit (their open leads): under the rule's row lock, concurrent creates take it one after another.
    const rule =
      candidate.strategy === 'fixed' && (await capacityLimits(trx, workspaceId, candidate.pool)).size === 0
        ? candidate
        : await selectRule(trx, workspaceId, candidate.id, { lock: true });
    if (!rule) continue;
    const choice = await chooseMember(trx, workspaceId, rule, lead.id, facts);
    if (!choice.member) {
      passed.push(
        `${rule.name}: ${
          rule.strategy === 'territory' && choice.away.length === 0 && choice.atCapacity.length === 0
            ? 'no territory covers the lead'
            : unavailable(choice) || 'no one in the pool'
        }`,
      );
      continue;
    }
    const member = choice.member;
    if (member.userId !== owner) {
      await updateRecordIn(
        trx,
        assigner(ctx.principal),
        'leads',
        lead.id,
        { owner: member.userId },
        {
          source: 'system',
          cause: { kind: 'assignment', runId: rule.id, depth: (ctx.cause?.depth ?? 0) + 1 },
        },
      );
      // The record engine answers the create with this same record: its answer shows the owner the rule chose.
      (lead as Record<string, unknown>).owner = member.userId;
    }
    // JavaScript's clock, not the database's: the re-assignment's business hours count from it (and tests move it).
    const now = new Date();
    const dueAt = await reassignDueAt(trx, workspaceId, rule, now);
    await upsertAssignment(trx, workspaceId, {
      leadId: lead.id,
      ruleId: rule.id,
      ownerId: member.userId,
      reason: reasonText(rule.strategy, rule.name, choice, choice.match),
      detail: reasonDetail(rule, choice, passed),
      assignedAt: now,
      reassignDueAt: dueAt,
      ownersBefore: [],
    });
    await scheduleReassignment(trx, lead.id, dueAt);
    return;
  }
}

/**
 * Whether the lead is being restored from an archive rather than created: a restore keeps the record's own
 * creation time, which a new record never has (its `created_at` is the transaction's `now()`).
 */
async function restored(ctx: WriteContext, lead: StoredRecord): Promise<boolean> {
  const createdAt = lead.createdAt;
  if (createdAt === undefined || createdAt === null) return false;
  const at = createdAt instanceof Date ? createdAt.toISOString() : String(createdAt);
  // The view's time is in milliseconds, `now()` in microseconds: an archive's lead is older by far more.
  const { rows } = await sql<{ kept: boolean }>`
    select ${at}::timestamptz < now() - interval '1 second' as kept`.execute(ctx.trx.withoutPlugins());
  return rows[0]?.kept === true;
}

/** Why a pool had no one to give the lead to: "everyone away (Sara)", "everyone away or at capacity (…)". */
function unavailable({ away, atCapacity }: Pick<Choice, 'away' | 'atCapacity'>): string {
  const names = (members: readonly PoolMember[]) => members.map((m) => m.name).join(', ');
  if (atCapacity.length === 0) return away.length === 0 ? '' : `everyone away (${names(away)})`;
  const parts = [...(away.length > 0 ? [`${names(away)} away`] : []), `${names(atCapacity)} at capacity`];
  return `everyone away or at capacity (${parts.join('; ')})`;
}
