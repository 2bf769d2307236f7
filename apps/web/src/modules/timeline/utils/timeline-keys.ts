/** Query keys of the timeline module. */
export const timelineKeys = {
  all: ['timeline'] as const,
  record: (object: string, id: string) => ['timeline', object, id] as const,
};
