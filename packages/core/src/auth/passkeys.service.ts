import { createHash } from 'node:crypto';
import type { Database } from '@rabita/db';
import type * as WebAuthn from '@simplewebauthn/server';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type * as WebAuthnHelpers from '@simplewebauthn/server/helpers';
import { recordSecurityEventForUser } from '../audit/audit.service.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { lazyPackage } from '../lazy-package.ts';
import { getUser, normalizeEmail } from '../users/users.service.ts';
import { firstWorkspaceOf } from './accounts.service.ts';
import { hasMfa, type SecondFactor, verifySecondFactor } from './mfa.service.ts';
import type { RelyingParty } from './passkeys.relying-party.ts';
import {
  type ChallengePurpose,
  deletePasskey,
  findPasskeyByCredentialId,
  insertPasskey,
  insertPasskeyChallenge,
  listPasskeys,
  type PasskeyRow,
  recordPasskeyUse,
  renamePasskey,
  sessionSignedInAt,
  takePasskeyChallenge,
} from './passkeys.repository.ts';
import { verifyPassword } from './passwords.ts';
import type { SecretBox } from './secret-box.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

const webAuthn = lazyPackage<typeof WebAuthn>('@simplewebauthn/server');
const webAuthnHelpers = lazyPackage<typeof WebAuthnHelpers>('@simplewebauthn/server/helpers');

/** How long a ceremony may take, from its options to its answer. */
const CEREMONY_MS = 5 * 60_000;
/** Within this long of signing in, a session may remove a passkey without giving its password again. */
const RECENT_SIGN_IN_MS = 10 * 60_000;

/** Who made a request, for the security log. */
export interface Origin {
  ip: string;
  userAgent?: string | undefined;
}

/** A passkey as its owner's settings show it. */
export function presentPasskey(row: PasskeyRow) {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
  };
}

const challengeInvalid = () =>
  new AppError(
    'passkey_challenge_invalid',
    'This passkey request has expired or was already answered; try again.',
  );

/** The challenge a browser's answer signed (read from its client data), or a refusal when it is unreadable. */
function challengeOf(response: { response: { clientDataJSON: string } }): string {
  try {
    const { challenge } = webAuthnHelpers().decodeClientDataJSON(response.response.clientDataJSON);
    if (typeof challenge !== 'string' || challenge.length === 0 || challenge.length > 200) throw new Error();
    return challenge;
  } catch {
    throw challengeInvalid();
  }
}

/** Uses up the challenge the answer signed: it must be live, of this ceremony, and for `userId` when given. */
async function takeChallenge(
  db: Database,
  response: { response: { clientDataJSON: string } },
  purpose: ChallengePurpose,
  userId: string | null,
): Promise<string> {
  const challenge = challengeOf(response);
  const row = await takePasskeyChallenge(db, challenge, purpose);
  if (!row || row.userId !== userId) throw challengeInvalid();
  return challenge;
}

async function newChallenge(
  db: Database,
  purpose: ChallengePurpose,
  userId: string | null,
  challenge: string,
) {
  await insertPasskeyChallenge(db, {
    challenge,
    userId,
    purpose,
    expiresAt: new Date(Date.now() + CEREMONY_MS),
  });
}

/** True when the person has at least one passkey. */
export async function hasPasskey(db: Database, userId: string): Promise<boolean> {
  return (await listPasskeys(db, userId)).length > 0;
}

/** The person's passkeys, oldest first. */
export async function listMyPasskeys(db: Database, userId: string) {
  return (await listPasskeys(db, userId)).map(presentPasskey);
}

/**
 * Starts registering a passkey for a signed-in person: a discoverable credential (so it can sign in without an
 * email) with user verification, excluding the ones they have.
 */
export async function startPasskeyRegistration(
  db: Database,
  rp: RelyingParty,
  userId: string,
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const [user, existing] = await Promise.all([getUser(db, userId), listPasskeys(db, userId)]);
  const options = await webAuthn().generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userDisplayName: user.name,
    // The WebAuthn user handle: the account's id (a random UUID, nothing personal), returned at sign-in.
    userID: new Uint8Array(Buffer.from(userId.replace(/-/g, ''), 'hex')),
    timeout: CEREMONY_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  });
  await newChallenge(db, 'register', userId, options.challenge);
  return options;
}

/** Verifies the browser's answer to a registration and saves the passkey under the name its owner gave. */
export async function finishPasskeyRegistration(
  db: Database,
  rp: RelyingParty,
  input: { userId: string; name: string; response: RegistrationResponseJSON } & Origin,
) {
  const expectedChallenge = await takeChallenge(db, input.response, 'register', input.userId);
  let verified: Awaited<ReturnType<typeof WebAuthn.verifyRegistrationResponse>>;
  try {
    verified = await webAuthn().verifyRegistrationResponse({
      response: input.response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      requireUserVerification: true,
    });
  } catch (error) {
    throw notVerified(error);
  }
  if (!verified.verified) throw notVerified(undefined);
  const { credential } = verified.registrationInfo;
  const saved = await insertPasskey(db, {
    id: newId(),
    userId: input.userId,
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports ?? input.response.response.transports ?? [],
    name: input.name,
  });
  if (!saved) throw new AppError('conflict', 'This passkey is registered already.');
  await recordSecurityEventForUser(db, input.userId, {
    kind: 'auth.passkey_added',
    actorUserId: input.userId,
    subject: input.userId,
    details: { passkey: saved.id, name: saved.name },
    ip: input.ip,
    userAgent: input.userAgent ?? null,
  });
  return presentPasskey(saved);
}

function notVerified(error: unknown) {
  const reason = error instanceof Error ? ` (${error.message.slice(0, 200)})` : '';
  return new AppError('validation_failed', `The passkey could not be verified${reason}.`, {
    errors: [{ field: 'credential', message: 'Not verified.' }],
  });
}

/** Renames one of the person's passkeys. */
export async function renameMyPasskey(db: Database, input: { userId: string; id: string; name: string }) {
  const row = await renamePasskey(db, input.userId, input.id, input.name);
  if (!row) throw new AppError('not_found', 'You have no such passkey.');
  return presentPasskey(row);
}

/**
 * Removes one of the person's passkeys. Like turning two-step sign-in off, it needs proof beyond the session
 * cookie unless the session is fresh (signed in within ten minutes): the password (under the sign-in throttle) or
 * a current second factor.
 */
export async function removeMyPasskey(
  db: Database,
  box: () => Promise<SecretBox>,
  throttle: SignInThrottle,
  input: {
    userId: string;
    sessionId: string | null;
    id: string;
    password?: string | undefined;
    factor: SecondFactor;
  } & Origin,
): Promise<void> {
  const mine = (await listPasskeys(db, input.userId)).find((p) => p.id === input.id);
  if (!mine) throw new AppError('not_found', 'You have no such passkey.');
  const signedInAt = input.sessionId ? await sessionSignedInAt(db, input.sessionId) : undefined;
  const recent = signedInAt !== undefined && Date.now() - signedInAt.getTime() < RECENT_SIGN_IN_MS;
  if (!recent) {
    if (input.password !== undefined) {
      const user = await getUser(db, input.userId);
      const accountKey = normalizeEmail(user.email);
      await throttle.check(accountKey, input.ip);
      if (!(await verifyPassword(user.passwordHash, input.password))) {
        await throttle.fail(accountKey, input.ip);
        throw new AppError('validation_failed', 'The password is not correct.', {
          errors: [{ field: 'password', message: 'Not correct.' }],
        });
      }
      await throttle.succeed(accountKey, input.ip);
    } else if (input.factor.code || input.factor.recoveryCode) {
      await verifySecondFactor(db, await box(), throttle, {
        userId: input.userId,
        factor: input.factor,
        ip: input.ip,
        userAgent: input.userAgent,
      });
    } else {
      throw new AppError(
        'recent_sign_in_required',
        (await hasMfa(db, input.userId))
          ? 'Give your password or a code from your authenticator to remove a passkey.'
          : 'Give your password to remove a passkey.',
      );
    }
  }
  if (!(await deletePasskey(db, input.userId, input.id))) {
    throw new AppError('not_found', 'You have no such passkey.');
  }
  await recordSecurityEventForUser(db, input.userId, {
    kind: 'auth.passkey_removed',
    actorUserId: input.userId,
    subject: input.userId,
    details: { passkey: mine.id, name: mine.name },
    ip: input.ip,
    userAgent: input.userAgent ?? null,
  });
}

/** Checks an assertion against a stored passkey, and records the use with the authenticator's new counter. */
async function assertionMatches(
  rp: RelyingParty,
  db: Database,
  passkey: PasskeyRow,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  requireUserVerification: boolean,
): Promise<boolean> {
  try {
    const { verified, authenticationInfo } = await webAuthn().verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      credential: {
        id: passkey.credentialId,
        publicKey: new Uint8Array(passkey.publicKey),
        counter: passkey.counter,
        transports: passkey.transports,
      },
      requireUserVerification,
    });
    // The library refuses a counter that did not grow (a cloned authenticator); the update refuses a parallel
    // use of the same assertion.
    return (
      verified && (await recordPasskeyUse(db, passkey.id, passkey.counter, authenticationInfo.newCounter))
    );
  } catch {
    return false;
  }
}

/** A failed passkey assertion for a person's account, in the security log of each of their workspaces. */
function recordFailedAssertion(db: Database, userId: string, origin: Origin): Promise<void> {
  return recordSecurityEventForUser(db, userId, {
    kind: 'auth.sign_in_failed',
    actorUserId: null,
    subject: userId,
    details: { reason: 'passkey' },
    ip: origin.ip,
    userAgent: origin.userAgent ?? null,
  });
}

/**
 * Options for using a passkey as the second step of a sign-in whose password was right: only the person's own
 * passkeys are offered.
 */
export async function startPasskeySecondStep(
  db: Database,
  rp: RelyingParty,
  userId: string,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const passkeys = await listPasskeys(db, userId);
  if (passkeys.length === 0) throw new AppError('not_found', 'You have no passkey; use a code instead.');
  const options = await webAuthn().generateAuthenticationOptions({
    rpID: rp.id,
    timeout: CEREMONY_MS,
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: p.transports })),
    userVerification: 'preferred',
  });
  await newChallenge(db, 'second_step', userId, options.challenge);
  return options;
}

const mfaKey = (userId: string) => `mfa:${userId}`;

/**
 * Checks a passkey given as the second step, under the same throttle key as codes; throws `invalid_mfa_code` when
 * it is not one of the person's passkeys or its assertion fails, `passkey_challenge_invalid` for a stale challenge.
 */
export async function verifyPasskeySecondStep(
  db: Database,
  rp: RelyingParty,
  throttle: SignInThrottle,
  input: { userId: string; response: AuthenticationResponseJSON; knownDevice?: boolean } & Origin,
): Promise<void> {
  const key = mfaKey(input.userId);
  await throttle.check(key, input.ip, { knownDevice: input.knownDevice ?? false });
  let ok = false;
  try {
    const challenge = await takeChallenge(db, input.response, 'second_step', input.userId);
    const passkey = await findPasskeyByCredentialId(db, input.response.id);
    ok =
      passkey?.userId === input.userId &&
      (await assertionMatches(rp, db, passkey, input.response, challenge, false));
  } catch (error) {
    await throttle.fail(key, input.ip);
    throw error;
  }
  if (!ok) {
    await throttle.fail(key, input.ip);
    await recordFailedAssertion(db, input.userId, input);
    throw new AppError('invalid_mfa_code', 'The passkey was not accepted.', {
      errors: [{ field: 'credential', message: 'Not accepted.' }],
    });
  }
  await throttle.succeed(key, input.ip);
}

/** Options for signing in with a passkey alone: no email asked, the browser offers the passkeys it has. */
export async function startPasskeySignIn(
  db: Database,
  rp: RelyingParty,
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const options = await webAuthn().generateAuthenticationOptions({
    rpID: rp.id,
    timeout: CEREMONY_MS,
    userVerification: 'required',
  });
  await newChallenge(db, 'sign_in', null, options.challenge);
  return options;
}

const invalidCredentials = () => new AppError('invalid_credentials', 'The passkey was not accepted.');

/**
 * Signs in with a discoverable passkey and user verification: something the person has and something they know
 * or are, so it counts as both factors. Throttled as passwords are (the account's email and the address); an
 * unknown credential gets the same answer as a failed one.
 */
export async function signInWithPasskey(
  db: Database,
  rp: RelyingParty,
  throttle: SignInThrottle,
  input: { response: AuthenticationResponseJSON; knownDeviceUserId?: string | undefined } & Origin,
): Promise<{ userId: string; workspaceId: string }> {
  const passkey = await findPasskeyByCredentialId(db, input.response.id);
  const user = passkey ? await getUser(db, passkey.userId) : undefined;
  // The password throttle's account key is the email; an unknown credential still counts against the address.
  const accountKey = user
    ? normalizeEmail(user.email)
    : `passkey:${createHash('sha256').update(input.response.id).digest('hex')}`;
  await throttle.check(accountKey, input.ip, {
    knownDevice: user !== undefined && user.id === input.knownDeviceUserId,
  });
  let challenge: string;
  try {
    challenge = await takeChallenge(db, input.response, 'sign_in', null);
  } catch (error) {
    await throttle.fail(accountKey, input.ip);
    throw error;
  }
  const ok =
    passkey !== undefined && (await assertionMatches(rp, db, passkey, input.response, challenge, true));
  const workspaceId = user ? await firstWorkspaceOf(db, user.id) : undefined;
  if (!user || !ok || !workspaceId) {
    await throttle.fail(accountKey, input.ip);
    if (user) await recordFailedAssertion(db, user.id, input);
    throw invalidCredentials();
  }
  await throttle.succeed(accountKey, input.ip);
  return { userId: user.id, workspaceId };
}
