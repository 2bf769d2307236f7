/** Query keys of the auth module: the signed-in caller, the workspace's API keys, two-step sign-in, passkeys. */
export const authKeys = {
  me: ['me'] as const,
  apiKeys: ['api-keys'] as const,
  mfa: ['me', 'mfa'] as const,
  passkeys: ['me', 'passkeys'] as const,
  mfaPolicy: ['workspace', 'mfa-policy'] as const,
};
