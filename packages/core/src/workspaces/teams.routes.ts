import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { createTeam, deleteTeam, listTeams, updateTeam } from './teams.service.ts';

const tags = ['teams'];
const teamSchema = z
  .object({ id: z.string(), name: z.string(), members: z.array(z.string()), createdAt: z.string() })
  .meta({ id: 'Team' });
const members = z.array(z.string().max(64)).max(10_000).describe('User ids of workspace members.');
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const idParams = z.object({ id: z.string().max(64) });

/** Teams: groups of members that views and reports are shared with. Read by members, managed by admins. */
export const teamsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/teams',
    {
      config: { auth: 'required', permission: 'members.read' },
      schema: {
        tags,
        summary: 'The workspace’s teams with their members',
        response: { 200: z.object({ data: z.array(teamSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listTeams(contextOf(db, request)) }),
  );
  app.post(
    '/teams',
    {
      config: { auth: 'required', permission: 'members.invite' },
      schema: {
        tags,
        summary: 'Create a team',
        body: z.object({ name: text(100), members: members.optional() }).strict(),
        response: { 201: teamSchema, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createTeam(contextOf(db, request), request.body)),
  );
  app.patch(
    '/teams/:id',
    {
      config: { auth: 'required', permission: 'members.invite' },
      schema: {
        tags,
        summary: 'Rename a team or set its members',
        params: idParams,
        body: z.object({ name: text(100).optional(), members: members.optional() }).strict(),
        response: { 200: teamSchema, ...problems },
      },
    },
    async (request) => updateTeam(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/teams/:id',
    {
      config: { auth: 'required', permission: 'members.invite' },
      schema: { tags, summary: 'Remove a team', params: idParams, response: { 204: z.null(), ...problems } },
    },
    async (request, reply) => {
      await deleteTeam(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
