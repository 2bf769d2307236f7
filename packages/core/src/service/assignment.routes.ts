import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import {
  assignTicketNow,
  createDeskRule,
  DESK_LANGUAGES,
  DESK_STRATEGIES,
  deleteDeskRule,
  listAgents,
  listDeskRules,
  MAX_CAPACITY,
  reorderDeskRules,
  setAvailability,
  updateAgent,
  updateDeskRule,
} from './assignment.service.ts';

const tags = ['service'];
const read = { auth: 'required' } as const;
const manage = { auth: 'required', permission: 'service.assignment.manage' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const idParams = z.object({ id: z.uuid() });
const userParams = z.object({ userId: z.uuid() });

const agentSchema = z
  .object({
    userId: z.string(),
    name: z.string(),
    available: z.boolean(),
    capacity: z.number().int(),
    languages: z.array(z.string()),
    products: z.array(z.string()),
    tiers: z.array(z.string()),
    openTickets: z.number().int().describe('Tickets they own that are neither resolved nor closed.'),
  })
  .meta({ id: 'DeskAgent' });
const tagList = z.array(text(100)).max(50);
const ruleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    position: z.number().int(),
    enabled: z.boolean(),
    condition: z.unknown(),
    teamId: z.string().nullable(),
    members: z.array(z.string()),
    strategy: z.enum(DESK_STRATEGIES),
    sticky: z.boolean(),
    productField: z.string().nullable(),
    tierField: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'TicketAssignmentRule' });
const fieldKey = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'A ticket field key, such as product.')
  .nullable();
const ruleBody = {
  name: text(200),
  enabled: z.boolean().optional(),
  condition: z
    .record(z.string(), z.unknown())
    .nullable()
    .optional()
    .describe('A filter tree on the ticket (the lists’ filter language); null for every ticket.'),
  teamId: z.uuid().nullable().optional().describe('Assign among this team’s members (or give `members`).'),
  members: z.array(z.uuid()).max(200).optional(),
  strategy: z.enum(DESK_STRATEGIES),
  sticky: z
    .boolean()
    .optional()
    .describe(
      'Give the ticket to the agent of the requester’s latest ticket of the last 7 days, when they can take it.',
    ),
  productField: fieldKey.optional().describe('The ticket field naming the product the agent must know.'),
  tierField: fieldKey.optional().describe('The ticket field naming the customer tier the agent must serve.'),
};
const pickSchema = z
  .object({
    ownerId: z.string().nullable().describe('The agent chosen; null when no agent could take the ticket.'),
    ruleId: z.string().nullable(),
    how: z.enum(['sticky', 'roundRobin', 'leastLoad']).nullable(),
    passed: z.array(z.object({ ruleId: z.string(), reason: z.string() })),
    skipped: z.array(
      z.object({
        userId: z.string(),
        why: z
          .enum(['away', 'onCall', 'full', 'language', 'product', 'tier'])
          .describe('`onCall`: on a phone call or in its wrap-up (the contact centre’s presence).'),
      }),
    ),
  })
  .meta({ id: 'TicketAssignment' });

/** Desk agents (availability, capacity, skills), the ticket assignment rules, and assigning a ticket now. */
export const assignmentRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/agents',
    {
      config: read,
      schema: {
        tags,
        summary: 'Every member as a desk agent: availability, capacity, skills and open tickets',
        response: { 200: z.object({ data: z.array(agentSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listAgents(contextOf(db, request)) }),
  );
  app.put(
    '/service/agents/:userId/availability',
    {
      config: read,
      schema: {
        tags,
        summary: 'Mark an agent available or away (oneself, or anyone with service.assignment.manage)',
        params: userParams,
        body: z.object({ available: z.boolean() }).strict(),
        response: { 200: agentSchema, ...problems },
      },
    },
    async (request) => setAvailability(contextOf(db, request), request.params.userId, request.body.available),
  );
  app.patch(
    '/service/agents/:userId',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Change an agent’s capacity, skills or availability',
        params: userParams,
        body: z
          .object({
            available: z.boolean().optional(),
            capacity: z.number().int().min(0).max(MAX_CAPACITY).optional(),
            languages: z.array(z.enum(DESK_LANGUAGES)).max(3).optional(),
            products: tagList.optional(),
            tiers: tagList.optional(),
          })
          .strict(),
        response: { 200: agentSchema, ...problems },
      },
    },
    async (request) => updateAgent(contextOf(db, request), request.params.userId, request.body),
  );
  app.get(
    '/service/assignment-rules',
    {
      config: manage,
      schema: {
        tags,
        summary: 'The ticket assignment rules, in priority order',
        response: { 200: z.object({ data: z.array(ruleSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listDeskRules(contextOf(db, request)) }),
  );
  app.post(
    '/service/assignment-rules',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a ticket assignment rule (after the others)',
        body: z.object(ruleBody).strict(),
        response: { 201: ruleSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createDeskRule(contextOf(db, request), request.body)),
  );
  app.post(
    '/service/assignment-rules/reorder',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Put the ticket assignment rules in a new priority order (every rule once)',
        body: z.object({ ids: z.array(z.uuid()).max(1000) }).strict(),
        response: { 200: z.object({ data: z.array(ruleSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await reorderDeskRules(contextOf(db, request), request.body.ids) }),
  );
  app.patch(
    '/service/assignment-rules/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Change a ticket assignment rule',
        params: idParams,
        body: z
          .object({ ...ruleBody, name: ruleBody.name.optional(), strategy: ruleBody.strategy.optional() })
          .strict(),
        response: { 200: ruleSchema, ...problems },
      },
    },
    async (request) => updateDeskRule(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/service/assignment-rules/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Remove a ticket assignment rule',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteDeskRule(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/tickets/:id/assign',
    {
      config: read,
      schema: {
        tags,
        summary: 'Run the assignment rules for a ticket now (needs update on tickets)',
        params: idParams,
        response: { 200: pickSchema, ...problems },
      },
    },
    async (request) => assignTicketNow(contextOf(db, request), request.params.id),
  );
};
