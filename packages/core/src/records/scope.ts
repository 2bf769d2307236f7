import { type Tx, transactionWorkspaceSettings } from '@rabita/db';
import { type RawBuilder, sql, type Transaction } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import { loadObjects } from '../metadata/metadata.service.ts';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import type { WriteCause } from '../modules/manifest.ts';
import { ownerLimit, ruleFor } from './access.ts';
import type { ValueContext } from './values.ts';

/** The table alias every record query uses (shared with the aggregate service). */
export const ALIAS = 't';

/** One object's metadata and the workspace's settings, opened inside a workspace transaction. */
export interface Scope {
  trx: Tx;
  /** The same transaction without the camel-case plugin: record tables are read and written by column name. */
  raw: Transaction<unknown>;
  workspaceId: string;
  objects: ObjectDef[];
  object: ObjectDef;
  ctx: ValueContext;
  /** Set for writes made by automation (kept in the audit trail and carried by the events). */
  cause?: WriteCause | undefined;
}

/**
 * The workspace's default country and currency and its metadata and automation versions: as read when the
 * transaction opened (`transactionWorkspaceSettings`), else (the transaction changed them) read now.
 */
export async function workspaceSettings(trx: Tx, workspaceId: string) {
  return (
    transactionWorkspaceSettings(workspaceId) ??
    (await trx
      .selectFrom('workspaces')
      .select(['defaultCountry', 'defaultCurrency', 'metadataVersion', 'automationVersion'])
      .where('id', '=', workspaceId)
      .executeTakeFirstOrThrow())
  );
}

/** Every object of the workspace as the transaction's metadata version has them (kept per process by version). */
export async function workspaceObjects(trx: Tx, workspaceId: string): Promise<ObjectDef[]> {
  const { metadataVersion } = await workspaceSettings(trx, workspaceId);
  return loadObjects(trx, workspaceId, metadataVersion);
}

/** Loads the workspace's metadata and the object (404 when it does not exist). */
export async function openScope(trx: Tx, workspaceId: string, objectKey: string): Promise<Scope> {
  const workspace = await workspaceSettings(trx, workspaceId);
  const objects = await loadObjects(trx, workspaceId, workspace.metadataVersion);
  const object = objects.find((o) => o.key === objectKey);
  if (!object) throw new AppError('not_found', `There is no object "${objectKey}".`);
  return {
    trx,
    raw: trx.withoutPlugins() as unknown as Transaction<unknown>,
    workspaceId,
    objects,
    object,
    ctx: { defaultCountry: workspace.defaultCountry, defaultCurrency: workspace.defaultCurrency },
  };
}

/** The workspace's objects and the values context (default country and currency), for import and export. */
export async function objectsInScope(trx: Tx, workspaceId: string, objectKey: string) {
  const s = await openScope(trx, workspaceId, objectKey);
  return { object: s.object, objects: s.objects, ctx: s.ctx };
}

/** The row condition a role's "own records only" rule adds (true when it has none). */
export function ownerCondition(principal: Principal, object: ObjectDef): RawBuilder<unknown> {
  const limit = ownerLimit(principal, ruleFor(principal, object.key));
  if (limit === undefined) return sql`true`;
  if (limit === null) return sql`false`;
  return object.fields.some((f) => f.key === 'owner')
    ? sql`${sql.ref(`${ALIAS}.owner_id`)} = ${limit}`
    : sql`true`;
}
