import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { principalOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { listMetrics } from './metrics.service.ts';

const labels = z.object({ en: z.string(), ar: z.string().optional(), fa: z.string().optional() });

export const reportMetricSchema = z
  .object({
    key: z.string().describe('`module.metric`, such as `sales.winRate`.'),
    module: z.string(),
    names: labels,
    formula: labels.describe('How it is computed, in words.'),
    definition: z
      .record(z.string(), z.unknown())
      .describe('The report it runs (POST /reports/run takes it as it is; POST /reports saves a copy).'),
    measureNames: z
      .array(labels.nullable())
      .optional()
      .describe(
        'Each measure’s name in every language, by place (null: none); a copy in the reader’s language names them so.',
      ),
  })
  .meta({ id: 'ReportMetric' });

/** The metrics catalogue: what the modules define, each a report users run or copy. */
export const metricsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app) => {
  app.get(
    '/reports/metrics',
    {
      config: { auth: 'required' },
      schema: {
        tags: ['reports'],
        summary:
          'The metrics catalogue: report definitions with their formulas, over objects the caller reads',
        response: {
          200: z.object({ data: z.array(reportMetricSchema) }),
          401: problemSchema,
        },
      },
    },
    async (request) => ({ data: listMetrics(principalOf(request)) }),
  );
};
