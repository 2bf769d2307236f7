import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { actorOf, recordSecurityEvent } from '../audit/audit.service.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { assertCanGrant } from '../roles/grant-check.ts';
import { grantsBeyond, parsePermissions } from '../roles/permissions.ts';
import { findRoleByKey } from '../roles/roles.repository.ts';
import type { Principal } from './principal.ts';
import { accessChanged } from './principal-cache.ts';
import { findApiKeyCreator, listLiveApiKeysCreatedBy, revokeApiKeys } from './principals.repository.ts';
import { hashToken, newToken } from './tokens.ts';

export interface ApiKeyView {
  id: string;
  name: string;
  role: string;
  tokenPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
}

/**
 * Creates an API key with a role no wider than the caller's own; the secret is returned once and stored only
 * hashed.
 */
export async function createApiKey(
  ctx: ServiceContext,
  input: { name: string; role: string },
): Promise<ApiKeyView & { token: string }> {
  const { db, principal } = ctx;
  const token = newToken('rbk');
  const { workspaceId } = principal;
  return withWorkspace(db, workspaceId, async (trx) => {
    const role = await findRoleByKey(trx, workspaceId, input.role);
    if (!role) {
      throw new AppError('validation_failed', `There is no role "${input.role}" in this workspace.`, {
        errors: [{ field: 'role', message: 'Unknown role.' }],
      });
    }
    assertCanGrant(principal, role, 'role');
    // A key made with a key answers to the person behind that key, so it goes when they leave.
    const createdBy =
      principal.userId ??
      (principal.apiKeyId ? await findApiKeyCreator(trx, workspaceId, principal.apiKeyId) : null);
    const row = await trx
      .insertInto('apiKeys')
      .values({
        workspaceId,
        id: newId(),
        name: input.name.trim(),
        roleId: role.id,
        tokenHash: hashToken(token),
        tokenPrefix: token.slice(0, 10),
        createdBy,
      })
      .returning(['id', 'name', 'tokenPrefix', 'createdAt', 'lastUsedAt'])
      .executeTakeFirstOrThrow();
    await recordSecurityEvent(trx, {
      ...actorOf(ctx),
      kind: 'api_key.created',
      subject: row.id,
      details: { name: row.name, role: role.key },
    });
    return {
      id: row.id,
      name: row.name,
      role: role.key,
      tokenPrefix: row.tokenPrefix,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: null,
      token,
    };
  });
}

/** The workspace's active API keys, newest first; never their secrets. */
export async function listApiKeys({ db, principal: { workspaceId } }: ServiceContext): Promise<ApiKeyView[]> {
  const rows = await withWorkspace(db, workspaceId, (trx) =>
    trx
      .selectFrom('apiKeys as k')
      .innerJoin('roles as r', (j) =>
        j.onRef('r.workspaceId', '=', 'k.workspaceId').onRef('r.id', '=', 'k.roleId'),
      )
      .select(['k.id', 'k.name', 'r.key as role', 'k.tokenPrefix', 'k.createdAt', 'k.lastUsedAt'])
      .where('k.workspaceId', '=', workspaceId)
      .where('k.revokedAt', 'is', null)
      .orderBy('k.id', 'desc')
      .execute(),
  );
  return rows.map((r) => ({
    ...r,
    createdAt: r.createdAt.toISOString(),
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
  }));
}

/** Revokes a key at once; a key of another workspace is simply not found. */
export async function revokeApiKey(ctx: ServiceContext, id: string): Promise<void> {
  const {
    db,
    principal: { workspaceId },
  } = ctx;
  const result = await withWorkspace(db, workspaceId, async (trx) => {
    const revoked = await trx
      .updateTable('apiKeys')
      .set({ revokedAt: new Date() })
      .where('workspaceId', '=', workspaceId)
      .where('id', '=', id)
      .where('revokedAt', 'is', null)
      .executeTakeFirst();
    if (Number(revoked.numUpdatedRows) > 0)
      await recordSecurityEvent(trx, { ...actorOf(ctx), kind: 'api_key.revoked', subject: id });
    return revoked;
  });
  await accessChanged(db);
  if (Number(result.numUpdatedRows) === 0) throw new AppError('not_found', 'There is no such API key.');
}

/** The principal behind an API key secret, or undefined when it is unknown or revoked. */
export async function principalFromApiKey(db: Database, token: string): Promise<Principal | undefined> {
  const { rows } = await sql<{
    apiKeyId: string;
    workspaceId: string;
    lastUsedAt: Date | null;
    roleId: string;
    roleKey: string;
    roleName: string;
    permissions: unknown;
  }>`select * from rabita_api_key_principal(${hashToken(token)})`.execute(db);
  const key = rows[0];
  if (!key) return undefined;
  // Record use at most once a minute, so reads do not each cost a write.
  if (!key.lastUsedAt || Date.now() - key.lastUsedAt.getTime() > 60_000) {
    await withWorkspace(db, key.workspaceId, (trx) =>
      trx
        .updateTable('apiKeys')
        .set({ lastUsedAt: new Date() })
        .where('workspaceId', '=', key.workspaceId)
        .where('id', '=', key.apiKeyId)
        .execute(),
    );
  }
  return {
    kind: 'apiKey',
    workspaceId: key.workspaceId,
    userId: null,
    sessionId: null,
    apiKeyId: key.apiKeyId,
    role: {
      id: key.roleId,
      key: key.roleKey,
      name: key.roleName,
      permissions: parsePermissions(key.permissions),
    },
  };
}

/**
 * Revokes a person's API keys that their access no longer covers, inside the transaction that changed it: all of
 * them when `role` is undefined (they left the workspace), else those whose role is wider than their new one.
 * Returns the ids revoked.
 */
export async function revokeKeysBeyond(
  trx: Tx,
  workspaceId: string,
  userId: string,
  role: { key: string; permissions: unknown } | undefined,
): Promise<string[]> {
  const keys = await listLiveApiKeysCreatedBy(trx, workspaceId, userId);
  const holder = role && parsePermissions(role.permissions);
  const beyond = keys
    .filter(
      (k) =>
        !role ||
        !holder ||
        (k.key === 'admin' && role.key !== 'admin') ||
        grantsBeyond(parsePermissions(k.permissions), holder).length > 0,
    )
    .map((k) => k.id);
  await revokeApiKeys(trx, workspaceId, beyond);
  return beyond;
}
