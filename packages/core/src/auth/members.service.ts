import { type Database, withWorkspace } from '@rabita/db';
import { parsePermissions } from '../roles/permissions.ts';
import type { Principal } from './principal.ts';

/** The principal of a member of a workspace (with their role), or undefined when they are not a member. */
export async function principalForMember(
  db: Database,
  userId: string,
  workspaceId: string,
  sessionId: string | null = null,
): Promise<Principal | undefined> {
  const role = await withWorkspace(db, workspaceId, (trx) =>
    trx
      .selectFrom('memberships as m')
      .innerJoin('roles as r', (j) =>
        j.onRef('r.workspaceId', '=', 'm.workspaceId').onRef('r.id', '=', 'm.roleId'),
      )
      .select(['r.id', 'r.key', 'r.name', 'r.permissions'])
      .where('m.workspaceId', '=', workspaceId)
      .where('m.userId', '=', userId)
      .executeTakeFirst(),
  );
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
