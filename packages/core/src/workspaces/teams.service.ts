import { type Tx, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';

/** A team with its members' user ids. */
export interface TeamView {
  id: string;
  name: string;
  members: string[];
  createdAt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function notFound(id: string): AppError {
  return new AppError('not_found', `There is no team ${id}.`);
}

async function loadTeam(trx: Tx, workspaceId: string, id: string): Promise<TeamView> {
  if (!UUID.test(id)) throw notFound(id);
  const { rows } = await sql<{ id: string; name: string; createdAt: Date; members: string[] }>`
    select t.id, t.name, t.created_at,
      coalesce(array_agg(m.user_id order by m.user_id) filter (where m.user_id is not null), '{}') as members
    from teams t left join team_members m on m.workspace_id = t.workspace_id and m.team_id = t.id
    where t.workspace_id = ${workspaceId} and t.id = ${id}
    group by t.id, t.name, t.created_at`.execute(trx);
  const row = rows[0];
  if (!row) throw notFound(id);
  return { id: row.id, name: row.name, members: row.members, createdAt: row.createdAt.toISOString() };
}

/** Sets a team's members to exactly these users, each of whom must be a member of the workspace. */
async function setMembers(trx: Tx, workspaceId: string, teamId: string, userIds: string[]): Promise<void> {
  const wanted = [...new Set(userIds)];
  const bad = wanted.filter((u) => !UUID.test(u));
  const { rows } = wanted.length
    ? await sql<{ userId: string }>`
        select user_id from memberships
        where workspace_id = ${workspaceId} and user_id = any(${wanted.filter((u) => UUID.test(u))}::uuid[])`.execute(
        trx,
      )
    : { rows: [] };
  const known = new Set(rows.map((r) => r.userId));
  bad.push(...wanted.filter((u) => UUID.test(u) && !known.has(u)));
  if (bad.length > 0)
    throw new AppError('validation_failed', `These are not members of the workspace: ${bad.join(', ')}.`, {
      errors: [{ field: 'members', message: `Not members: ${bad.join(', ')}.` }],
    });
  await sql`delete from team_members where workspace_id = ${workspaceId} and team_id = ${teamId}`.execute(
    trx,
  );
  if (wanted.length > 0)
    await sql`
      insert into team_members (workspace_id, team_id, user_id)
      select w.id, ${teamId}, u from workspaces w cross join unnest(${wanted}::uuid[]) as u
      where w.id = ${workspaceId}`.execute(trx);
}

async function insertOrRename(trx: Tx, run: () => Promise<unknown>, name: string): Promise<void> {
  try {
    await sql`savepoint team_name`.execute(trx);
    await run();
    await sql`release savepoint team_name`.execute(trx);
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
    await sql`rollback to savepoint team_name`.execute(trx);
    throw new AppError('conflict', `There is already a team named "${name}".`);
  }
}

/** Creates a team, optionally with members. */
export async function createTeam(
  { db, principal: { workspaceId } }: ServiceContext,
  input: { name: string; members?: string[] | undefined },
): Promise<TeamView> {
  return withWorkspace(db, workspaceId, async (trx) => {
    const id = newId();
    await insertOrRename(
      trx,
      () =>
        sql`insert into teams (workspace_id, id, name) values (${workspaceId}, ${id}, ${input.name})`.execute(
          trx,
        ),
      input.name,
    );
    if (input.members) await setMembers(trx, workspaceId, id, input.members);
    return loadTeam(trx, workspaceId, id);
  });
}

/** Every team of the workspace, by name. */
export async function listTeams({ db, principal: { workspaceId } }: ServiceContext): Promise<TeamView[]> {
  return withWorkspace(db, workspaceId, async (trx) => {
    const { rows } = await sql<{ id: string }>`
      select id from teams where workspace_id = ${workspaceId} order by name, id`.execute(trx);
    const teams: TeamView[] = [];
    for (const row of rows) teams.push(await loadTeam(trx, workspaceId, row.id));
    return teams;
  });
}

/** Renames a team or replaces its members. */
export async function updateTeam(
  { db, principal: { workspaceId } }: ServiceContext,
  id: string,
  patch: { name?: string | undefined; members?: string[] | undefined },
): Promise<TeamView> {
  return withWorkspace(db, workspaceId, async (trx) => {
    await loadTeam(trx, workspaceId, id);
    if (patch.name !== undefined) {
      const name = patch.name;
      await insertOrRename(
        trx,
        () =>
          sql`update teams set name = ${name} where workspace_id = ${workspaceId} and id = ${id}`.execute(
            trx,
          ),
        name,
      );
    }
    if (patch.members) await setMembers(trx, workspaceId, id, patch.members);
    return loadTeam(trx, workspaceId, id);
  });
}

/** Removes a team (its members stay members of the workspace). */
export async function deleteTeam(
  { db, principal: { workspaceId } }: ServiceContext,
  id: string,
): Promise<void> {
  await withWorkspace(db, workspaceId, async (trx) => {
    await loadTeam(trx, workspaceId, id);
    await sql`delete from teams where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
  });
}

/** The ids of the teams a user belongs to (for sharing views and reports). */
export async function teamsOf(trx: Tx, workspaceId: string, userId: string): Promise<string[]> {
  const { rows } = await sql<{ teamId: string }>`
    select team_id from team_members where workspace_id = ${workspaceId} and user_id = ${userId}`.execute(
    trx,
  );
  return rows.map((r) => r.teamId);
}

/** A team's members' user ids, in the order they joined (none for a team that does not exist). */
export async function teamMemberIds(trx: Tx, workspaceId: string, teamId: string): Promise<string[]> {
  const { rows } = await sql<{ userId: string }>`
    select user_id from team_members where workspace_id = ${workspaceId} and team_id = ${teamId}
    order by user_id`.execute(trx);
  return rows.map((r) => r.userId);
}
