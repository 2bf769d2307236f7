import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { reportDefinitionSchema } from './report-definition.ts';
import { runReport } from './run-report.ts';

const tags = ['reports'];
const auth = { auth: 'required' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  503: problemSchema,
};

export const reportResultSchema = z
  .object({
    object: z.string(),
    calendar: z.string(),
    timeZone: z.string(),
    dimensions: z.array(
      z.object({
        field: z.string(),
        type: z.string(),
        bucket: z.string().nullable(),
        weekStart: z.string().nullable(),
      }),
    ),
    measures: z.array(
      z.object({ fn: z.string(), field: z.string().nullable(), type: z.string().nullable() }),
    ),
    buckets: z
      .array(
        z.object({
          key: z.string().describe('The bucket’s first day (YYYY-MM-DD), as the rows’ key names it.'),
          from: z.string().describe('First civil day of the bucket.'),
          to: z.string().describe('Last civil day of the bucket (inclusive).'),
          year: z.number().int().nullable(),
          period: z.number().int().nullable(),
        }),
      )
      .describe('Every bucket of the date dimension in order, empty ones included.'),
    rows: z.array(
      z.object({
        keys: z.array(z.string().nullable()),
        others: z.array(z.boolean()),
        currency: z.string().nullable().optional(),
        values: z.array(z.union([z.number(), z.string(), z.null()])),
      }),
    ),
    labels: z.record(z.string(), z.string().nullable()),
    truncated: z.boolean(),
  })
  .meta({ id: 'ReportResult' });

/** Reports: run a definition; saved reports (created, shared, run as the viewer). */
export const reportsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.post(
    '/reports/run',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Run a report definition as the caller (grouped, in their calendar and time zone)',
        body: reportDefinitionSchema,
        response: { 200: reportResultSchema, ...problems },
      },
    },
    async (request) => runReport(contextOf(db, request), request.body),
  );
};
