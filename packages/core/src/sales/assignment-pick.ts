import type { PoolMember, Strategy } from './assignment.repository.ts';

/** Whom a rule picks, where its round-robin turn goes next, and who was skipped as away. */
export interface Pick {
  member: PoolMember | undefined;
  nextTurn: bigint;
  skipped: PoolMember[];
}

/**
 * The turn order of a weighted pool: smooth weighted round robin (as nginx spreads requests), so weights 3 and 1
 * give A A B A rather than A A A B, and one cycle holds each member as often as its weight.
 */
export function weightedOrder(pool: readonly PoolMember[]): PoolMember[] {
  const total = pool.reduce((sum, m) => sum + m.weight, 0);
  const current = pool.map(() => 0);
  const order: PoolMember[] = [];
  for (let n = 0; n < total; n++) {
    let best = 0;
    for (let i = 0; i < pool.length; i++) {
      current[i]! += pool[i]!.weight;
      if (current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    order.push(pool[best]!);
  }
  return order;
}

/**
 * Picks a member of the pool by the rule's strategy, skipping members marked away. Round robin and weighted walk
 * the turn order from `turn` (the rule's cursor) to the first member present; least load takes the present member
 * with the fewest open leads (ties in pool order); fixed takes the pool's first member when present.
 */
export function pickMember(
  strategy: Strategy,
  pool: readonly PoolMember[],
  turn: bigint,
  away: ReadonlySet<string>,
  loads: ReadonlyMap<string, number>,
): Pick {
  const skipped: PoolMember[] = [];
  const skip = (m: PoolMember) => {
    if (!skipped.some((s) => s.userId === m.userId)) skipped.push(m);
  };
  if (strategy === 'fixed') {
    const owner = pool[0];
    if (owner && away.has(owner.userId)) return { member: undefined, nextTurn: turn, skipped: [owner] };
    return { member: owner, nextTurn: turn, skipped };
  }
  if (strategy === 'leastLoad') {
    let best: PoolMember | undefined;
    for (const m of pool) {
      if (away.has(m.userId)) {
        skip(m);
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
    if (!away.has(m.userId)) return { member: m, nextTurn: turn + i + 1n, skipped };
    skip(m);
  }
  return { member: undefined, nextTurn: turn, skipped };
}

const STRATEGY_WORDS: Record<Strategy, string> = {
  roundRobin: 'round robin',
  weighted: 'weighted round robin',
  leastLoad: 'least open load',
  fixed: 'fixed owner',
};

/** The reason shown on the lead, in English ("round robin in Tehran team; Sara was away"); `detail` localises. */
export function reasonText(strategy: Strategy, ruleName: string, skipped: readonly PoolMember[]): string {
  const away =
    skipped.length === 0
      ? ''
      : `; ${skipped.map((m) => m.name).join(', ')} ${skipped.length === 1 ? 'was' : 'were'} away`;
  return `${STRATEGY_WORDS[strategy]} in ${ruleName}${away}`;
}
