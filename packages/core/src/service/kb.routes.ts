import fastifyMultipart from '@fastify/multipart';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { contentDisposition } from '../http/attachment.ts';
import { readUpload } from '../http/read-upload.ts';
import { contextOf, problemSchema, type RouteDeps, storableString, text } from '../http/route-kit.ts';
import {
  createKbReadLimits,
  type PublicKbDeps,
  publicKbArticle,
  publicKbArticles,
  publicKbAttachment,
  publicKbCategories,
  renderArticlePage,
  renderMissingPage,
} from './kb.public.ts';
import { KB_LOCALES } from './kb.repository.ts';
import {
  addKbAttachment,
  createKbArticle,
  createKbCategory,
  deleteKbArticle,
  deleteKbAttachment,
  deleteKbCategory,
  deleteKbTranslation,
  getKbArticle,
  getKbAttachment,
  getKbSite,
  KB_MANAGE,
  listKbArticles,
  listKbCategories,
  MAX_KB_FILE_BYTES,
  putKbTranslation,
  searchKb,
  setKbSite,
  shownInline,
  suggestArticles,
  updateKbArticle,
  updateKbCategory,
} from './kb.service.ts';

const tags = ['service'];
const read = { auth: 'required' } as const;
const manage = { auth: 'required', permission: KB_MANAGE } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
const params = z.object({ id: z.uuid() });
const locale = z.enum(KB_LOCALES);
const status = z.enum(['draft', 'published']);

const names = z
  .object({ en: text(200).optional(), ar: text(200).optional(), fa: text(200).optional() })
  .strict()
  .describe('The category’s name in each language it has one in.');
const categorySchema = z
  .object({
    id: z.string(),
    parentId: z.string().nullable(),
    position: z.number().int(),
    names: z.object({ en: z.string().optional(), ar: z.string().optional(), fa: z.string().optional() }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'KbCategory' });
const translationBody = z
  .object({
    title: text(300),
    body: storableString().max(200_000).describe('Markdown; raw HTML is shown as text.'),
    status,
  })
  .strict();
const translationSchema = z
  .object({
    locale,
    title: z.string(),
    body: z.string().describe('The Markdown as written.'),
    bodyHtml: z.string().describe('The Markdown rendered and sanitised, safe to put in a page.'),
    status,
    publishedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
    updatedAt: z.string(),
  })
  .meta({ id: 'KbTranslation' });
const attachmentSchema = z
  .object({
    id: z.string(),
    articleId: z.string(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    createdAt: z.string(),
  })
  .meta({ id: 'KbAttachment' });
const articleSchema = z
  .object({
    id: z.string(),
    categoryId: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    translations: z.array(translationSchema),
    attachments: z.array(attachmentSchema),
  })
  .meta({ id: 'KbArticle' });
const articleSummarySchema = z
  .object({
    id: z.string(),
    categoryId: z.string().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    translations: z.array(z.object({ locale, title: z.string(), status, updatedAt: z.string() })),
  })
  .meta({ id: 'KbArticleSummary' });
const hitSchema = z
  .object({
    articleId: z.string(),
    locale,
    title: z.string(),
    snippet: z.string().describe('The start of the body as plain text.'),
    status,
    updatedAt: z.string(),
    link: z.string().nullable().describe('The published translation’s page in the public help centre.'),
  })
  .meta({ id: 'KbHit' });
const hitsSchema = z.object({ data: z.array(hitSchema), nextCursor: z.string().nullable() });
const siteSchema = z.object({ publicId: z.string().nullable(), enabled: z.boolean() }).meta({ id: 'KbSite' });
const cursor = z.string().max(500).optional().describe('The nextCursor of the previous page.');
const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const query = storableString().max(500);

function sendFile(
  reply: FastifyReply,
  file: { filename: string; contentType: string; content: Buffer },
): FastifyReply {
  const inline = shownInline(file.contentType);
  return reply
    .type(inline ? file.contentType : 'application/octet-stream')
    .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', file.filename))
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cache-control', 'private, max-age=300')
    .send(file.content);
}

/** The knowledge base: categories, articles and their translations, search, suggestions, attachments. */
export const kbRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db } = deps;
  const publicUrl = deps.settings.publicUrl;
  /** A DELETE of one thing by id, needing service.kb.manage, answered with 204. */
  const removal = (
    url: string,
    summary: string,
    remove: (ctx: ReturnType<typeof contextOf>, id: string) => Promise<void>,
  ) =>
    app.delete(
      url,
      { config: manage, schema: { tags, summary, params, response: { 204: z.null(), ...problems } } },
      async (request, reply) => {
        await remove(contextOf(db, request), request.params.id);
        return reply.code(204).send(null);
      },
    );

  app.get(
    '/service/kb/categories',
    {
      config: read,
      schema: {
        tags,
        summary: 'Knowledge-base categories, in order',
        response: { 200: z.object({ data: z.array(categorySchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listKbCategories(contextOf(db, request)) }),
  );
  app.post(
    '/service/kb/categories',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add a knowledge-base category (under a top-level one, or at the top)',
        body: z
          .object({
            names,
            parentId: z.uuid().nullable().optional(),
            position: z.number().int().min(0).max(1_000_000).optional(),
          })
          .strict(),
        response: { 201: categorySchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createKbCategory(contextOf(db, request), request.body)),
  );
  app.patch(
    '/service/kb/categories/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Rename, move or reorder a knowledge-base category',
        params,
        body: z
          .object({
            names: names.optional(),
            parentId: z.uuid().nullable().optional(),
            position: z.number().int().min(0).max(1_000_000).optional(),
          })
          .strict(),
        response: { 200: categorySchema, ...problems },
      },
    },
    async (request) => updateKbCategory(contextOf(db, request), request.params.id, request.body),
  );
  removal('/service/kb/categories/:id', 'Remove an empty knowledge-base category', deleteKbCategory);

  app.get(
    '/service/kb/articles',
    {
      config: read,
      schema: {
        tags,
        summary:
          'A page of articles, most recently changed first, with their translations’ titles and statuses (drafts too)',
        querystring: z.object({
          limit: limit(200, 50),
          before: z.uuid().optional().describe('The nextCursor of the previous page.'),
          categoryId: z.uuid().optional(),
        }),
        response: {
          200: z.object({ data: z.array(articleSummarySchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => listKbArticles(contextOf(db, request), request.query),
  );
  app.post(
    '/service/kb/articles',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Add an article with its first translations',
        body: z
          .object({
            categoryId: z.uuid().nullable().optional(),
            translations: z
              .object({
                en: translationBody.optional(),
                ar: translationBody.optional(),
                fa: translationBody.optional(),
              })
              .strict(),
          })
          .strict(),
        response: { 201: articleSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createKbArticle(contextOf(db, request), request.body)),
  );
  app.get(
    '/service/kb/articles/:id',
    {
      config: read,
      schema: {
        tags,
        summary: 'An article with every translation (drafts too) and its attachments',
        params,
        response: { 200: articleSchema, ...problems },
      },
    },
    async (request) => getKbArticle(contextOf(db, request), request.params.id),
  );
  app.patch(
    '/service/kb/articles/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Move an article to another category (null: none)',
        params,
        body: z.object({ categoryId: z.uuid().nullable().optional() }).strict(),
        response: { 200: articleSchema, ...problems },
      },
    },
    async (request) => updateKbArticle(contextOf(db, request), request.params.id, request.body),
  );
  removal('/service/kb/articles/:id', 'Remove an article, its translations and attachments', deleteKbArticle);
  app.put(
    '/service/kb/articles/:id/translations/:locale',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Write a translation: title, Markdown body, draft or published',
        params: z.object({ id: z.uuid(), locale }),
        body: translationBody,
        response: { 200: articleSchema, ...problems },
      },
    },
    async (request) =>
      putKbTranslation(contextOf(db, request), request.params.id, request.params.locale, request.body),
  );
  app.delete(
    '/service/kb/articles/:id/translations/:locale',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Remove one translation of an article',
        params: z.object({ id: z.uuid(), locale }),
        response: { 200: articleSchema, ...problems },
      },
    },
    async (request) => deleteKbTranslation(contextOf(db, request), request.params.id, request.params.locale),
  );

  app.get(
    '/service/kb/search',
    {
      config: read,
      schema: {
        tags,
        summary:
          'Search articles (Arabic and Persian letters, diacritics and digits folded; English stemmed; title typos found), best first',
        querystring: z.object({
          q: query,
          locale: locale.optional(),
          status: z.enum(['published']).optional().describe('Only published translations.'),
          cursor,
          limit: limit(50, 20),
        }),
        response: { 200: hitsSchema, ...problems },
      },
    },
    async (request) => searchKb(contextOf(db, request), request.query, publicUrl),
  );
  app.get(
    '/tickets/:id/suggested-articles',
    {
      config: read,
      schema: {
        tags,
        summary: 'Published articles the ticket’s subject suggests, those in the ticket’s language first',
        params,
        querystring: z.object({ limit: limit(20, 5) }),
        response: { 200: z.object({ data: z.array(hitSchema) }), ...problems },
      },
    },
    async (request) =>
      suggestArticles(contextOf(db, request), request.params.id, request.query.limit, publicUrl),
  );

  await app.register(async (uploads) => {
    await uploads.register(fastifyMultipart, {
      limits: { fileSize: MAX_KB_FILE_BYTES, files: 1, fields: 0, fieldSize: 0 },
    });
    uploads.withTypeProvider<ZodTypeProvider>().post(
      '/service/kb/articles/:id/attachments',
      {
        config: { ...manage, errorsIn: 'body' },
        schema: {
          tags,
          summary: 'Attach a file to an article (multipart, one part named `file`, at most 10 MB)',
          consumes: ['multipart/form-data'],
          params,
          response: { 201: attachmentSchema, ...problems },
        },
      },
      async (request, reply) => {
        const file = await readUpload(request, 'The file is over 10 MB.');
        const kept = await addKbAttachment(contextOf(db, request), request.params.id, {
          ...file,
          contentType: file.contentType.toLowerCase(),
        });
        return reply.code(201).send(kept);
      },
    );
  });
  app.get(
    '/service/kb/attachments/:id',
    {
      config: read,
      schema: {
        tags,
        summary:
          'An attachment’s bytes (images shown inline, any other file as a download, never run as a page)',
        params,
        response: { 200: z.any().describe('The file.'), ...problems },
      },
    },
    async (request, reply) =>
      sendFile(reply, await getKbAttachment(contextOf(db, request), request.params.id)),
  );
  removal('/service/kb/attachments/:id', 'Remove an attachment', deleteKbAttachment);

  app.get(
    '/service/kb/site',
    {
      config: read,
      schema: {
        tags,
        summary: 'Whether the public help centre is on, and its public id',
        response: { 200: siteSchema, ...problems },
      },
    },
    async (request) => getKbSite(contextOf(db, request)),
  );
  app.put(
    '/service/kb/site',
    {
      config: manage,
      schema: {
        tags,
        summary:
          'Turn the public help centre on or off; newPublicId gives it a new public id (old links stop working)',
        body: z.object({ enabled: z.boolean(), newPublicId: z.boolean().optional() }).strict(),
        response: { 200: siteSchema, ...problems },
      },
    },
    async (request) => setKbSite(contextOf(db, request), request.body),
  );

  // The public help centre: published translations only, anyone may read, rate-limited per address.
  const pub: PublicKbDeps = { db, limits: createKbReadLimits(deps.pool), publicUrl };
  const publicParams = z.object({ publicId: z.string().max(64) });
  const openToAll = (reply: FastifyReply) =>
    reply.header('access-control-allow-origin', '*').header('cross-origin-resource-policy', 'cross-origin');
  const publicProblems = { 400: problemSchema, 404: problemSchema, 429: problemSchema };
  app.get(
    '/public/kb/:publicId/articles',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'A help centre’s published articles: a search when q is given, else the latest first',
        params: publicParams,
        querystring: z.object({
          q: query.optional(),
          locale: locale.optional(),
          categoryId: z.uuid().optional(),
          cursor,
          limit: limit(50, 20),
        }),
        response: { 200: hitsSchema, ...publicProblems },
      },
    },
    async (request, reply) => {
      openToAll(reply);
      return publicKbArticles(pub, request.ip, request.params.publicId, request.query);
    },
  );
  app.get(
    '/public/kb/:publicId/categories',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'A help centre’s categories',
        params: publicParams,
        response: { 200: z.object({ data: z.array(categorySchema) }), ...publicProblems },
      },
    },
    async (request, reply) => {
      openToAll(reply);
      return { data: await publicKbCategories(pub, request.ip, request.params.publicId) };
    },
  );
  app.get(
    '/public/kb/:publicId/articles/:id',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'A published article in one language (the first published one when none is asked for)',
        params: publicParams.extend({ id: z.uuid() }),
        querystring: z.object({ locale: locale.optional() }),
        response: {
          200: z
            .object({
              articleId: z.string(),
              categoryId: z.string().nullable(),
              locale,
              title: z.string(),
              bodyHtml: z.string(),
              updatedAt: z.string(),
              otherLocales: z.array(locale),
            })
            .meta({ id: 'KbPublicArticle' }),
          ...publicProblems,
        },
      },
    },
    async (request, reply) => {
      openToAll(reply);
      return publicKbArticle(
        pub,
        request.ip,
        request.params.publicId,
        request.params.id,
        request.query.locale,
      );
    },
  );
  app.get(
    '/public/kb/:publicId/attachments/:id',
    {
      config: { auth: 'public' },
      schema: {
        tags,
        summary: 'An attachment of a published article',
        params: publicParams.extend({ id: z.uuid() }),
        response: { 200: z.any().describe('The file.'), ...publicProblems },
      },
    },
    async (request, reply) =>
      sendFile(
        openToAll(reply),
        await publicKbAttachment(pub, request.ip, request.params.publicId, request.params.id),
      ),
  );
};

/** The hosted page of a published article: `/kb/{publicId}/{articleId}/{locale}`. */
export const kbPages: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const pub: PublicKbDeps = {
    db: deps.db,
    limits: createKbReadLimits(deps.pool),
    publicUrl: deps.settings.publicUrl,
  };
  app.get(
    '/kb/:publicId/:id/:locale',
    {
      config: { auth: 'public' },
      schema: {
        hide: true,
        params: z.object({ publicId: z.string().max(64), id: z.string().max(64), locale: z.string().max(8) }),
      },
    },
    async (request, reply) => {
      const { publicId, id } = request.params;
      const wanted = KB_LOCALES.find((l) => l === request.params.locale);
      try {
        if (!wanted || !/^[0-9a-f-]{36}$/i.test(id)) throw new AppError('not_found', 'No such article.');
        const article = await publicKbArticle(pub, request.ip, publicId, id.toLowerCase(), wanted);
        return reply.type('text/html; charset=utf-8').send(renderArticlePage(publicId, article));
      } catch (error) {
        if (!(error instanceof AppError) || !['not_found', 'rate_limited'].includes(error.code)) throw error;
        if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
        return reply
          .code(error.code === 'rate_limited' ? 429 : 404)
          .type('text/html; charset=utf-8')
          .send(
            renderMissingPage(
              error.code === 'rate_limited'
                ? error.message
                : 'This article is not published, or the help centre is closed.',
            ),
          );
      }
    },
  );
};
