/** Query keys of the leads module. */
export const leadsKeys = {
  all: ['leads-module'] as const,
  matches: (id: string) => ['leads-module', 'matches', id] as const,
  conversion: (id: string) => ['leads-module', 'conversion', id] as const,
  assignment: (id: string) => ['leads-module', 'assignment', id] as const,
  rules: ['leads-module', 'rules'] as const,
  away: ['leads-module', 'away'] as const,
  capacity: ['leads-module', 'capacity'] as const,
  score: (id: string) => ['leads-module', 'score', id] as const,
  scoringRules: ['leads-module', 'scoring-rules'] as const,
  calendars: ['leads-module', 'calendars'] as const,
};

/** The assignment strategies the server knows, in the order the editor offers them. */
export const STRATEGIES = ['roundRobin', 'weighted', 'leastLoad', 'fixed', 'territory'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** The levels of a member's territory, as the editor lists them (most general first). */
export const TERRITORY_LEVELS = ['countries', 'regions', 'cities', 'postalCodes', 'industries'] as const;
export type TerritoryLevel = (typeof TERRITORY_LEVELS)[number];
export type Territory = Partial<Record<TerritoryLevel, string[]>>;

/** A territory without its empty levels, or undefined when nothing is left (the server's shape). */
export function compactTerritory(territory: Territory | undefined): Territory | undefined {
  if (!territory) return undefined;
  const out: Territory = {};
  for (const level of TERRITORY_LEVELS) {
    const values = territory[level]?.map((v) => v.trim()).filter(Boolean) ?? [];
    if (values.length > 0) out[level] = values;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
