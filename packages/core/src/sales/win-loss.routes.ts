import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import {
  createReason,
  deleteReason,
  getSalesSettings,
  listReasons,
  updateReason,
  updateSalesSettings,
} from './win-loss.service.ts';

const tags = ['sales'];
const auth = { auth: 'required' } as const;
const manage = { auth: 'required', permission: 'sales.reasons.manage' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const label = z
  .object({ en: text(200).optional(), ar: text(200).optional(), fa: text(200).optional() })
  .strict();
const reasonSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['won', 'lost']),
    label: z.object({ en: z.string().optional(), ar: z.string().optional(), fa: z.string().optional() }),
    position: z.number().int(),
    archived: z.boolean(),
  })
  .meta({ id: 'DealReason' });
const settingsSchema = z
  .object({ requireWonReason: z.boolean(), requireLostReason: z.boolean() })
  .meta({ id: 'SalesSettings' });
const params = z.object({ id: z.uuid() });

/** Win and loss reasons (admin-defined, labelled in en/ar/fa) and whether a deal must name one. */
export const winLossRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/sales/reasons',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Win and loss reasons in order (archived ones with includeArchived=true)',
        querystring: z.object({ includeArchived: z.enum(['true', 'false']).optional() }),
        response: { 200: z.object({ data: z.array(reasonSchema) }), ...problems },
      },
    },
    async (request) => ({
      data: await listReasons(contextOf(db, request), {
        includeArchived: request.query.includeArchived === 'true',
      }),
    }),
  );
  app.post(
    '/sales/reasons',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a win or loss reason (labelled in at least one of en, ar, fa)',
        body: z.object({ kind: z.enum(['won', 'lost']), label }).strict(),
        response: { 201: reasonSchema, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createReason(contextOf(db, request), request.body)),
  );
  app.patch(
    '/sales/reasons/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Relabel, reorder, archive or bring back a reason',
        params,
        body: z
          .object({
            label: label.optional(),
            position: z.number().int().min(0).max(100_000).optional(),
            archived: z.boolean().optional(),
          })
          .strict(),
        response: { 200: reasonSchema, ...problems },
      },
    },
    async (request) => updateReason(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/sales/reasons/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Delete a reason no deal names (409 otherwise: archive it)',
        params,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteReason(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/sales/settings',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Whether a deal marked won or lost must name a reason',
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => getSalesSettings(contextOf(db, request)),
  );
  app.patch(
    '/sales/settings',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Require (or not) a reason when a deal is marked won, and when lost',
        body: z
          .object({ requireWonReason: z.boolean().optional(), requireLostReason: z.boolean().optional() })
          .strict(),
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => updateSalesSettings(contextOf(db, request), request.body),
  );
};
