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

export function findRoleById(trx: Tx, workspaceId: string, id: string) {
  return trx
    .selectFrom('roles')
    .select(['id', 'key', 'name', 'permissions'])
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', id)
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

const ROLE_COLUMNS = ['id', 'key', 'name', 'isSystem', 'permissions'] as const;

/** Adds a role; undefined when the workspace already has one with that key. */
export function insertRole(
  trx: Tx,
  workspaceId: string,
  role: { key: string; name: string; permissions: string },
) {
  return trx
    .insertInto('roles')
    .values({ workspaceId, id: newId(), ...role })
    .onConflict((oc) => oc.columns(['workspaceId', 'key']).doNothing())
    .returning(ROLE_COLUMNS)
    .executeTakeFirst();
}

/** Renames a role or replaces its permissions; undefined when there is no such role. */
export function updateRoleRow(
  trx: Tx,
  workspaceId: string,
  key: string,
  patch: { name?: string; permissions?: string },
) {
  return trx
    .updateTable('roles')
    .set(patch)
    .where('workspaceId', '=', workspaceId)
    .where('key', '=', key)
    .returning(ROLE_COLUMNS)
    .executeTakeFirst();
}
