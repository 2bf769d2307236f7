import type { Database, Tx } from '@rabita/db';
import { type Kysely, sql } from 'kysely';
import type { Territory } from '../assignment/territory.ts';

/** A member of a rule's pool: who, their name when the rule was saved (for reasons), their weight, territory. */
export interface PoolMember {
  userId: string;
  name: string;
  weight: number;
  /** What the member covers under the `territory` strategy (kept whatever the strategy). */
  territory?: Territory | undefined;
  /** The most open leads the member may hold for this rule to give them another; absent: their own default. */
  capacity?: number | undefined;
}

export type Strategy = 'roundRobin' | 'weighted' | 'leastLoad' | 'fixed' | 'territory';

export interface RuleRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  condition: unknown;
  strategy: Strategy;
  pool: PoolMember[];
  turn: string;
  /** The round-robin turn of each group of equally specific territory members (by `groupKey`). */
  territoryTurns: Record<string, string>;
  reassignAfterHours: number | null;
  calendarId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a rule is saved with. */
export interface RuleValues {
  name: string;
  enabled: boolean;
  condition: unknown;
  strategy: Strategy;
  pool: PoolMember[];
  reassignAfterHours: number | null;
  calendarId: string | null;
}

const RULE_COLUMNS = sql`id, name, position, enabled, condition, strategy, pool, turn,
  territory_turns as "territoryTurns", reassign_after_hours as "reassignAfterHours", calendar_id as "calendarId",
  created_at as "createdAt", updated_at as "updatedAt"`;

/** Every rule of the workspace in priority order. */
export async function selectRules(trx: Tx, workspaceId: string, onlyEnabled = false): Promise<RuleRow[]> {
  const { rows } = await sql<RuleRow>`
    select ${RULE_COLUMNS} from assignment_rules
    where workspace_id = ${workspaceId} ${onlyEnabled ? sql`and enabled` : sql``}
    order by position, id`.execute(trx.withoutPlugins());
  return rows;
}

/** One rule, locked for update when asked (the round-robin turn moves under this lock). */
export async function selectRule(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<RuleRow | undefined> {
  const { rows } = await sql<RuleRow>`
    select ${RULE_COLUMNS} from assignment_rules where workspace_id = ${workspaceId} and id = ${id}
    ${options.lock ? sql`for update` : sql``}`.execute(trx.withoutPlugins());
  return rows[0];
}

/**
 * Adds a rule last. One statement a Citus cluster routes to the workspace's shard: an `insert … select` anchored on
 * the workspace's row (a subquery in `values` is refused there), as the service desk's rules are added. The
 * workspace must be the transaction's: another's row is not visible, and nothing would be inserted.
 */
export async function insertRule(
  trx: Tx,
  workspaceId: string,
  rule: RuleValues & { id: string },
): Promise<void> {
  await sql`
    insert into assignment_rules (workspace_id, id, name, position, enabled, condition, strategy, pool,
      reassign_after_hours, calendar_id)
    select w.id, ${rule.id}::uuid, ${rule.name}::text,
      (select coalesce(max(position), -1) + 1 from assignment_rules where workspace_id = ${workspaceId}),
      ${rule.enabled}::boolean, ${rule.condition === null ? null : JSON.stringify(rule.condition)}::jsonb,
      ${rule.strategy}::text, ${JSON.stringify(rule.pool)}::jsonb, ${rule.reassignAfterHours}::integer,
      ${rule.calendarId}::uuid
    from workspaces w where w.id = ${workspaceId}`.execute(trx.withoutPlugins());
}

/** Saves a rule; its territory groups' turns start again when its pool changed. */
export async function updateRuleRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  rule: RuleValues,
  poolChanged: boolean,
): Promise<void> {
  await sql`
    update assignment_rules set name = ${rule.name}, enabled = ${rule.enabled},
      condition = ${rule.condition === null ? null : JSON.stringify(rule.condition)}::jsonb,
      strategy = ${rule.strategy}, pool = ${JSON.stringify(rule.pool)}::jsonb,
      reassign_after_hours = ${rule.reassignAfterHours}, calendar_id = ${rule.calendarId},
      ${poolChanged ? sql`territory_turns = '{}',` : sql``} updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx.withoutPlugins());
}

/** Stores the turn of one group of equally specific territory members (under the rule's row lock). */
export async function setTerritoryTurn(
  trx: Tx,
  workspaceId: string,
  id: string,
  group: string,
  turn: bigint,
): Promise<void> {
  await sql`update assignment_rules
    set territory_turns = territory_turns || jsonb_build_object(${group}::text, ${turn.toString()}::text)
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx.withoutPlugins());
}

export async function setRuleTurn(trx: Tx, workspaceId: string, id: string, turn: bigint): Promise<void> {
  await sql`update assignment_rules set turn = ${turn.toString()}::bigint
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx.withoutPlugins());
}

export async function setRulePositions(trx: Tx, workspaceId: string, ids: readonly string[]): Promise<void> {
  await sql`
    update assignment_rules r set position = o.position - 1, updated_at = now()
    from unnest(${ids}::uuid[]) with ordinality as o(id, position)
    where r.workspace_id = ${workspaceId} and r.id = o.id`.execute(trx.withoutPlugins());
}

export async function deleteRuleRow(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result =
    await sql`delete from assignment_rules where workspace_id = ${workspaceId} and id = ${id}`.execute(
      trx.withoutPlugins(),
    );
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** Which of these members are marked away. */
export async function selectAway(trx: Tx, workspaceId: string, userIds?: readonly string[]) {
  const { rows } = await sql<{ userId: string; since: Date }>`
    select user_id as "userId", since from assignment_away where workspace_id = ${workspaceId}
    ${userIds ? sql`and user_id = any(${userIds}::uuid[])` : sql``} order by since`.execute(
    trx.withoutPlugins(),
  );
  return rows;
}

export async function setAway(trx: Tx, workspaceId: string, userId: string, away: boolean): Promise<void> {
  await (away
    ? sql`insert into assignment_away (workspace_id, user_id) values (${workspaceId}, ${userId})
        on conflict do nothing`
    : sql`delete from assignment_away where workspace_id = ${workspaceId} and user_id = ${userId}`
  ).execute(trx.withoutPlugins());
}

/** The members' own limits of open leads (`assignment_capacity`), those who have one. */
export async function selectCapacities(trx: Tx, workspaceId: string, userIds?: readonly string[]) {
  const { rows } = await sql<{ userId: string; capacity: number }>`
    select user_id as "userId", capacity from assignment_capacity where workspace_id = ${workspaceId}
    ${userIds ? sql`and user_id = any(${userIds}::uuid[])` : sql``}`.execute(trx.withoutPlugins());
  return rows;
}

/** Sets a member's own limit of open leads, or (null) removes it. */
export async function setCapacity(
  trx: Tx,
  workspaceId: string,
  userId: string,
  capacity: number | null,
): Promise<void> {
  await (capacity === null
    ? sql`delete from assignment_capacity where workspace_id = ${workspaceId} and user_id = ${userId}`
    : sql`insert into assignment_capacity (workspace_id, user_id, capacity)
        values (${workspaceId}, ${userId}, ${capacity})
        on conflict (workspace_id, user_id) do update set capacity = excluded.capacity, updated_at = excluded.updated_at`
  ).execute(trx.withoutPlugins());
}

export interface AssignmentRow {
  leadId: string;
  ruleId: string | null;
  ownerId: string | null;
  reason: string;
  detail: Record<string, unknown>;
  assignedAt: Date;
  /** When the rule re-assigns the lead unless its owner touches it first (null: never, or no longer). */
  reassignDueAt: Date | null;
  /** The owners the rule gave the lead before this one (it never goes back to them). */
  ownersBefore: string[];
  touchedAt: Date | null;
}

const ASSIGNMENT_COLUMNS = sql`lead_id as "leadId", rule_id as "ruleId", owner_id as "ownerId", reason, detail,
  assigned_at as "assignedAt", reassign_due_at as "reassignDueAt", owners_before as "ownersBefore",
  touched_at as "touchedAt"`;

/** Records a lead's (re-)assignment at `assignedAt`, replacing the one before. */
export async function upsertAssignment(
  trx: Tx,
  workspaceId: string,
  a: Omit<AssignmentRow, 'touchedAt'>,
): Promise<void> {
  await sql`
    insert into lead_assignments (workspace_id, lead_id, rule_id, owner_id, reason, detail, assigned_at,
      reassign_due_at, owners_before)
    values (${workspaceId}, ${a.leadId}, ${a.ruleId}, ${a.ownerId}, ${a.reason}, ${JSON.stringify(a.detail)}::jsonb,
      ${a.assignedAt.toISOString()}::timestamptz, ${a.reassignDueAt?.toISOString() ?? null}::timestamptz,
      ${a.ownersBefore}::uuid[])
    on conflict (workspace_id, lead_id) do update set rule_id = excluded.rule_id, owner_id = excluded.owner_id,
      reason = excluded.reason, detail = excluded.detail, assigned_at = excluded.assigned_at,
      reassign_due_at = excluded.reassign_due_at, owners_before = excluded.owners_before,
      touched_at = null`.execute(trx.withoutPlugins());
}

export async function selectAssignment(
  trx: Tx,
  workspaceId: string,
  leadId: string,
  options: { lock?: boolean } = {},
): Promise<AssignmentRow | undefined> {
  const { rows } = await sql<AssignmentRow>`
    select ${ASSIGNMENT_COLUMNS}
    from lead_assignments where workspace_id = ${workspaceId} and lead_id = ${leadId}
    ${options.lock ? sql`for update` : sql``}`.execute(trx.withoutPlugins());
  return rows[0];
}

/** Stops these leads' re-assignment (converted, deleted, given to someone by hand); the ids that had one due. */
export async function clearReassignment(
  trx: Tx,
  workspaceId: string,
  leadIds: readonly string[],
): Promise<string[]> {
  if (leadIds.length === 0) return [];
  const { rows } = await sql<{ leadId: string }>`
    update lead_assignments set reassign_due_at = null
    where workspace_id = ${workspaceId} and lead_id = any(${leadIds}::uuid[]) and reassign_due_at is not null
    returning lead_id as "leadId"`.execute(trx.withoutPlugins());
  return rows.map((r) => r.leadId);
}

/**
 * Marks leads touched by their owner at `at` (each pair: a lead and who touched it; only the assignment's owner
 * counts), which stops their re-assignment; the ids that had one due.
 */
export async function markTouched(
  trx: Tx,
  workspaceId: string,
  touches: readonly { leadId: string; userId: string }[],
  at: Date,
): Promise<string[]> {
  if (touches.length === 0) return [];
  const { rows } = await sql<{ leadId: string }>`
    update lead_assignments a set reassign_due_at = null, touched_at = ${at.toISOString()}::timestamptz
    from unnest(${touches.map((t) => t.leadId)}::uuid[], ${touches.map((t) => t.userId)}::uuid[]) as t(lead_id, user_id)
    where a.workspace_id = ${workspaceId} and a.lead_id = t.lead_id and a.owner_id = t.user_id
      and a.reassign_due_at is not null
    returning a.lead_id as "leadId"`.execute(trx.withoutPlugins());
  return [...new Set(rows.map((r) => r.leadId))];
}

/** Whether any lead of the workspace waits to be re-assigned (so touches need not be looked for otherwise). */
export async function anyReassignmentDue(trx: Tx, workspaceId: string): Promise<boolean> {
  const { rows } = await sql<{ due: boolean }>`
    select exists (select 1 from lead_assignments
      where workspace_id = ${workspaceId} and reassign_due_at is not null) as due`.execute(
    trx.withoutPlugins(),
  );
  return rows[0]?.due === true;
}

/** Leads of any workspace whose re-assignment fell due before `before` (the sweep's view: ids only). */
export async function dueReassignments(
  db: Database,
  before: Date,
  limit: number,
): Promise<{ workspace_id: string; lead_id: string }[]> {
  const { rows } = await sql<{ workspace_id: string; lead_id: string }>`
    select * from rabita_lead_reassign_due(${before.toISOString()}::timestamptz, ${limit})`.execute(
    db.withoutPlugins() as unknown as Kysely<unknown>,
  );
  return rows;
}
