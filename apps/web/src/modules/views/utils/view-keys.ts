/** Query keys of the views module. */
export const viewKeys = {
  forObject: (object: string) => ['views', object] as const,
};
