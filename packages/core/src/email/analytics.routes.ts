import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { clearSuppression, emailStats, listSuppressions } from './analytics.service.ts';

const tags = ['email'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const both = z.object({ people: z.number(), all: z.number() });
const counts = {
  sent: z.number(),
  delivered: z.number(),
  bounced: z.number(),
  opened: both,
  clicked: both,
  replied: z.number(),
};

/** Email numbers per template and day, and the addresses stopped after hard bounces. */
export const emailAnalyticsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/email/stats',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'Sent, delivered, opened, clicked, replied and bounced per day, for a template or all sent mail',
        description:
          '`people` leaves out opens and clicks made by machines (privacy prefetch, security scanners, HEAD requests, events within seconds of the send or in bursts); `all` counts them. Days are in `timeZone`.',
        querystring: z.object({
          templateId: z.string().max(64).optional(),
          from: z.string().max(40),
          to: z.string().max(40),
          timeZone: z.string().max(64).default('UTC'),
        }),
        response: {
          200: z.object({ days: z.array(z.object({ day: z.string(), ...counts })), total: z.object(counts) }),
          ...problems,
        },
      },
    },
    async (request) => emailStats(contextOf(db, request), request.query),
  );
  app.get(
    '/email/suppressions',
    {
      config: { auth: 'required', permission: 'mailboxes.manage' },
      schema: {
        tags,
        summary: 'Addresses no mail goes to after a hard bounce',
        response: {
          200: z.object({
            data: z.array(z.object({ address: z.string(), reason: z.string(), at: z.string() })),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({ data: await listSuppressions(contextOf(db, request)) }),
  );
  app.delete(
    '/email/suppressions/:address',
    {
      config: { auth: 'required', permission: 'mailboxes.manage' },
      schema: {
        tags,
        summary: 'Let mail go to an address again',
        params: z.object({ address: z.string().max(320) }),
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await clearSuppression(contextOf(db, request), request.params.address);
      return reply.code(204).send(null);
    },
  );
};
