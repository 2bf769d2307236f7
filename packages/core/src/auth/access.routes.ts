import { ROLE_KEYS } from '@rabita/shared';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, emailSchema, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.service.ts';
import { createInvitation } from './invitations.service.ts';

const roleKey = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .describe(`A role key of the workspace: ${ROLE_KEYS.join(', ')} or a custom one.`);

const apiKeySchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: z.string(),
    tokenPrefix: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiKey' });

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema };

/** Invitations and API keys: the two ways in besides sign-up. */
export const accessRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, settings }) => {
  app.post(
    '/invitations',
    {
      config: { auth: 'required', permission: 'members.invite' },
      schema: {
        tags: ['invitations'],
        summary: 'Invite a person by email with a role (admin)',
        body: z.object({ email: emailSchema, role: roleKey }),
        response: {
          201: z.object({ id: z.uuid(), token: z.string(), link: z.string(), expiresAt: z.string() }),
          ...problems,
          409: problemSchema,
        },
      },
    },
    async (request, reply) => {
      const invitation = await createInvitation(contextOf(db, request), {
        email: request.body.email,
        role: request.body.role,
        validDays: settings.invitationDays,
      });
      return reply.code(201).send({
        id: invitation.id,
        token: invitation.token,
        link: `${settings.publicUrl}/accept-invitation?token=${encodeURIComponent(invitation.token)}`,
        expiresAt: invitation.expiresAt.toISOString(),
      });
    },
  );

  app.post(
    '/api-keys',
    {
      config: { auth: 'required', permission: 'apiKeys.manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key; its secret is shown only in this answer',
        body: z.object({ name: text(100), role: roleKey }),
        response: { 201: apiKeySchema.extend({ token: z.string() }), ...problems },
      },
    },
    async (request, reply) => {
      const key = await createApiKey(contextOf(db, request), request.body);
      return reply.code(201).send(key);
    },
  );

  app.get(
    '/api-keys',
    {
      config: { auth: 'required', permission: 'apiKeys.manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'The workspace’s active API keys (never their secrets)',
        response: { 200: z.object({ data: z.array(apiKeySchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listApiKeys(contextOf(db, request)) }),
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { auth: 'required', permission: 'apiKeys.manage' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key at once',
        params: z.object({ id: z.uuid() }),
        response: { 204: z.null(), ...problems, 404: problemSchema },
      },
    },
    async (request, reply) => {
      await revokeApiKey(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
