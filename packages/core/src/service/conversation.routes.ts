import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { addMessage, listMessages } from './conversation.service.ts';
import { TICKET_STATUSES } from './service.objects.ts';

const tags = ['service'];
const auth = { auth: 'required' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
export const messageSchema = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    kind: z.enum(['reply', 'note', 'customer']),
    body: z.string(),
    authorUserId: z.string().nullable(),
    authorPersonId: z.string().nullable(),
    automatic: z.boolean(),
    emailMessageId: z.string().nullable().describe('The email the customer’s message came in as'),
    outboxId: z.string().nullable().describe('The send carrying a public reply to the requester by email'),
    createdAt: z.string(),
  })
  .meta({ id: 'TicketMessage' });
const params = z.object({ id: z.uuid() });
const statuses = TICKET_STATUSES.map((o) => o.value) as [string, ...string[]];

/** A ticket's conversation: public replies, internal notes and the customer's messages. */
export const conversationRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/tickets/:id/messages',
    {
      config: auth,
      schema: {
        tags,
        summary:
          "A page of a ticket's conversation, newest first (nextCursor is the `before` of the next page)",
        params,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(50),
          before: z.uuid().optional(),
        }),
        response: {
          200: z.object({ data: z.array(messageSchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) =>
      listMessages(contextOf(db, request), request.params.id, {
        limit: request.query.limit,
        before: request.query.before,
      }),
  );
  app.post(
    '/tickets/:id/messages',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Add a public reply, an internal note or the customer’s message (needs update on tickets); may set the status',
        params,
        body: z
          .object({
            kind: z.enum(['reply', 'note', 'customer']),
            body: text(100_000),
            automatic: z.boolean().optional(),
            status: z.enum(statuses).optional(),
          })
          .strict(),
        response: { 201: messageSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addMessage(contextOf(db, request), request.params.id, request.body)),
  );
};
