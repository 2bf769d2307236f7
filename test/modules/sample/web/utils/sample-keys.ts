/** Query keys of the sample module: the summary its settings tab and record panel show. */
export const sampleKeys = {
  all: ['sample'] as const,
  summary: ['sample', 'summary'] as const,
};
