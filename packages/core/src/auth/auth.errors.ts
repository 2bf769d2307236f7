// The accounts module's error codes and their HTTP statuses (declared once here for the type, and in the
// manifest for the edge).

declare module '../errors/app-error.ts' {
  interface ErrorStatuses {
    invalid_credentials: 401;
    signup_closed: 403;
    email_taken: 409;
    invitation_invalid: 410;
    invitation_sign_in_required: 401;
    invitation_other_account: 403;
    invalid_mfa_code: 401;
    mfa_challenge_invalid: 401;
    mfa_enrollment_required: 403;
    passkey_challenge_invalid: 400;
    recent_sign_in_required: 403;
  }
}

export const AUTH_ERRORS = {
  invalid_credentials: 401,
  signup_closed: 403,
  email_taken: 409,
  invitation_invalid: 410,
  invitation_sign_in_required: 401,
  invitation_other_account: 403,
  invalid_mfa_code: 401,
  mfa_challenge_invalid: 401,
  mfa_enrollment_required: 403,
  /** A passkey ceremony's challenge is unknown, expired, already used, or was made for someone else. */
  passkey_challenge_invalid: 400,
  /** Removing a passkey long after signing in needs the password or a second factor. */
  recent_sign_in_required: 403,
} as const;
