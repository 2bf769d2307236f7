import { type Tx, workspaceLiteral } from '@rabita/db';

// The state a caller's access rests on, read again while long-running work (an event stream, an import) goes on.
// Each statement names its workspace by the same literal in its subquery too, so a Citus coordinator routes it to the
// workspace's shard (a subquery correlated by `workspace_id` sent it to every shard).

/**
 * The role of a live API key: not revoked, and — when a person created it — that person still a member of the
 * workspace. Undefined otherwise.
 */
export function findLiveApiKeyRole(trx: Tx, workspaceId: string, apiKeyId: string) {
  const ws = workspaceLiteral(workspaceId);
  return trx
    .selectFrom('apiKeys as k')
    .innerJoin('roles as r', (j) =>
      j.onRef('r.workspaceId', '=', 'k.workspaceId').onRef('r.id', '=', 'k.roleId'),
    )
    .select(['r.id', 'r.key', 'r.name', 'r.permissions'])
    .where('k.workspaceId', '=', ws)
    .where('k.id', '=', apiKeyId)
    .where('k.revokedAt', 'is', null)
    .where((eb) =>
      eb.or([
        eb('k.createdBy', 'is', null),
        eb.exists(
          eb
            .selectFrom('memberships as m')
            .select('m.userId')
            .where('m.workspaceId', '=', ws)
            .whereRef('m.userId', '=', 'k.createdBy'),
        ),
      ]),
    )
    .executeTakeFirst();
}

/** A member's current role; with a session id, only while that session is live in this workspace. */
export function findMemberRole(trx: Tx, workspaceId: string, userId: string, sessionId: string | null) {
  const ws = workspaceLiteral(workspaceId);
  let query = trx
    .selectFrom('memberships as m')
    .innerJoin('roles as r', (j) =>
      j.onRef('r.workspaceId', '=', 'm.workspaceId').onRef('r.id', '=', 'm.roleId'),
    )
    .select(['r.id', 'r.key', 'r.name', 'r.permissions'])
    .where('m.workspaceId', '=', ws)
    .where('m.userId', '=', userId);
  if (sessionId !== null) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('sessions as s')
          .select('s.id')
          .where('s.id', '=', sessionId)
          .where('s.workspaceId', '=', ws)
          .whereRef('s.userId', '=', 'm.userId')
          .where('s.expiresAt', '>', new Date()),
      ),
    );
  }
  return query.executeTakeFirst();
}

/** A person's live API keys in a workspace with their roles. */
export function listLiveApiKeysCreatedBy(trx: Tx, workspaceId: string, userId: string) {
  return trx
    .selectFrom('apiKeys as k')
    .innerJoin('roles as r', (j) =>
      j.onRef('r.workspaceId', '=', 'k.workspaceId').onRef('r.id', '=', 'k.roleId'),
    )
    .select(['k.id', 'r.key', 'r.permissions'])
    .where('k.workspaceId', '=', workspaceId)
    .where('k.createdBy', '=', userId)
    .where('k.revokedAt', 'is', null)
    .execute();
}

/** Revokes the given API keys. */
export async function revokeApiKeys(trx: Tx, workspaceId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable('apiKeys')
    .set({ revokedAt: new Date() })
    .where('workspaceId', '=', workspaceId)
    .where('id', 'in', ids)
    .where('revokedAt', 'is', null)
    .execute();
}

/** The person who created an API key (null for one made by the command line, or by nobody known). */
export async function findApiKeyCreator(
  trx: Tx,
  workspaceId: string,
  apiKeyId: string,
): Promise<string | null> {
  const row = await trx
    .selectFrom('apiKeys')
    .select('createdBy')
    .where('workspaceId', '=', workspaceId)
    .where('id', '=', apiKeyId)
    .executeTakeFirst();
  return row?.createdBy ?? null;
}
