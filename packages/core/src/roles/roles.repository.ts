import type { Tx } from '@rabita/db';
import { newId } from '../ids.ts';
import { defaultRoles } from './permissions.ts';

/** Creates the built-in roles in a new workspace; returns their ids by key. */
export async function insertDefaultRoles(trx: Tx, workspaceId: string): Promise<Map<string, string>> {
  const rows = Object.entries(defaultRoles()).map(([key, role]) => ({
    workspaceId,
    id: newId(),
    key,
    name: role.name,
    permissions: JSON.stringify(role.permissions),
    isSystem: true,
  }));
  await trx.insertInto('roles').values(rows).execute();
  return new Map(rows.map((r) => [r.key, r.id]));
}

export function findRoleByKey(trx: Tx, workspaceId: string, key: string) {
  return trx
    .selectFrom('roles')
    .select(['id', 'key', 'name', 'permissions'])
    .where('workspaceId', '=', workspaceId)
    .where('key', '=', key)
    .executeTakeFirst();
}

export function listRoles(trx: Tx, workspaceId: string) {
  return trx
    .selectFrom('roles')
    .select(['id', 'key', 'name', 'permissions', 'isSystem'])
    .where('workspaceId', '=', workspaceId)
    .orderBy('createdAt')
    .orderBy('id')
    .execute();
}
