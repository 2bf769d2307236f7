import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import {
  deleteTemplate,
  getSignature,
  listTemplates,
  renderTemplate,
  saveTemplate,
  setSignature,
} from './templates.service.ts';

const tags = ['email'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const idParams = z.object({ id: z.string().max(64) });
const variant = z
  .object({ subject: z.string().max(998).optional(), bodyHtml: z.string().max(200_000).optional() })
  .strict();
const templateBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    subject: z.string().max(998),
    bodyHtml: z.string().max(200_000),
    variants: z
      .object({ en: variant.optional(), ar: variant.optional(), fa: variant.optional() })
      .strict()
      .optional(),
    shared: z.boolean().optional(),
  })
  .strict();
const templateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    subject: z.string(),
    bodyHtml: z.string(),
    variants: z.record(
      z.string(),
      z.object({ subject: z.string().optional(), bodyHtml: z.string().optional() }),
    ),
    shared: z.boolean(),
    ownerUserId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'EmailTemplate' });

/** Email templates (Liquid, escaped, a variant per language) and each person's signature. */
export const emailTemplatesRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/email/templates',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Templates the caller may use: shared ones and their own',
        response: { 200: z.object({ data: z.array(templateSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listTemplates(contextOf(db, request)) }),
  );
  app.post(
    '/email/templates',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Create a template',
        description:
          'Subject and body are Liquid templates. Merge fields: `record`, `company`, `person`, `owner` (name, email) and `sender` (name, email); every merged value is escaped and isolated (`<bdi>` in the body, FSI/PDI in the subject). A shared template needs `mailboxes.manage`.',
        body: templateBody,
        response: { 201: templateSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await saveTemplate(contextOf(db, request), undefined, request.body)),
  );
  app.put(
    '/email/templates/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Replace a template',
        params: idParams,
        body: templateBody,
        response: { 200: templateSchema, ...problems },
      },
    },
    async (request) => saveTemplate(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/email/templates/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Delete a template',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteTemplate(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/email/templates/:id/render',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'Render a template for a record as the caller sees it (a preview, or a composer’s starting text)',
        params: idParams,
        body: z
          .object({
            record: z
              .object({ object: z.string().max(63), id: z.string().max(64) })
              .strict()
              .optional(),
            language: z.enum(['en', 'ar', 'fa']).optional(),
          })
          .strict(),
        response: {
          200: z.object({
            subject: z.string(),
            html: z.string(),
            text: z.string(),
            language: z.string().nullable(),
          }),
          ...problems,
        },
      },
    },
    async (request) => {
      const { subject, html, text, language } = await renderTemplate(
        contextOf(db, request),
        request.params.id,
        request.body.record,
        request.body.language,
      );
      return { subject, html, text, language };
    },
  );
  app.get(
    '/email/signature',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'The caller’s signature',
        response: { 200: z.object({ html: z.string() }), ...problems },
      },
    },
    async (request) => getSignature(contextOf(db, request)),
  );
  app.put(
    '/email/signature',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Set the caller’s signature (sanitised HTML)',
        body: z.object({ html: z.string().max(50_000) }).strict(),
        response: { 200: z.object({ html: z.string() }), ...problems },
      },
    },
    async (request) => setSignature(contextOf(db, request), request.body.html),
  );
};
