import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { can } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { loadObjects } from '../metadata/metadata.service.ts';
import { teamsOf } from '../workspaces/teams.service.ts';

/** A saved view of a list: its name, who sees it, and the list's state (columns, widths, sort, filter). */
export interface ViewView {
  id: string;
  object: string;
  name: string;
  ownerId: string;
  teamId: string | null;
  shared: boolean;
  state: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
}

export interface ViewInput {
  object: string;
  name: string;
  teamId?: string | null | undefined;
  shared?: boolean | undefined;
  state: Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_STATE_BYTES = 64 * 1024;

type Row = {
  id: string;
  objectKey: string;
  name: string;
  ownerId: string;
  teamId: string | null;
  shared: boolean;
  state: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
};

function present(r: Row): ViewView {
  return {
    id: r.id,
    object: r.objectKey,
    name: r.name,
    ownerId: r.ownerId,
    teamId: r.teamId,
    shared: r.shared,
    state: r.state,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

function person(principal: Principal): string {
  if (!principal.userId) throw new AppError('forbidden', 'Views belong to people; an API key has none.');
  return principal.userId;
}

function checkState(state: Record<string, unknown>): void {
  if (Buffer.byteLength(JSON.stringify(state)) > MAX_STATE_BYTES)
    throw new AppError('validation_failed', 'A view is at most 64 KiB.', {
      errors: [{ field: 'state', message: 'At most 64 KiB.' }],
    });
}

/** The views of an object the caller may use: their own, their teams', and the workspace's shared ones. */
export async function listViews({ db, principal }: ServiceContext, objectKey: string): Promise<ViewView[]> {
  const userId = person(principal);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const teams = await teamsOf(trx, principal.workspaceId, userId);
    const { rows } = await sql<Row>`
      select id, object_key, name, owner_id, team_id, shared, state, created_at, updated_at from views
      where workspace_id = ${principal.workspaceId} and object_key = ${objectKey}
        and (owner_id = ${userId} or shared or team_id = any(${teams}::uuid[]))
      order by name, id`.execute(trx);
    return rows.map(present);
  });
}

/** Saves a view; sharing with a team needs membership of it, with everyone the `metadata.manage` right. */
export async function createView({ db, principal }: ServiceContext, input: ViewInput): Promise<ViewView> {
  const userId = person(principal);
  checkState(input.state);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const objects = await loadObjects(trx, principal.workspaceId);
    if (!objects.some((o) => o.key === input.object))
      throw new AppError('validation_failed', `There is no object "${input.object}".`, {
        errors: [{ field: 'object', message: 'Unknown object.' }],
      });
    if (input.teamId) {
      const teams = await teamsOf(trx, principal.workspaceId, userId);
      if (!UUID.test(input.teamId) || !teams.includes(input.teamId))
        throw new AppError('validation_failed', 'You can share a view only with a team you belong to.', {
          errors: [{ field: 'teamId', message: 'Not one of your teams.' }],
        });
    }
    if (input.shared && !can(principal, 'metadata.manage'))
      throw new AppError('forbidden', 'Only admins share views with the whole workspace.');
    const { rows } = await sql<Row>`
      insert into views (workspace_id, id, object_key, name, owner_id, team_id, shared, state)
      values (${principal.workspaceId}, ${newId()}, ${input.object}, ${input.name}, ${userId}, ${input.teamId ?? null},
              ${input.shared ?? false}, ${JSON.stringify(input.state)}::jsonb)
      returning id, object_key, name, owner_id, team_id, shared, state, created_at, updated_at`.execute(trx);
    return present(rows[0]!);
  });
}

/** Renames a view or saves new state into it (its owner, or an admin). */
export async function updateView(
  { db, principal }: ServiceContext,
  id: string,
  patch: { name?: string | undefined; state?: Record<string, unknown> | undefined },
): Promise<ViewView> {
  const userId = person(principal);
  if (patch.state) checkState(patch.state);
  if (!UUID.test(id)) throw new AppError('not_found', `There is no view ${id}.`);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const admin = can(principal, 'metadata.manage');
    const { rows } = await sql<Row>`
      update views set
        name = coalesce(${patch.name ?? null}, name),
        state = coalesce(${patch.state ? JSON.stringify(patch.state) : null}::jsonb, state),
        updated_at = now()
      where workspace_id = ${principal.workspaceId} and id = ${id} and (owner_id = ${userId} or ${admin})
      returning id, object_key, name, owner_id, team_id, shared, state, created_at, updated_at`.execute(trx);
    if (!rows[0]) throw new AppError('not_found', `There is no view ${id} of yours.`);
    return present(rows[0]);
  });
}

/** Removes a view (its owner, or an admin). */
export async function deleteView({ db, principal }: ServiceContext, id: string): Promise<void> {
  const userId = person(principal);
  if (!UUID.test(id)) throw new AppError('not_found', `There is no view ${id}.`);
  await withWorkspace(db, principal.workspaceId, async (trx) => {
    const admin = can(principal, 'metadata.manage');
    const { rows } = await sql`
      delete from views where workspace_id = ${principal.workspaceId} and id = ${id} and (owner_id = ${userId} or ${admin})
      returning id`.execute(trx);
    if (rows.length === 0) throw new AppError('not_found', `There is no view ${id} of yours.`);
  });
}
