import type { Database } from '@rabita/db';
import { sql } from 'kysely';
import { newId } from '../ids.ts';
import { parsePermissions } from '../roles/permissions.ts';
import type { Principal } from './principal.ts';
import { accessChanged } from './principal-cache.ts';
import { hashToken, newToken } from './tokens.ts';

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleHours: number;
  /** A session ends this long after sign-in, however active. */
  maxDays: number;
}

/** Opens a session for a member of a workspace; returns the secret cookie value (never stored). */
export async function createSession(
  db: Database,
  input: { userId: string; workspaceId: string; policy: SessionPolicy; ip?: string; userAgent?: string },
): Promise<{ token: string; expiresAt: Date }> {
  const token = newToken('rbs');
  const expiresAt = new Date(Date.now() + input.policy.maxDays * 86_400_000);
  await db
    .insertInto('sessions')
    .values({
      id: newId(),
      tokenHash: hashToken(token),
      userId: input.userId,
      workspaceId: input.workspaceId,
      expiresAt,
      ip: input.ip ?? null,
      userAgent: input.userAgent?.slice(0, 500) ?? null,
    })
    .execute();
  return { token, expiresAt };
}

/** Ends the session holding this secret, if any. */
export async function endSession(db: Database, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('tokenHash', '=', hashToken(token)).execute();
  await accessChanged(db);
}

/** Ends every session of a user (after a password change, say), but the one in `except` when given. */
export async function endUserSessions(
  db: Database,
  userId: string,
  options: { except?: string | null } = {},
): Promise<void> {
  let query = db.deleteFrom('sessions').where('userId', '=', userId);
  if (options.except) query = query.where('id', '!=', options.except);
  await query.execute();
  await accessChanged(db);
}

/** Deletes sessions past either expiry; run by the worker. */
export async function deleteExpiredSessions(db: Database, policy: SessionPolicy): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where((eb) =>
      eb.or([
        eb('expiresAt', '<=', new Date()),
        eb('lastSeenAt', '<=', new Date(Date.now() - policy.idleHours * 3_600_000)),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * The principal behind a session secret, or undefined when the session is unknown, idle too long, past its
 * absolute expiry, or its user is no longer a member of the session's workspace.
 */
export async function principalFromSession(
  db: Database,
  token: string,
  policy: SessionPolicy,
): Promise<Principal | undefined> {
  const idleSince = new Date(Date.now() - policy.idleHours * 3_600_000);
  const { rows } = await sql<{
    sessionId: string;
    userId: string;
    workspaceId: string;
    lastSeenAt: Date;
    roleId: string;
    roleKey: string;
    roleName: string;
    permissions: unknown;
  }>`select * from rabita_session_principal(${hashToken(token)}, ${idleSince})`.execute(db);
  const row = rows[0];
  if (!row) return undefined;
  // Record activity at most once a minute, so reads do not each cost a write. By workspace too, so a Citus
  // coordinator sends the update to the workspace's shard only.
  if (Date.now() - row.lastSeenAt.getTime() > 60_000) {
    await db
      .updateTable('sessions')
      .set({ lastSeenAt: sql`now()` })
      .where('workspaceId', '=', row.workspaceId)
      .where('id', '=', row.sessionId)
      .execute();
  }
  return {
    kind: 'session',
    workspaceId: row.workspaceId,
    userId: row.userId,
    sessionId: row.sessionId,
    apiKeyId: null,
    role: {
      id: row.roleId,
      key: row.roleKey,
      name: row.roleName,
      permissions: parsePermissions(row.permissions),
    },
  };
}

/** Moves a session to another workspace the user belongs to. */
export async function switchSessionWorkspace(
  db: Database,
  sessionId: string,
  workspaceId: string,
): Promise<void> {
  // The row moves (deleted and written again, same id and secret) instead of an update of its workspace: sessions are
  // sharded by workspace on a Citus cluster, where an update may not change the distribution column.
  await db.transaction().execute(async (trx) => {
    const session = await trx
      .deleteFrom('sessions')
      .where('id', '=', sessionId)
      .returningAll()
      .executeTakeFirst();
    if (session)
      await trx
        .insertInto('sessions')
        .values({ ...session, workspaceId })
        .execute();
  });
  await accessChanged(db);
}
