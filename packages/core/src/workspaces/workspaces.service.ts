import {
  type Database,
  type DB,
  onCitus,
  setWorkspace,
  type Tx,
  withWorkspace,
  workspaceSettingsChanged,
} from '@rabita/db';
import { type Selectable, sql } from 'kysely';
import { actorOf, recordSecurityEvent } from '../audit/audit.service.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { registry } from '../modules/registry.ts';
import { insertDefaultRoles } from '../roles/roles.repository.ts';

export function presentWorkspace(row: Selectable<DB['workspaces']>) {
  return {
    id: row.id,
    name: row.name,
    defaultCountry: row.defaultCountry,
    defaultCurrency: row.defaultCurrency,
    defaultLocale: row.defaultLocale,
    createdAt: row.createdAt.toISOString(),
  };
}
export type WorkspaceView = ReturnType<typeof presentWorkspace>;

/**
 * True once any workspace exists (sign-up then needs an invitation unless open sign-up is on). Read in the sign-up's
 * transaction, which then writes `users`. On a Citus cluster the check asks every shard of `workspaces`, in parallel
 * by default, after which Citus refuses a write to a reference table that distributed tables reference ("cannot
 * modify table "users" because there was a parallel operation on a distributed table"): there the transaction
 * reads shards over one connection per node (`citus.multi_shard_modify_mode`, for the rest of the transaction). One
 * PostgreSQL runs the check alone, as before.
 */
export async function anyWorkspaceExists(trx: Tx): Promise<boolean> {
  if (await onCitus(trx)) await sql`set local citus.multi_shard_modify_mode to 'sequential'`.execute(trx);
  const { rows } = await sql<{ exists: boolean }>`select rabita_workspace_exists() as exists`.execute(trx);
  return rows[0]?.exists === true;
}

/**
 * Creates a workspace with its built-in roles and each module's seed steps (the default pipeline…), and makes `ownerId` its admin. Scopes `trx` to the new
 * workspace, so the caller may go on writing into it.
 */
export async function createWorkspace(
  trx: Tx,
  input: { name: string; ownerId: string; defaultLocale?: string },
): Promise<Selectable<DB['workspaces']>> {
  const id = newId();
  await setWorkspace(trx, id);
  const workspace = await trx
    .insertInto('workspaces')
    .values({
      id,
      name: input.name.trim(),
      ...(input.defaultLocale ? { defaultLocale: input.defaultLocale } : {}),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const roles = await insertDefaultRoles(trx, id);
  await trx
    .insertInto('memberships')
    .values({ workspaceId: id, userId: input.ownerId, roleId: roles.get('admin')! })
    .execute();
  for (const seed of registry().seeds) await seed.run(trx, workspace);
  return workspace;
}

export async function getWorkspace({
  db,
  principal: { workspaceId },
}: ServiceContext): Promise<WorkspaceView> {
  const row = await withWorkspace(db, workspaceId, (trx) =>
    trx.selectFrom('workspaces').selectAll().where('id', '=', workspaceId).executeTakeFirst(),
  );
  if (!row) throw new AppError('not_found', 'The workspace does not exist.');
  return presentWorkspace(row);
}

export interface WorkspacePatch {
  name?: string | undefined;
  defaultCountry?: string | undefined;
  defaultCurrency?: string | undefined;
  defaultLocale?: string | undefined;
}

/** Changes a workspace's name and defaults (the route checks the caller may). */
export async function updateWorkspace(ctx: ServiceContext, patch: WorkspacePatch): Promise<WorkspaceView> {
  const {
    db,
    principal: { workspaceId },
  } = ctx;
  const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  const row = await withWorkspace(db, workspaceId, async (trx) => {
    workspaceSettingsChanged(workspaceId);
    const updated = await trx
      .updateTable('workspaces')
      .set({ ...values, updatedAt: new Date() })
      .where('id', '=', workspaceId)
      .returningAll()
      .executeTakeFirst();
    if (updated)
      await recordSecurityEvent(trx, {
        ...actorOf(ctx),
        kind: 'workspace.updated',
        details: { changed: values },
      });
    return updated;
  });
  if (!row) throw new AppError('not_found', 'The workspace does not exist.');
  return presentWorkspace(row);
}

/** The workspaces a user belongs to, with their role in each. */
export async function listUserWorkspaces(db: Database, userId: string) {
  // Column names come back camelCased by the CamelCasePlugin.
  const { rows } = await sql<{
    workspaceId: string;
    workspaceName: string;
    roleKey: string;
  }>`select workspace_id, workspace_name, role_key from rabita_user_memberships(${userId})`.execute(db);
  return rows.map((r) => ({ id: r.workspaceId, name: r.workspaceName, role: r.roleKey }));
}

/**
 * Marks that the workspace's automation changed (a workflow turned on or off, published or deleted; a webhook or
 * a lead scoring rule added, changed or removed), in the caller's transaction: what every process keeps of it
 * (`automationMemo`) is checked against this counter, read when a workspace transaction opens, so the change is
 * seen by the next write through any instance.
 */
export async function bumpAutomationVersion(trx: Tx, workspaceId: string): Promise<void> {
  workspaceSettingsChanged(workspaceId);
  await trx
    .updateTable('workspaces')
    .set({ automationVersion: sql`automation_version + 1` })
    .where('id', '=', workspaceId)
    .execute();
}
