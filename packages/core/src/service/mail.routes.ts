import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { deleteDeskMailbox, listDeskMailboxes, putDeskMailbox } from './mail-desk.ts';

const tags = ['service'];
const manage = { auth: 'required', permission: 'service.channels.manage' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const params = z.object({ id: z.uuid().describe('The shared mailbox') });
const deskMailboxSchema = z
  .object({
    mailboxId: z.string(),
    name: z.string(),
    address: z.string(),
    sends: z.boolean().describe('It has an SMTP server, so replies go out through it'),
    queue: z.string(),
    enabled: z.boolean(),
    since: z
      .string()
      .describe('Mail dated from this moment on opens tickets (a first sync’s history does not)'),
  })
  .meta({ id: 'DeskMailbox' });

/** The shared mailboxes tickets come in from by email, and the queue each feeds. */
export const mailRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/mailboxes',
    {
      config: manage,
      schema: {
        tags,
        summary: 'The shared mailboxes that open tickets, with their queues',
        response: { 200: z.object({ data: z.array(deskMailboxSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listDeskMailboxes(contextOf(db, request)) }),
  );
  app.put(
    '/service/mailboxes/:id',
    {
      config: manage,
      schema: {
        tags,
        summary:
          'Make a shared mailbox open tickets in a queue (mail dated from now on), or change its queue, or turn it off',
        params,
        body: z.object({ queue: text(100), enabled: z.boolean().default(true) }).strict(),
        response: { 200: deskMailboxSchema, ...problems },
      },
    },
    async (request) => putDeskMailbox(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/service/mailboxes/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Stop a mailbox opening tickets (its mail and tickets stay)',
        params,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteDeskMailbox(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
