import { type Database, setWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { recordSecurityEventForUser } from '../audit/audit.service.ts';
import { AppError } from '../errors/app-error.ts';
import { findRoleByKey } from '../roles/roles.repository.ts';
import {
  findUserByEmail,
  getUser,
  insertUser,
  normalizeEmail,
  setPasswordHash,
} from '../users/users.service.ts';
import { anyWorkspaceExists, createWorkspace } from '../workspaces/workspaces.service.ts';
import { hasMfa } from './mfa.service.ts';
import { passwordProblem } from './password-policy.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { endUserSessions } from './sessions.service.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

export interface SignUpInput {
  email: string;
  password: string;
  name: string;
  workspaceName: string;
  locale?: string | undefined;
}

/** Refuses a new password that breaks the password policy, naming the field. */
export function assertPasswordAcceptable(password: string, email: string, field = 'password'): void {
  const problem = passwordProblem(password, email);
  if (problem) {
    throw new AppError('validation_failed', problem, { errors: [{ field, message: problem }] });
  }
}

/**
 * Creates a person and their own workspace, with them as its admin. Allowed for the very first workspace,
 * or for anyone when open sign-up is on; otherwise people join by invitation.
 *
 * Sign-up does not say whether an email has an account: for an email that has one, the right password gives the
 * owner a new workspace of theirs (the same answer as for a new person), and a wrong one the same answer as a
 * failed sign-in, counted by the same throttle.
 */
export async function signUp(
  db: Database,
  throttle: SignInThrottle,
  input: SignUpInput & { ip: string },
  options: {
    openSignup: boolean;
    /** The person whose second factor this browser is remembered for, if any. */
    mfaRememberedFor?: string | undefined;
  },
): Promise<{ userId: string; workspaceId: string }> {
  assertPasswordAcceptable(input.password, input.email);
  const accountKey = normalizeEmail(input.email);
  const existing = await findUserByEmail(db, input.email);
  if (existing) {
    if (!options.openSignup) throw signupClosed();
    await throttle.check(accountKey, input.ip);
    if (!(await verifyPassword(existing.passwordHash, input.password))) {
      await throttle.fail(accountKey, input.ip);
      throw invalidCredentials();
    }
    await throttle.succeed(accountKey, input.ip);
    // A second factor is still due: answer as sign-in does (its code step) for a workspace they have, and make
    // no new one, so the password alone cannot add workspaces to their account.
    if ((await hasMfa(db, existing.id)) && options.mfaRememberedFor !== existing.id) {
      const workspaceId = await firstWorkspaceOf(db, existing.id);
      if (workspaceId) return { userId: existing.id, workspaceId };
    }
  }
  const passwordHash = existing ? null : await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    // One sign-up at a time decides "the first workspace".
    await sql`select pg_advisory_xact_lock(hashtext('rabita.sign-up'))`.execute(trx);
    if (!options.openSignup && (await anyWorkspaceExists(trx))) throw signupClosed();
    const user = existing ?? (await insertUser(trx, { ...input, passwordHash: passwordHash! }));
    const workspace = await createWorkspace(trx, {
      name: input.workspaceName,
      ownerId: user.id,
      defaultLocale: input.locale,
    });
    return { userId: user.id, workspaceId: workspace.id };
  });
}

/** The first workspace a person belongs to (where sign-in takes them), if any. */
export async function firstWorkspaceOf(db: Database, userId: string): Promise<string | undefined> {
  const { rows } = await sql<{
    workspaceId: string;
  }>`select workspace_id from rabita_user_memberships(${userId})`.execute(db);
  return rows[0]?.workspaceId;
}

const signupClosed = () =>
  new AppError('signup_closed', 'Sign-up is closed on this server; ask an admin for an invitation.');
const invalidCredentials = () => new AppError('invalid_credentials', 'The email or password is not correct.');

/**
 * Checks an email and password. Unknown email and wrong password fail the same way, in the same time;
 * repeated failures per account and per address are throttled.
 */
export async function signIn(
  db: Database,
  throttle: SignInThrottle,
  input: {
    email: string;
    password: string;
    ip: string;
    userAgent?: string | undefined;
    knownDeviceUserId?: string | undefined;
  },
): Promise<{ userId: string; workspaceId: string }> {
  const accountKey = normalizeEmail(input.email);
  const user = await findUserByEmail(db, input.email);
  const knownDevice = user !== undefined && user.id === input.knownDeviceUserId;
  await throttle.check(accountKey, input.ip, { knownDevice });
  const ok = await verifyPassword(user?.passwordHash, input.password);
  const workspaceId = user ? await firstWorkspaceOf(db, user.id) : undefined;
  if (!user || !ok || !workspaceId) {
    await throttle.fail(accountKey, input.ip);
    if (user) {
      // Not awaited: a wrong password must take as long as an unknown email, or the log's write would tell
      // which emails have accounts. A lost entry costs less than that.
      void recordSecurityEventForUser(db, user.id, {
        kind: 'auth.sign_in_failed',
        actorUserId: null,
        subject: user.id,
        details: { reason: 'password' },
        ip: input.ip,
        userAgent: input.userAgent ?? null,
      }).catch(() => undefined);
    }
    throw invalidCredentials();
  }
  await throttle.succeed(accountKey, input.ip);
  return { userId: user.id, workspaceId };
}

/**
 * Creates an account from the command line: into an existing workspace with a role, or with a new
 * workspace of its own (as admin) when no workspace id is given.
 */
export async function createUserWithWorkspace(
  db: Database,
  input: {
    email: string;
    password: string;
    name: string;
    workspaceId?: string;
    workspaceName?: string;
    role?: string;
    /** The demo's account has a published password; every other account's must pass the policy. */
    skipPasswordPolicy?: boolean;
  },
): Promise<{ userId: string; workspaceId: string; role: string }> {
  if (!input.skipPasswordPolicy) assertPasswordAcceptable(input.password, input.email);
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    const user = await insertUser(trx, { email: input.email, name: input.name, passwordHash });
    if (!input.workspaceId) {
      const workspace = await createWorkspace(trx, {
        name: input.workspaceName ?? `${input.name.trim()}’s workspace`,
        ownerId: user.id,
      });
      return { userId: user.id, workspaceId: workspace.id, role: 'admin' };
    }
    await setWorkspace(trx, input.workspaceId);
    const roleKey = input.role ?? 'member';
    const role = await findRoleByKey(trx, input.workspaceId, roleKey);
    if (!role)
      throw new AppError('not_found', `There is no workspace ${input.workspaceId} with a role "${roleKey}".`);
    await trx
      .insertInto('memberships')
      .values({ workspaceId: input.workspaceId, userId: user.id, roleId: role.id })
      .execute();
    return { userId: user.id, workspaceId: input.workspaceId, role: roleKey };
  });
}

/**
 * Changes a person's password given their current one (checked under the sign-in throttle), refusing a new one
 * the password policy refuses; every other session of theirs ends, and their workspaces' logs record it.
 */
export async function changePassword(
  db: Database,
  throttle: SignInThrottle,
  input: {
    userId: string;
    sessionId: string | null;
    currentPassword: string;
    newPassword: string;
    ip: string;
    userAgent?: string | undefined;
  },
): Promise<void> {
  const user = await getUser(db, input.userId);
  assertPasswordAcceptable(input.newPassword, user.email, 'newPassword');
  const accountKey = normalizeEmail(user.email);
  await throttle.check(accountKey, input.ip);
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await throttle.fail(accountKey, input.ip);
    throw new AppError('validation_failed', 'The current password is not correct.', {
      errors: [{ field: 'currentPassword', message: 'Not correct.' }],
    });
  }
  await throttle.succeed(accountKey, input.ip);
  await setPasswordHash(db, user.id, await hashPassword(input.newPassword));
  await endUserSessions(db, user.id, { except: input.sessionId });
  await recordSecurityEventForUser(db, user.id, {
    kind: 'auth.password_changed',
    actorUserId: user.id,
    subject: user.id,
    ip: input.ip,
    userAgent: input.userAgent ?? null,
  });
}
