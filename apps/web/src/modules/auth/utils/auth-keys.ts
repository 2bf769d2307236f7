/** Query keys of the auth module: the signed-in caller and the workspace's API keys. */
export const authKeys = {
  me: ['me'] as const,
  apiKeys: ['api-keys'] as const,
};
