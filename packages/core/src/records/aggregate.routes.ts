import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { aggregateRecords } from './aggregate.service.ts';

/** Grouped counts and sums over any object, for reports, board totals and dashboards. */
export const aggregateRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.post(
    '/objects/:object/aggregate',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['records'],
        summary: 'Group records by one or two fields and count, sum, average, min or max',
        description:
          '`groupBy`: field keys (a date field may be bucketed by month: `expectedCloseDate:month`); `metrics`: `{fn: count|sum|avg|min|max, field?}`. Money is summed per currency (a `currency` key joins the groups). At most 1,000 groups, largest first.',
        params: z.object({ object: z.string().max(63) }),
        body: z
          .object({
            filter: z.unknown().optional(),
            groupBy: z.array(z.string().max(80)).max(2).default([]),
            metrics: z
              .array(
                z
                  .object({
                    fn: z.enum(['count', 'sum', 'avg', 'min', 'max']),
                    field: z.string().max(63).optional(),
                  })
                  .strict(),
              )
              .min(1)
              .max(10),
          })
          .strict(),
        response: {
          200: z.object({
            data: z.array(
              z.object({
                keys: z.record(z.string(), z.unknown()),
                values: z.record(z.string(), z.union([z.number(), z.string(), z.null()])),
              }),
            ),
          }),
          400: problemSchema,
          401: problemSchema,
          403: problemSchema,
          404: problemSchema,
        },
      },
    },
    async (request) => ({
      data: await aggregateRecords(contextOf(db, request), request.params.object, request.body),
    }),
  );
};
