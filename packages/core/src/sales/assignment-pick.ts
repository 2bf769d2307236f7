import type { PoolMember, Strategy } from './assignment.repository.ts';

// The picking itself is shared with the service desk (assignment/pick.ts); leads keep their reasons here.
export { pickMember, weightedOrder } from '../assignment/pick.ts';

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
