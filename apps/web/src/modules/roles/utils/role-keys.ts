/** Query keys of the roles module. */
export const roleKeys = {
  all: ['roles'] as const,
};
