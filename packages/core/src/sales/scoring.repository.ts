import type { Database, Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { Reason } from './scoring-compute.ts';

export type ScoringKind = 'field' | 'activity';

export interface ScoringRuleRow {
  id: string;
  name: string;
  kind: ScoringKind;
  condition: unknown;
  activityType: string | null;
  points: number;
  halfLifeDays: number | null;
  enabled: boolean;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ScoringRuleValues {
  name: string;
  kind: ScoringKind;
  condition: unknown;
  activityType: string | null;
  points: number;
  halfLifeDays: number | null;
  enabled: boolean;
}

const RULE_COLUMNS = sql`id, name, kind, condition, activity_type as "activityType", points,
  half_life_days as "halfLifeDays", enabled, revision, created_at as "createdAt", updated_at as "updatedAt"`;

const json = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

/** The workspace's scoring rules, oldest first (enabled ones only when asked). */
export async function selectScoringRules(
  trx: Tx,
  workspaceId: string,
  onlyEnabled = false,
): Promise<ScoringRuleRow[]> {
  const { rows } = await sql<ScoringRuleRow>`
    select ${RULE_COLUMNS} from scoring_rules
    where workspace_id = ${workspaceId} ${onlyEnabled ? sql`and enabled` : sql``}
    order by created_at, id`.execute(trx.withoutPlugins());
  return rows;
}

export async function selectScoringRule(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ScoringRuleRow | undefined> {
  const { rows } = await sql<ScoringRuleRow>`
    select ${RULE_COLUMNS} from scoring_rules where workspace_id = ${workspaceId} and id = ${id}
    ${options.lock ? sql`for update` : sql``}`.execute(trx.withoutPlugins());
  return rows[0];
}

export async function insertScoringRule(
  trx: Tx,
  workspaceId: string,
  id: string,
  rule: ScoringRuleValues,
): Promise<void> {
  await sql`
    insert into scoring_rules (workspace_id, id, name, kind, condition, activity_type, points, half_life_days, enabled)
    values (${workspaceId}, ${id}, ${rule.name}, ${rule.kind}, ${json(rule.condition)}::jsonb, ${rule.activityType},
      ${rule.points}, ${rule.halfLifeDays}, ${rule.enabled})`.execute(trx.withoutPlugins());
}

/** Changes a rule and moves its revision on (a score's reasons name the revision that gave them). */
export async function updateScoringRuleRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  rule: ScoringRuleValues,
): Promise<void> {
  await sql`
    update scoring_rules set name = ${rule.name}, kind = ${rule.kind}, condition = ${json(rule.condition)}::jsonb,
      activity_type = ${rule.activityType}, points = ${rule.points}, half_life_days = ${rule.halfLifeDays},
      enabled = ${rule.enabled}, revision = revision + 1, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx.withoutPlugins());
}

export async function deleteScoringRuleRow(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const result =
    await sql`delete from scoring_rules where workspace_id = ${workspaceId} and id = ${id}`.execute(
      trx.withoutPlugins(),
    );
  return Number(result.numAffectedRows ?? 0) > 0;
}

/** The rule set's version (0 before any change). */
export async function selectScoringVersion(trx: Tx, workspaceId: string): Promise<number> {
  const { rows } = await sql<{ version: number }>`
    select version from scoring_versions where workspace_id = ${workspaceId}`.execute(trx.withoutPlugins());
  return rows[0]?.version ?? 0;
}

/** Moves the rule set's version on (under the row's lock: concurrent changes get consecutive versions). */
export async function bumpScoringVersion(trx: Tx, workspaceId: string): Promise<number> {
  const { rows } = await sql<{ version: number }>`
    insert into scoring_versions (workspace_id, version) values (${workspaceId}, 1)
    on conflict (workspace_id) do update set version = scoring_versions.version + 1, changed_at = excluded.changed_at
    returning version`.execute(trx.withoutPlugins());
  return rows[0]!.version;
}

export interface LeadScoreRow {
  leadId: string;
  score: string;
  rulesVersion: number;
  explanation: Reason[];
  decays: boolean;
  computedAt: Date;
}

/**
 * Locks these leads' score rows for the rest of the transaction, in id order, making a row first where there is
 * none (it is overwritten before the transaction ends): two writers rescoring one lead take turns, and the second
 * reads the first one's committed activities (row locks, not advisory ones: a batch of a thousand leads would
 * otherwise fill the shared lock table).
 */
export async function lockLeadScores(
  trx: Tx,
  workspaceId: string,
  leadIds: readonly string[],
): Promise<void> {
  if (leadIds.length === 0) return;
  const ids = [...leadIds].sort();
  const raw = trx.withoutPlugins();
  await sql`
    insert into lead_scores (workspace_id, lead_id, score, rules_version, computed_at)
    select ${workspaceId}, id, 0, 0, now() from unnest(${ids}::uuid[]) as id order by id
    on conflict (workspace_id, lead_id) do nothing`.execute(raw);
  await sql`
    select lead_id from lead_scores where workspace_id = ${workspaceId} and lead_id = any(${ids}::uuid[])
    order by lead_id for update`.execute(raw);
}

/** Stores the scores of several leads at once. */
export async function upsertLeadScores(
  trx: Tx,
  workspaceId: string,
  scores: readonly Omit<LeadScoreRow, 'computedAt'>[],
  computedAt: Date,
): Promise<void> {
  if (scores.length === 0) return;
  await sql`
    insert into lead_scores (workspace_id, lead_id, score, rules_version, explanation, decays, computed_at)
    select ${workspaceId}, s.lead_id, s.score, s.rules_version, s.explanation, s.decays, ${computedAt}
    from unnest(${scores.map((s) => s.leadId)}::uuid[], ${scores.map((s) => s.score)}::numeric[],
      ${scores.map((s) => s.rulesVersion)}::integer[], ${scores.map((s) => JSON.stringify(s.explanation))}::jsonb[],
      ${scores.map((s) => s.decays)}::boolean[]) as s(lead_id, score, rules_version, explanation, decays)
    on conflict (workspace_id, lead_id) do update set score = excluded.score,
      rules_version = excluded.rules_version, explanation = excluded.explanation, decays = excluded.decays,
      computed_at = excluded.computed_at`.execute(trx.withoutPlugins());
}

export async function deleteLeadScores(
  trx: Tx,
  workspaceId: string,
  leadIds: readonly string[],
): Promise<void> {
  if (leadIds.length === 0) return;
  await sql`delete from lead_scores where workspace_id = ${workspaceId} and lead_id = any(${leadIds}::uuid[])`.execute(
    trx.withoutPlugins(),
  );
}

export async function selectLeadScore(
  trx: Tx,
  workspaceId: string,
  leadId: string,
): Promise<LeadScoreRow | undefined> {
  const { rows } = await sql<LeadScoreRow>`
    select lead_id as "leadId", score::text as score, rules_version as "rulesVersion", explanation, decays,
      computed_at as "computedAt"
    from lead_scores where workspace_id = ${workspaceId} and lead_id = ${leadId}`.execute(
    trx.withoutPlugins(),
  );
  return rows[0];
}

/** A page of leads whose scores hold decaying points, after `afterId` (keyset on the partial index). */
export async function selectDecayingLeadIds(
  trx: Tx,
  workspaceId: string,
  afterId: string | null,
  limit: number,
): Promise<string[]> {
  const { rows } = await sql<{ leadId: string }>`
    select lead_id as "leadId" from lead_scores
    where workspace_id = ${workspaceId} and decays ${afterId ? sql`and lead_id > ${afterId}` : sql``}
    order by lead_id limit ${limit}`.execute(trx.withoutPlugins());
  return rows.map((r) => r.leadId);
}

/** Workspaces with enabled decaying rules (across workspaces, through an owner-run function: ids only). */
export async function selectDecayWorkspaces(db: Database): Promise<string[]> {
  const { rows } = await sql<{ workspaceId: string }>`
    select workspace_id as "workspaceId" from rabita_scoring_decay_workspaces()`.execute(db.withoutPlugins());
  return rows.map((r) => r.workspaceId);
}
