import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { listNotifications, markNotificationsRead } from './notifications.service.ts';

const tags = ['notifications'];
const notificationSchema = z
  .object({
    id: z.string(),
    kind: z.string().describe('`assigned` (a record’s owner) or `task_assigned` (a task’s assignee)'),
    object: z.string(),
    recordId: z.string(),
    title: z.string().nullable(),
    actor: z.object({ userId: z.string().nullable(), name: z.string().nullable() }),
    createdAt: z.string(),
    readAt: z.string().nullable(),
  })
  .meta({ id: 'Notification' });
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };

/** The signed-in person's notifications. */
export const notificationsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/notifications',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'My notifications, newest first, with the unread count',
        querystring: z.object({
          unread: z.enum(['true', 'false']).optional(),
          limit: z.coerce.number().int().min(1).max(100).optional(),
          cursor: z.string().max(64).optional(),
        }),
        response: {
          200: z.object({
            data: z.array(notificationSchema),
            nextCursor: z.string().nullable(),
            unreadCount: z.number(),
          }),
          ...problems,
        },
      },
    },
    async (request) =>
      listNotifications(contextOf(db, request), {
        unread: request.query.unread === 'true',
        limit: request.query.limit,
        cursor: request.query.cursor,
      }),
  );

  app.post(
    '/notifications/:id/read',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Mark a notification read',
        params: z.object({ id: z.string().max(64) }),
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await markNotificationsRead(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/notifications/read-all',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: { tags, summary: 'Mark all my notifications read', response: { 204: z.null(), ...problems } },
    },
    async (request, reply) => {
      await markNotificationsRead(contextOf(db, request));
      return reply.code(204).send(null);
    },
  );
};
