import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { resolutionMetrics } from './metrics.service.ts';

const rate = z.number().min(0).max(1).nullable();
const count = z.number().int();
const measure = { firstContact: count, sample: count, rate };

/** The desk's resolution metrics: one-touch, reopen and first-contact resolution (system, agent, customer). */
export const metricsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/metrics/resolution',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['service'],
        summary:
          'Tickets resolved in a period, optionally one queue’s, agent’s or team’s: one-touch, reopened, and first-contact resolution three ways — system (one reply, no reopen, no repeat contact from the requester within 7 days), agent’s disposition, customer’s survey answer — each with its sample, as the caller may see tickets',
        querystring: z.object({
          from: z.iso.datetime({ offset: true }),
          to: z.iso.datetime({ offset: true }),
          queue: text(100).optional(),
          agent: z.uuid().optional(),
          team: z.uuid().optional(),
        }),
        response: {
          200: z
            .object({
              from: z.string(),
              to: z.string(),
              scope: z.object({
                queue: z.string().nullable(),
                agent: z.string().nullable(),
                team: z.string().nullable(),
              }),
              resolved: count,
              oneTouch: count,
              reopened: count,
              firstContact: count,
              rates: z.object({ oneTouch: rate, reopen: rate, firstContact: rate }),
              repeatDays: count,
              fcr: z.object({
                system: z.object(measure),
                agent: z
                  .object({ ...measure, followUp: count, notApplicable: count, notSaid: count })
                  .nullable(),
                customer: z.object({ ...measure, notResolved: count }),
              }),
            })
            .meta({ id: 'ResolutionMetrics' }),
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
        },
      },
    },
    async (request) => resolutionMetrics(contextOf(db, request), request.query),
  );
};
