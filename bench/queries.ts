// The options of the benchmark's list and group-by scenarios, shared by `run.ts` and `explain.ts`.

/** People filtered by a standard and a custom field, sorted by name: the list scenario's first page. */
export const LIST_OPTIONS = {
  filter: {
    and: [
      { field: 'lifecycleStage', op: 'eq', value: 'customer' },
      { field: 'loyaltyTier', op: 'in', value: ['gold', 'platinum'] },
    ],
  },
  sort: 'lastName,firstName',
  limit: 50,
};

/** Deals summed by stage and owner over the whole table. */
export const GROUP_BY = {
  groupBy: ['stage', 'owner'],
  metrics: [{ fn: 'sum' as const, field: 'amount' }, { fn: 'count' as const }],
};
