import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, storableString, text } from '../http/route-kit.ts';
import {
  createRule,
  deleteRule,
  listAway,
  listCapacities,
  listRules,
  markAway,
  reorderRules,
  STRATEGIES,
  setMemberCapacity,
  updateRule,
} from './assignment.service.ts';
import { MAX_CAPACITY } from './assignment-capacity.ts';

const tags = ['leads'];
const manage = { auth: 'required', permission: 'sales.assignment.manage' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const idParams = z.object({ id: z.uuid() });
const entries = (item: z.ZodType<string>, what: string) => z.array(item).max(1000).optional().describe(what);
const territory = z
  .object({
    countries: entries(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z]{2}$/, 'An ISO 3166-1 alpha-2 country code, such as IR.'),
      'ISO 3166-1 alpha-2 codes (IR, SA, AE).',
    ),
    regions: entries(text(100), 'Regions or provinces, compared as folded text.'),
    cities: entries(text(100), 'Cities, compared as folded text (Arabic and Persian letter forms alike).'),
    postalCodes: entries(
      storableString()
        .trim()
        .regex(
          /^[\p{L}\p{N}][\p{L}\p{N} -]{0,15}$/u,
          'A postal code prefix of letters, digits, spaces and dashes.',
        ),
      'Postal code prefixes; the longest matching prefix is the most specific.',
    ),
    industries: entries(
      text(100),
      'When named, the lead’s industry must be one of them (compared as folded text).',
    ),
  })
  .strict()
  .meta({ id: 'AssignmentTerritory' });
const capacity = z.number().int().min(0).max(MAX_CAPACITY);
const capacityView = z
  .object({
    userId: z.string(),
    capacity: z.number().nullable().describe('Their own limit of open leads; null: none.'),
    openLeads: z.number().describe('Leads they own now that are neither converted nor disqualified.'),
  })
  .meta({ id: 'AssignmentCapacity' });
const poolMember = z
  .object({
    userId: z.uuid(),
    weight: z.number().int().min(1).max(100).optional(),
    territory: territory.optional(),
    capacity: capacity
      .nullable()
      .optional()
      .describe(
        'The most open leads the member may hold for this rule to give them another; null or absent: their own default (PUT /assignment-capacity/{userId}), else no limit.',
      ),
  })
  .strict();
const pool = z.array(poolMember).max(200);
const reassignAfterHours = z
  .number()
  .int()
  .min(1)
  .max(720)
  .nullable()
  .describe(
    'Re-assign a lead its owner has not touched within this many hours to the next member; null: never.',
  );
const calendarId = z
  .uuid()
  .nullable()
  .describe('A service desk business calendar the hours are counted in; null: elapsed hours.');
const condition = z
  .record(z.string(), z.unknown())
  .nullable()
  .describe('A filter tree on the lead (the lists’ filter language); null for every lead.');
const ruleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    position: z.number().int(),
    enabled: z.boolean(),
    condition: z.unknown(),
    strategy: z.enum(STRATEGIES),
    pool: z.array(
      z.object({
        userId: z.string(),
        name: z.string(),
        weight: z.number(),
        territory: territory.optional(),
        capacity: z.number().optional(),
      }),
    ),
    reassignAfterHours: z.number().nullable(),
    calendarId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'AssignmentRule' });

/** Lead assignment rules in priority order, members marked away, and members' limits of open leads. */
export const assignmentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/assignment-rules',
    {
      config: manage,
      schema: {
        tags,
        summary: 'The lead assignment rules, in priority order',
        response: { 200: z.object({ data: z.array(ruleSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listRules(contextOf(db, request)) }),
  );
  app.post(
    '/assignment-rules',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a rule (after the others)',
        body: z
          .object({
            name: text(200),
            enabled: z.boolean().optional(),
            condition: condition.optional(),
            strategy: z.enum(STRATEGIES),
            pool,
            reassignAfterHours: reassignAfterHours.optional(),
            calendarId: calendarId.optional(),
          })
          .strict(),
        response: { 201: ruleSchema, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createRule(contextOf(db, request), request.body)),
  );
  app.patch(
    '/assignment-rules/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Change a rule',
        params: idParams,
        body: z
          .object({
            name: text(200).optional(),
            enabled: z.boolean().optional(),
            condition: condition.optional(),
            strategy: z.enum(STRATEGIES).optional(),
            pool: pool.optional(),
            reassignAfterHours: reassignAfterHours.optional(),
            calendarId: calendarId.optional(),
          })
          .strict(),
        response: { 200: ruleSchema, ...problems },
      },
    },
    async (request) => updateRule(contextOf(db, request), request.params.id, request.body),
  );
  app.post(
    '/assignment-rules/reorder',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Put the rules in a new priority order (every rule once)',
        body: z.object({ ids: z.array(z.uuid()).max(1000) }).strict(),
        response: { 200: z.object({ data: z.array(ruleSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await reorderRules(contextOf(db, request), request.body.ids) }),
  );
  app.delete(
    '/assignment-rules/:id',
    {
      config: manage,
      schema: { tags, summary: 'Remove a rule', params: idParams, response: { 204: z.null(), ...problems } },
    },
    async (request, reply) => {
      await deleteRule(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/assignment-away',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Members marked away (every rule skips them)',
        response: {
          200: z.object({ data: z.array(z.object({ userId: z.string(), since: z.string() })) }),
          ...problems,
        },
      },
    },
    async (request) => ({ data: await listAway(contextOf(db, request)) }),
  );
  app.put(
    '/assignment-away/:userId',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Mark a member away or back (oneself, or anyone with sales.assignment.manage)',
        params: z.object({ userId: z.uuid() }),
        body: z.object({ away: z.boolean() }).strict(),
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await markAway(contextOf(db, request), request.params.userId, request.body.away);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/assignment-capacity',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Every member’s own limit of open leads and the open leads they hold',
        description:
          'A member holding as many open leads (neither converted nor disqualified) as their limit or more is passed over by every rule, unless the rule sets a limit of its own for them in its pool.',
        response: { 200: z.object({ data: z.array(capacityView) }), ...problems },
      },
    },
    async (request) => ({ data: await listCapacities(contextOf(db, request)) }),
  );
  app.put(
    '/assignment-capacity/:userId',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Set or remove a member’s own limit of open leads',
        params: z.object({ userId: z.uuid() }),
        body: z
          .object({
            capacity: capacity
              .nullable()
              .describe(`At most this many open leads (0–${MAX_CAPACITY}); null removes the limit.`),
          })
          .strict(),
        response: { 200: capacityView, ...problems },
      },
    },
    async (request) =>
      setMemberCapacity(contextOf(db, request), request.params.userId, request.body.capacity),
  );
};
