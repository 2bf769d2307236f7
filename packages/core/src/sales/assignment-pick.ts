import type { TerritoryMatch } from '../assignment/territory.ts';
import type { PoolMember, Strategy } from './assignment.repository.ts';

// The picking itself is shared with the service desk (assignment/pick.ts, assignment/territory.ts); leads keep
// their reasons here.
export { pickMember, weightedOrder } from '../assignment/pick.ts';

const STRATEGY_WORDS: Record<Strategy, string> = {
  roundRobin: 'round robin',
  weighted: 'weighted round robin',
  leastLoad: 'least open load',
  fixed: 'fixed owner',
  territory: 'territory',
};

const LEVEL_WORDS: Record<TerritoryMatch['level'], string> = {
  postalCode: 'postal code',
  city: 'city',
  region: 'region',
  country: 'country',
  industry: 'industry',
};

/**
 * The reason shown on the lead, in English ("round robin in Tehran team; Omid was away; Sara was at capacity",
 * "territory Tehran (city) in Iran team"); the assignment's `detail` holds the parts the web app says in the
 * reader's language.
 */
export function reasonText(
  strategy: Strategy,
  ruleName: string,
  skipped: { away: readonly PoolMember[]; atCapacity: readonly PoolMember[] },
  match?: TerritoryMatch | undefined,
): string {
  const part = (members: readonly PoolMember[], what: string) =>
    members.length === 0
      ? ''
      : `; ${members.map((m) => m.name).join(', ')} ${members.length === 1 ? 'was' : 'were'} ${what}`;
  const how = match ? `territory ${match.value} (${LEVEL_WORDS[match.level]})` : STRATEGY_WORDS[strategy];
  return `${how} in ${ruleName}${part(skipped.away, 'away')}${part(skipped.atCapacity, 'at capacity')}`;
}

/** The words a re-assignment's reason starts with ("re-assigned: untouched for 4 business hours"). */
export function reassignedText(hours: number, business: boolean): string {
  return `re-assigned: untouched for ${hours} ${business ? 'business ' : ''}hour${hours === 1 ? '' : 's'}`;
}
