import { type Tx, withWorkspace } from '@rabita/db';
import { actorOf, recordSecurityEvent } from '../audit/audit.service.ts';
import { revokeKeysBeyond } from '../auth/api-keys.service.ts';
import { accessChanged } from '../auth/principal-cache.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { assertCanGrant, assertCanManage } from '../roles/grant-check.ts';
import { findRoleByKey } from '../roles/roles.repository.ts';

/** A member of the workspace as the API shows them. */
export interface MemberView {
  userId: string;
  name: string;
  email: string;
  role: string;
  joinedAt: string;
}

/** A pending invitation (never its secret). */
export interface InvitationView {
  id: string;
  email: string;
  role: string;
  invitedBy: string | null;
  expiresAt: string;
  createdAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function memberQuery(trx: Tx, workspaceId: string) {
  return trx
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.userId')
    .innerJoin('roles as r', (j) =>
      j.onRef('r.workspaceId', '=', 'm.workspaceId').onRef('r.id', '=', 'm.roleId'),
    )
    .select(['m.userId', 'u.name', 'u.email', 'r.key as role', 'm.createdAt'])
    .where('m.workspaceId', '=', workspaceId);
}

function present(row: {
  userId: string;
  name: string;
  email: string;
  role: string;
  createdAt: Date;
}): MemberView {
  return {
    userId: row.userId,
    name: row.name,
    email: row.email,
    role: row.role,
    joinedAt: row.createdAt.toISOString(),
  };
}

/** Every member of the workspace with their role, by name. */
export async function listMembers({ db, principal: { workspaceId } }: ServiceContext): Promise<MemberView[]> {
  return withWorkspace(db, workspaceId, async (trx) =>
    (await memberQuery(trx, workspaceId).orderBy('u.name').orderBy('m.userId').execute()).map(present),
  );
}

/** The names of those of these users who are members (a list's user fields expanded), by user id. */
export async function memberNamesIn(
  trx: Tx,
  workspaceId: string,
  userIds: readonly string[],
): Promise<Map<string, string>> {
  const ids = userIds.filter((id) => UUID.test(id));
  if (ids.length === 0) return new Map();
  const rows = await memberQuery(trx, workspaceId).where('m.userId', 'in', ids).execute();
  return new Map(rows.map((r) => [r.userId, r.name]));
}

/** Members' email addresses, lower-cased (mail between them only is internal). */
export async function memberEmailsIn(trx: Tx, workspaceId: string): Promise<string[]> {
  return (await memberQuery(trx, workspaceId).execute()).map((m) => m.email.toLowerCase());
}

/** Every member's user id. */
export async function memberIdsIn(trx: Tx, workspaceId: string): Promise<string[]> {
  return (await memberQuery(trx, workspaceId).execute()).map((m) => m.userId);
}

async function findMember(trx: Tx, workspaceId: string, userId: string) {
  if (!UUID.test(userId)) return undefined;
  return memberQuery(trx, workspaceId)
    .select('r.permissions as rolePermissions')
    .where('m.userId', '=', userId)
    .executeTakeFirst();
}

/** Refuses a change that would leave the workspace without an admin. */
async function keepAnAdmin(trx: Tx, workspaceId: string, leaving: { role: string }): Promise<void> {
  if (leaving.role !== 'admin') return;
  const admins = await memberQuery(trx, workspaceId).where('r.key', '=', 'admin').execute();
  if (admins.length <= 1)
    throw new AppError(
      'conflict',
      'A workspace must keep at least one admin; make someone else admin first.',
    );
}

/**
 * Gives another member another role of the workspace: nobody changes their own, and both the member's current
 * role and the new one must be within the caller's own. Their API keys the new role does not cover are revoked.
 */
export async function changeMemberRole(
  ctx: ServiceContext,
  userId: string,
  roleKey: string,
): Promise<MemberView> {
  const { db, principal } = ctx;
  const { workspaceId } = principal;
  const updated = await withWorkspace(db, workspaceId, async (trx) => {
    const member = await findMember(trx, workspaceId, userId);
    if (!member) throw new AppError('not_found', `There is no member ${userId}.`);
    if (member.userId === principal.userId)
      throw new AppError('forbidden', 'Nobody changes their own role; ask another admin.');
    const role = await findRoleByKey(trx, workspaceId, roleKey);
    if (!role)
      throw new AppError('validation_failed', `There is no role "${roleKey}" in this workspace.`, {
        errors: [{ field: 'role', message: 'Unknown role.' }],
      });
    assertCanManage(principal, { key: member.role, permissions: member.rolePermissions }, 'member');
    assertCanGrant(principal, role, 'role');
    if (role.key !== 'admin') await keepAnAdmin(trx, workspaceId, member);
    await trx
      .updateTable('memberships')
      .set({ roleId: role.id })
      .where('workspaceId', '=', workspaceId)
      .where('userId', '=', userId)
      .execute();
    const revokedKeys = await revokeKeysBeyond(trx, workspaceId, userId, role);
    await recordSecurityEvent(trx, {
      ...actorOf(ctx),
      kind: 'member.role_changed',
      subject: userId,
      details: { email: member.email, from: member.role, to: role.key, revokedKeys },
    });
    return present({ ...member, role: role.key });
  });
  await accessChanged(db);
  return updated;
}

/**
 * Removes a member (whose role is within the caller's own) from the workspace; their sessions in it end and the
 * API keys they created are revoked at once.
 */
export async function removeMember(ctx: ServiceContext, userId: string): Promise<void> {
  const { db, principal } = ctx;
  const { workspaceId } = principal;
  await withWorkspace(db, workspaceId, async (trx) => {
    const member = await findMember(trx, workspaceId, userId);
    if (!member) throw new AppError('not_found', `There is no member ${userId}.`);
    assertCanManage(principal, { key: member.role, permissions: member.rolePermissions }, 'member');
    await keepAnAdmin(trx, workspaceId, member);
    await trx
      .deleteFrom('memberships')
      .where('workspaceId', '=', workspaceId)
      .where('userId', '=', userId)
      .execute();
    await trx
      .deleteFrom('sessions')
      .where('workspaceId', '=', workspaceId)
      .where('userId', '=', userId)
      .execute();
    const revokedKeys = await revokeKeysBeyond(trx, workspaceId, userId, undefined);
    await recordSecurityEvent(trx, {
      ...actorOf(ctx),
      kind: 'member.removed',
      subject: userId,
      details: { email: member.email, role: member.role, revokedKeys },
    });
  });
  await accessChanged(db);
}

/** Invitations not yet accepted and not expired, newest first. */
export async function listPendingInvitations({
  db,
  principal: { workspaceId },
}: ServiceContext): Promise<InvitationView[]> {
  return withWorkspace(db, workspaceId, async (trx) => {
    const rows = await trx
      .selectFrom('invitations as i')
      .innerJoin('roles as r', (j) =>
        j.onRef('r.workspaceId', '=', 'i.workspaceId').onRef('r.id', '=', 'i.roleId'),
      )
      .select(['i.id', 'i.email', 'r.key as role', 'i.invitedBy', 'i.expiresAt', 'i.createdAt'])
      .where('i.workspaceId', '=', workspaceId)
      .where('i.acceptedAt', 'is', null)
      .where('i.expiresAt', '>', new Date())
      .orderBy('i.id', 'desc')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      email: r.email,
      role: r.role,
      invitedBy: r.invitedBy,
      expiresAt: r.expiresAt.toISOString(),
      createdAt: r.createdAt.toISOString(),
    }));
  });
}

/** Withdraws an invitation: its link stops working at once. */
export async function revokeInvitation(ctx: ServiceContext, id: string): Promise<void> {
  const {
    db,
    principal: { workspaceId },
  } = ctx;
  const notFound = () => new AppError('not_found', `There is no pending invitation ${id}.`);
  if (!UUID.test(id)) throw notFound();
  await withWorkspace(db, workspaceId, async (trx) => {
    const result = await trx
      .deleteFrom('invitations')
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .where('acceptedAt', 'is', null)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw notFound();
    await recordSecurityEvent(trx, { ...actorOf(ctx), kind: 'invitation.revoked', subject: id });
  });
}
