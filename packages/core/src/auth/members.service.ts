import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { parsePermissions } from '../roles/permissions.ts';
import type { Principal } from './principal.ts';
import { findMemberRole } from './principals.repository.ts';

/** The principal of a member of a workspace (with their role), or undefined when they are not a member. */
export async function principalForMember(
  db: Database,
  userId: string,
  workspaceId: string,
  sessionId: string | null = null,
): Promise<Principal | undefined> {
  return withWorkspace(db, workspaceId, (trx) => principalForMemberIn(trx, userId, workspaceId, sessionId));
}

/** `principalForMember` inside a workspace transaction the caller opened (a workflow step's). */
export async function principalForMemberIn(
  trx: Tx,
  userId: string,
  workspaceId: string,
  sessionId: string | null = null,
): Promise<Principal | undefined> {
  // The role only: whether a session is still live is the caller's to know (a job has none).
  const role = await findMemberRole(trx, workspaceId, userId, null);
  if (!role) return undefined;
  return {
    kind: 'session',
    workspaceId,
    userId,
    sessionId,
    apiKeyId: null,
    role: { id: role.id, key: role.key, name: role.name, permissions: parsePermissions(role.permissions) },
  };
}
