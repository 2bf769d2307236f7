import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import {
  changeMemberRole,
  listMembers,
  listPendingInvitations,
  removeMember,
  revokeInvitation,
} from './members.service.ts';

const memberSchema = z
  .object({ userId: z.string(), name: z.string(), email: z.string(), role: z.string(), joinedAt: z.string() })
  .meta({ id: 'Member' });
const invitationSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    role: z.string(),
    invitedBy: z.string().nullable(),
    expiresAt: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'Invitation' });
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const userParams = z.object({ userId: z.string().max(64) });

/** The workspace's people: members, their roles, pending invitations. */
export const membersRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/members',
    {
      config: { auth: 'required', permission: 'members.read' },
      schema: {
        tags: ['members'],
        summary: 'The workspace’s members with their roles',
        response: { 200: z.object({ data: z.array(memberSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listMembers(contextOf(db, request)) }),
  );

  app.patch(
    '/members/:userId',
    {
      config: { auth: 'required', permission: 'members.invite' },
      schema: {
        tags: ['members'],
        summary: 'Give a member another role (the last admin keeps theirs)',
        params: userParams,
        body: z.object({ role: z.string().trim().min(1).max(64) }).strict(),
        response: { 200: memberSchema, ...problems },
      },
    },
    async (request) => changeMemberRole(contextOf(db, request), request.params.userId, request.body.role),
  );

  app.delete(
    '/members/:userId',
    {
      config: { auth: 'required', permission: 'members.invite' },
      schema: {
        tags: ['members'],
        summary: 'Remove a member; their sessions in this workspace end at once',
        params: userParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await removeMember(contextOf(db, request), request.params.userId);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/invitations',
    {
      config: { auth: 'required', permission: 'members.invite' },
      schema: {
        tags: ['invitations'],
        summary: 'Pending invitations (not accepted, not expired)',
        response: { 200: z.object({ data: z.array(invitationSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listPendingInvitations(contextOf(db, request)) }),
  );

  app.delete(
    '/invitations/:id',
    {
      config: { auth: 'required', permission: 'members.invite' },
      schema: {
        tags: ['invitations'],
        summary: 'Withdraw a pending invitation',
        params: z.object({ id: z.string().max(64) }),
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await revokeInvitation(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
