/** Query keys of the metadata module: the objects and their fields. */
export const metadataKeys = {
  objects: ['objects'] as const,
};
