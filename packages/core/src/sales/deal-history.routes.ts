import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { listDealHistory, stageStats } from './deal-history.service.ts';

const tags = ['sales'];
const auth = { auth: 'required' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const change = z.object({ from: z.unknown(), to: z.unknown() });
const entrySchema = z
  .object({
    id: z.string(),
    at: z.string(),
    kind: z.enum(['created', 'updated', 'baseline']),
    changes: z.record(z.string(), change),
    actor: z.object({ userId: z.string().nullable(), apiKeyId: z.string().nullable() }),
    source: z.string(),
    cause: z.unknown(),
  })
  .meta({ id: 'DealHistoryEntry' });
const visitSchema = z.object({
  stageId: z.string(),
  enteredAt: z.string(),
  leftAt: z.string().nullable(),
  seconds: z.number(),
});
const statSchema = z
  .object({
    stageId: z.string(),
    name: z.string(),
    kind: z.string(),
    reached: z.number().int(),
    won: z.number().int(),
    lost: z.number().int(),
    open: z.number().int(),
    winRate: z.number().nullable().describe('P(won | reached the stage) = won ÷ (won + lost).'),
    completedVisits: z.number().int(),
    averageSeconds: z.number().nullable(),
  })
  .meta({ id: 'StageStat' });
const slipSchema = z.object({
  deals: z.number().int(),
  pushes: z.number().int(),
  days: z.number().int(),
});

/** A deal's history, and a pipeline's stage statistics computed from every deal's. */
export const dealHistoryRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/deals/:id/history',
    {
      config: auth,
      schema: {
        tags,
        summary: 'A deal’s history (stage, amount, close date, owner, forecast category), newest first',
        params: z.object({ id: z.uuid() }),
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).optional(),
          cursor: z
            .string()
            .regex(/^[1-9][0-9]{0,17}$/)
            .optional()
            .describe('`nextCursor` of the previous page.'),
        }),
        response: {
          200: z.object({
            data: z.array(entrySchema),
            nextCursor: z.string().nullable(),
            stages: z.array(visitSchema),
            slippage: z.object({ count: z.number().int(), days: z.number().int() }).nullable(),
          }),
          ...problems,
        },
      },
    },
    async (request) =>
      listDealHistory(contextOf(db, request), request.params.id, {
        limit: request.query.limit ?? 50,
        cursor: request.query.cursor,
      }),
  );
  app.get(
    '/sales/stage-stats',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Time in stage, win rate per stage (overall and per owner) and slippage of a pipeline',
        querystring: z.object({ pipelineId: z.uuid() }),
        response: {
          200: z.object({
            pipelineId: z.string(),
            stages: z.array(statSchema),
            owners: z
              .array(z.object({ ownerId: z.string().nullable(), stages: z.array(statSchema) }))
              .nullable(),
            slippage: slipSchema
              .extend({
                owners: z.array(slipSchema.extend({ ownerId: z.string().nullable() })).nullable(),
              })
              .nullable(),
          }),
          ...problems,
        },
      },
    },
    async (request) => stageStats(contextOf(db, request), request.query.pipelineId),
  );
};
