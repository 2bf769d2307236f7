import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { deleteLeadMailbox, listLeadMailboxes, putLeadMailbox } from './lead-mail.service.ts';

const tags = ['leads'];
const manage = { auth: 'required', permission: 'sales.forms.manage' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const params = z.object({ id: z.uuid().describe('The shared mailbox') });
const leadMailboxSchema = z
  .object({
    mailboxId: z.string(),
    name: z.string(),
    address: z.string(),
    sends: z.boolean().describe('It has an SMTP server'),
    enabled: z.boolean(),
    since: z
      .string()
      .describe('Mail dated from this moment on makes leads (a first sync’s history does not)'),
    source: z.string().describe('The source its leads are given'),
  })
  .meta({ id: 'LeadMailbox' });

/** The shared mailboxes whose mail from strangers becomes leads. */
export const leadMailRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/sales/lead-mailboxes',
    {
      config: manage,
      schema: {
        tags,
        summary: 'The shared mailboxes whose mail from strangers makes leads',
        response: { 200: z.object({ data: z.array(leadMailboxSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listLeadMailboxes(contextOf(db, request)) }),
  );
  app.put(
    '/sales/lead-mailboxes/:id',
    {
      config: manage,
      schema: {
        tags,
        summary:
          'Make a shared mailbox’s mail from strangers become leads (mail dated from now on), change their source, or turn it off',
        params,
        body: z
          .object({
            enabled: z.boolean().default(true),
            source: text(200)
              .default('email')
              .describe('The source its leads are given (`email` unless said)'),
          })
          .strict(),
        response: { 200: leadMailboxSchema, ...problems },
      },
    },
    async (request) => putLeadMailbox(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/sales/lead-mailboxes/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Stop a mailbox making leads (its mail and leads stay)',
        params,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteLeadMailbox(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
