import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, keepRawJsonBodies, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { HOOK_BODY_LIMIT, receiveHook, rotateHookSecret } from './hook-trigger.ts';

const tags = ['workflows'];
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  413: problemSchema,
  415: problemSchema,
};

/**
 * Inbound webhooks that start workflows: making a workflow's secret, and the signed call itself. The call's route
 * keeps the body's exact text (the signature covers it) and parses it with Fastify's own JSON parser; it lives in
 * its own plugin so that parser reaches no other route.
 */
export const workflowHooksRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db } = deps;
  app.post(
    '/workflows/:id/hook-secret',
    {
      config: { auth: 'required', permission: 'workflows.manage' },
      schema: {
        tags,
        summary: 'Make a new inbound webhook secret for a workflow (shown once; the old one stops working)',
        params: z.object({ id: z.string().max(64) }),
        response: {
          200: z.object({
            secret: z.string(),
            path: z.string().describe('Where to POST, below the server’s address.'),
          }),
          ...problems,
        },
      },
    },
    async (request) => rotateHookSecret(contextOf(db, request), await deps.secrets.get(), request.params.id),
  );

  const rawBody = keepRawJsonBodies(app, HOOK_BODY_LIMIT);
  app.post(
    '/hooks/:workspaceId/workflows/:workflowId',
    {
      config: { auth: 'public' },
      bodyLimit: HOOK_BODY_LIMIT,
      schema: {
        tags,
        summary: 'Start a workflow from another system (its trigger is `webhook`; signed with its secret)',
        description:
          'Send the JSON body with `X-Rabita-Timestamp` (Unix seconds, within five minutes of the server’s clock) ' +
          'and `X-Rabita-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the secret>`; an optional ' +
          '`X-Rabita-Delivery` id makes a resend start no second run (without it, the signature does). The body ' +
          'is the run’s `trigger.payload`.',
        params: z.object({ workspaceId: z.string().max(64), workflowId: z.string().max(64) }),
        headers: z.object({
          'x-rabita-timestamp': z.string().max(20).optional(),
          'x-rabita-signature': z.string().max(200).optional(),
          'x-rabita-delivery': z.string().max(200).optional(),
        }),
        body: z.unknown(),
        response: {
          202: z.object({
            runId: z.string(),
            duplicate: z.boolean().describe('True when this delivery already started the run named.'),
          }),
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const body = rawBody(request);
      const answer = await receiveHook(db, await deps.secrets.get(), {
        workspaceId: request.params.workspaceId,
        workflowId: request.params.workflowId,
        timestamp: request.headers['x-rabita-timestamp'],
        signature: request.headers['x-rabita-signature'],
        delivery: request.headers['x-rabita-delivery'],
        body,
        payload: request.body ?? null,
      });
      return reply.code(202).send(answer);
    },
  );
};
