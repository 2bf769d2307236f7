/** Query keys of the reports module. */
export const reportsKeys = {
  all: ['reports'] as const,
  list: ['reports', 'list'] as const,
  metrics: ['reports', 'metrics'] as const,
  one: (id: string) => ['reports', 'one', id] as const,
  run: (id: string, extra: unknown) => ['reports', 'run', id, extra] as const,
  preview: (definition: unknown) => ['reports', 'preview', definition] as const,
};
