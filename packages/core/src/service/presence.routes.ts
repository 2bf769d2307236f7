import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { markViewing, ticketViewers } from './presence.service.ts';

const tags = ['service'];
const auth = { auth: 'required' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const params = z.object({ id: z.uuid() });
const viewersSchema = z
  .object({
    data: z.array(
      z.object({
        userId: z.string(),
        replying: z.boolean().describe('Whether their page says they are typing in the composer'),
        seenAt: z.string().describe('When their page last said the ticket was open'),
      }),
    ),
  })
  .meta({ id: 'TicketViewers' });

/** Who else has a ticket open (the collision warning): a heartbeat from each open page, read by the others. */
export const presenceRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/tickets/:id/presence',
    {
      config: auth,
      schema: {
        tags,
        summary: 'The other people who have the ticket open (heard from in the last 45 seconds)',
        params,
        response: { 200: viewersSchema, ...problems },
      },
    },
    async (request) => ({ data: await ticketViewers(contextOf(db, request), request.params.id) }),
  );
  app.post(
    '/tickets/:id/presence',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Say the caller has the ticket open (a heartbeat about every 20 seconds), and whether they are typing a reply; answers the others who have it open',
        params,
        body: z.object({ replying: z.boolean().default(false) }).strict(),
        response: { 200: viewersSchema, ...problems },
      },
    },
    async (request) => ({
      data: await markViewing(contextOf(db, request), request.params.id, { replying: request.body.replying }),
    }),
  );
};
