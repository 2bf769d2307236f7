import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { queueInputSchema, queueSchema } from './queues.schemas.ts';
import { changeQueue, createQueue, getQueue, getQueues, removeQueue } from './queues.service.ts';

const tags = ['calls'];
const manage = { auth: 'required', permission: 'calls.manage' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const params = z.object({ id: z.string().max(64) });

/** Call queues (settings, `calls.manage`): their names, keys and numbers, members, wrap-up codes and seconds. */
export const queuesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/calls/queues',
    {
      config: manage,
      schema: {
        tags,
        summary: 'The workspace’s call queues, by name',
        response: { 200: z.object({ data: z.array(queueSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await getQueues(contextOf(db, request)) }),
  );
  app.post(
    '/calls/queues',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Make a call queue',
        body: queueInputSchema,
        response: { 201: queueSchema, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createQueue(contextOf(db, request), request.body)),
  );
  app.get(
    '/calls/queues/:id',
    {
      config: manage,
      schema: { tags, summary: 'One call queue', params, response: { 200: queueSchema, ...problems } },
    },
    async (request) => getQueue(contextOf(db, request), request.params.id),
  );
  app.patch(
    '/calls/queues/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Change a call queue; a list given (keys, numbers, members, codes) replaces the old one',
        params,
        body: queueInputSchema.partial().strict(),
        response: { 200: queueSchema, ...problems },
      },
    },
    async (request) => changeQueue(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/calls/queues/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Remove a call queue (its calls keep their history; its keys and numbers are free again)',
        params,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await removeQueue(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
