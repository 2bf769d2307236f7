import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps, storableString, text } from '../http/route-kit.ts';
import {
  deleteCannedReply,
  getCannedReply,
  listCannedReplies,
  renderCannedReply,
  saveCannedReply,
} from './canned-replies.service.ts';

const tags = ['service'];
const auth = { auth: 'required' } as const;
/** The problems the replies' and macros' routes answer with. */
export const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
export const params = z.object({ id: z.uuid() });

/** A reply's text in one language: plain text with merge fields, at most 20,000 characters. */
export const replyText = () => text(20_000);
const bodies = z
  .object({ en: replyText().optional(), ar: replyText().optional(), fa: replyText().optional() })
  .strict()
  .describe(
    'The reply per language (at least one), plain text with merge fields such as {{ ticket.number }}.',
  );
const replySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    shortcut: z.string().nullable(),
    folder: z.string().nullable(),
    bodies: z.object({ en: z.string().optional(), ar: z.string().optional(), fa: z.string().optional() }),
    shared: z.boolean(),
    ownerUserId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'CannedReply' });
const replyBody = z
  .object({
    name: text(200),
    shortcut: z
      .string()
      .regex(/^[\p{L}\p{N}_-]{1,40}$/u, 'Letters, digits, - and _ only, at most 40 (no spaces).')
      .nullable()
      .optional()
      .describe('Typed after / in the composer to find the reply; kept lower-case.'),
    folder: text(100).nullable().optional(),
    bodies,
    shared: z
      .boolean()
      .optional()
      .describe('Shared with the workspace (needs service.replies.manage); otherwise the author’s own.'),
  })
  .strict();

/** Canned replies: shared or personal, a body per language with merge fields, rendered for a ticket. */
export const cannedRepliesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/canned-replies',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'A page of the canned replies the caller may use (shared and their own), by name; nextCursor is the next page’s `after`',
        querystring: z.object({
          q: storableString()
            .max(200)
            .optional()
            .describe(
              'Finds by name, shortcut or folder (Arabic and Persian letters folded; a leading / ignored).',
            ),
          limit: z.coerce.number().int().min(1).max(200).default(50),
          after: z.uuid().optional(),
        }),
        response: {
          200: z.object({ data: z.array(replySchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => listCannedReplies(contextOf(db, request), request.query),
  );
  app.get(
    '/service/canned-replies/:id',
    {
      config: auth,
      schema: { tags, summary: 'One canned reply', params, response: { 200: replySchema, ...problems } },
    },
    async (request) => getCannedReply(contextOf(db, request), request.params.id),
  );
  app.post(
    '/service/canned-replies',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Create a canned reply (a shared one needs service.replies.manage)',
        body: replyBody,
        response: { 201: replySchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await saveCannedReply(contextOf(db, request), undefined, request.body)),
  );
  app.put(
    '/service/canned-replies/:id',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Replace a canned reply (a shared one by service.replies.manage, a personal one by its owner)',
        params,
        body: replyBody,
        response: { 200: replySchema, ...problems },
      },
    },
    async (request) => saveCannedReply(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/service/canned-replies/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Delete a canned reply (409 while a macro sends it)',
        params,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteCannedReply(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/service/canned-replies/:id/render',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Render a canned reply for a ticket as the caller sees it, in the ticket’s language',
        description:
          'The body is the ticket’s language, else the workspace’s default, else any. Merge fields: `ticket`, `requester`, `company` (their fields), `assignee` and `agent` (name, email), `workspace` (name); each merged value is isolated (FSI … PDI) on one line, and a field hidden from the caller merges as nothing.',
        params,
        body: z.object({ ticketId: z.uuid() }).strict(),
        response: { 200: z.object({ body: z.string(), language: z.enum(['en', 'ar', 'fa']) }), ...problems },
      },
    },
    async (request) => renderCannedReply(contextOf(db, request), request.params.id, request.body.ticketId),
  );
};
