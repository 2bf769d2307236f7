import type { Tx } from '@rabita/db';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { listMembers } from '../workspaces/members.service.ts';
import {
  notifyFold,
  type PresenceChoice,
  type PresenceRow,
  selectAgentIds,
  selectPresence,
  upsertChoice,
} from './presence.repository.ts';

/** An agent's presence as the API shows it, with their name. */
export type PresenceView = PresenceRow & { name: string };

/** The team's presence, and the caller's own (also when they take no calls yet). */
export interface TeamPresence {
  me: PresenceView | null;
  data: PresenceView[];
}

/** Who takes calls (mapped to an extension, or who chose a presence), still members, with their presence. */
export async function teamPresenceIn(
  trx: Tx,
  workspaceId: string,
  members: ReadonlyMap<string, string>,
  extra: readonly string[] = [],
): Promise<PresenceView[]> {
  const ids = [...new Set([...(await selectAgentIds(trx, workspaceId)), ...extra])].filter((id) =>
    members.has(id),
  );
  const rows = await selectPresence(trx, workspaceId, ids);
  return rows
    .map((r) => ({ ...r, name: members.get(r.userId) ?? '' }))
    .sort((a, b) => a.name.localeCompare(b.name) || a.userId.localeCompare(b.userId));
}

/** The members' names by user id. */
export async function memberNames(ctx: ServiceContext): Promise<Map<string, string>> {
  return new Map((await listMembers(ctx)).map((m) => [m.userId, m.name]));
}

/** The team's presence: every agent's state, and the caller's own. */
export async function getTeamPresence(ctx: ServiceContext): Promise<TeamPresence> {
  const names = await memberNames(ctx);
  const me = ctx.principal.userId;
  return inWorkspace(ctx, async (trx, ws) => {
    const data = await teamPresenceIn(trx, ws, names, me ? [me] : []);
    return { me: data.find((p) => p.userId === me) ?? null, data };
  });
}

/**
 * Sets the caller's own choice, available or away. A call in progress still shows them on a call; choosing ends a
 * wrap-up under way. Only a person has a presence (an API key is refused). Announced on the event stream.
 */
export async function setMyPresence(ctx: ServiceContext, choice: PresenceChoice): Promise<PresenceView> {
  const userId = ctx.principal.userId;
  if (userId === null)
    throw new AppError('forbidden', 'Only a person signed in has a presence; an API key has none.');
  const names = await memberNames(ctx);
  return inWorkspace(ctx, async (trx, ws) => {
    await upsertChoice(trx, ws, userId, choice);
    const [row] = await announcePresence(trx, ws, [userId]);
    return { ...row!, name: names.get(userId) ?? '' };
  });
}

/**
 * Of the members given, those on a call or in wrap-up now: the service desk's assignment offers them no new
 * tickets. Read in the caller's transaction.
 */
export async function agentsOnCalls(
  trx: Tx,
  workspaceId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  const rows = await selectPresence(trx, workspaceId, userIds);
  return new Set(rows.filter((r) => r.state === 'on_call' || r.state === 'wrap_up').map((r) => r.userId));
}

/** Computes the presence of these members and tells the workspace's streams, at commit. */
async function announcePresence(
  trx: Tx,
  workspaceId: string,
  userIds: readonly string[],
): Promise<PresenceRow[]> {
  const rows = await selectPresence(trx, workspaceId, userIds);
  const at = new Date().toISOString();
  await notifyFold(
    trx,
    workspaceId,
    rows.map((r) =>
      JSON.stringify({
        type: 'presence',
        workspaceId,
        userId: r.userId,
        object: 'calls',
        recordId: r.userId,
        kind: r.state,
        at,
      }),
    ),
    [],
    at,
  );
  return rows;
}
