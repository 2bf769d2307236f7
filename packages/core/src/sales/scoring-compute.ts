// The arithmetic of a lead's score, apart from the database: which rules gave points, how activity points decay,
// and the explanation that lists them. The clock is passed in, so decay is tested without waiting.

/** A scoring rule as the computation needs it. */
export interface ScoringRule {
  id: string;
  name: string;
  revision: number;
  kind: 'field' | 'activity';
  /** The lead fields (and `relation.field` paths) a field rule's condition reads. */
  reads: string[];
  activityType: string | null;
  points: number;
  halfLifeDays: number | null;
}

/** What a rule gave a lead. `source` says who explained it: `rules` now, a trained model later. */
export interface Reason {
  source: 'rules' | 'model';
  kind: 'field' | 'activity';
  ruleId: string;
  rule: string;
  revision: number;
  points: number;
  /** For a field rule, when the score was computed; for activities, the (newest) activity's time. */
  at: string;
  /** Field rules: the lead fields the condition reads (kept to decide who may see the reason). */
  reads?: string[] | undefined;
  /** Activity rules: the kind, the activities (several when older ones are summed into one reason). */
  activityType?: string | undefined;
  activityIds?: string[] | undefined;
  /** Activity rules: the points before decay, and the half-life that decayed them. */
  basePoints?: number | undefined;
  halfLifeDays?: number | undefined;
}

export interface LeadFacts {
  /** The field rules whose condition the lead meets. */
  matched: ReadonlySet<string>;
  /** The lead's live activities (newest first). */
  activities: readonly { activityId: string; type: string; at: Date }[];
}

export interface ComputedScore {
  score: string;
  explanation: Reason[];
  /** Whether any points will decay with time (the nightly job recomputes such leads). */
  decays: boolean;
}

/** Activity reasons kept one per activity per rule; older ones are summed into one reason. */
export const ACTIVITY_REASONS_PER_RULE = 10;
const DAY_MS = 86_400_000;

/** Rounds to two decimals (points after decay), avoiding -0. */
export function round2(n: number): number {
  const r = Math.round(n * 100) / 100;
  return r === 0 ? 0 : r;
}

/** Points left after decay: halved every `halfLifeDays` since `at` (nothing lost for a time not yet past). */
export function decayed(points: number, at: Date, now: Date, halfLifeDays: number | null): number {
  if (halfLifeDays === null) return points;
  const ageDays = Math.max(0, now.getTime() - at.getTime()) / DAY_MS;
  return points * 0.5 ** (ageDays / halfLifeDays);
}

/** A lead's score from the enabled rules and what is known of the lead, at `now`. */
export function computeScore(rules: readonly ScoringRule[], facts: LeadFacts, now: Date): ComputedScore {
  const explanation: Reason[] = [];
  let cents = 0;
  let decays = false;
  const base = (rule: ScoringRule) => ({
    source: 'rules' as const,
    kind: rule.kind,
    ruleId: rule.id,
    rule: rule.name,
    revision: rule.revision,
  });
  for (const rule of rules) {
    if (rule.kind === 'field') {
      if (!facts.matched.has(rule.id) || rule.points === 0) continue;
      explanation.push({ ...base(rule), points: rule.points, at: now.toISOString(), reads: rule.reads });
      cents += rule.points * 100;
      continue;
    }
    const mine = facts.activities.filter((a) => a.type === rule.activityType);
    if (mine.length === 0 || rule.points === 0) continue;
    if (rule.halfLifeDays !== null) decays = true;
    const each = mine.map((a) => ({ a, points: round2(decayed(rule.points, a.at, now, rule.halfLifeDays)) }));
    const shown = each.slice(0, ACTIVITY_REASONS_PER_RULE);
    const older = each.slice(ACTIVITY_REASONS_PER_RULE);
    const activityReason = (group: typeof each) => ({
      ...base(rule),
      points: round2(group.reduce((sum, g) => sum + g.points, 0)),
      at: group[0]!.a.at.toISOString(),
      activityType: rule.activityType ?? undefined,
      activityIds: group.map((g) => g.a.activityId),
      basePoints: rule.points * group.length,
      halfLifeDays: rule.halfLifeDays ?? undefined,
    });
    for (const g of shown) explanation.push(activityReason([g]));
    if (older.length > 0) explanation.push(activityReason(older));
    for (const g of each) cents += Math.round(g.points * 100);
  }
  const score = Math.round(cents) / 100;
  return { score: String(score === 0 ? 0 : score), explanation, decays };
}

/** The field paths a filter tree names (`field` of every leaf under `and`, `or` and `not`). */
export function fieldsRead(tree: unknown, out = new Set<string>(), depth = 0): string[] {
  if (depth > 20 || tree === null || typeof tree !== 'object') return [...out];
  if (Array.isArray(tree)) {
    for (const item of tree) fieldsRead(item, out, depth + 1);
    return [...out];
  }
  const node = tree as Record<string, unknown>;
  if (typeof node.field === 'string') out.add(node.field);
  for (const key of ['and', 'or', 'not']) if (key in node) fieldsRead(node[key], out, depth + 1);
  return [...out];
}
