import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { keepRawJsonBodies, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { CALL_EVENTS_BODY_LIMIT, receiveCallEvents } from './call-events.service.ts';
import { callEventsBodySchema } from './calls.schemas.ts';

/**
 * Where phone systems post call events. Not a session route: the connection's API key or HMAC signature is the
 * only credential, checked by the service. The route keeps the body's exact text (a signature covers it) with a
 * JSON parser of its own, in its own plugin so that parser reaches no other route.
 */
export const callEventsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const rawBody = keepRawJsonBodies(app, CALL_EVENTS_BODY_LIMIT);
  app.post(
    '/calls/events',
    {
      config: { auth: 'public' },
      bodyLimit: CALL_EVENTS_BODY_LIMIT,
      schema: {
        tags: ['calls'],
        summary: 'Call events from a phone system (one event, or `{events: [...]}` up to 500)',
        description:
          'Authenticate with the connection’s API key (`Authorization: Bearer rbp_…`), or sign the body: ' +
          '`X-Rabita-Connection: <connection id>`, `X-Rabita-Timestamp` (Unix seconds, within five minutes) and ' +
          '`X-Rabita-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the signing secret>`. ' +
          'Each (call, event, sequence) is kept once; a resend is accepted and changes nothing. Events may come in ' +
          'any order: the call is folded from all of them.',
        headers: z.object({
          authorization: z.string().max(600).optional(),
          'x-rabita-connection': z.string().max(64).optional(),
          'x-rabita-timestamp': z.string().max(20).optional(),
          'x-rabita-signature': z.string().max(200).optional(),
        }),
        body: callEventsBodySchema,
        response: {
          202: z.object({
            calls: z.array(z.object({ callId: z.string(), id: z.string() })),
            accepted: z.number().describe('Events kept now.'),
            duplicates: z.number().describe('Events already kept before (changed nothing).'),
          }),
          400: problemSchema,
          401: problemSchema,
          413: problemSchema,
          415: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const events = 'events' in body ? body.events : [body];
      const answer = await receiveCallEvents(
        deps.db,
        await deps.secrets.get(),
        {
          authorization: request.headers.authorization,
          connection: request.headers['x-rabita-connection'],
          timestamp: request.headers['x-rabita-timestamp'],
          signature: request.headers['x-rabita-signature'],
          body: rawBody(request),
        },
        events,
      );
      return reply.code(202).send(answer);
    },
  );
};
