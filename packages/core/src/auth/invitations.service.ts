import { type Database, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { assertCanGrant } from '../roles/grant-check.ts';
import { findRoleByKey } from '../roles/roles.repository.ts';
import { findUserByEmail, insertUser, normalizeEmail } from '../users/users.service.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { hashToken, newToken } from './tokens.ts';

/**
 * Invites a person to the caller's workspace with a role no wider than the caller's own; returns the single-use
 * secret (stored only hashed).
 */
export async function createInvitation(
  { db, principal }: ServiceContext,
  input: { email: string; role: string; validDays: number },
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const token = newToken('rbi');
  const expiresAt = new Date(Date.now() + input.validDays * 86_400_000);
  const id = newId();
  const workspaceId = principal.workspaceId;
  await withWorkspace(db, workspaceId, async (trx) => {
    const role = await findRoleByKey(trx, workspaceId, input.role);
    if (!role) {
      throw new AppError('validation_failed', `There is no role "${input.role}" in this workspace.`, {
        errors: [{ field: 'role', message: 'Unknown role.' }],
      });
    }
    assertCanGrant(principal, role, 'role');
    const member = await trx
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.userId')
      .select('m.userId')
      .where('m.workspaceId', '=', workspaceId)
      .where('u.emailNormalized', '=', normalizeEmail(input.email))
      .executeTakeFirst();
    if (member) throw new AppError('conflict', 'This person is already a member of the workspace.');
    await trx
      .insertInto('invitations')
      .values({
        workspaceId,
        id,
        email: input.email.trim(),
        roleId: role.id,
        tokenHash: hashToken(token),
        invitedBy: principal.userId,
        expiresAt,
      })
      .execute();
  });
  return { id, token, expiresAt };
}

/**
 * Accepts an invitation: creates the person's account (or, for an existing account, checks its password)
 * and makes them a member with the invited role. The invitation can be used once, before it expires.
 */
export async function acceptInvitation(
  db: Database,
  input: { token: string; name: string; password: string },
): Promise<{ userId: string; workspaceId: string }> {
  const invalid = () =>
    new AppError('invitation_invalid', 'This invitation is invalid, expired or already used.');
  const tokenHash = hashToken(input.token);
  const { rows } = await sql<{ workspaceId: string | null }>`
    select rabita_invitation_workspace(${tokenHash}) as workspace_id`.execute(db);
  const workspaceId = rows[0]?.workspaceId;
  if (!workspaceId) throw invalid();

  const peek = await withWorkspace(db, workspaceId, (trx) =>
    trx
      .selectFrom('invitations')
      .select(['email'])
      .where('workspaceId', '=', workspaceId)
      .where('tokenHash', '=', tokenHash)
      .executeTakeFirst(),
  );
  if (!peek) throw invalid();
  const existing = await findUserByEmail(db, peek.email);
  if (existing && !(await verifyPassword(existing.passwordHash, input.password))) {
    throw new AppError(
      'invalid_credentials',
      'An account with this email exists; enter its password to join.',
    );
  }
  const passwordHash = existing ? null : await hashPassword(input.password);

  return withWorkspace(db, workspaceId, async (trx) => {
    const invitation = await trx
      .selectFrom('invitations')
      .select(['id', 'email', 'roleId', 'expiresAt', 'acceptedAt'])
      .where('workspaceId', '=', workspaceId)
      .where('tokenHash', '=', tokenHash)
      .forUpdate()
      .executeTakeFirst();
    if (!invitation || invitation.acceptedAt || invitation.expiresAt <= new Date()) throw invalid();
    const user =
      existing ??
      (await insertUser(trx, { email: invitation.email, name: input.name, passwordHash: passwordHash! }));
    const added = await trx
      .insertInto('memberships')
      .values({ workspaceId, userId: user.id, roleId: invitation.roleId })
      .onConflict((oc) => oc.columns(['workspaceId', 'userId']).doNothing())
      .returning('userId')
      .executeTakeFirst();
    if (!added) throw new AppError('conflict', 'You are already a member of this workspace.');
    await trx
      .updateTable('invitations')
      .set({ acceptedAt: new Date(), acceptedBy: user.id })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', invitation.id)
      .execute();
    return { userId: user.id, workspaceId };
  });
}
