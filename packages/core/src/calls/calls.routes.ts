import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { getCallTimelineEntry } from './call-timeline-entry.service.ts';
import { callSchema, connectionInputSchema, connectionSchema } from './calls.schemas.ts';
import { getCall, listCalls } from './calls.service.ts';
import { callsSettings } from './calls.settings.ts';
import {
  changeConnection,
  createConnection,
  getConnection,
  getConnections,
  removeConnection,
} from './connections.service.ts';

const tags = ['calls'];
const manage = { auth: 'required', permission: 'calls.manage' } as const;
const read = { auth: 'required', permission: 'calls.read' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const params = z.object({ id: z.string().max(64) });

/** Phone connections (settings) and the calls read from them. */
export const callsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db } = deps;
  app.get(
    '/calls/:id/timeline-entry',
    {
      // As the record's timeline: any signed-in reader of the record whose role shows its phone numbers.
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'The call’s entry on a record’s timeline, as the timeline shows it (for a page focused on a call further down)',
        params,
        querystring: z.object({
          object: z.enum(['people', 'companies', 'leads']),
          recordId: z.string().max(64),
        }),
        response: {
          200: z
            .object({ kind: z.literal('call'), id: z.string(), at: z.string() })
            .catchall(z.unknown())
            .meta({ id: 'CallTimelineEntry' }),
          ...problems,
        },
      },
    },
    async (request) =>
      getCallTimelineEntry(contextOf(db, request), request.params.id, {
        object: request.query.object,
        recordId: request.query.recordId,
      }),
  );
  app.get(
    '/calls/connections',
    {
      config: manage,
      schema: {
        tags,
        summary: 'The workspace’s phone connections (never their secrets)',
        response: { 200: z.object({ data: z.array(connectionSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await getConnections(contextOf(db, request)) }),
  );
  app.post(
    '/calls/connections',
    {
      config: manage,
      schema: {
        tags,
        summary:
          'Connect a phone system; its API key (default) and/or signing secret are shown in this answer only',
        body: connectionInputSchema,
        response: { 201: connectionSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await createConnection(contextOf(db, request), await deps.secrets.get(), request.body, {
          allowPrivate: deps.settings.of(callsSettings).allowPrivate,
        }),
      ),
  );
  app.get(
    '/calls/connections/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'One phone connection',
        params,
        response: { 200: connectionSchema, ...problems },
      },
    },
    async (request) => getConnection(contextOf(db, request), request.params.id),
  );
  app.patch(
    '/calls/connections/:id',
    {
      config: manage,
      schema: {
        tags,
        summary:
          'Change a phone connection; a new API key or signing secret replaces the old and is shown once',
        params,
        body: connectionInputSchema.partial().strict(),
        response: { 200: connectionSchema, ...problems },
      },
    },
    async (request) =>
      changeConnection(contextOf(db, request), await deps.secrets.get(), request.params.id, request.body, {
        allowPrivate: deps.settings.of(callsSettings).allowPrivate,
      }),
  );
  app.delete(
    '/calls/connections/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Remove a phone connection with its calls',
        params,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await removeConnection(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/calls',
    {
      config: read,
      schema: {
        tags,
        summary: 'Calls, newest first, by state, agent or matched record (keyset pages)',
        querystring: z
          .object({
            state: z.enum(['ringing', 'answered', 'held', 'ended']).optional(),
            agent: z.uuid().optional().describe('The agent’s user id.'),
            object: z.enum(['people', 'companies', 'leads']).optional(),
            recordId: z.uuid().optional(),
            cursor: z.string().max(64).optional().describe('`next` of the previous page.'),
            limit: z.coerce.number().int().min(1).max(200).default(50),
          })
          .strict(),
        response: {
          200: z.object({ data: z.array(callSchema), next: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return listCalls(contextOf(db, request), {
        state: q.state,
        agentUserId: q.agent,
        object: q.object,
        recordId: q.recordId,
        cursor: q.cursor,
        limit: q.limit,
      });
    },
  );
  app.get(
    '/calls/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'One call with the events it was folded from',
        params,
        response: {
          200: callSchema.extend({
            events: z.array(
              z.object({
                id: z.string(),
                event: z.string(),
                sequence: z.number(),
                at: z.string(),
                receivedAt: z.string(),
                body: z.unknown(),
              }),
            ),
          }),
          ...problems,
        },
      },
    },
    async (request) => getCall(contextOf(db, request), request.params.id),
  );
};
