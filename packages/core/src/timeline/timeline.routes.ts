import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { getTimeline } from './timeline.service.ts';

const entrySchema = z
  .object({
    kind: z.string().describe('`change`, `activity`, `task`, or a kind a module adds.'),
    id: z.string(),
    at: z.string().describe('ISO 8601 UTC: when it happened (changes, activities) or was added (tasks).'),
  })
  .catchall(z.unknown())
  .meta({ id: 'TimelineEntry' });

/** A record's history: changes, activities and tasks, newest first. */
export const timelineRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/objects/:object/:id/timeline',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['records'],
        summary: 'The record’s timeline: its changes, linked activities and tasks, newest first',
        params: z.object({ object: z.string().max(63), id: z.string().max(64) }),
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).optional(),
          cursor: z.string().max(500).optional(),
        }),
        response: {
          200: z.object({ data: z.array(entrySchema), nextCursor: z.string().nullable() }),
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
          404: problemSchema,
        },
      },
    },
    async (request) =>
      getTimeline(contextOf(db, request), request.params.object, request.params.id, request.query),
  );
};
