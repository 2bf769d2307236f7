import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

export type DeskStrategy = 'roundRobin' | 'leastLoad';

/** A member's desk settings (defaults for a member without a row). */
export interface AgentRow {
  userId: string;
  available: boolean;
  capacity: number;
  languages: string[];
  products: string[];
  tiers: string[];
}

export interface AgentPatch {
  available?: boolean | undefined;
  capacity?: number | undefined;
  languages?: string[] | undefined;
  products?: string[] | undefined;
  tiers?: string[] | undefined;
}

export interface DeskRuleRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  condition: unknown;
  teamId: string | null;
  members: string[];
  strategy: DeskStrategy;
  sticky: boolean;
  productField: string | null;
  tierField: string | null;
  turn: string;
  createdAt: Date;
  updatedAt: Date;
}

export type DeskRuleFields = Omit<DeskRuleRow, 'id' | 'position' | 'turn' | 'createdAt' | 'updatedAt'>;

/** What an agent with no row of their own is: available, room for this many open tickets, no skills. */
export const DEFAULT_CAPACITY = 20;

const AGENT_COLUMNS = sql`user_id as "userId", available, capacity, languages, products, tiers`;

/** The desk settings of these members (all members with a row when `userIds` is absent). */
export async function selectAgents(
  trx: Tx,
  workspaceId: string,
  userIds?: readonly string[],
): Promise<AgentRow[]> {
  const { rows } = await sql<AgentRow>`
    select ${AGENT_COLUMNS} from desk_agents where workspace_id = ${workspaceId}
    ${userIds ? sql`and user_id = any(${userIds}::uuid[])` : sql``}
    order by user_id`.execute(trx.withoutPlugins());
  return rows;
}

/** Creates or changes a member's desk settings (only the fields given change). */
export async function upsertAgent(
  trx: Tx,
  workspaceId: string,
  userId: string,
  patch: AgentPatch,
): Promise<AgentRow> {
  const arr = (v: string[] | undefined) => (v === undefined ? null : v);
  const { rows } = await sql<AgentRow>`
    insert into desk_agents as a (workspace_id, user_id, available, capacity, languages, products, tiers)
    values (${workspaceId}, ${userId}, coalesce(${patch.available ?? null}::boolean, true),
      coalesce(${patch.capacity ?? null}::integer, ${DEFAULT_CAPACITY}),
      coalesce(${arr(patch.languages)}::text[], '{}'), coalesce(${arr(patch.products)}::text[], '{}'),
      coalesce(${arr(patch.tiers)}::text[], '{}'))
    on conflict (workspace_id, user_id) do update set
      available = coalesce(${patch.available ?? null}::boolean, a.available),
      capacity = coalesce(${patch.capacity ?? null}::integer, a.capacity),
      languages = coalesce(${arr(patch.languages)}::text[], a.languages),
      products = coalesce(${arr(patch.products)}::text[], a.products),
      tiers = coalesce(${arr(patch.tiers)}::text[], a.tiers),
      updated_at = excluded.updated_at
    returning ${AGENT_COLUMNS}`.execute(trx.withoutPlugins());
  return rows[0]!;
}

/**
 * Each member's open tickets (status neither resolved nor closed): how many, and their load weighted by time left —
 * each ticket weighs `1 + 4 / (1 + h)`, `h` the hours until its `sla_due_at` (0 once due or overdue), and 1 without
 * a deadline: 5 when due, 3 with an hour left, 2 with three, about 1.2 with a day.
 */
export async function openLoads(
  trx: Tx,
  workspaceId: string,
  userIds: readonly string[],
): Promise<Map<string, { open: number; load: number }>> {
  const { rows } = await sql<{ ownerId: string; open: string; load: string }>`
    select owner_id as "ownerId", count(*) as open,
      sum(case when sla_due_at is null then 1
        else 1 + 4 / (1 + greatest(0, extract(epoch from sla_due_at - now()) / 3600)) end) as load
    from tickets
    where workspace_id = ${workspaceId} and owner_id = any(${userIds}::uuid[]) and deleted_at is null
      and status not in ('resolved', 'closed')
    group by owner_id`.execute(trx.withoutPlugins());
  return new Map(rows.map((r) => [r.ownerId, { open: Number(r.open), load: Number(r.load) }]));
}

/** The owners of the requester's other tickets created since `since`, newest first (for sticky assignment). */
export async function recentOwners(
  trx: Tx,
  workspaceId: string,
  requesterId: string,
  exceptTicketId: string,
  since: Date,
): Promise<string[]> {
  const { rows } = await sql<{ ownerId: string }>`
    select owner_id as "ownerId" from tickets
    where workspace_id = ${workspaceId} and requester_id = ${requesterId} and created_at >= ${since}
      and id <> ${exceptTicketId} and deleted_at is null and owner_id is not null
    order by created_at desc limit 20`.execute(trx.withoutPlugins());
  return rows.map((r) => r.ownerId);
}

const RULE_COLUMNS = sql`id, name, position, enabled, condition, team_id as "teamId", members, strategy, sticky,
  product_field as "productField", tier_field as "tierField", turn, created_at as "createdAt",
  updated_at as "updatedAt"`;

/** The workspace's ticket assignment rules in priority order. */
export async function selectDeskRules(
  trx: Tx,
  workspaceId: string,
  onlyEnabled = false,
): Promise<DeskRuleRow[]> {
  const { rows } = await sql<DeskRuleRow>`
    select ${RULE_COLUMNS} from desk_assignment_rules
    where workspace_id = ${workspaceId} ${onlyEnabled ? sql`and enabled` : sql``}
    order by position, id`.execute(trx.withoutPlugins());
  return rows;
}

/** One rule, locked for update when asked (the round-robin turn moves under this lock). */
export async function selectDeskRule(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<DeskRuleRow | undefined> {
  const { rows } = await sql<DeskRuleRow>`
    select ${RULE_COLUMNS} from desk_assignment_rules where workspace_id = ${workspaceId} and id = ${id}
    ${options.lock ? sql`for update` : sql``}`.execute(trx.withoutPlugins());
  return rows[0];
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/**
 * Adds a rule last. One statement a Citus cluster routes to the workspace's shard: an `insert … select` anchored on
 * the workspace's row (a subquery in `values` is refused there). The workspace must be the transaction's: another's
 * row is not visible, and nothing would be inserted.
 */
export async function insertDeskRule(
  trx: Tx,
  workspaceId: string,
  id: string,
  r: DeskRuleFields,
): Promise<void> {
  await sql`
    insert into desk_assignment_rules (workspace_id, id, name, position, enabled, condition, team_id, members,
      strategy, sticky, product_field, tier_field)
    select w.id, ${id}::uuid, ${r.name}::text,
      (select coalesce(max(position), -1) + 1 from desk_assignment_rules where workspace_id = ${workspaceId}),
      ${r.enabled}::boolean, ${json(r.condition)}::jsonb, ${r.teamId}::uuid, ${r.members}::uuid[], ${r.strategy}::text,
      ${r.sticky}::boolean, ${r.productField}::text, ${r.tierField}::text
    from workspaces w where w.id = ${workspaceId}`.execute(trx.withoutPlugins());
}

export async function updateDeskRuleRow(trx: Tx, workspaceId: string, id: string, r: DeskRuleFields) {
  await sql`
    update desk_assignment_rules set name = ${r.name}, enabled = ${r.enabled}, condition = ${json(r.condition)}::jsonb,
      team_id = ${r.teamId}, members = ${r.members}::uuid[], strategy = ${r.strategy}, sticky = ${r.sticky},
      product_field = ${r.productField}, tier_field = ${r.tierField}, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx.withoutPlugins());
}

export async function setDeskRuleTurn(trx: Tx, workspaceId: string, id: string, turn: bigint): Promise<void> {
  await sql`update desk_assignment_rules set turn = ${turn.toString()}::bigint
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx.withoutPlugins());
}

export async function setDeskRulePositions(
  trx: Tx,
  workspaceId: string,
  ids: readonly string[],
): Promise<void> {
  await sql`
    update desk_assignment_rules r set position = o.position - 1, updated_at = now()
    from unnest(${ids}::uuid[]) with ordinality as o(id, position)
    where r.workspace_id = ${workspaceId} and r.id = o.id`.execute(trx.withoutPlugins());
}

export async function deleteDeskRuleRow(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result =
    await sql`delete from desk_assignment_rules where workspace_id = ${workspaceId} and id = ${id}`.execute(
      trx.withoutPlugins(),
    );
  return Number(result.numAffectedRows ?? 0) > 0;
}
