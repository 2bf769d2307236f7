import { z } from 'zod';

const code = z.string().trim().min(6).max(10);
const recoveryCode = z.string().trim().min(16).max(40);

/** A second factor: a code from the authenticator, or one recovery code. */
export const secondFactorBody = z
  .object({ code: code.optional(), recoveryCode: recoveryCode.optional() })
  .refine((b) => (b.code === undefined) !== (b.recoveryCode === undefined), {
    message: 'Give either code or recoveryCode.',
    path: ['code'],
  });

export const mfaSignInBody = z
  .object({
    challenge: z.string().min(10).max(200),
    code: code.optional(),
    recoveryCode: recoveryCode.optional(),
    /** Skip the second factor on this browser for 30 days. */
    rememberDevice: z.boolean().optional(),
  })
  .refine((b) => (b.code === undefined) !== (b.recoveryCode === undefined), {
    message: 'Give either code or recoveryCode.',
    path: ['code'],
  });

export const challengeBody = z.object({ challenge: z.string().min(10).max(200) });
export const confirmEnrollmentBody = z.object({ code });
export const confirmEnrollmentAtSignInBody = z.object({ challenge: z.string().min(10).max(200), code });

export const totpEnrollmentSchema = z
  .object({
    /** The secret in base32, for typing into an authenticator by hand. */
    secret: z.string(),
    /** The otpauth:// address the QR code holds. */
    uri: z.string(),
    /** The QR code as a PNG data: URL. */
    qrCode: z.string(),
  })
  .meta({ id: 'TotpEnrollment' });

export const recoveryCodesSchema = z
  .object({ recoveryCodes: z.array(z.string()) })
  .meta({ id: 'RecoveryCodes' });

export const mfaStatusSchema = z
  .object({
    totp: z.boolean(),
    recoveryCodesLeft: z.number().int(),
    /** Whether your role in this workspace requires a second factor. */
    requiredByRole: z.boolean(),
  })
  .meta({ id: 'MfaStatus' });

export const mfaPolicySchema = z
  .object({ requiredRoles: z.array(z.string().min(1).max(50)).max(100) })
  .meta({ id: 'MfaPolicy' });
