import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { dashboardFiltersSchema, layoutSchema, MAX_WIDGETS } from './dashboards.schemas.ts';
import {
  createDashboard,
  deleteDashboard,
  getDashboard,
  getHomeDashboard,
  listDashboards,
  listHomeDashboards,
  listSubjectHomes,
  setHomeDashboard,
  setMyHomeDashboard,
  setPersonHomeDashboard,
  setTeamHomeDashboard,
  updateDashboard,
} from './dashboards.service.ts';
import { runDashboardWidget } from './dashboards-run.ts';
import { reportDefinitionSchema } from './report-definition.ts';
import { reportResultSchema } from './reports.routes.ts';

const tags = ['reports'];
const auth = { auth: 'required' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  503: problemSchema,
};

const idParams = z.object({ id: z.string().max(64) });
const recordSchema = z.record(z.string(), z.unknown());
const shareSchema = z
  .object({ kind: z.enum(['user', 'team', 'role']), id: z.string().max(64) })
  .strict()
  .describe('A person (user id), a team (team id) or a role (role id) the dashboard is shared with.');
const dashboardSchema = z
  .object({
    id: z.string().describe('Its id; `home` for a role’s built-in home.'),
    name: z.string(),
    ownerId: z.string().nullable(),
    layout: layoutSchema,
    filters: dashboardFiltersSchema,
    shares: z.array(z.object({ kind: z.enum(['user', 'team', 'role']), id: z.string() })),
    editable: z.boolean(),
    builtIn: z.enum(['rep', 'manager', 'agent']).nullable(),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .meta({ id: 'Dashboard' });
const homeSchema = z.object({
  roleId: z.string(),
  roleKey: z.string(),
  dashboardId: z.string().nullable(),
  landing: z.boolean(),
});
const subjectHomeSchema = z
  .object({
    id: z.string().describe('The team’s id, or the person’s user id.'),
    dashboardId: z.string().nullable(),
    landing: z.boolean(),
  })
  .meta({ id: 'DashboardSubjectHome' });
const homeBody = z
  .object({
    dashboardId: z
      .string()
      .max(64)
      .nullable()
      .describe('A dashboard the caller may open; null removes the choice (the next one down applies).'),
    landing: z.boolean().default(false).describe('Open it first after signing in.'),
  })
  .strict();
const dayRange = z.object({ from: z.string(), to: z.string() });
const widgetRunSchema = z
  .object({
    widgetId: z.string(),
    kind: z.enum(['report', 'kpi', 'list']),
    status: z
      .enum(['ok', 'notShared', 'notAllowed', 'refused'])
      .describe(
        'notShared: its report or view is not shared with the caller; notAllowed: their role may not read its object; refused: a field it uses is hidden from them, or a filter cannot apply.',
      ),
    message: z.string().nullable(),
    asOf: z.string().describe('When the data was read.'),
    applied: z.object({ period: dayRange.nullable(), owner: z.boolean() }),
    data: z
      .discriminatedUnion('kind', [
        z.object({
          kind: z.literal('report'),
          reportId: z.string().nullable(),
          name: z.string().nullable(),
          definition: reportDefinitionSchema,
          result: reportResultSchema,
        }),
        z.object({
          kind: z.literal('kpi'),
          result: reportResultSchema,
          period: dayRange.nullable(),
          compare: z
            .enum(['previous', 'previousYear'])
            .nullable()
            .describe('What `previous` is: the period before, or the same period a year earlier.'),
          previous: reportResultSchema.nullable(),
          previousPeriod: dayRange.nullable(),
        }),
        z.object({
          kind: z.literal('list'),
          object: z.string(),
          fields: z.array(z.string()).nullable(),
          records: z.array(recordSchema),
          more: z.boolean(),
        }),
      ])
      .nullable(),
  })
  .meta({ id: 'WidgetRun' });
const body = {
  name: text(200),
  layout: layoutSchema.describe(`Widgets on a 12-column grid (at most ${MAX_WIDGETS}).`),
  filters: dashboardFiltersSchema,
  shares: z.array(shareSchema).max(200),
};

/** Dashboards: widgets of saved reports, KPIs and lists, shared like reports; each role's home. */
export const dashboardsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/dashboards',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Dashboards the caller may open (own, shared with them, a team of theirs or their role, their home)',
        querystring: z.object({
          after: z.string().max(1000).optional().describe('`nextCursor` of the previous page.'),
          limit: z.coerce.number().int().min(1).max(200).optional(),
        }),
        response: {
          200: z.object({ data: z.array(dashboardSchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => listDashboards(contextOf(db, request), request.query),
  );
  app.post(
    '/dashboards',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Save a dashboard (each widget checked against the caller’s rights) and share it',
        body: z
          .object({
            name: body.name,
            layout: body.layout.optional(),
            filters: body.filters.optional(),
            shares: body.shares.optional(),
          })
          .strict(),
        response: { 201: dashboardSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createDashboard(contextOf(db, request), request.body)),
  );
  app.get(
    '/dashboards/home',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'The caller’s home: the dashboard chosen for them, else for a team of theirs (the first by name), else for their role, else the built-in one for the role',
        response: {
          200: z.object({
            dashboard: dashboardSchema,
            landing: z.boolean(),
            source: z
              .enum(['person', 'team', 'role', 'builtIn'])
              .describe('Whose choice it is: the person’s own, a team’s, the role’s, or none (built in).'),
          }),
          ...problems,
        },
      },
    },
    async (request) => getHomeDashboard(contextOf(db, request)),
  );
  app.get(
    '/dashboards/homes',
    {
      config: { ...auth, permission: 'reports.manage' },
      schema: {
        tags,
        summary:
          'Every role’s home dashboard (null: the built-in one) and whether it lands there, and the homes chosen for teams and people',
        response: {
          200: z.object({
            data: z.array(homeSchema),
            teams: z.array(subjectHomeSchema),
            people: z.array(subjectHomeSchema),
          }),
          ...problems,
        },
      },
    },
    async (request) => {
      const ctx = contextOf(db, request);
      return { data: await listHomeDashboards(ctx), ...(await listSubjectHomes(ctx)) };
    },
  );
  app.put(
    '/dashboards/homes/teams/:teamId',
    {
      config: { ...auth, permission: 'reports.manage' },
      schema: {
        tags,
        summary:
          'Choose a team’s home dashboard (null: none) and whether its members land on it; a person’s own home wins over it',
        params: z.object({ teamId: z.string().max(64) }),
        body: homeBody,
        response: { 200: subjectHomeSchema, ...problems },
      },
    },
    async (request) => setTeamHomeDashboard(contextOf(db, request), request.params.teamId, request.body),
  );
  app.put(
    '/dashboards/homes/people/:userId',
    {
      config: { ...auth, permission: 'reports.manage' },
      schema: {
        tags,
        summary: 'Choose one person’s home dashboard (null: none) and whether they land on it',
        params: z.object({ userId: z.string().max(64) }),
        body: homeBody,
        response: { 200: subjectHomeSchema, ...problems },
      },
    },
    async (request) => setPersonHomeDashboard(contextOf(db, request), request.params.userId, request.body),
  );
  app.put(
    '/dashboards/my-home',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Choose the caller’s own home: a dashboard they may open (null: none, so their team’s or role’s applies)',
        body: homeBody,
        response: { 200: subjectHomeSchema, ...problems },
      },
    },
    async (request) => setMyHomeDashboard(contextOf(db, request), request.body),
  );
  app.put(
    '/dashboards/home/:role',
    {
      config: { ...auth, permission: 'reports.manage' },
      schema: {
        tags,
        summary: 'Choose a role’s home dashboard (null: the built-in one) and whether its people land on it',
        params: z.object({ role: z.string().max(64).describe('The role’s id or key.') }),
        body: z
          .object({
            dashboardId: z.string().max(64).nullable(),
            landing: z.boolean().default(false).describe('Open it first after signing in.'),
          })
          .strict(),
        response: { 200: homeSchema, ...problems },
      },
    },
    async (request) => setHomeDashboard(contextOf(db, request), request.params.role, request.body),
  );
  app.get(
    '/dashboards/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'One dashboard the caller may open',
        params: idParams,
        response: { 200: dashboardSchema, ...problems },
      },
    },
    async (request) => getDashboard(contextOf(db, request), request.params.id),
  );
  app.patch(
    '/dashboards/:id',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Change a dashboard: rename, move and resize widgets, add or remove them, filters, shares (its owner, or reports.manage)',
        params: idParams,
        body: z
          .object({
            name: body.name.optional(),
            layout: body.layout.optional(),
            filters: body.filters.optional(),
            shares: body.shares.optional(),
          })
          .strict(),
        response: { 200: dashboardSchema, ...problems },
      },
    },
    async (request) => updateDashboard(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/dashboards/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Delete a dashboard (its owner, or reports.manage)',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteDashboard(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/dashboards/:id/widgets/:widgetId/run',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Run one widget as the caller (`home` for their home dashboard), narrowed by the dashboard’s filters or those given',
        params: idParams.extend({ widgetId: z.string().max(64) }),
        body: z
          .object({ filters: dashboardFiltersSchema.optional() })
          .strict()
          .nullish()
          .describe('Filters for this run, replacing the saved ones they name (null clears one).'),
        response: { 200: widgetRunSchema, ...problems },
      },
    },
    async (request) =>
      runDashboardWidget(
        contextOf(db, request),
        request.params.id,
        request.params.widgetId,
        request.body?.filters ?? {},
      ),
  );
};
