/** Query keys of the workflows module. */
export const workflowKeys = {
  all: ['workflows'] as const,
  list: ['workflows', 'list'] as const,
  events: ['workflows', 'events'] as const,
  one: (id: string) => ['workflows', 'one', id] as const,
  allRuns: ['workflows', 'runs'] as const,
  versions: (id: string) => ['workflows', 'versions', id] as const,
  runs: (filter: {
    workflowId: string | null;
    status: string | null;
    recordId?: string | null;
    from?: string | null;
    to?: string | null;
  }) =>
    [
      'workflows',
      'runs',
      filter.workflowId ?? '*',
      filter.status ?? '*',
      filter.recordId ?? '*',
      filter.from ?? '*',
      filter.to ?? '*',
    ] as const,
  run: (id: string) => ['workflows', 'run', id] as const,
};
