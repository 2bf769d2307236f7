import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { emailSettings } from '../email/email.settings.ts';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import {
  getSelfServiceUrl,
  openReportFromCall,
  putSelfServiceUrl,
  sendSelfServiceLink,
  setPromiseToPay,
} from './card-extras.service.ts';

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
const urlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .nullable()
  .describe('The page a self-service link opens when no help-centre article is chosen.');

/** The call card's extras: open a report, send a self-service link, a promise to pay; the self-service URL. */
export const cardExtrasRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db } = deps;
  app.post(
    '/calls/:id/report',
    {
      config: read,
      schema: {
        tags,
        summary:
          'Open a report (complaint or return) from the call, the caller as requester; starts the case type’s workflow',
        params,
        body: z
          .object({
            type: z.enum(['complaint', 'return']),
            subject: text(500),
            description: z.string().max(100_000).optional(),
          })
          .strict(),
        response: {
          201: z.object({
            ticketId: z.string(),
            number: z.number().nullable(),
            workflow: z
              .object({ id: z.string(), runId: z.string().nullable(), error: z.string().nullable() })
              .nullable(),
          }),
          ...problems,
        },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await openReportFromCall(contextOf(db, request), request.params.id, request.body)),
  );
  app.post(
    '/calls/:id/self-service',
    {
      config: read,
      schema: {
        tags,
        summary: 'Send the caller a self-service link by email or text message',
        params,
        body: z
          .object({
            channel: z.enum(['email', 'sms']),
            mailboxId: z.uuid().optional().describe('The mailbox to send from (email).'),
            articleId: z.uuid().optional().describe('A published help-centre article.'),
            language: z.enum(['en', 'ar', 'fa']).optional(),
          })
          .strict(),
        response: {
          200: z.object({ channel: z.enum(['email', 'sms']), to: z.string(), url: z.string() }),
          ...problems,
        },
      },
    },
    async (request) =>
      sendSelfServiceLink(contextOf(db, request), request.params.id, request.body, {
        secrets: deps.secrets,
        allowPrivate: deps.settings.of(emailSettings).allowPrivate,
        publicUrl: deps.settings.publicUrl,
      }),
  );
  app.put(
    '/calls/:id/promise',
    {
      config: read,
      schema: {
        tags,
        summary: 'Record (or clear, with null) a promise to pay on the call’s wrap-up',
        params,
        body: z
          .object({
            promise: z
              .object({
                amount: z.string().regex(/^\d{1,15}(\.\d{1,2})?$/, 'An amount such as 250 or 250.50.'),
                currency: z.string().regex(/^[A-Z]{3}$/, 'A three-letter currency code such as IRR.'),
                dueOn: z.iso.date(),
              })
              .strict()
              .nullable(),
          })
          .strict(),
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await setPromiseToPay(contextOf(db, request), request.params.id, request.body.promise);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/calls/self-service-url',
    {
      config: read,
      schema: {
        tags,
        summary: 'The workspace’s self-service URL',
        response: { 200: z.object({ url: urlSchema }), ...problems },
      },
    },
    async (request) => getSelfServiceUrl(contextOf(db, request)),
  );
  app.put(
    '/calls/self-service-url',
    {
      config: read,
      schema: {
        tags,
        summary: 'Set the workspace’s self-service URL (calls.manage)',
        body: z.object({ url: urlSchema }).strict(),
        response: { 200: z.object({ url: urlSchema }), ...problems },
      },
    },
    async (request) => putSelfServiceUrl(contextOf(db, request), request.body.url),
  );
};
