import { type Database, setWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import { findRoleByKey } from '../roles/roles.repository.ts';
import { presentUser, type UserView } from '../users/users.presenter.ts';
import { findUserByEmail, insertUser, normalizeEmail } from '../users/users.service.ts';
import {
  anyWorkspaceExists,
  createWorkspace,
  presentWorkspace,
  type WorkspaceView,
} from '../workspaces/workspaces.service.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { SignInThrottle } from './sign-in-throttle.ts';

export interface SignUpInput {
  email: string;
  password: string;
  name: string;
  workspaceName: string;
  locale?: string | undefined;
}

/**
 * Creates a person and their own workspace, with them as its admin. Allowed for the very first workspace,
 * or for anyone when open sign-up is on; otherwise people join by invitation.
 */
export async function signUp(
  db: Database,
  input: SignUpInput,
  options: { openSignup: boolean },
): Promise<{ user: UserView; workspace: WorkspaceView; role: string }> {
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    // One sign-up at a time decides "the first workspace".
    await sql`select pg_advisory_xact_lock(hashtext('rabita.sign-up'))`.execute(trx);
    if (!options.openSignup && (await anyWorkspaceExists(trx))) {
      throw new AppError(
        'signup_closed',
        'Sign-up is closed on this server; ask an admin for an invitation.',
      );
    }
    const user = await insertUser(trx, { ...input, passwordHash });
    const workspace = await createWorkspace(trx, {
      name: input.workspaceName,
      ownerId: user.id,
      defaultLocale: input.locale,
    });
    return { user: presentUser(user), workspace: presentWorkspace(workspace), role: 'admin' };
  });
}

/**
 * Checks an email and password. Unknown email and wrong password fail the same way, in the same time;
 * repeated failures per account and per address are throttled.
 */
export async function signIn(
  db: Database,
  throttle: SignInThrottle,
  input: { email: string; password: string; ip: string },
): Promise<{ userId: string; workspaceId: string }> {
  const accountKey = normalizeEmail(input.email);
  await throttle.check(accountKey, input.ip);
  const user = await findUserByEmail(db, input.email);
  const ok = await verifyPassword(user?.passwordHash, input.password);
  const { rows } = user
    ? await sql<{
        workspaceId: string;
      }>`select workspace_id from rabita_user_memberships(${user.id})`.execute(db)
    : { rows: [] };
  const workspaceId = rows[0]?.workspaceId;
  if (!user || !ok || !workspaceId) {
    await throttle.fail(accountKey, input.ip);
    throw new AppError('invalid_credentials', 'The email or password is not correct.');
  }
  await throttle.succeed(accountKey);
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
  },
): Promise<{ userId: string; workspaceId: string; role: string }> {
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
