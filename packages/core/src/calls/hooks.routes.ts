import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { lookupCaller, receiveJournal } from './adapters/threecx.ts';
import { receiveTwilioCallback } from './adapters/twilio.ts';

/** The largest Twilio form post taken (a status callback is a few kilobytes). */
const TWILIO_BODY_LIMIT = 64 * 1024;

const params = z.object({ connectionId: z.string().max(64) });
const received = z.object({
  calls: z.array(z.object({ callId: z.string(), id: z.string() })),
  accepted: z.number().describe('Events kept now.'),
  duplicates: z.number().describe('Events already kept before (changed nothing).'),
});
const safeText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'No control characters.');

/**
 * Where hosted phone systems call Rabita: Twilio-style status callbacks and a 3CX-style caller lookup and call
 * journal. None is a session route: each checks the connection's own credential (Twilio's signature with the
 * connection's auth token, or the connection's API key) in its service.
 */
export const callHooksRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  // Form posts, for this plugin's routes only; the pairs are kept as sent (the signature covers each of them).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: TWILIO_BODY_LIMIT },
    (_request, body, done) => {
      const pairs = [...new URLSearchParams(body as string)];
      done(null, { pairs });
    },
  );

  app.post(
    '/calls/hooks/twilio/:connectionId',
    {
      config: { auth: 'public' },
      bodyLimit: TWILIO_BODY_LIMIT,
      schema: {
        tags: ['calls'],
        summary: 'Twilio-style voice status callback (form post, `X-Twilio-Signature`)',
        description:
          'Set as the number’s or call’s status callback URL (all events). The signature is checked over the ' +
          'connection’s `publicUrl` setting (the URL exactly as Twilio was given it) or, without it, ' +
          'RABITA_PUBLIC_URL + this path; never over the Host header. Answers 204; each status is kept once.',
        params,
        headers: z.object({ 'x-twilio-signature': z.string().max(200).optional() }),
        body: z.object({
          pairs: z
            .array(z.tuple([safeText(100), safeText(4000)]))
            .max(200)
            .describe('The form’s fields.'),
        }),
        response: {
          204: z.null(),
          400: problemSchema,
          401: problemSchema,
          413: problemSchema,
          415: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      await receiveTwilioCallback(deps.db, await deps.secrets.get(), {
        connectionId: request.params.connectionId,
        signature: request.headers['x-twilio-signature'],
        defaultUrl: `${deps.settings.publicUrl}/api/v1/calls/hooks/twilio/${request.params.connectionId}${query}`,
        params: request.body.pairs,
      });
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/calls/hooks/3cx/:connectionId/lookup',
    {
      config: { auth: 'public' },
      schema: {
        tags: ['calls'],
        summary: '3CX-style caller lookup: the records holding a number, for the phone system’s CRM template',
        description:
          'Authenticate with the connection’s API key: `Authorization: Bearer rbp_…`, or Basic with the key as ' +
          'the password. Answers the records the connection’s lookup role may read (at most 10).',
        params,
        headers: z.object({ authorization: z.string().max(1100).optional() }),
        querystring: z.object({ number: safeText(100) }).strict(),
        response: {
          200: z.object({
            contacts: z.array(
              z.object({
                id: z.string(),
                object: z.enum(['people', 'companies', 'leads']),
                firstName: z.string(),
                lastName: z.string(),
                company: z.string(),
                email: z.string(),
                phone: z.string(),
                url: z.string().describe('The record in Rabita.'),
              }),
            ),
          }),
          400: problemSchema,
          401: problemSchema,
        },
      },
    },
    async (request) =>
      lookupCaller(deps.db, {
        connectionId: request.params.connectionId,
        authorization: request.headers.authorization,
        number: request.query.number,
        publicUrl: deps.settings.publicUrl,
      }),
  );

  app.post(
    '/calls/hooks/3cx/:connectionId/journal',
    {
      config: { auth: 'public' },
      bodyLimit: 16 * 1024,
      schema: {
        tags: ['calls'],
        summary: '3CX-style call journal: one ended call, kept as its call events',
        description:
          'Authenticate as for the lookup. Map the CRM template’s `[CallType]`, `[Number]`, `[Agent]`, ' +
          '`[DurationTimeSpan]`, `[CallStartTimeUTC]`, `[CallEndTimeUTC]` and, for calls through a queue, `[QueueName]` ' +
          'or `[QueueExtension]` to the fields below (the call then joins that queue). The same entry ' +
          'sent again changes nothing.',
        params,
        headers: z.object({ authorization: z.string().max(1100).optional() }),
        body: z
          .object({
            callId: safeText(200).min(1).optional().describe('The phone system’s call id, when it has one.'),
            callType: z.enum(['Inbound', 'Outbound', 'Missed', 'Notanswered']),
            number: safeText(100).min(1),
            agent: z
              .string()
              .regex(/^[\w*#+.-]{1,20}$/)
              .optional()
              .describe('The agent’s extension.'),
            duration: z
              .union([z.int().min(0).max(10_000_000), safeText(20)])
              .optional()
              .describe('Seconds, or hh:mm:ss.'),
            start: z.iso.datetime({ offset: true }),
            end: z.iso.datetime({ offset: true }).optional(),
            queue: safeText(200)
              .trim()
              .min(1)
              .optional()
              .describe('The queue the call came through (`[QueueName]`), matched to a queue’s keys.'),
            queueNumber: z
              .string()
              .regex(/^\+?[\d*#]{1,40}$/)
              .optional()
              .describe(
                'The queue’s extension or number (`[QueueExtension]`); an inbound call is matched to the queue holding that number.',
              ),
          })
          .strict(),
        response: { 202: received, 400: problemSchema, 401: problemSchema, 413: problemSchema },
      },
    },
    async (request, reply) =>
      reply.code(202).send(
        await receiveJournal(deps.db, {
          connectionId: request.params.connectionId,
          authorization: request.headers.authorization,
          entry: request.body,
        }),
      ),
  );
};
