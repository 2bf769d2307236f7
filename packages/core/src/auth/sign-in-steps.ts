import type { Database } from '@rabita/db';
import { AppError } from '../errors/app-error.ts';
import {
  deleteChallenge,
  findChallenge,
  findKnownDevice,
  insertChallenge,
  insertKnownDevice,
  rememberDeviceForMfa,
} from './mfa.repository.ts';
import { hasMfa, roleRequiresMfa } from './mfa.service.ts';
import { hashToken, newToken } from './tokens.ts';

const CHALLENGE_MINUTES = 10;
const DEVICE_DAYS = 365;
export const REMEMBER_DEVICE_DAYS = 30;

/** The step after a right password when a second factor is asked for, or must first be set up. */
export interface SignInChallenge {
  step: 'code' | 'enroll';
  challenge: string;
  expiresAt: Date;
}

/** A browser the person signed in from before (by its `rabita_device` cookie). */
export interface KnownDevice {
  userId: string;
  mfaRemembered: boolean;
}

export async function knownDevice(db: Database, token: string | undefined): Promise<KnownDevice | undefined> {
  if (!token) return undefined;
  const row = await findKnownDevice(db, hashToken(token));
  return row && { userId: row.userId, mfaRemembered: (row.mfaRememberedUntil?.getTime() ?? 0) > Date.now() };
}

/**
 * What a person whose password (or invitation) was right must still do before a session opens in the workspace:
 * nothing, give a code (they have an authenticator and this browser is not remembered), or set one up (their role
 * requires it and they have none). `secondFactorDone` says the request already proved theirs (a signed-in session);
 * it does not pass a role's requirement for someone who has none.
 */
export async function secondFactorStep(
  db: Database,
  input: {
    userId: string;
    workspaceId: string;
    device: KnownDevice | undefined;
    secondFactorDone?: boolean;
    /**
     * A passkey was given (alone, with user verification, or after the password): two factors, which a role's
     * requirement accepts even from someone without an authenticator app.
     */
    passkeyUsed?: boolean;
  },
): Promise<SignInChallenge | undefined> {
  let step: SignInChallenge['step'] | undefined;
  if (input.passkeyUsed) {
    step = undefined;
  } else if (await hasMfa(db, input.userId)) {
    const remembered = input.device?.userId === input.userId && input.device.mfaRemembered;
    step = remembered || input.secondFactorDone ? undefined : 'code';
  } else if (await roleRequiresMfa(db, input.workspaceId, input.userId)) {
    step = 'enroll';
  }
  if (!step) return undefined;
  const challenge = newToken('rbc');
  const expiresAt = new Date(Date.now() + CHALLENGE_MINUTES * 60_000);
  await insertChallenge(db, {
    tokenHash: hashToken(challenge),
    userId: input.userId,
    workspaceId: input.workspaceId,
    kind: step,
    expiresAt,
  });
  return { step, challenge, expiresAt };
}

const challengeInvalid = () =>
  new AppError('mfa_challenge_invalid', 'This sign-in step has expired or was already used; sign in again.');

/** The live challenge of a secret, of a kind expected; throws `mfa_challenge_invalid` otherwise. */
export async function openChallenge(
  db: Database,
  challenge: string,
  kind: SignInChallenge['step'] | SignInChallenge['step'][],
): Promise<{ userId: string; workspaceId: string }> {
  const row = await findChallenge(db, hashToken(challenge));
  if (!row || !(Array.isArray(kind) ? kind : [kind]).includes(row.kind)) throw challengeInvalid();
  return row;
}

/** Uses a challenge up (once only). */
export async function closeChallenge(db: Database, challenge: string): Promise<void> {
  if (!(await deleteChallenge(db, hashToken(challenge)))) throw challengeInvalid();
}

/**
 * Records the browser a person just signed in from. Returns a new device secret for the cookie, or undefined
 * when the browser's cookie already names a device of this person (kept, and remembered for the second factor
 * when asked).
 */
export async function registerDevice(
  db: Database,
  input: { userId: string; token: string | undefined; rememberMfa: boolean },
): Promise<{ token: string; expiresAt: Date } | undefined> {
  const rememberUntil = new Date(Date.now() + REMEMBER_DEVICE_DAYS * 86_400_000);
  const current = await knownDevice(db, input.token);
  if (input.token && current?.userId === input.userId) {
    if (input.rememberMfa) await rememberDeviceForMfa(db, hashToken(input.token), rememberUntil);
    return undefined;
  }
  const token = newToken('rbd');
  const expiresAt = new Date(Date.now() + DEVICE_DAYS * 86_400_000);
  await insertKnownDevice(db, {
    tokenHash: hashToken(token),
    userId: input.userId,
    expiresAt,
    mfaRememberedUntil: input.rememberMfa ? rememberUntil : null,
  });
  return { token, expiresAt };
}
