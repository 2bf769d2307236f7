/** Query keys of the imports module. */
export const importKeys = {
  status: (id: string | null) => ['import', id] as const,
};
