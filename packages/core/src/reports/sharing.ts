import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { listRoleViews } from '../roles/roles.service.ts';
import { listMembers } from '../workspaces/members.service.ts';
import { listTeams, teamsOf } from '../workspaces/teams.service.ts';
import type { Audience, Share } from './sharing.repository.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** People, teams and roles one report or dashboard is shared with at most. */
export const MAX_SHARES = 200;

/** The caller as an audience: themselves, their teams and their role. */
export async function audienceOf(ctx: ServiceContext): Promise<Audience> {
  const userId = ctx.principal.userId;
  const teamIds = userId ? await inWorkspace(ctx, (trx, ws) => teamsOf(trx, ws, userId)) : [];
  return { userId, teamIds, roleId: ctx.principal.role.id };
}

/**
 * Shares as given, without repeats, once each names someone, a team or a role of the workspace (checked with the
 * members, teams and roles services); anything else is refused with the share's place in the list.
 */
export async function checkShares(
  ctx: ServiceContext,
  shares: readonly Share[],
  what = 'a report',
): Promise<Share[]> {
  if (shares.length > MAX_SHARES)
    throw new AppError(
      'validation_failed',
      `Share ${what} with at most ${MAX_SHARES} people, teams and roles.`,
    );
  const unique = [
    ...new Map(
      shares.map((s) => [`${s.kind} ${s.id.toLowerCase()}`, { ...s, id: s.id.toLowerCase() }]),
    ).values(),
  ];
  const known = {
    user: new Set(unique.some((s) => s.kind === 'user') ? (await listMembers(ctx)).map((m) => m.userId) : []),
    team: new Set(unique.some((s) => s.kind === 'team') ? (await listTeams(ctx)).map((t) => t.id) : []),
    role: new Set(unique.some((s) => s.kind === 'role') ? (await listRoleViews(ctx)).map((r) => r.id) : []),
  };
  const problems = unique.flatMap((s, i) =>
    UUID.test(s.id) && known[s.kind].has(s.id)
      ? []
      : [
          {
            field: `shares.${i}.id`,
            message: `There is no ${s.kind} ${s.id.slice(0, 64)} in this workspace.`,
          },
        ],
  );
  if (problems.length > 0)
    throw new AppError('validation_failed', problems.map((p) => p.message).join(' '), { errors: problems });
  return unique;
}

/** Reads the `after` cursor of a list of shared items paged by name (`nextCursorOf` made it). */
export function nameCursorOf(after: string): { name: string; id: string } {
  try {
    const [name, id] = JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as [string, string];
    if (typeof name !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw new Error('bad');
    return { name, id };
  } catch {
    throw new AppError('validation_failed', 'The cursor is not one this list gave.', {
      errors: [{ field: 'after', message: 'Not a cursor of this list.' }],
    });
  }
}

/** The cursor of the page after `page` (its last item by name), when `rows` held more than `limit`. */
export function nextCursorOf(
  rows: readonly unknown[],
  page: readonly { name: string; id: string }[],
  limit: number,
): string | null {
  const last = page.at(-1);
  return rows.length > limit && last
    ? Buffer.from(JSON.stringify([last.name, last.id])).toString('base64url')
    : null;
}
