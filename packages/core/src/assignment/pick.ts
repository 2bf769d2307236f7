// Pure picking shared by the modules that assign work (sales' leads, the service desk's tickets): no database, no
// module's types. Each module decides who may be picked and what a load is; these functions only choose.

/** Someone who may be picked: a user, with a weight for weighted round robin (1 when absent). */
export interface Candidate {
  userId: string;
  weight?: number | undefined;
}

export type PickStrategy = 'roundRobin' | 'weighted' | 'leastLoad' | 'fixed';

/** Whom a pick chose, where the round-robin turn goes next, and who was skipped (away, full, unskilled…). */
export interface Pick<M extends Candidate> {
  member: M | undefined;
  nextTurn: bigint;
  skipped: M[];
}

/**
 * The turn order of a weighted pool: smooth weighted round robin (as nginx spreads requests), so weights 3 and 1
 * give A A B A rather than A A A B, and one cycle holds each member as often as its weight.
 */
export function weightedOrder<M extends Candidate>(pool: readonly M[]): M[] {
  const weightOf = (m: M) => m.weight ?? 1;
  const total = pool.reduce((sum, m) => sum + weightOf(m), 0);
  const current = pool.map(() => 0);
  const order: M[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < pool.length; i++) {
      current[i]! += weightOf(pool[i]!);
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    order.push(pool[best]!);
  }
  return order;
}

/**
 * Picks a member of the pool by strategy, skipping the members in `skip` (away, or otherwise not eligible). Round
 * robin and weighted walk the turn order from `turn` (the rule's cursor) to the first member not skipped; least
 * load takes the eligible member with the smallest load (ties in pool order); fixed takes the pool's first member
 * unless skipped.
 */
export function pickMember<M extends Candidate>(
  strategy: PickStrategy,
  pool: readonly M[],
  turn: bigint,
  skip: ReadonlySet<string>,
  loads: ReadonlyMap<string, number>,
): Pick<M> {
  const skipped: M[] = [];
  const pass = (m: M) => {
    if (!skipped.some((s) => s.userId === m.userId)) skipped.push(m);
  };
  if (strategy === 'fixed') {
    const owner = pool[0];
    if (owner && skip.has(owner.userId)) return { member: undefined, nextTurn: turn, skipped: [owner] };
    return { member: owner, nextTurn: turn, skipped };
  }
  if (strategy === 'leastLoad') {
    let best: M | undefined;
    for (const m of pool) {
      if (skip.has(m.userId)) {
        pass(m);
        continue;
      }
      if (!best || (loads.get(m.userId) ?? 0) < (loads.get(best.userId) ?? 0)) best = m;
    }
    return { member: best, nextTurn: turn, skipped };
  }
  const order = strategy === 'weighted' ? weightedOrder(pool) : [...pool];
  const n = BigInt(order.length);
  if (n === 0n) return { member: undefined, nextTurn: turn, skipped };
  for (let i = 0n; i < n; i++) {
    const m = order[Number((turn + i) % n)]!;
    if (!skip.has(m.userId)) return { member: m, nextTurn: turn + i + 1n, skipped };
    pass(m);
  }
  return { member: undefined, nextTurn: turn, skipped };
}
