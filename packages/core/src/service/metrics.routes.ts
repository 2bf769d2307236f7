import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { resolutionMetrics } from './metrics.service.ts';

const rate = z.number().min(0).max(1).nullable();

/** The desk's resolution metrics: one-touch, reopen and first-contact resolution. */
export const metricsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/metrics/resolution',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['service'],
        summary:
          'Tickets resolved in a period: one-touch, reopened and resolved at first contact (no repeat contact from the requester within 7 days), as the caller may see tickets',
        querystring: z.object({
          from: z.iso.datetime({ offset: true }),
          to: z.iso.datetime({ offset: true }),
        }),
        response: {
          200: z
            .object({
              from: z.string(),
              to: z.string(),
              resolved: z.number().int(),
              oneTouch: z.number().int(),
              reopened: z.number().int(),
              firstContact: z.number().int(),
              rates: z.object({ oneTouch: rate, reopen: rate, firstContact: rate }),
              repeatDays: z.number().int(),
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
