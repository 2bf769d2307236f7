import type { Tx } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';

// A read seam of the workspaces module for SQL other modules compile: who is in which team. The workspaces module
// owns `teams` and `team_members`; another module that needs the membership inside one statement (a report grouped
// by the owner's team) places this relation in its query instead of naming those tables, so the tables may change
// as long as the relation keeps its two columns.

/**
 * The workspace's team membership as a relation to join: one row `(team_id uuid, user_id uuid)` per member of
 * each team (a member of two teams has two rows). Parameterised by the workspace; row-level security applies too.
 */
export function teamMembershipRelation(
  workspaceId: string,
): RawBuilder<{ team_id: string; user_id: string }> {
  return sql`(select tm.team_id, tm.user_id from team_members as tm where tm.workspace_id = ${workspaceId})`;
}

/** The names of these teams of the workspace, by id (ids of no team of the workspace are left out). */
export async function teamNamesIn(
  trx: Tx,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const wanted = ids.filter((id) =>
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id),
  );
  if (wanted.length === 0) return new Map();
  const { rows } = await sql<{ id: string; name: string }>`
    select id, name from teams where workspace_id = ${workspaceId} and id = any(${wanted}::uuid[])`.execute(
    trx,
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** The teams a user belongs to, by name (then id): the order a "first team" choice follows. */
export async function teamsOfByName(trx: Tx, workspaceId: string, userId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    select t.id from team_members m join teams t on t.workspace_id = m.workspace_id and t.id = m.team_id
    where m.workspace_id = ${workspaceId} and m.user_id = ${userId}
    order by t.name, t.id`.execute(trx);
  return rows.map((r) => r.id);
}
