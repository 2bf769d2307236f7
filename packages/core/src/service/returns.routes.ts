import fastifyMultipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contentDisposition } from '../http/attachment.ts';
import { readUpload } from '../http/read-upload.ts';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import {
  addReturnLine,
  addReturnPhoto,
  getReturn,
  getReturnPhoto,
  MAX_PHOTO_BYTES,
  moveReturn,
  removeReturnLine,
  removeReturnPhoto,
} from './returns.service.ts';
import { RETURN_STATES } from './returns-flow.ts';

const tags = ['service'];
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const auth = { auth: 'required' } as const;
const params = z.object({ id: z.uuid() });
const state = z.enum(RETURN_STATES);
const photoSchema = z
  .object({
    id: z.string(),
    lineId: z.string(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'ReturnPhoto' });
const returnSchema = z
  .object({
    ticketId: z.string(),
    isReturn: z.boolean(),
    state,
    moves: z.array(state).describe('The states it may move to next.'),
    awaitingItem: z
      .boolean()
      .describe('Approved, the item not yet received: the ticket’s SLA clocks are paused.'),
    canDecide: z.boolean().describe('Whether the caller may approve, refund, replace or reject.'),
    lines: z.array(
      z
        .object({
          id: z.string(),
          position: z.number().int(),
          product: z.string(),
          orderRef: z.string().nullable(),
          quantity: z.number().int(),
          reasonCode: z.string(),
          note: z.string().nullable(),
          createdBy: z.string().nullable(),
          createdAt: z.string(),
          photos: z.array(photoSchema),
        })
        .meta({ id: 'ReturnLine' }),
    ),
    history: z.array(
      z
        .object({
          id: z.string(),
          from: state,
          to: state,
          note: z.string().nullable(),
          userId: z.string().nullable(),
          at: z.string(),
        })
        .meta({ id: 'ReturnMove' }),
    ),
  })
  .meta({ id: 'TicketReturn' });
const lineBody = z
  .object({
    product: text(300).describe('The product or item, as on the order.'),
    orderRef: text(100).nullable().describe('The order (and line) it was bought on.'),
    quantity: z.number().int().min(1).max(100_000),
    reasonCode: text(100),
    note: text(2000).nullable(),
  })
  .strict();

/** Returns: a return ticket's lines with photos, and its moves from requested to refunded, replaced or rejected. */
export const returnsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/tickets/:id/return',
    {
      config: auth,
      schema: {
        tags,
        summary: 'A ticket’s return: its state, the moves it may make, its lines and photos, and its history',
        params,
        response: { 200: returnSchema, ...problems },
      },
    },
    async (request) => getReturn(contextOf(db, request), request.params.id),
  );
  app.post(
    '/tickets/:id/return/lines',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Add a line to a requested return (needs update on tickets)',
        params,
        body: lineBody,
        response: { 201: returnSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await addReturnLine(contextOf(db, request), request.params.id, request.body)),
  );
  app.delete(
    '/service/return-lines/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'Remove a line (and its photos) from a requested return',
        params,
        response: { 200: returnSchema, ...problems },
      },
    },
    async (request) => removeReturnLine(contextOf(db, request), request.params.id),
  );
  app.post(
    '/tickets/:id/return/moves',
    {
      config: auth,
      schema: {
        tags,
        summary:
          'Move a return to its next state (approving, refunding, replacing and rejecting need service.returns.decide)',
        params,
        body: z.object({ to: state, note: text(2000).nullable().optional() }).strict(),
        response: { 200: returnSchema, ...problems },
      },
    },
    async (request) =>
      moveReturn(contextOf(db, request), request.params.id, {
        to: request.body.to,
        note: request.body.note ?? null,
      }),
  );
  await app.register(async (uploads) => {
    await uploads.register(fastifyMultipart, {
      limits: { fileSize: MAX_PHOTO_BYTES, files: 1, fields: 0, fieldSize: 0 },
    });
    uploads.withTypeProvider<ZodTypeProvider>().post(
      '/service/return-lines/:id/photos',
      {
        config: { ...auth, errorsIn: 'body' },
        schema: {
          tags,
          summary:
            'Add a photo to a return line (multipart, one part named `file`: PNG, JPEG, GIF or WebP, 5 MB)',
          consumes: ['multipart/form-data'],
          params,
          response: { 201: photoSchema, ...problems },
        },
      },
      async (request, reply) => {
        const file = await readUpload(request, 'The photo is over 5 MB.');
        return reply.code(201).send(await addReturnPhoto(contextOf(db, request), request.params.id, file));
      },
    );
  });
  app.get(
    '/service/return-photos/:id',
    {
      config: auth,
      schema: {
        tags,
        summary: 'A return photo’s bytes (an image checked by its content, never run as a page)',
        params,
        response: { 200: z.any().describe('The image.'), ...problems },
      },
    },
    async (request, reply) => {
      const photo = await getReturnPhoto(contextOf(db, request), request.params.id);
      return reply
        .type(photo.contentType)
        .header('content-disposition', contentDisposition('inline', photo.filename))
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=300')
        .send(photo.content);
    },
  );
  app.delete(
    '/service/return-photos/:id',
    {
      config: auth,
      schema: { tags, summary: 'Remove a return photo', params, response: { 204: z.null(), ...problems } },
    },
    async (request, reply) => {
      await removeReturnPhoto(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
