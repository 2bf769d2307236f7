import fastifyMultipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { readUpload } from '../http/read-upload.ts';
import { contextOf, principalOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import { emailSettings } from './email.settings.ts';
import { remoteImage, sealImageAccess } from './image-proxy.ts';
import { closeMailConnections } from './mail-connections.ts';
import {
  createMailbox,
  deleteMailbox,
  getMailbox,
  listMailboxes,
  listSkipped,
  type MailDeps,
  setMailboxPaused,
  updateMailbox,
} from './mailboxes.service.ts';
import { EMAIL_HTML_CSP } from './message-parse.ts';
import { getThread, messageAttachment, messageHtml, sendEmail } from './messages.service.ts';
import { cancelSend, listOutbox, MAX_UNDO_SECONDS, sendOrSchedule } from './outbox.service.ts';
import { emailHtmlCspWithImages, showRemoteImages } from './remote-images.ts';
import { keepUpload, MAX_ATTACHMENT_BYTES } from './uploads.ts';

const tags = ['email'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const idParams = z.object({ id: z.string().max(64) });
const security = z.enum(['tls', 'starttls', 'none']);
const host = z
  .string()
  .trim()
  .min(1)
  .max(253)
  .regex(/^[^\s/\\@]+$/, 'Must be a host name or address.');
const server = z.object({ host, port: z.number().int().min(1).max(65535), security }).strict();
const uuid = z.string().max(64);

const mailboxSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    address: z.string(),
    kind: z.enum(['personal', 'shared']),
    ownerUserId: z.string().nullable(),
    imap: z.object({ host: z.string(), port: z.number(), security }),
    smtp: z.object({ host: z.string(), port: z.number(), security }).nullable(),
    username: z.string(),
    auth: z.enum(['password', 'xoauth2']),
    syncDays: z.number(),
    extraFolders: z.array(z.string()),
    createPeople: z.boolean(),
    visibility: z.enum(['everything', 'subject', 'metadata']),
    readers: z.array(z.string()),
    status: z.enum(['connecting', 'syncing', 'ready', 'failing', 'paused']),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    lastSyncedAt: z.string().nullable(),
    progress: z.object({
      done: z.number(),
      total: z.number(),
      rate: z.number().nullable(),
      secondsLeft: z.number().nullable(),
    }),
    folders: z.array(
      z.object({
        path: z.string(),
        role: z.string(),
        done: z.number(),
        total: z.number(),
        complete: z.boolean(),
      }),
    ),
    skipped: z.number(),
    lastReconcile: z.object({ at: z.string(), checked: z.number(), missing: z.number() }).nullable(),
    lastGap: z.object({ at: z.string(), checked: z.number(), missing: z.number() }).nullable().meta({
      description:
        'The last comparison with the server that found messages missing (kept after later ones find none)',
    }),
    createdAt: z.string(),
  })
  .meta({ id: 'Mailbox' });

const mailboxFields = {
  name: z.string().trim().min(1).max(200),
  address: z.string().trim().min(3).max(320),
  imap: server,
  smtp: server.nullable().optional(),
  username: z.string().min(1).max(320),
  auth: z.enum(['password', 'xoauth2']).optional(),
  secret: z
    .string()
    .min(1)
    .max(8192)
    .describe('The password, app password, or XOAUTH2 access token; never returned.'),
  syncDays: z.number().int().min(1).max(3650).optional(),
  extraFolders: z.array(z.string().min(1).max(500)).max(50).optional(),
  createPeople: z.boolean().optional(),
  visibility: z
    .enum(['everything', 'subject', 'metadata'])
    .optional()
    .describe('What people who do not read the mailbox see of its messages on records they may read.'),
  readers: z.array(uuid).max(1000).optional(),
};

const person = z.object({ address: z.string(), name: z.string() });
const messageSchema = z
  .object({
    id: z.string(),
    threadId: z.string(),
    access: z.enum(['full', 'subject', 'metadata']),
    messageId: z.string(),
    subject: z.string().nullable(),
    from: z.object({ address: z.string(), name: z.string().nullable() }).nullable(),
    to: z.array(person),
    cc: z.array(person),
    sentAt: z.string(),
    snippet: z.string().nullable(),
    direction: z.enum(['in', 'out', 'internal']),
    autoReply: z.boolean(),
    tooLarge: z.boolean(),
    hasAttachments: z.boolean(),
    text: z.string().nullable().optional(),
    hasHtml: z.boolean().optional(),
    remoteImages: z
      .number()
      .optional()
      .describe(
        'Remote images in the HTML: blocked until shown (`GET /email/messages/{id}/html?images=show`).',
      ),
    attachments: z
      .array(
        z.object({
          position: z.number(),
          filename: z.string(),
          contentType: z.string(),
          size: z.number(),
          stored: z.boolean(),
          inline: z.boolean(),
        }),
      )
      .optional(),
  })
  .meta({ id: 'EmailMessage' });

const sendFields = {
  mailboxId: uuid,
  to: z.array(z.string().max(320)).max(100),
  cc: z.array(z.string().max(320)).max(100).optional(),
  bcc: z.array(z.string().max(320)).max(100).optional(),
  subject: z.string().max(998).optional(),
  html: z.string().max(500_000).optional(),
  text: z.string().max(500_000).optional(),
  replyTo: uuid.optional().describe('The id of the message replied to.'),
  record: z
    .object({ object: z.string().max(63), id: uuid })
    .strict()
    .optional(),
  templateId: uuid.optional().describe('A template rendered for `record` when no subject or body is given.'),
  signature: z.boolean().optional().describe('Append the sender’s signature.'),
  track: z
    .boolean()
    .optional()
    .describe('Track opens and clicks (links go through Rabita’s public address).'),
  attachments: z
    .array(z.string().max(4000))
    .max(20)
    .optional()
    .describe('Tokens from `POST /email/attachments` (20 MB in all).'),
};
const sendBody = z.object(sendFields).strict();
const outboxSchema = z
  .object({
    id: z.string(),
    mailboxId: z.string(),
    to: z.array(z.string()),
    subject: z.string().nullable(),
    sendAt: z.string(),
    status: z.enum(['scheduled', 'sending', 'sent', 'cancelled', 'failed']),
    attempts: z.number(),
    error: z.string().nullable(),
    messageId: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'EmailOutboxEntry' });

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The absolute URL of a message's image proxy path as the browser reaches this server (`…/messages/<id>/images/`),
 * for a CSP source: a host-source needs a host, and 'self' cannot name a path. `http:` also matches the same URL
 * over https in CSP, so a proxy in front that speaks plain HTTP to Rabita still matches. A host header that is not
 * a plain host name falls back to 'self'.
 */
function imageProxyPath(request: FastifyRequest): string {
  const host = request.host;
  if (!HOST.test(host)) return "'self'";
  const path = request.url.split('?')[0]!.replace(/\/html$/, '/images/');
  return `${request.protocol}://${host}${path}`;
}

/** Mailboxes (connect, watch their sync, fix them), threads and messages, and sending. */
export const emailRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, secrets, settings }) => {
  await app.register(async (uploads) => {
    await uploads.register(fastifyMultipart, {
      limits: { fileSize: MAX_ATTACHMENT_BYTES, files: 1, fields: 0, fieldSize: 0 },
    });
    uploads.withTypeProvider<ZodTypeProvider>().post(
      '/email/attachments',
      {
        config: { auth: 'required', sessionOnly: true },
        schema: {
          tags,
          summary: 'Upload a file to attach (multipart, one part named `file`, at most 20 MB)',
          consumes: ['multipart/form-data'],
          response: {
            201: z.object({
              token: z.string(),
              filename: z.string(),
              contentType: z.string(),
              size: z.number(),
            }),
            ...problems,
          },
        },
      },
      async (request, reply) => {
        const { filename, contentType, content } = await readUpload(request, 'The file is over 20 MB.');
        const kept = await keepUpload(db, await secrets.get(), principalOf(request), {
          filename,
          contentType,
          content,
        });
        return reply.code(201).send(kept);
      },
    );
  });

  const deps: MailDeps = {
    secrets,
    allowPrivate: settings.of(emailSettings).allowPrivate,
    publicUrl: settings.publicUrl,
  };
  app.addHook('onClose', async () => closeMailConnections());

  app.get(
    '/mailboxes',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'Mailboxes the caller owns or reads (all shared ones with mailboxes.manage), with sync progress',
        response: { 200: z.object({ data: z.array(mailboxSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listMailboxes(contextOf(db, request)) }),
  );

  app.post(
    '/mailboxes',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary:
          'Connect a mailbox over IMAP (and SMTP to send); the servers must accept the credentials first',
        description:
          'A personal mailbox belongs to the signed-in caller; a shared one (sales@, support@) needs `mailboxes.manage` and lists its readers. The secret is sealed with the server key and never returned. XOAUTH2 takes an access token; the OAuth sign-in flow is not part of Rabita yet.',
        body: z.object({ ...mailboxFields, kind: z.enum(['personal', 'shared']) }).strict(),
        response: { 201: mailboxSchema, 409: problemSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await createMailbox(contextOf(db, request), request.body, deps)),
  );

  app.get(
    '/mailboxes/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'One mailbox',
        params: idParams,
        response: { 200: mailboxSchema, ...problems },
      },
    },
    async (request) => getMailbox(contextOf(db, request), request.params.id),
  );

  app.patch(
    '/mailboxes/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Change a mailbox; new credentials are checked, and its sync reconnects with them at once',
        params: idParams,
        body: z
          .object(Object.fromEntries(Object.entries(mailboxFields).map(([k, v]) => [k, v.optional()])))
          .extend({ paused: z.boolean().optional() })
          .strict(),
        response: { 200: mailboxSchema, ...problems },
      },
    },
    async (request) => {
      const ctx = contextOf(db, request);
      const { paused, ...patch } = request.body as { paused?: boolean } & Parameters<typeof updateMailbox>[2];
      const updated = await updateMailbox(ctx, request.params.id, patch, deps);
      return paused === undefined ? updated : setMailboxPaused(ctx, request.params.id, paused);
    },
  );

  app.delete(
    '/mailboxes/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Disconnect a mailbox (messages linked to records stay)',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteMailbox(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/mailboxes/:id/skipped',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Messages the sync could not store, each with its reason',
        params: idParams,
        response: {
          200: z.object({
            data: z.array(
              z.object({
                id: z.string(),
                folder: z.string(),
                uid: z.string().nullable(),
                messageId: z.string().nullable(),
                reason: z.string(),
                at: z.string(),
              }),
            ),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({ data: await listSkipped(contextOf(db, request), request.params.id) }),
  );

  app.get(
    '/email/threads/:id',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'A thread’s messages the caller may see, oldest first',
        params: idParams,
        response: { 200: z.object({ data: z.array(messageSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await getThread(contextOf(db, request), request.params.id) }),
  );

  app.get(
    '/email/messages/:id/html',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'A message’s sanitised HTML, for a sandboxed frame (strict Content-Security-Policy)',
        description:
          'Remote images are blocked. With `images=show` each one points at `images/{index}` of this message (Rabita’s image proxy) with an access token good for an hour, since a sandboxed frame sends no cookie; the Content-Security-Policy then allows images from that path only.',
        params: idParams,
        querystring: z.object({ images: z.enum(['show']).optional() }),
        response: { 200: z.string(), ...problems },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(db, request);
      let csp = EMAIL_HTML_CSP;
      let show: ((html: string) => string) | undefined;
      if (request.query.images === 'show') {
        const token = sealImageAccess(await secrets.get(), ctx.principal, request.params.id);
        show = (html) => showRemoteImages(html, (n) => `images/${n}?access=${token}`);
        csp = emailHtmlCspWithImages(imageProxyPath(request));
      }
      const html = await messageHtml(ctx, request.params.id, show);
      // The security headers put X-Frame-Options: DENY on every response; this one is meant for the app's own
      // sandboxed frame, which its CSP's frame-ancestors 'self' allows (and nothing else).
      reply.raw.removeHeader('x-frame-options');
      return reply
        .type('text/html; charset=utf-8')
        .header('content-security-policy', csp)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, no-store')
        .send(html);
    },
  );

  app.get(
    '/email/messages/:id/images/:index',
    {
      config: { auth: 'optional' },
      schema: {
        tags,
        summary:
          'A remote image of a message the caller may read in full, fetched by Rabita (the image proxy)',
        description:
          'Fetches only the URL the stored message names as image `index` (in document order), never one from the request: public addresses only unless RABITA_MAIL_ALLOW_PRIVATE, at most 3 redirects, 5 s, 5 MB, and only PNG, JPEG, GIF, WebP, BMP, ICO or AVIF (recognised by their bytes; never SVG). No cookie, referrer or browser detail reaches the remote server. The caller is the signed-in person or API key, or the one `access` names (the token `html?images=show` puts in the frame’s image links). 404 for an unknown message or image, 413 over 5 MB, 502 when the remote server fails or sends something else.',
        params: z.object({ id: z.string().max(64), index: z.coerce.number().int().min(0).max(100_000) }),
        querystring: z.object({
          access: z.string().max(2000).optional().describe('The access token of a frame’s image link.'),
        }),
        response: { 200: z.any(), 413: problemSchema, 502: problemSchema, ...problems },
      },
    },
    async (request, reply) => {
      const image = await remoteImage(
        {
          db,
          principal: request.principal,
          access: request.query.access,
          origin: { ip: request.ip ?? null, userAgent: request.headers['user-agent']?.slice(0, 500) ?? null },
        },
        request.params.id,
        request.params.index,
        { secrets, allowPrivate: settings.of(emailSettings).allowPrivate },
      );
      // The frame that shows it is sandboxed (an opaque origin): the resource policy lets it load the image.
      return reply
        .type(image.contentType)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'private, max-age=3600')
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('content-disposition', 'inline')
        .send(image.body);
    },
  );

  app.get(
    '/email/messages/:id/attachments/:position',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'An attachment of a message the caller may read in full',
        params: z.object({ id: z.string().max(64), position: z.coerce.number().int().min(0).max(10_000) }),
        response: { 200: z.any(), ...problems },
      },
    },
    async (request, reply) => {
      const found = await messageAttachment(
        contextOf(db, request),
        request.params.id,
        request.params.position,
      );
      const safeName = found.filename.replace(/[^\p{L}\p{N}._ -]/gu, '_').slice(0, 200) || 'attachment';
      return reply
        .type('application/octet-stream')
        .header('x-content-type-options', 'nosniff')
        .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(safeName)}`)
        .send(found.content);
    },
  );

  app.post(
    '/email/send',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Send a message (or a reply, kept in its thread) through a mailbox the caller owns or reads',
        body: sendBody,
        response: { 201: messageSchema, 502: problemSchema, ...problems },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await sendEmail(contextOf(db, request), request.body, deps)),
  );

  app.post(
    '/email/outbox',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Send later, or with a few seconds to undo: the message is checked now and sent at its time',
        body: z
          .object({
            ...sendFields,
            sendAt: z.string().max(40).optional().describe('When to send (ISO 8601), within the next year.'),
            undoSeconds: z.number().int().min(1).max(MAX_UNDO_SECONDS).optional(),
          })
          .strict(),
        response: {
          202: outboxSchema,
          201: z.object({ status: z.literal('sent'), message: messageSchema }),
          ...problems,
        },
      },
    },
    async (request, reply) => {
      const outcome = await sendOrSchedule(contextOf(db, request), request.body, deps);
      return outcome.status === 'scheduled'
        ? reply.code(202).send(outcome.outbox)
        : reply.code(201).send(outcome);
    },
  );

  app.get(
    '/email/outbox',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'The caller’s scheduled and recent sends, newest first',
        response: { 200: z.object({ data: z.array(outboxSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listOutbox(contextOf(db, request)) }),
  );

  app.delete(
    '/email/outbox/:id',
    {
      config: { auth: 'required', sessionOnly: true },
      schema: {
        tags,
        summary: 'Undo a scheduled send (409 once it is being sent or sent)',
        params: idParams,
        response: { 200: outboxSchema, 409: problemSchema, ...problems },
      },
    },
    async (request) => cancelSend(contextOf(db, request), request.params.id),
  );
};
