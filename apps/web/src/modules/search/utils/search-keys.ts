/** Query keys of the search module. */
export const searchKeys = {
  query: (q: string) => ['search', q] as const,
};
