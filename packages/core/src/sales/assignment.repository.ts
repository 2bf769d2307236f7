import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

/** A member of a rule's pool: who, their name when the rule was saved (for reasons), their weight. */
export interface PoolMember {
  userId: string;
  name: string;
  weight: number;
}

export type Strategy = 'roundRobin' | 'weighted' | 'leastLoad' | 'fixed';

export interface RuleRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  condition: unknown;
  strategy: Strategy;
  pool: PoolMember[];
  turn: string;
  createdAt: Date;
  updatedAt: Date;
}

const RULE_COLUMNS = sql`id, name, position, enabled, condition, strategy, pool, turn,
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

export async function insertRule(
  trx: Tx,
  workspaceId: string,
  rule: {
    id: string;
    name: string;
    enabled: boolean;
    condition: unknown;
    strategy: Strategy;
    pool: PoolMember[];
  },
): Promise<void> {
  await sql`
    insert into assignment_rules (workspace_id, id, name, position, enabled, condition, strategy, pool)
    values (${workspaceId}, ${rule.id}, ${rule.name},
      (select coalesce(max(position), -1) + 1 from assignment_rules where workspace_id = ${workspaceId}),
      ${rule.enabled}, ${rule.condition === null ? null : JSON.stringify(rule.condition)}::jsonb, ${rule.strategy},
      ${JSON.stringify(rule.pool)}::jsonb)`.execute(trx.withoutPlugins());
}

export async function updateRuleRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  rule: { name: string; enabled: boolean; condition: unknown; strategy: Strategy; pool: PoolMember[] },
): Promise<void> {
  await sql`
    update assignment_rules set name = ${rule.name}, enabled = ${rule.enabled},
      condition = ${rule.condition === null ? null : JSON.stringify(rule.condition)}::jsonb,
      strategy = ${rule.strategy}, pool = ${JSON.stringify(rule.pool)}::jsonb, updated_at = now()
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

/** Open load per member: leads assigned to them (by the rules) that have not been converted. */
export async function openLoads(trx: Tx, workspaceId: string, userIds: readonly string[]) {
  const { rows } = await sql<{ ownerId: string; n: string }>`
    select a.owner_id as "ownerId", count(*) as n from lead_assignments a
    where a.workspace_id = ${workspaceId} and a.owner_id = any(${userIds}::uuid[])
      and not exists (select 1 from lead_conversions c where c.workspace_id = a.workspace_id and c.lead_id = a.lead_id)
    group by a.owner_id`.execute(trx.withoutPlugins());
  return new Map(rows.map((r) => [r.ownerId, Number(r.n)]));
}

export interface AssignmentRow {
  leadId: string;
  ruleId: string | null;
  ownerId: string | null;
  reason: string;
  detail: Record<string, unknown>;
  assignedAt: Date;
}

export async function upsertAssignment(trx: Tx, workspaceId: string, a: Omit<AssignmentRow, 'assignedAt'>) {
  await sql`
    insert into lead_assignments (workspace_id, lead_id, rule_id, owner_id, reason, detail)
    values (${workspaceId}, ${a.leadId}, ${a.ruleId}, ${a.ownerId}, ${a.reason}, ${JSON.stringify(a.detail)}::jsonb)
    on conflict (workspace_id, lead_id) do update set rule_id = excluded.rule_id, owner_id = excluded.owner_id,
      reason = excluded.reason, detail = excluded.detail, assigned_at = now()`.execute(trx.withoutPlugins());
}

export async function selectAssignment(trx: Tx, workspaceId: string, leadId: string) {
  const { rows } = await sql<AssignmentRow>`
    select lead_id as "leadId", rule_id as "ruleId", owner_id as "ownerId", reason, detail,
      assigned_at as "assignedAt"
    from lead_assignments where workspace_id = ${workspaceId} and lead_id = ${leadId}`.execute(
    trx.withoutPlugins(),
  );
  return rows[0];
}
