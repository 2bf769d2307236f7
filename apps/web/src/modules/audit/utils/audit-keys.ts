/** Query keys of the audit module. */
export const auditKeys = {
  all: ['audit-events'] as const,
  list: (kind: string | null) => ['audit-events', kind ?? '*'] as const,
};

/** The kinds of security event the server records (the filter's choices). */
export const AUDIT_KINDS = [
  'auth.signed_in',
  'auth.sign_in_failed',
  'auth.signed_out',
  'auth.password_changed',
  'auth.mfa_enabled',
  'auth.mfa_disabled',
  'auth.passkey_added',
  'auth.passkey_removed',
  'member.invited',
  'member.joined',
  'member.role_changed',
  'member.removed',
  'invitation.revoked',
  'role.created',
  'role.updated',
  'api_key.created',
  'api_key.revoked',
  'workspace.updated',
  'records.exported',
  'import.started',
  'import.finished',
] as const;
