import { randomBytes } from 'node:crypto';
import { type Database, withWorkspace } from '@rabita/db';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { actorOf, recordSecurityEvent, recordSecurityEventForUser } from '../audit/audit.service.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { listRoles } from '../roles/roles.repository.ts';
import { findUserByEmail, getUser } from '../users/users.service.ts';
import {
  countUnusedRecoveryCodes,
  deleteTotp,
  findTotp,
  forgetRememberedDevices,
  listMfaRequiredRoleIds,
  memberRoleRequiresMfa,
  replaceMfaRequiredRoles,
  replaceRecoveryCodes,
  upsertPendingTotp,
  useRecoveryCode,
  useTotpStep,
} from './mfa.repository.ts';
import type { SecretBox } from './secret-box.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';
import { hashToken } from './tokens.ts';

const PERIOD = 30;
const RECOVERY_CODES = 10;
// Crockford-style base32 without the look-alikes I, L, O, U: 16 characters carry 80 random bits.
const RECOVERY_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function totpFor(secret: Secret, label = 'Rabita'): TOTP {
  return new TOTP({ issuer: 'Rabita', label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret });
}

/** A fresh recovery code, `XXXX-XXXX-XXXX-XXXX`. */
function newRecoveryCode(): string {
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b % 32]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/** Recovery codes compare without case, spaces or dashes. */
function recoveryCodeHash(code: string): Buffer {
  return hashToken(code.toUpperCase().replace(/[^0-9A-Z]/g, ''));
}

/** The second-factor state of a person, as their settings show it. */
export async function getMfaStatus(
  db: Database,
  userId: string,
): Promise<{ totp: boolean; recoveryCodesLeft: number }> {
  const totp = await findTotp(db, userId);
  const confirmed = Boolean(totp?.confirmedAt);
  return { totp: confirmed, recoveryCodesLeft: confirmed ? await countUnusedRecoveryCodes(db, userId) : 0 };
}

/** True when the person has a confirmed authenticator. */
export async function hasMfa(db: Database, userId: string): Promise<boolean> {
  return Boolean((await findTotp(db, userId))?.confirmedAt);
}

/**
 * Starts setting up an authenticator: a new secret (stored encrypted, unconfirmed until a first code matches),
 * its otpauth:// address and the same as a QR image. Refused when one is already confirmed.
 */
export async function startTotpEnrollment(
  db: Database,
  box: SecretBox,
  userId: string,
): Promise<{ secret: string; uri: string; qrCode: string }> {
  const user = await getUser(db, userId);
  const secret = new Secret({ size: 20 });
  const stored = await upsertPendingTotp(db, userId, box.seal(secret.base32));
  if (!stored) {
    throw new AppError(
      'conflict',
      'An authenticator is already set up; turn it off first to set up another.',
    );
  }
  const uri = totpFor(secret, user.email).toString();
  const qrCode = await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 240 });
  return { secret: secret.base32, uri, qrCode };
}

/** Confirms a new authenticator with its first code; returns ten recovery codes, shown only now. */
export async function confirmTotpEnrollment(
  db: Database,
  box: SecretBox,
  throttle: SignInThrottle,
  input: { userId: string; code: string; ip: string; userAgent?: string | undefined },
): Promise<{ recoveryCodes: string[] }> {
  const totp = await findTotp(db, input.userId);
  if (!totp) throw new AppError('not_found', 'Start setting up an authenticator first.');
  if (totp.confirmedAt) throw new AppError('conflict', 'The authenticator is already set up.');
  await verifySecondFactor(db, box, throttle, {
    userId: input.userId,
    factor: { code: input.code },
    ip: input.ip,
    enrolling: true,
  });
  const codes = await newRecoveryCodes(db, input.userId);
  await recordSecurityEventForUser(db, input.userId, {
    kind: 'auth.mfa_enabled',
    actorUserId: input.userId,
    subject: input.userId,
    ip: input.ip,
    userAgent: input.userAgent ?? null,
  });
  return { recoveryCodes: codes };
}

async function newRecoveryCodes(db: Database, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await replaceRecoveryCodes(db, userId, codes.map(recoveryCodeHash));
  return codes;
}

/** Checks a code from the authenticator: within one step of now, and never a step already used. */
async function totpMatches(db: Database, box: SecretBox, userId: string, code: string): Promise<boolean> {
  const totp = await findTotp(db, userId);
  if (!totp) return false;
  const token = code.replace(/\s/g, '');
  if (!/^\d{6}$/.test(token)) return false;
  const secret = Secret.fromBase32(box.open(totp.secretEncrypted));
  const now = Date.now();
  const delta = totpFor(secret).validate({ token, timestamp: now, window: 1 });
  if (delta === null) return false;
  return useTotpStep(db, userId, TOTP.counter({ period: PERIOD, timestamp: now }) + delta);
}

/** The second factor a person gives: a code from the authenticator or one of their recovery codes. */
export interface SecondFactor {
  code?: string | undefined;
  recoveryCode?: string | undefined;
}

async function secondFactorMatches(
  db: Database,
  box: SecretBox,
  userId: string,
  factor: SecondFactor,
  enrolling: boolean,
): Promise<boolean> {
  if (factor.code) {
    return (enrolling || (await hasMfa(db, userId))) && totpMatches(db, box, userId, factor.code);
  }
  if (factor.recoveryCode) return useRecoveryCode(db, userId, recoveryCodeHash(factor.recoveryCode));
  return false;
}

const mfaKey = (userId: string) => `mfa:${userId}`;

/**
 * Checks a second factor (`enrolling`: the first code of an authenticator being set up) under the sign-in throttle (its own key per person, so codes are slowed down like
 * passwords); throws `invalid_mfa_code` when it does not match.
 */
export async function verifySecondFactor(
  db: Database,
  box: SecretBox,
  throttle: SignInThrottle,
  input: {
    userId: string;
    factor: SecondFactor;
    ip: string;
    userAgent?: string | undefined;
    knownDevice?: boolean;
    enrolling?: boolean;
  },
): Promise<void> {
  const key = mfaKey(input.userId);
  await throttle.check(key, input.ip, { knownDevice: input.knownDevice ?? false });
  if (!(await secondFactorMatches(db, box, input.userId, input.factor, input.enrolling ?? false))) {
    await throttle.fail(key, input.ip);
    await recordSecurityEventForUser(db, input.userId, {
      kind: 'auth.sign_in_failed',
      actorUserId: null,
      subject: input.userId,
      details: { reason: input.factor.recoveryCode ? 'recovery_code' : 'code' },
      ip: input.ip,
      userAgent: input.userAgent ?? null,
    });
    throw new AppError('invalid_mfa_code', 'The code is not correct, or was already used.', {
      errors: [{ field: input.factor.recoveryCode ? 'recoveryCode' : 'code', message: 'Not correct.' }],
    });
  }
  await throttle.succeed(key, input.ip);
}

/** New recovery codes (the old ones stop working), given a current second factor. */
export async function regenerateRecoveryCodes(
  db: Database,
  box: SecretBox,
  throttle: SignInThrottle,
  input: { userId: string; factor: SecondFactor; ip: string; userAgent?: string | undefined },
): Promise<{ recoveryCodes: string[] }> {
  if (!(await hasMfa(db, input.userId))) throw new AppError('not_found', 'No authenticator is set up.');
  await verifySecondFactor(db, box, throttle, input);
  return { recoveryCodes: await newRecoveryCodes(db, input.userId) };
}

/**
 * Turns the second factor off, given a current code (or a recovery code). Refused while a role of the person in
 * `workspaceId` requires one.
 */
export async function disableMfa(
  db: Database,
  box: SecretBox,
  throttle: SignInThrottle,
  input: {
    userId: string;
    workspaceId: string;
    factor: SecondFactor;
    ip: string;
    userAgent?: string | undefined;
  },
): Promise<void> {
  if (!(await hasMfa(db, input.userId))) throw new AppError('not_found', 'No authenticator is set up.');
  if (await roleRequiresMfa(db, input.workspaceId, input.userId)) {
    throw new AppError('forbidden', 'Your role in this workspace requires a second factor.');
  }
  await verifySecondFactor(db, box, throttle, input);
  await deleteTotp(db, input.userId);
  await forgetRememberedDevices(db, input.userId);
  await recordSecurityEventForUser(db, input.userId, {
    kind: 'auth.mfa_disabled',
    actorUserId: input.userId,
    subject: input.userId,
    ip: input.ip,
    userAgent: input.userAgent ?? null,
  });
}

/**
 * Removes a person's second factor for an operator (`rabita user reset-mfa`), when they lost both their
 * authenticator and their recovery codes; they sign in with their password and set it up again. False when the
 * email has no account or no second factor.
 */
export async function resetMfaByEmail(db: Database, email: string): Promise<boolean> {
  const user = await findUserByEmail(db, email);
  if (!user || !(await findTotp(db, user.id))) return false;
  await deleteTotp(db, user.id);
  await forgetRememberedDevices(db, user.id);
  await recordSecurityEventForUser(db, user.id, {
    kind: 'auth.mfa_disabled',
    actorUserId: null,
    subject: user.id,
    details: { by: 'operator' },
  });
  return true;
}

/** Whether the member's role in the workspace requires a second factor. */
export function roleRequiresMfa(db: Database, workspaceId: string, userId: string): Promise<boolean> {
  return withWorkspace(db, workspaceId, (trx) => memberRoleRequiresMfa(trx, workspaceId, userId));
}

/** The keys of the roles of the caller's workspace whose members must sign in with a second factor. */
export async function getMfaPolicy(ctx: ServiceContext): Promise<{ requiredRoles: string[] }> {
  const { workspaceId } = ctx.principal;
  return withWorkspace(ctx.db, workspaceId, async (trx) => {
    const [roles, required] = await Promise.all([
      listRoles(trx, workspaceId),
      listMfaRequiredRoleIds(trx, workspaceId),
    ]);
    return { requiredRoles: roles.filter((r) => required.includes(r.id)).map((r) => r.key) };
  });
}

/** Sets which roles require a second factor; their members are asked to set one up at their next sign-in. */
export async function setMfaPolicy(
  ctx: ServiceContext,
  input: { requiredRoles: string[] },
): Promise<{ requiredRoles: string[] }> {
  const { workspaceId } = ctx.principal;
  return withWorkspace(ctx.db, workspaceId, async (trx) => {
    const roles = await listRoles(trx, workspaceId);
    const unknown = input.requiredRoles
      .map((key, i) => ({ key, i }))
      .filter(({ key }) => !roles.some((r) => r.key === key));
    if (unknown.length > 0) {
      throw new AppError('validation_failed', 'Some roles do not exist in this workspace.', {
        errors: unknown.map(({ i }) => ({ field: `requiredRoles.${i}`, message: 'Unknown role.' })),
      });
    }
    const ids = roles.filter((r) => input.requiredRoles.includes(r.key)).map((r) => r.id);
    await replaceMfaRequiredRoles(trx, workspaceId, ids);
    await recordSecurityEvent(trx, {
      ...actorOf(ctx),
      kind: 'role.updated',
      subject: 'mfa-policy',
      details: { mfaRequiredRoles: input.requiredRoles },
    });
    return { requiredRoles: roles.filter((r) => ids.includes(r.id)).map((r) => r.key) };
  });
}
