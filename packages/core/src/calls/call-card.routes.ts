import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { callCardSchema } from './call-card.schemas.ts';
import { getCallCard } from './call-card.service.ts';

/** The agent's call card (the screen pop). */
export const callCardRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/calls/:id/card',
    {
      config: { auth: 'required', permission: 'calls.read' },
      schema: {
        tags: ['calls'],
        summary:
          'What the call card shows: the call, the record it is about (flags, open tickets and deals, last entries), the pick list or the number for a new person',
        params: z.object({ id: z.string().max(64) }),
        response: {
          200: callCardSchema,
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
          404: problemSchema,
        },
      },
    },
    async (request) => getCallCard(contextOf(db, request), request.params.id),
  );
};
