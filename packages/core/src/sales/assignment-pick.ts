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
 * The reason shown on the lead, in English ("round robin in Tehran team; Sara was away", "territory Tehran (city)
 * in Iran team"); the assignment's `detail` holds the parts the web app says in the reader's language.
 */
export function reasonText(
  strategy: Strategy,
  ruleName: string,
  skipped: readonly PoolMember[],
  match?: TerritoryMatch | undefined,
): string {
  const away =
    skipped.length === 0
      ? ''
      : `; ${skipped.map((m) => m.name).join(', ')} ${skipped.length === 1 ? 'was' : 'were'} away`;
  const how = match ? `territory ${match.value} (${LEVEL_WORDS[match.level]})` : STRATEGY_WORDS[strategy];
  return `${how} in ${ruleName}${away}`;
}

/** The words a re-assignment's reason starts with ("re-assigned: untouched for 4 business hours"). */
export function reassignedText(hours: number, business: boolean): string {
  return `re-assigned: untouched for ${hours} ${business ? 'business ' : ''}hour${hours === 1 ? '' : 's'}`;
}
