import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { WEBHOOK_EVENTS } from './webhook-outbox.ts';
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  redeliver,
  updateWebhook,
} from './webhooks.service.ts';
import { webhooksSettings } from './webhooks.settings.ts';

const tags = ['webhooks'];
const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    objects: z.array(z.string()),
    events: z.array(z.string()),
    description: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'Webhook' });
const deliverySchema = z
  .object({
    id: z.string(),
    event: z.string(),
    object: z.string(),
    recordId: z.string(),
    status: z.string().describe('pending, delivered or failed'),
    attemptCount: z.number().int(),
    attempts: z.array(
      z.object({
        at: z.string(),
        statusCode: z.number().int().nullable(),
        durationMs: z.number(),
        error: z.string().nullable(),
      }),
    ),
    nextAttemptAt: z.string().nullable(),
    deliveredAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });
const idParams = z.object({ id: z.string().max(64) });
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

/** Webhook subscriptions and their delivery log; managed by whoever manages the workspace's API keys. */
export const webhooksRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, settings }) => {
  app.post(
    '/webhooks',
    {
      config: { auth: 'required', permission: 'apiKeys.manage' },
      schema: {
        tags,
        summary: 'Subscribe a URL to record events (the signing secret is shown once)',
        description:
          'Each delivery is a POST of JSON `{id, type, createdAt, workspaceId, data: {object, id, action, changes}}` with `Rabita-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, `Rabita-Event` and `Rabita-Delivery` headers. A non-2xx answer is retried after 1 min, 5 min, 30 min, 2 h and 12 h.',
        body: z
          .object({
            url: z.string().trim().min(1).max(2000),
            objects: z.array(z.string().max(63)).min(1).max(100).describe('Object keys, or `*` for all.'),
            events: z
              .array(z.string().max(20))
              .min(1)
              .max(WEBHOOK_EVENTS.length)
              .describe(WEBHOOK_EVENTS.join(', ')),
            description: z.string().max(500).optional(),
          })
          .strict(),
        response: { 201: webhookSchema.extend({ secret: z.string() }), ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(
        await createWebhook(contextOf(db, request), request.body, {
          allowPrivate: settings.of(webhooksSettings).allowPrivate,
        }),
      ),
  );

  app.get(
    '/webhooks',
    {
      config: { auth: 'required', permission: 'apiKeys.manage' },
      schema: {
        tags,
        summary: 'List webhook subscriptions',
        response: { 200: z.object({ data: z.array(webhookSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listWebhooks(contextOf(db, request)) }),
  );

  app.patch(
    '/webhooks/:id',
    {
      config: { auth: 'required', permission: 'apiKeys.manage' },
      schema: {
        tags,
        summary: 'Change a subscription’s URL, objects, events or description',
        params: idParams,
        body: z
          .object({
            url: z.string().trim().min(1).max(2000),
            objects: z.array(z.string().max(63)).min(1).max(100),
            events: z.array(z.string().max(20)).min(1).max(WEBHOOK_EVENTS.length),
            description: z.string().max(500).nullable(),
          })
          .partial()
          .strict(),
        response: { 200: webhookSchema, ...problems },
      },
    },
    async (request) =>
      updateWebhook(contextOf(db, request), request.params.id, request.body, {
        allowPrivate: settings.of(webhooksSettings).allowPrivate,
      }),
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/retry',
    {
      config: { auth: 'required', permission: 'apiKeys.manage' },
      schema: {
        tags,
        summary: 'Send a delivery again, as soon as the worker can',
        params: z.object({ id: z.string().max(64), deliveryId: z.string().max(64) }),
        response: { 202: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await redeliver(contextOf(db, request), request.params.id, request.params.deliveryId);
      return reply.code(202).send(null);
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      config: { auth: 'required', permission: 'apiKeys.manage' },
      schema: {
        tags,
        summary: 'Remove a webhook subscription',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteWebhook(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      config: { auth: 'required', permission: 'apiKeys.manage' },
      schema: {
        tags,
        summary: 'The delivery log of a subscription, newest first',
        params: idParams,
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).optional(),
          cursor: z.string().max(64).optional(),
        }),
        response: {
          200: z.object({ data: z.array(deliverySchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => listDeliveries(contextOf(db, request), request.params.id, request.query),
  );
};
