import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { parsePermissions } from '../roles/permissions.ts';
import type { Principal } from './principal.ts';
import { findLiveApiKeyRole, findMemberRole } from './principals.repository.ts';

/**
 * The caller as the database has them now — the same caller with its current role — or undefined when its access
 * ended: a revoked key, a key whose creator left, a removed member, or (with `session`) a session that ended.
 * Long-running work (event streams, imports) asks again when access changes, so a change reaches it.
 */
export async function currentPrincipal(
  trx: Tx,
  principal: Principal,
  options: { session: boolean },
): Promise<Principal | undefined> {
  const { workspaceId } = principal;
  const role = principal.apiKeyId
    ? await findLiveApiKeyRole(trx, workspaceId, principal.apiKeyId)
    : principal.userId
      ? await findMemberRole(trx, workspaceId, principal.userId, options.session ? principal.sessionId : null)
      : undefined;
  if (!role) return undefined;
  return {
    ...principal,
    role: { id: role.id, key: role.key, name: role.name, permissions: parsePermissions(role.permissions) },
  };
}

/** True while the caller still holds exactly the access it started with (same role, same permissions). */
export async function accessUnchanged(db: Database, principal: Principal): Promise<boolean> {
  const now = await withWorkspace(db, principal.workspaceId, (trx) =>
    currentPrincipal(trx, principal, { session: true }),
  );
  return (
    now !== undefined &&
    now.role.id === principal.role.id &&
    JSON.stringify(now.role.permissions) === JSON.stringify(principal.role.permissions)
  );
}
