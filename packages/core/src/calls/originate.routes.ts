import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { callsSettings } from './calls.settings.ts';
import { dialLines, originateCall } from './originate.service.ts';
import { callRecording } from './recording.service.ts';

const tags = ['calls'];
const read = { auth: 'required', permission: 'calls.read' } as const;
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

/** Click-to-call through the phone system, and a call's recording through Rabita. */
export const originateRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db } = deps;
  const { allowPrivate } = deps.settings.of(callsSettings);
  app.get(
    '/calls/originate',
    {
      config: read,
      schema: {
        tags,
        summary: 'The caller’s extensions, and whether Rabita can place calls through each (else `tel:`)',
        response: {
          200: z.object({
            data: z.array(
              z.object({
                connectionId: z.string(),
                name: z.string(),
                type: z.string(),
                extension: z.string(),
                originates: z.boolean(),
              }),
            ),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({ data: await dialLines(contextOf(db, request)) }),
  );
  app.post(
    '/calls/originate',
    {
      config: read,
      schema: {
        tags,
        summary: 'Click-to-call: ring the caller’s extension, then dial the number through the phone system',
        description:
          'Through the connection given, or the first where the caller has an extension and which can place calls: AMI `Originate` (by the worker holding the connection’s AMI client), ARI `POST /channels`, or a Twilio-style `Calls.json`. The call is then logged from the phone system’s events as any call. 409 `calls_cannot_originate` when the caller has no extension there, the connection cannot place calls, or the phone system refused or is not connected: dial `tel:` instead.',
        body: z
          .object({
            to: z
              .string()
              .min(1)
              .max(64)
              .describe('The number to dial (spaces, dashes and Persian digits are read).'),
            connectionId: z.string().max(64).optional(),
          })
          .strict(),
        response: {
          202: z.object({ connectionId: z.string(), extension: z.string(), to: z.string() }),
          409: problemSchema,
          ...problems,
        },
      },
    },
    async (request, reply) =>
      reply.code(202).send(
        await originateCall(contextOf(db, request), request.body, {
          pool: deps.pool,
          secrets: deps.secrets,
          allowPrivate,
          publicUrl: deps.settings.publicUrl,
        }),
      ),
  );
  app.get(
    '/calls/:id/recording',
    {
      config: read,
      schema: {
        tags,
        summary: 'A call’s recording, streamed by Rabita from the phone system (never a redirect to it)',
        description:
          'For the call’s agent, or a reader who may see a record the call’s number matched. Fetched from the reported recording URL through the outbound guard (public addresses only unless RABITA_CALLS_ALLOW_PRIVATE, at most 3 redirects, 10 s to answer, 15 s of silence while streaming, at most 200 MB, `audio/*` only). 404 when there is none the reader may hear, 502 `calls_recording_unavailable` when the phone system fails or sends something else.',
        params: z.object({ id: z.string().max(64) }),
        response: { 200: z.any(), 502: problemSchema, ...problems },
      },
    },
    async (request, reply) => {
      const recording = await callRecording(contextOf(db, request), request.params.id, {
        secrets: deps.secrets,
        allowPrivate,
      });
      reply
        .type(recording.contentType)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .header('content-disposition', 'inline');
      if (recording.contentLength !== undefined) reply.header('content-length', recording.contentLength);
      return reply.send(recording.body);
    },
  );
};
