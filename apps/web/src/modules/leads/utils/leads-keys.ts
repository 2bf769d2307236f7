/** Query keys of the leads module. */
export const leadsKeys = {
  all: ['leads-module'] as const,
  matches: (id: string) => ['leads-module', 'matches', id] as const,
  conversion: (id: string) => ['leads-module', 'conversion', id] as const,
  assignment: (id: string) => ['leads-module', 'assignment', id] as const,
  rules: ['leads-module', 'rules'] as const,
  away: ['leads-module', 'away'] as const,
  score: (id: string) => ['leads-module', 'score', id] as const,
  scoringRules: ['leads-module', 'scoring-rules'] as const,
};

/** The assignment strategies the server knows, in the order the editor offers them. */
export const STRATEGIES = ['roundRobin', 'weighted', 'leastLoad', 'fixed'] as const;
export type Strategy = (typeof STRATEGIES)[number];
