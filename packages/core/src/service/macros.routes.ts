import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type RouteDeps, text } from '../http/route-kit.ts';
import { params, problems, replyText } from './canned-replies.routes.ts';
import { MANAGE_REPLIES } from './canned-replies.service.ts';
import { messageSchema } from './conversation.routes.ts';
import {
  applyMacro,
  applyMacroToMany,
  deleteMacro,
  getMacro,
  listMacros,
  saveMacro,
} from './macros.service.ts';

const tags = ['service'];
const read = { auth: 'required' } as const;
const manage = { auth: 'required', permission: MANAGE_REPLIES } as const;
const macroSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    changes: z.record(z.string(), z.unknown()),
    replyId: z.string().nullable(),
    replyText: z.string().nullable(),
    note: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Macro' });
const macroBody = z
  .object({
    name: text(200),
    changes: z
      .record(z.string().min(1).max(64), z.unknown())
      .refine((c) => Object.keys(c).length <= 40, 'At most 40 fields.')
      .optional()
      .describe(
        'Ticket fields to set, by key, with values as the records API takes them (status, priority, type, queue, owner, custom fields…); tags are added to the ticket’s tags.',
      ),
    replyId: z.uuid().nullable().optional().describe('A shared canned reply to send.'),
    replyText: replyText().nullable().optional().describe('Or a reply’s own text, with merge fields.'),
    note: replyText().nullable().optional().describe('An internal note to add, with merge fields.'),
  })
  .strict();
const appliedSchema = z
  .object({ ticket: z.record(z.string(), z.unknown()), messages: z.array(messageSchema) })
  .meta({ id: 'MacroApplied' });

/** Macros: a named set of ticket changes, a reply and a note, applied to a ticket as the agent applying it. */
export const macrosRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/macros',
    {
      config: read,
      schema: {
        tags,
        summary: 'A page of the workspace’s macros by name; nextCursor is the next page’s `after`',
        querystring: z.object({
          limit: z.coerce.number().int().min(1).max(200).default(100),
          after: z.uuid().optional(),
        }),
        response: {
          200: z.object({ data: z.array(macroSchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => listMacros(contextOf(db, request), request.query),
  );
  app.get(
    '/service/macros/:id',
    {
      config: read,
      schema: { tags, summary: 'One macro', params, response: { 200: macroSchema, ...problems } },
    },
    async (request) => getMacro(contextOf(db, request), request.params.id),
  );
  app.post(
    '/service/macros',
    {
      config: manage,
      schema: {
        tags,
        summary:
          'Create a macro (its changes are checked against the tickets object as the author may write them)',
        body: macroBody,
        response: { 201: macroSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await saveMacro(contextOf(db, request), undefined, request.body)),
  );
  app.put(
    '/service/macros/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Replace a macro',
        params,
        body: macroBody,
        response: { 200: macroSchema, ...problems },
      },
    },
    async (request) => saveMacro(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/service/macros/:id',
    {
      config: manage,
      schema: { tags, summary: 'Delete a macro', params, response: { 204: z.null(), ...problems } },
    },
    async (request, reply) => {
      await deleteMacro(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/tickets/:id/apply-macro',
    {
      config: read,
      schema: {
        tags,
        summary: 'Apply a macro to a ticket as the caller (needs update on tickets): all of it or nothing',
        description:
          'The field changes go through the record engine with the caller’s rights, then the reply and the note are added to the conversation, in one transaction: a change refused leaves no reply.',
        params,
        body: z.object({ macroId: z.uuid() }).strict(),
        response: { 200: appliedSchema, ...problems },
      },
    },
    async (request) => applyMacro(contextOf(db, request), request.body.macroId, request.params.id),
  );
  app.post(
    '/service/macros/:id/apply',
    {
      config: read,
      schema: {
        tags,
        summary:
          'Apply a macro to several tickets, each all or nothing; says which were applied and why others were not',
        params,
        body: z.object({ ticketIds: z.array(z.uuid()).min(1).max(100) }).strict(),
        response: {
          200: z.object({
            results: z.array(
              z.object({
                ticketId: z.string(),
                ok: z.boolean(),
                code: z.string().optional(),
                message: z.string().optional(),
              }),
            ),
          }),
          ...problems,
        },
      },
    },
    async (request) => applyMacroToMany(contextOf(db, request), request.params.id, request.body.ticketIds),
  );
};
