import { can } from '../auth/principal.ts';
import { inWorkspace, type ServiceContext } from '../context.ts';
import { AppError, type FieldProblem, isAppError } from '../errors/app-error.ts';
import { newId } from '../ids.ts';
import { listRoleViews } from '../roles/roles.service.ts';
import { listViews } from '../views/views.service.ts';
import { listMembers } from '../workspaces/members.service.ts';
import { teamsOfByName } from '../workspaces/team-membership.ts';
import { listTeams } from '../workspaces/teams.service.ts';
import {
  type DashboardRow,
  deleteDashboardRow,
  findDashboardRow,
  findHomeRow,
  findSubjectHomeRows,
  type HomeSubject,
  insertDashboardRow,
  listDashboardRows,
  listHomeRows,
  listSubjectHomeRows,
  lockDashboardRow,
  updateDashboardRow,
  upsertHomeRow,
  writeSubjectHomeRow,
} from './dashboards.repository.ts';
import {
  type DashboardFilters,
  dashboardFiltersSchema,
  layoutSchema,
  MAX_DASHBOARD_BYTES,
  type Widget,
} from './dashboards.schemas.ts';
import { builtInHome } from './dashboards-builtin.ts';
import { unstorableIn } from './report-definition.ts';
import { checkReport } from './run-report.ts';
import { getSavedReport } from './saved-reports.service.ts';
import { DASHBOARD_SHARES, replaceSharesIn, type Share, sharesOfIn } from './sharing.repository.ts';
import { audienceOf, checkShares, nameCursorOf, nextCursorOf } from './sharing.ts';

/** A dashboard as the API shows it. */
export interface DashboardView {
  /** Its id; `home` for a role's built-in home dashboard. */
  id: string;
  name: string;
  ownerId: string | null;
  layout: Widget[];
  filters: DashboardFilters;
  shares: Share[];
  /** True when the caller may change or delete it (its owner, or `reports.manage`). */
  editable: boolean;
  /** The built-in home of a role (`rep`, `manager`, `agent`), which nobody edits; null for a saved one. */
  builtIn: 'rep' | 'manager' | 'agent' | null;
  createdAt: string | null;
  updatedAt: string | null;
}

export interface DashboardInput {
  name: string;
  layout?: Widget[] | undefined;
  filters?: DashboardFilters | undefined;
  shares?: Share[] | undefined;
}

/** Where a person's home came from: chosen for them, for a team of theirs, for their role, or built in. */
export type HomeSource = 'person' | 'team' | 'role' | 'builtIn';

/** A person's home: its dashboard, whether they land on it after signing in, and whose choice it is. */
export interface HomeView {
  dashboard: DashboardView;
  landing: boolean;
  source: HomeSource;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function present(ctx: ServiceContext, row: DashboardRow, shares: Share[]): DashboardView {
  // A layout saved by an older version still reads: a widget that no longer parses is left out, not the dashboard.
  const widgets = Array.isArray(row.layout) ? row.layout : [];
  const filters = dashboardFiltersSchema.safeParse(row.filters);
  return {
    id: row.id,
    name: row.name,
    ownerId: row.ownerId,
    layout: widgets.flatMap((w) => {
      const parsed = layoutSchema.element.safeParse(w);
      return parsed.success ? [parsed.data] : [];
    }),
    filters: filters.success ? filters.data : {},
    shares,
    editable: row.ownerId === ctx.principal.userId || can(ctx.principal, 'reports.manage'),
    builtIn: null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function person(ctx: ServiceContext): string {
  if (!ctx.principal.userId)
    throw new AppError('forbidden', 'Dashboards belong to people; an API key has none.');
  return ctx.principal.userId;
}

/** Moves a service's problems under a widget's place in the layout (`layout.3.kpi.measure.field`). */
function under(prefix: string, error: unknown): never {
  if (
    isAppError(error) &&
    (error.code === 'validation_failed' || error.code === 'not_found' || error.code === 'forbidden')
  ) {
    const problems: FieldProblem[] = error.errors?.map((p) => ({
      field: `${prefix}.${p.field}`,
      message: p.message,
    })) ?? [{ field: prefix, message: error.message }];
    throw new AppError('validation_failed', `${prefix}: ${error.message}`, { errors: problems });
  }
  throw error;
}

/**
 * Checks that the caller could show each widget now: a saved report they may run, a definition over fields their
 * role sees, a view of theirs. (Each viewer's own rights decide again when a widget runs.)
 */
async function checkLayout(ctx: ServiceContext, layout: readonly Widget[]): Promise<void> {
  for (const [i, w] of layout.entries()) {
    const at = `layout.${i}`;
    try {
      if (w.kind === 'report') {
        if (w.reportId) {
          await getSavedReport(ctx, w.reportId).catch((error: unknown) => {
            if (isAppError(error) && error.code === 'not_found')
              throw new AppError('validation_failed', `There is no report ${w.reportId} you may run.`, {
                errors: [{ field: 'reportId', message: 'No report of that id is shared with you.' }],
              });
            throw error;
          });
        } else if (w.definition)
          await checkReport(ctx, w.definition).catch((e: unknown) => under('definition', e));
      } else if (w.kind === 'kpi') {
        await checkReport(ctx, {
          object: w.kpi.object,
          filter: w.kpi.filter,
          groupBy: [],
          measures: [w.kpi.measure],
        }).catch((e: unknown) => under('kpi', e));
      } else {
        await checkReport(ctx, {
          object: w.list.object,
          filter: w.list.filter,
          groupBy: [],
          measures: [{ fn: 'count' }],
        }).catch((e: unknown) => under('list', e));
        if (w.list.viewId) {
          const views = ctx.principal.userId ? await listViews(ctx, w.list.object) : [];
          if (!views.some((v) => v.id === w.list.viewId?.toLowerCase()))
            throw new AppError(
              'validation_failed',
              `There is no view ${w.list.viewId} of ${w.list.object}.`,
              {
                errors: [
                  { field: 'list.viewId', message: 'No view of that id is yours or shared with you.' },
                ],
              },
            );
        }
      }
    } catch (error) {
      under(at, error);
    }
  }
}

/** Refuses an owner who is not a member, or a team not of the workspace. */
async function checkFilters(ctx: ServiceContext, filters: DashboardFilters): Promise<DashboardFilters> {
  const problems: FieldProblem[] = [];
  if (filters.owner && filters.owner !== 'me') {
    const owner = filters.owner.toLowerCase();
    if (!(await listMembers(ctx)).some((m) => m.userId === owner))
      problems.push({ field: 'filters.owner', message: 'No member of this workspace has that id.' });
  }
  if (filters.team) {
    const team = filters.team.toLowerCase();
    if (!(await listTeams(ctx)).some((t) => t.id === team))
      problems.push({ field: 'filters.team', message: 'No team of this workspace has that id.' });
  }
  if (problems.length > 0)
    throw new AppError('validation_failed', problems.map((p) => p.message).join(' '), { errors: problems });
  return {
    ...filters,
    ...(filters.owner ? { owner: filters.owner.toLowerCase() } : {}),
    ...(filters.team ? { team: filters.team.toLowerCase() } : {}),
  };
}

function checkSize(layout: unknown, filters: unknown): void {
  const unstorable = unstorableIn(layout);
  if (unstorable)
    throw new AppError('validation_failed', `layout: ${unstorable}`, {
      errors: [{ field: 'layout', message: unstorable }],
    });
  if (Buffer.byteLength(JSON.stringify({ layout, filters })) > MAX_DASHBOARD_BYTES)
    throw new AppError('validation_failed', `A dashboard is at most ${MAX_DASHBOARD_BYTES / 1024} KiB.`, {
      errors: [{ field: 'layout', message: `At most ${MAX_DASHBOARD_BYTES / 1024} KiB with its filters.` }],
    });
}

/** The dashboards the caller may open: their own, those shared with them, a team of theirs or their role, their home. */
export async function listDashboards(
  ctx: ServiceContext,
  options: { after?: string | undefined; limit?: number | undefined } = {},
): Promise<{ data: DashboardView[]; nextCursor: string | null }> {
  const who = await audienceOf(ctx);
  const limit = Math.min(options.limit ?? 100, 200);
  const after = options.after ? nameCursorOf(options.after) : undefined;
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const rows = await listDashboardRows(trx, workspaceId, who, {
      everything: false,
      after,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const shares = await sharesOfIn(
      trx,
      DASHBOARD_SHARES,
      workspaceId,
      page.map((r) => r.id),
    );
    return {
      data: page.map((r) => present(ctx, r, shares.get(r.id) ?? [])),
      nextCursor: nextCursorOf(rows, page, limit),
    };
  });
}

/** One dashboard the caller may open (404 otherwise; admins reach every one, to change or remove it). */
export async function getDashboard(ctx: ServiceContext, id: string): Promise<DashboardView> {
  if (!UUID.test(id)) throw new AppError('not_found', `There is no dashboard ${id.slice(0, 64)}.`);
  const who = await audienceOf(ctx);
  return inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await findDashboardRow(trx, workspaceId, id, who, can(ctx.principal, 'reports.manage'));
    if (!row) throw new AppError('not_found', `There is no dashboard ${id}.`);
    const shares = await sharesOfIn(trx, DASHBOARD_SHARES, workspaceId, [id]);
    return present(ctx, row, shares.get(id) ?? []);
  });
}

/** Saves a dashboard whose widgets the caller can show now, with its filters and shares. */
export async function createDashboard(ctx: ServiceContext, input: DashboardInput): Promise<DashboardView> {
  const ownerId = person(ctx);
  const layout = input.layout ?? [];
  checkSize(layout, input.filters ?? {});
  await checkLayout(ctx, layout);
  const filters = await checkFilters(ctx, input.filters ?? {});
  const shares = await checkShares(ctx, input.shares ?? [], 'a dashboard');
  const id = newId();
  await inWorkspace(ctx, async (trx, workspaceId) => {
    await insertDashboardRow(trx, workspaceId, { id, name: input.name, ownerId, layout, filters });
    await replaceSharesIn(trx, DASHBOARD_SHARES, workspaceId, id, shares);
  });
  return getDashboard(ctx, id);
}

/**
 * Changes a dashboard's name, layout, filters or shares (its owner, or `reports.manage`). Widgets already on it
 * are not checked again (moving a widget needs no right to its report); new or changed ones are.
 */
export async function updateDashboard(
  ctx: ServiceContext,
  id: string,
  patch: Partial<DashboardInput>,
): Promise<DashboardView> {
  person(ctx);
  const current = await getDashboard(ctx, id);
  if (patch.layout) {
    checkSize(patch.layout, patch.filters ?? current.filters);
    const kept = new Map(
      current.layout.map((w) => [w.id, JSON.stringify({ ...w, x: 0, y: 0, w: 1, h: 1, title: '' })]),
    );
    const changed = patch.layout.filter(
      (w) => kept.get(w.id) !== JSON.stringify({ ...w, x: 0, y: 0, w: 1, h: 1, title: '' }),
    );
    try {
      await checkLayout(ctx, changed);
    } catch (error) {
      // Name the widget by its place in the whole layout.
      if (isAppError(error) && error.errors) {
        const places = changed.map((w) => patch.layout!.findIndex((p) => p.id === w.id));
        const errors = error.errors.map((p) => ({
          ...p,
          field: p.field.replace(/^layout\.(\d+)/, (_, i: string) => `layout.${places[Number(i)] ?? i}`),
        }));
        throw new AppError(error.code, error.message, { errors });
      }
      throw error;
    }
  }
  const filters = patch.filters ? await checkFilters(ctx, patch.filters) : undefined;
  const shares = patch.shares ? await checkShares(ctx, patch.shares, 'a dashboard') : undefined;
  await inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await lockDashboardRow(trx, workspaceId, id);
    if (!row) throw new AppError('not_found', `There is no dashboard ${id}.`);
    if (row.ownerId !== ctx.principal.userId && !can(ctx.principal, 'reports.manage'))
      throw new AppError('forbidden', 'Only its owner or an admin may change a dashboard.');
    await updateDashboardRow(trx, workspaceId, id, { name: patch.name, layout: patch.layout, filters });
    if (shares) await replaceSharesIn(trx, DASHBOARD_SHARES, workspaceId, id, shares);
  });
  return getDashboard(ctx, id);
}

/** Removes a dashboard (its owner, or `reports.manage`); a role whose home it was gets the built-in one again. */
export async function deleteDashboard(ctx: ServiceContext, id: string): Promise<void> {
  person(ctx);
  await getDashboard(ctx, id);
  await inWorkspace(ctx, async (trx, workspaceId) => {
    const row = await lockDashboardRow(trx, workspaceId, id);
    if (!row) throw new AppError('not_found', `There is no dashboard ${id}.`);
    if (row.ownerId !== ctx.principal.userId && !can(ctx.principal, 'reports.manage'))
      throw new AppError('forbidden', 'Only its owner or an admin may delete a dashboard.');
    await deleteDashboardRow(trx, workspaceId, id);
  });
}

/** The built-in home of a role as a dashboard nobody edits. */
function builtInView(roleKey: string): DashboardView {
  const home = builtInHome(roleKey);
  return {
    id: 'home',
    name: home.name,
    ownerId: null,
    layout: home.layout,
    filters: home.filters,
    shares: [],
    editable: false,
    builtIn: home.key,
    createdAt: null,
    updatedAt: null,
  };
}

/**
 * The caller's home dashboard, the first there is of: the one chosen for them (by themselves or an admin), the one
 * an admin chose for a team of theirs (their teams by name: the first that has one), the one chosen for their role
 * — each of which they may open whoever it is shared with —, else the built-in one for the role (a rep's day, a
 * manager's pipeline, an agent's queue).
 */
export async function getHomeDashboard(ctx: ServiceContext): Promise<HomeView> {
  const userId = ctx.principal.userId;
  const chosen = await inWorkspace(ctx, async (trx, ws) => {
    const person = userId ? await findSubjectHomeRows(trx, ws, 'person', [userId]) : [];
    const teamIds = userId ? await teamsOfByName(trx, ws, userId) : [];
    const teams = await findSubjectHomeRows(trx, ws, 'team', teamIds);
    const team = teamIds.flatMap((id) => teams.filter((h) => h.id === id))[0];
    const role = await findHomeRow(trx, ws, ctx.principal.role.id);
    return { person: person[0], team, role };
  });
  const candidates: { dashboardId: string | null; landing: boolean; source: HomeSource }[] = [
    ...(chosen.person ? [{ ...chosen.person, source: 'person' as const }] : []),
    ...(chosen.team ? [{ ...chosen.team, source: 'team' as const }] : []),
    ...(chosen.role ? [{ ...chosen.role, source: 'role' as const }] : []),
  ];
  for (const home of candidates) {
    if (!home.dashboardId) continue;
    try {
      return {
        dashboard: await getDashboard(ctx, home.dashboardId),
        landing: home.landing,
        source: home.source,
      };
    } catch (error) {
      if (!isAppError(error) || error.code !== 'not_found') throw error;
    }
  }
  return {
    dashboard: builtInView(ctx.principal.role.key),
    landing: chosen.role?.landing ?? false,
    source: 'builtIn',
  };
}

/** The dashboard a run names: a saved one the caller may open, or `home` (their role's home). */
export async function dashboardForRun(ctx: ServiceContext, id: string): Promise<DashboardView> {
  return id === 'home' ? (await getHomeDashboard(ctx)).dashboard : getDashboard(ctx, id);
}

/** Finds a role of the workspace by id or key (404 otherwise). */
async function roleOf(ctx: ServiceContext, role: string) {
  const roles = await listRoleViews(ctx);
  const found = roles.find((r) => r.id === role.toLowerCase() || r.key === role);
  if (!found) throw new AppError('not_found', `There is no role ${role.slice(0, 64)}.`);
  return found;
}

/** A home's dashboard id, lower-cased, once the caller may open it (400 otherwise); null stays null. */
async function homeDashboardId(ctx: ServiceContext, id: string | null): Promise<string | null> {
  const dashboardId = id?.toLowerCase() ?? null;
  if (dashboardId)
    await getDashboard(ctx, dashboardId).catch((error: unknown) => {
      if (isAppError(error) && error.code === 'not_found')
        throw new AppError('validation_failed', `There is no dashboard ${dashboardId.slice(0, 64)}.`, {
          errors: [{ field: 'dashboardId', message: 'No dashboard of that id you may open.' }],
        });
      throw error;
    });
  return dashboardId;
}

/**
 * Chooses a role's home dashboard (null: the built-in one) and whether its people land on it after signing in
 * (admins: `reports.manage`, checked by the route). The dashboard must be one the admin may open.
 */
export async function setHomeDashboard(
  ctx: ServiceContext,
  role: string,
  input: { dashboardId: string | null; landing: boolean },
): Promise<{ roleId: string; roleKey: string; dashboardId: string | null; landing: boolean }> {
  const found = await roleOf(ctx, role);
  const dashboardId = await homeDashboardId(ctx, input.dashboardId);
  await inWorkspace(ctx, (trx, ws) =>
    upsertHomeRow(trx, ws, { roleId: found.id, dashboardId, landing: input.landing }),
  );
  return { roleId: found.id, roleKey: found.key, dashboardId, landing: input.landing };
}

/** Every role with its home (for admins choosing them). */
export async function listHomeDashboards(
  ctx: ServiceContext,
): Promise<{ roleId: string; roleKey: string; dashboardId: string | null; landing: boolean }[]> {
  const roles = await listRoleViews(ctx);
  const homes = await inWorkspace(ctx, (trx, ws) => listHomeRows(trx, ws));
  return roles.map((r) => {
    const home = homes.find((h) => h.roleId === r.id);
    return {
      roleId: r.id,
      roleKey: r.key,
      dashboardId: home?.dashboardId ?? null,
      landing: home?.landing ?? false,
    };
  });
}

/** A team's or a person's home as the API shows it. */
export interface SubjectHomeView {
  /** The team's id (team homes) or the person's user id (people's homes). */
  id: string;
  dashboardId: string | null;
  landing: boolean;
}

/** Writes a team's or a person's home once the dashboard is one the caller may open. */
async function setSubjectHome(
  ctx: ServiceContext,
  subject: HomeSubject,
  id: string,
  input: { dashboardId: string | null; landing: boolean },
): Promise<SubjectHomeView> {
  const dashboardId = await homeDashboardId(ctx, input.dashboardId);
  const landing = dashboardId ? input.landing : false;
  await inWorkspace(ctx, (trx, ws) => writeSubjectHomeRow(trx, ws, subject, { id, dashboardId, landing }));
  return { id, dashboardId, landing };
}

/**
 * Chooses a team's home dashboard (null: none, so its members fall back to their role's) and whether its members
 * land on it (admins: `reports.manage`, checked by the route). A team of another workspace is not found.
 */
export async function setTeamHomeDashboard(
  ctx: ServiceContext,
  teamId: string,
  input: { dashboardId: string | null; landing: boolean },
): Promise<SubjectHomeView> {
  const team = (await listTeams(ctx)).find((t) => t.id === teamId.toLowerCase());
  if (!team) throw new AppError('not_found', `There is no team ${teamId.slice(0, 64)}.`);
  return setSubjectHome(ctx, 'team', team.id, input);
}

/**
 * Chooses one person's home dashboard (null: none, so their team's or role's applies) — admins
 * (`reports.manage`, checked by the route). Someone who is not a member of the workspace is not found.
 */
export async function setPersonHomeDashboard(
  ctx: ServiceContext,
  userId: string,
  input: { dashboardId: string | null; landing: boolean },
): Promise<SubjectHomeView> {
  const member = (await listMembers(ctx)).find((m) => m.userId === userId.toLowerCase());
  if (!member) throw new AppError('not_found', `There is no member ${userId.slice(0, 64)}.`);
  return setSubjectHome(ctx, 'person', member.userId, input);
}

/**
 * The caller chooses their own home: any dashboard they may open now (null: none, so their team's or role's
 * applies). No permission is needed — it shows them nothing they could not open already.
 */
export async function setMyHomeDashboard(
  ctx: ServiceContext,
  input: { dashboardId: string | null; landing: boolean },
): Promise<SubjectHomeView> {
  return setSubjectHome(ctx, 'person', person(ctx), input);
}

/** Every home chosen for a team or a person (for admins choosing them). */
export async function listSubjectHomes(
  ctx: ServiceContext,
): Promise<{ teams: SubjectHomeView[]; people: SubjectHomeView[] }> {
  return inWorkspace(ctx, async (trx, ws) => ({
    teams: await listSubjectHomeRows(trx, ws, 'team'),
    people: await listSubjectHomeRows(trx, ws, 'person'),
  }));
}
