import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { callCardSchema } from './call-card.schemas.ts';
import { getCallCard } from './call-card.service.ts';
import { callWrapUpCodesSchema } from './queues.schemas.ts';
import {
  callTaskInputSchema,
  callTicketInputSchema,
  wrapUpCodesSchema,
  wrapUpInputSchema,
} from './wrap-up.schemas.ts';
import {
  addFollowUpTask,
  getCallWrapUpCodes,
  getWrapUpCodes,
  openTicketFromCall,
  putWrapUpCodes,
  wrapUpCall,
} from './wrap-up.service.ts';

const tags = ['calls'];
const read = { auth: 'required', permission: 'calls.read' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const params = z.object({ id: z.string().max(64) });

/** The agent's actions after a call: notes, wrap-up code, outcome, linked record, a ticket and a follow-up task. */
export const wrapUpRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.patch(
    '/calls/:id',
    {
      config: read,
      schema: {
        tags,
        summary:
          'Wrap a call up (its agent, or calls.manage): notes, wrap-up code, outcome, the record it is about; answers its card',
        params,
        body: wrapUpInputSchema,
        response: { 200: callCardSchema, ...problems },
      },
    },
    async (request) => {
      const ctx = contextOf(db, request);
      await wrapUpCall(ctx, request.params.id, request.body);
      return getCallCard(ctx, request.params.id);
    },
  );
  app.post(
    '/calls/:id/ticket',
    {
      config: read,
      schema: {
        tags,
        summary: 'Open a ticket from the call, the caller its requester (needs tickets create)',
        params,
        body: callTicketInputSchema,
        response: { 201: z.object({ ticketId: z.string(), number: z.number().nullable() }), ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await openTicketFromCall(contextOf(db, request), request.params.id, request.body)),
  );
  app.post(
    '/calls/:id/task',
    {
      config: read,
      schema: {
        tags,
        summary: 'Add a follow-up task for the agent on the record the call is about (needs tasks create)',
        params,
        body: callTaskInputSchema,
        response: { 201: z.object({ taskId: z.string() }), ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addFollowUpTask(contextOf(db, request), request.params.id, request.body)),
  );
  app.get(
    '/calls/:id/wrap-up-codes',
    {
      config: read,
      schema: {
        tags,
        summary: 'The wrap-up codes of a call: its queue’s own list when it has one, else the workspace’s',
        params,
        response: { 200: callWrapUpCodesSchema, ...problems },
      },
    },
    async (request) => getCallWrapUpCodes(contextOf(db, request), request.params.id),
  );
  app.get(
    '/calls/wrap-up-codes',
    {
      config: read,
      schema: {
        tags,
        summary: 'The workspace’s wrap-up codes, in order',
        response: { 200: wrapUpCodesSchema, ...problems },
      },
    },
    async (request) => ({ codes: await getWrapUpCodes(contextOf(db, request)) }),
  );
  app.put(
    '/calls/wrap-up-codes',
    {
      config: { auth: 'required', permission: 'calls.manage' },
      schema: {
        tags,
        summary: 'Replace the workspace’s wrap-up codes',
        body: wrapUpCodesSchema,
        response: { 200: wrapUpCodesSchema, ...problems },
      },
    },
    async (request) => ({ codes: await putWrapUpCodes(contextOf(db, request), request.body.codes) }),
  );
};
