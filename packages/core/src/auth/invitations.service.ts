import { withWorkspace } from '@rabita/db';
import { actorOf, recordSecurityEvent } from '../audit/audit.service.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { assertCanGrant } from '../roles/grant-check.ts';
import { findRoleByKey } from '../roles/roles.repository.ts';
import { normalizeEmail } from '../users/users.service.ts';
import { hashToken, newToken } from './tokens.ts';

/**
 * Invites a person to the caller's workspace with a role no wider than the caller's own; returns the single-use
 * secret (stored only hashed).
 */
export async function createInvitation(
  ctx: ServiceContext,
  input: { email: string; role: string; validDays: number },
): Promise<{ id: string; token: string; expiresAt: Date }> {
  const { db, principal } = ctx;
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
    await recordSecurityEvent(trx, {
      ...actorOf(ctx),
      kind: 'member.invited',
      subject: id,
      details: { email: input.email.trim(), role: role.key },
    });
  });
  return { id, token, expiresAt };
}
