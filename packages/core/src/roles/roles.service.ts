import { type Tx, withWorkspace } from '@rabita/db';
import { actorOf, recordSecurityEvent } from '../audit/audit.service.ts';
import { accessChanged } from '../auth/principal-cache.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import { assertCanGrant, assertCanManage } from './grant-check.ts';
import { type Permissions, parsePermissions } from './permissions.ts';
import { findRoleById, findRoleByKey, insertRole, listRoles, updateRoleRow } from './roles.repository.ts';

export interface RoleView {
  id: string;
  key: string;
  name: string;
  isSystem: boolean;
  permissions: Permissions;
}

function present(row: {
  id: string;
  key: string;
  name: string;
  isSystem: boolean;
  permissions: unknown;
}): RoleView {
  return {
    id: row.id,
    key: row.key,
    name: row.name,
    isSystem: row.isSystem,
    permissions: parsePermissions(row.permissions),
  };
}

/** The workspace's roles, built-in first, with what each may do. */
export async function listRoleViews({ db, principal }: ServiceContext): Promise<RoleView[]> {
  const rows = await withWorkspace(db, principal.workspaceId, (trx) => listRoles(trx, principal.workspaceId));
  return rows.map(present);
}

/** One role by id, in a transaction the caller opened (undefined when the workspace has none such). */
export async function findRoleIn(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<{ id: string; key: string; name: string; permissions: Permissions } | undefined> {
  const row = isUuid(id) ? await findRoleById(trx, workspaceId, id) : undefined;
  return row && { id: row.id, key: row.key, name: row.name, permissions: parsePermissions(row.permissions) };
}

/** Adds a custom role, no wider than the caller's own. */
export async function createRole(
  ctx: ServiceContext,
  input: { key: string; name: string; permissions: Permissions },
): Promise<RoleView> {
  const { db, principal } = ctx;
  assertCanGrant(principal, { key: input.key, permissions: input.permissions }, 'permissions');
  const row = await withWorkspace(db, principal.workspaceId, async (trx) => {
    const inserted = await insertRole(trx, principal.workspaceId, {
      ...input,
      permissions: JSON.stringify(input.permissions),
    });
    if (inserted)
      await recordSecurityEvent(trx, {
        ...actorOf(ctx),
        kind: 'role.created',
        subject: input.key,
        details: { permissions: input.permissions },
      });
    return inserted;
  });
  if (!row) throw new AppError('conflict', `A role "${input.key}" already exists.`);
  return present(row);
}

/**
 * Renames a role or changes what it may do; the admin role's permissions never change, and only a role within
 * the caller's own may be edited, to permissions within the caller's own.
 */
export async function updateRole(
  ctx: ServiceContext,
  key: string,
  patch: { name?: string | undefined; permissions?: Permissions | undefined },
): Promise<RoleView> {
  const { db, principal } = ctx;
  if (key === 'admin' && patch.permissions) {
    throw new AppError(
      'forbidden',
      'The admin role’s permissions are fixed, so a workspace can never lock itself out.',
    );
  }
  if (patch.permissions) assertCanGrant(principal, { key, permissions: patch.permissions }, 'permissions');
  const row = await withWorkspace(db, principal.workspaceId, async (trx) => {
    const current = await findRoleByKey(trx, principal.workspaceId, key);
    if (!current) return undefined;
    assertCanManage(principal, current, 'role');
    await recordSecurityEvent(trx, {
      ...actorOf(ctx),
      kind: 'role.updated',
      subject: key,
      details: {
        ...(patch.name ? { name: patch.name } : {}),
        ...(patch.permissions ? { before: current.permissions, after: patch.permissions } : {}),
      },
    });
    return updateRoleRow(trx, principal.workspaceId, key, {
      ...(patch.name ? { name: patch.name } : {}),
      ...(patch.permissions ? { permissions: JSON.stringify(patch.permissions) } : {}),
    });
  });
  await accessChanged(db);
  if (!row) throw new AppError('not_found', `There is no role "${key}".`);
  return present(row);
}
