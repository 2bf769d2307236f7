import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { createView, deleteView, listViews, updateView } from './views.service.ts';

const tags = ['views'];
const state = z
  .record(z.string(), z.unknown())
  .describe('The list’s state as the web app keeps it: columns, widths, sort, filter.');
const viewSchema = z
  .object({
    id: z.string(),
    object: z.string(),
    name: z.string(),
    ownerId: z.string(),
    teamId: z.string().nullable(),
    shared: z.boolean(),
    state,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'View' });
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const idParams = z.object({ id: z.string().max(64) });

/** Saved list views: one's own, shared with a team, or with the whole workspace. */
export const viewsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/views',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'The saved views of an object I may use',
        querystring: z.object({ object: z.string().min(1).max(63) }),
        response: { 200: z.object({ data: z.array(viewSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listViews(contextOf(db, request), request.query.object) }),
  );
  app.post(
    '/views',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Save a view (for myself, a team of mine, or — admins — everyone)',
        body: z
          .object({
            object: z.string().min(1).max(63),
            name: text(100),
            teamId: z.uuid().nullable().optional(),
            shared: z.boolean().optional(),
            state,
          })
          .strict(),
        response: { 201: viewSchema, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createView(contextOf(db, request), request.body)),
  );
  app.patch(
    '/views/:id',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Rename a view or save new state into it',
        params: idParams,
        body: z.object({ name: text(100).optional(), state: state.optional() }).strict(),
        response: { 200: viewSchema, ...problems },
      },
    },
    async (request) => updateView(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/views/:id',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: { tags, summary: 'Remove a view', params: idParams, response: { 204: z.null(), ...problems } },
    },
    async (request, reply) => {
      await deleteView(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
