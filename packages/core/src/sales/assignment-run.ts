import { sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import type { StoredRecord, WriteContext } from '../modules/manifest.ts';
import type { Reader } from '../records/access.ts';
import { recordMatchesFilter } from '../records/stored-record.ts';
import { updateRecordIn } from '../records/update-record.ts';
import {
  openLoads,
  type PoolMember,
  selectAway,
  selectRule,
  selectRules,
  setRuleTurn,
  upsertAssignment,
} from './assignment.repository.ts';
import { pickMember, reasonText } from './assignment-pick.ts';

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

/**
 * Runs the assignment rules for a lead just created (in its transaction): the first enabled rule whose condition
 * the lead meets and whose pool has a member present sets the owner, and the rule and reason are recorded. A lead
 * created with an owner other than its creator keeps it. The round-robin turn moves under the rule row's lock,
 * so concurrent creates queue on it and never take the same turn.
 */
export async function assignLead(ctx: WriteContext, lead: StoredRecord): Promise<void> {
  if (ctx.cause?.kind === 'assignment') return;
  const owner = lead.owner as string | null | undefined;
  if (owner && owner !== ctx.principal.userId) return;
  const { trx, workspaceId } = ctx;
  const rules = await selectRules(trx, workspaceId, true);
  if (rules.length === 0 || (await restored(ctx, lead))) return;
  const passed: string[] = [];
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
    const rotates = candidate.strategy === 'roundRobin' || candidate.strategy === 'weighted';
    // Every strategy but a fixed owner reads shared state (the turn, the open loads): under the rule's row lock,
    // concurrent creates take it one after another.
    const rule =
      candidate.strategy === 'fixed'
        ? candidate
        : await selectRule(trx, workspaceId, candidate.id, { lock: true });
    if (!rule) continue;
    const ids = rule.pool.map((m) => m.userId);
    const away = new Set((await selectAway(trx, workspaceId, ids)).map((a) => a.userId));
    const loads = rule.strategy === 'leastLoad' ? await openLoads(trx, workspaceId, ids) : new Map();
    const picked = pickMember(rule.strategy, rule.pool, BigInt(rule.turn), away, loads);
    if (!picked.member) {
      passed.push(`${rule.name}: ${awayNames(picked.skipped) || 'no one in the pool'}`);
      continue;
    }
    if (rotates) await setRuleTurn(trx, workspaceId, rule.id, picked.nextTurn);
    const reason = reasonText(rule.strategy, rule.name, picked.skipped);
    if (picked.member.userId !== owner) {
      await updateRecordIn(
        trx,
        assigner(ctx.principal),
        'leads',
        lead.id,
        { owner: picked.member.userId },
        { cause: { kind: 'assignment', runId: rule.id, depth: (ctx.cause?.depth ?? 0) + 1 } },
      );
      // The record engine answers the create with this same record: its answer shows the owner the rule chose.
      (lead as Record<string, unknown>).owner = picked.member.userId;
    }
    await upsertAssignment(trx, workspaceId, {
      leadId: lead.id,
      ruleId: rule.id,
      ownerId: picked.member.userId,
      reason,
      detail: {
        strategy: rule.strategy,
        rule: rule.name,
        owner: picked.member.name,
        away: picked.skipped.map((m) => m.name),
        passed,
      },
    });
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

const awayNames = (members: readonly PoolMember[]) =>
  members.length === 0 ? '' : `everyone away (${members.map((m) => m.name).join(', ')})`;
