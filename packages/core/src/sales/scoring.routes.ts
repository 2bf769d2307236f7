import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, storableString, text } from '../http/route-kit.ts';
import {
  createScoringRule,
  deleteScoringRule,
  getLeadScore,
  listScoringRules,
  updateScoringRule,
} from './scoring.service.ts';

const tags = ['leads'];
const manage = { auth: 'required', permission: 'sales.scoring.manage' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const idParams = z.object({ id: z.uuid() });
const kind = z.enum(['field', 'activity']);
const condition = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe('Field rules: a filter tree on the lead (the lists’ filter language).');
const activityType = storableString()
  .trim()
  .min(1)
  .max(64)
  .nullable()
  .describe('Activity rules: the kind of activity (call, meeting, email, note, …).');
const points = z.number().int().min(-1000).max(1000).describe('Points given (negative to take away).');
const halfLifeDays = z
  .number()
  .int()
  .min(1)
  .max(3650)
  .nullable()
  .describe('Activity rules: the points of an activity halve every this many days (null: they never decay).');
const ruleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind,
    condition: z.unknown(),
    activityType: z.string().nullable(),
    points: z.number(),
    halfLifeDays: z.number().nullable(),
    enabled: z.boolean(),
    revision: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ScoringRule' });
const reasonSchema = z
  .object({
    source: z.enum(['rules', 'model']),
    kind: z.enum(['field', 'activity', 'withheld']),
    points: z.number(),
    ruleId: z.string().optional(),
    rule: z.string().optional(),
    revision: z.number().int().optional(),
    at: z.string().optional(),
    activityType: z.string().optional(),
    activityIds: z.array(z.string()).optional(),
    basePoints: z.number().optional(),
    halfLifeDays: z.number().optional(),
    count: z.number().int().optional(),
  })
  .meta({ id: 'ScoreReason' });
const scoreSchema = z
  .object({
    leadId: z.string(),
    score: z.number().nullable(),
    rulesVersion: z.number().int().nullable(),
    computedAt: z.string().nullable(),
    reasons: z.array(reasonSchema),
  })
  .meta({ id: 'LeadScore' });

/** Lead scoring rules, and a lead's score with its reasons. */
export const scoringRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/scoring-rules',
    {
      config: manage,
      schema: {
        tags,
        summary: 'The lead scoring rules',
        response: { 200: z.object({ data: z.array(ruleSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listScoringRules(contextOf(db, request)) }),
  );
  app.post(
    '/scoring-rules',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a scoring rule (every lead is rescored by a job)',
        body: z
          .object({
            name: text(200),
            kind,
            condition: condition.optional(),
            activityType: activityType.optional(),
            points,
            halfLifeDays: halfLifeDays.optional(),
            enabled: z.boolean().optional(),
          })
          .strict(),
        response: { 201: ruleSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createScoringRule(contextOf(db, request), request.body)),
  );
  app.patch(
    '/scoring-rules/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Change a scoring rule (its revision moves on; every lead is rescored by a job)',
        params: idParams,
        body: z
          .object({
            name: text(200).optional(),
            kind: kind.optional(),
            condition: condition.optional(),
            activityType: activityType.optional(),
            points: points.optional(),
            halfLifeDays: halfLifeDays.optional(),
            enabled: z.boolean().optional(),
          })
          .strict(),
        response: { 200: ruleSchema, ...problems },
      },
    },
    async (request) => updateScoringRule(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/scoring-rules/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Remove a scoring rule',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteScoringRule(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/leads/:id/score',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'A lead’s score and the reasons for it (reasons the caller may not see are summed as withheld)',
        params: idParams,
        response: { 200: scoreSchema, ...problems },
      },
    },
    async (request) => getLeadScore(contextOf(db, request), request.params.id),
  );
};
