import { z } from 'zod';

// base64url, as WebAuthn's JSON forms carry binary values.
const b64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'Not base64url.');

const transports = z
  .array(
    z
      .string()
      .max(30)
      .regex(/^[a-z-]+$/),
  )
  .max(10);
const userVerification = z.enum(['required', 'preferred', 'discouraged']);
const descriptor = z.object({ id: z.string(), type: z.string(), transports: transports.optional() });

/** What `navigator.credentials.create()` is given, in its JSON form (`@simplewebauthn/browser` takes it as is). */
export const registrationOptionsSchema = z
  .object({
    rp: z.object({ name: z.string(), id: z.string().optional() }),
    user: z.object({ id: z.string(), name: z.string(), displayName: z.string() }),
    challenge: z.string(),
    pubKeyCredParams: z.array(z.object({ alg: z.number().int(), type: z.literal('public-key') })),
    timeout: z.number().int().optional(),
    excludeCredentials: z.array(descriptor).optional(),
    authenticatorSelection: z
      .object({
        authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
        requireResidentKey: z.boolean().optional(),
        residentKey: z.enum(['required', 'preferred', 'discouraged']).optional(),
        userVerification: userVerification.optional(),
      })
      .optional(),
    hints: z.array(z.enum(['hybrid', 'security-key', 'client-device'])).optional(),
    attestation: z.enum(['direct', 'enterprise', 'indirect', 'none']).optional(),
    extensions: z.object({ credProps: z.boolean().optional() }).optional(),
  })
  .meta({ id: 'PasskeyRegistrationOptions' });

/** What `navigator.credentials.get()` is given, in its JSON form. */
export const authenticationOptionsSchema = z
  .object({
    challenge: z.string(),
    timeout: z.number().int().optional(),
    rpId: z.string().optional(),
    allowCredentials: z.array(descriptor).optional(),
    userVerification: userVerification.optional(),
  })
  .meta({ id: 'PasskeyAuthenticationOptions' });

const clientExtensionResults = z
  .object({ credProps: z.object({ rk: z.boolean().optional() }).optional() })
  .optional()
  .default({});

// What every credential answer carries, whichever the ceremony.
const credentialAnswer = z.object({
  id: b64url(1400),
  rawId: b64url(1400),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  clientExtensionResults,
});

/** The browser's answer to a registration, as `@simplewebauthn/browser`'s `startRegistration()` gives it. */
export const registrationResponseSchema = credentialAnswer
  .extend({
    response: z.object({
      clientDataJSON: b64url(20_000),
      attestationObject: b64url(100_000),
      authenticatorData: b64url(100_000).optional(),
      transports: transports.optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: b64url(20_000).optional(),
    }),
  })
  .meta({ id: 'PasskeyRegistrationResponse' });

/** The browser's answer to an assertion, as `@simplewebauthn/browser`'s `startAuthentication()` gives it. */
export const authenticationResponseSchema = credentialAnswer
  .extend({
    response: z.object({
      clientDataJSON: b64url(20_000),
      authenticatorData: b64url(20_000),
      signature: b64url(20_000),
      userHandle: b64url(1000).optional(),
    }),
  })
  .meta({ id: 'PasskeyAuthenticationResponse' });

const passkeyName = z.string().trim().min(1).max(100);

export const registerPasskeyBody = z.object({ name: passkeyName, credential: registrationResponseSchema });
export const renamePasskeyBody = z.object({ name: passkeyName });
export const passkeyIdParams = z.object({ id: z.uuid() });

/**
 * Proof for removing a passkey when the session is not recent: the password, or a current second factor (a code
 * from the authenticator or a recovery code). None is needed within ten minutes of signing in.
 */
export const removePasskeyBody = z
  .object({
    password: z.string().min(1).max(1024).optional(),
    code: z.string().trim().min(6).max(10).optional(),
    recoveryCode: z.string().trim().min(16).max(40).optional(),
  })
  .refine((b) => [b.password, b.code, b.recoveryCode].filter((v) => v !== undefined).length <= 1, {
    message: 'Give at most one of password, code and recoveryCode.',
    path: ['password'],
  });

export const secondStepOptionsBody = z.object({ challenge: z.string().min(10).max(200) });
export const secondStepBody = z.object({
  challenge: z.string().min(10).max(200),
  credential: authenticationResponseSchema,
  /** Skip the second factor on this browser for 30 days. */
  rememberDevice: z.boolean().optional(),
});
export const passkeySignInBody = z.object({ credential: authenticationResponseSchema });

export const passkeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: 'Passkey' });

export const passkeyListSchema = z.object({ data: z.array(passkeySchema) }).meta({ id: 'PasskeyList' });
