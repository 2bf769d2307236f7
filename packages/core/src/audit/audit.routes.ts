import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { listSecurityEvents, SECURITY_EVENT_KINDS, securityEventsCsv } from './audit.service.ts';

const eventSchema = z
  .object({
    id: z.uuid(),
    at: z.string(),
    kind: z.string(),
    actor: z.object({
      userId: z.string().nullable(),
      apiKeyId: z.string().nullable(),
      name: z.string().nullable(),
      email: z.string().nullable(),
    }),
    subject: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  })
  .meta({ id: 'SecurityEvent' });

const filterSchema = z.object({
  kind: z
    .string()
    .max(2000)
    .optional()
    .describe(`Comma-separated kinds: ${SECURITY_EVENT_KINDS.join(', ')}.`)
    .transform((v) =>
      v
        ?.split(',')
        .map((k) => k.trim())
        .filter(Boolean),
    )
    .refine(
      (kinds) => !kinds || kinds.every((k) => (SECURITY_EVENT_KINDS as readonly string[]).includes(k)),
      {
        message: 'Unknown kind.',
      },
    ),
  actor: z.uuid().optional().describe('Only events by this person (a user id).'),
  apiKey: z.uuid().optional().describe('Only events by this API key.'),
  from: z.iso.datetime({ offset: true }).optional().describe('Events at or after this time.'),
  to: z.iso.datetime({ offset: true }).optional().describe('Events before this time.'),
});
type FilterQuery = z.infer<typeof filterSchema>;

const filterOf = (q: FilterQuery) => ({
  kinds: q.kind,
  actorUserId: q.actor,
  actorApiKeyId: q.apiKey,
  from: q.from ? new Date(q.from) : undefined,
  to: q.to ? new Date(q.to) : undefined,
});

const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema };
const tags = ['audit'];

/** The security audit log: admins list it a page at a time and export it as CSV. */
export const auditRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/audit-events',
    {
      config: { auth: 'required', permission: 'audit.read' },
      schema: {
        tags,
        summary: 'The workspace’s security events, newest first (keyset pages)',
        querystring: filterSchema.extend({
          cursor: z.string().max(64).optional().describe('The nextCursor of the previous page.'),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: {
          200: z.object({ data: z.array(eventSchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) =>
      listSecurityEvents(contextOf(db, request), filterOf(request.query), {
        cursor: request.query.cursor,
        limit: request.query.limit,
      }),
  );

  app.get(
    '/audit-events/export',
    {
      config: { auth: 'required', permission: 'audit.read' },
      schema: {
        tags,
        summary: 'Every security event matching the filters as CSV (streamed)',
        querystring: filterSchema,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const stamp = new Date().toISOString().slice(0, 10);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="security-events-${stamp}.csv"`)
        .send(securityEventsCsv(contextOf(db, request), filterOf(request.query)));
    },
  );
};
