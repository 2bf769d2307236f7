import { type Database, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { recordSecurityEvent } from '../audit/audit.service.ts';
import { AppError } from '../errors/app-error.ts';
import { findUserByEmail, insertUser } from '../users/users.service.ts';
import { assertPasswordAcceptable } from './accounts.service.ts';
import { hashPassword } from './passwords.ts';
import { hashToken } from './tokens.ts';

export interface AcceptInvitationInput {
  token: string;
  /** For a new account: the person's name and the password they choose. */
  name?: string | undefined;
  password?: string | undefined;
  /** The person signed in on the request (a session), if any. */
  signedInUserId: string | null;
  origin?: { ip: string | null; userAgent: string | null } | undefined;
}

/**
 * Accepts an invitation and makes the person a member with the invited role; the invitation can be used once,
 * before it expires. An email that has no account gets one (with the name and password given). An email that
 * has an account is accepted only by that account, signed in: accepting never checks a password, so the link
 * cannot be used to guess one (signing in is where passwords are checked, under the sign-in throttle).
 */
export async function acceptInvitation(
  db: Database,
  input: AcceptInvitationInput,
): Promise<{ userId: string; workspaceId: string; newAccount: boolean }> {
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
      .select(['email', 'acceptedAt', 'expiresAt'])
      .where('workspaceId', '=', workspaceId)
      .where('tokenHash', '=', tokenHash)
      .executeTakeFirst(),
  );
  if (!peek || peek.acceptedAt || peek.expiresAt <= new Date()) throw invalid();
  const existing = await findUserByEmail(db, peek.email);
  if (existing && input.signedInUserId !== existing.id) {
    if (input.signedInUserId) {
      throw new AppError(
        'invitation_other_account',
        'This invitation is for another account; sign out, then sign in with the invited email to accept it.',
      );
    }
    throw new AppError(
      'invitation_sign_in_required',
      'An account with the invited email exists; sign in with it, then accept the invitation.',
    );
  }
  let passwordHash: string | null = null;
  if (!existing) {
    const missing = (['name', 'password'] as const).filter((field) => !input[field]);
    if (missing.length > 0) {
      throw new AppError('validation_failed', 'Choose a name and a password for your new account.', {
        errors: missing.map((field) => ({ field, message: 'Required for a new account.' })),
      });
    }
    assertPasswordAcceptable(input.password!, peek.email);
    passwordHash = await hashPassword(input.password!);
  }

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
      (await insertUser(trx, { email: invitation.email, name: input.name!, passwordHash: passwordHash! }));
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
    await recordSecurityEvent(trx, {
      workspaceId,
      kind: 'member.joined',
      actorUserId: user.id,
      subject: user.id,
      details: { invitationId: invitation.id, newAccount: !existing },
      ip: input.origin?.ip ?? null,
      userAgent: input.origin?.userAgent ?? null,
    });
    return { userId: user.id, workspaceId, newAccount: !existing };
  });
}
