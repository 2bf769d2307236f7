import { readFileSync } from 'node:fs';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../errors/app-error.ts';
import { contextOf, problemSchema, type RouteDeps, text } from '../http/route-kit.ts';
import { registry } from '../modules/registry.ts';
import { renderErrorPage, renderFormPage, renderMessagePage } from './web-forms.page.ts';
import {
  createWebForm,
  deleteSubmission,
  deleteWebForm,
  getWebForm,
  leadCapture,
  listFormTargets,
  listSubmissions,
  listWebForms,
  MAX_VALUE_LENGTH,
  type PublicFormDeps,
  publicWebForm,
  releaseSubmission,
  type SubmissionInput,
  submitWebForm,
  updateWebForm,
  webFormOrigins,
} from './web-forms.service.ts';
import { createSubmissionLimits, HONEYPOT_FIELD } from './web-forms.spam.ts';

const tags = ['sales'];
const manage = { auth: 'required', permission: 'sales.forms.manage' } as const;
const problems = {
  400: problemSchema,
  401: problemSchema,
  403: problemSchema,
  404: problemSchema,
  409: problemSchema,
};
/** A submission's body may be no larger than this (the app's default is 1 MB). */
const SUBMISSION_BODY_LIMIT = 64 * 1024;
const EMBED_JS = readFileSync(new URL('./web-forms.embed.js', import.meta.url), 'utf8');

const texts = z
  .object({
    en: z.string().max(2000).optional(),
    ar: z.string().max(2000).optional(),
    fa: z.string().max(2000).optional(),
  })
  .strict();
const formBody = z
  .object({
    name: text(200),
    target: z
      .string()
      .regex(/^[a-z][A-Za-z0-9_]{0,62}$/)
      .optional()
      .describe(
        'The object the form makes records of: `leads` (the default) or `tickets`; it never changes.',
      ),
    locale: z.enum(['en', 'ar', 'fa']),
    fields: z
      .array(
        z
          .object({
            key: z.string().min(1).max(100),
            required: z.boolean().optional(),
            labels: texts.optional(),
          })
          .strict(),
      )
      .max(50),
    thankYou: texts.optional(),
    redirectUrl: z.string().max(2000).nullable().optional(),
    allowedOrigins: z.array(z.string().max(300)).max(50).optional(),
    minFillSeconds: z.number().int().min(0).max(3600).optional(),
    maxPerMinute: z.number().int().min(1).max(10000).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
const textsOut = z.object({
  en: z.string().optional(),
  ar: z.string().optional(),
  fa: z.string().optional(),
});
const formSchema = z
  .object({
    id: z.string(),
    publicId: z.string(),
    name: z.string(),
    target: z.string(),
    locale: z.enum(['en', 'ar', 'fa']),
    fields: z.array(z.object({ key: z.string(), required: z.boolean(), labels: textsOut })),
    thankYou: textsOut,
    redirectUrl: z.string().nullable(),
    allowedOrigins: z.array(z.string()),
    minFillSeconds: z.number(),
    maxPerMinute: z.number(),
    enabled: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WebForm' });
const labelsOut = z.object({ en: z.string(), ar: z.string().optional(), fa: z.string().optional() });
const targetSchema = z
  .object({
    object: z.string(),
    fields: z.array(
      z.object({
        key: z.string(),
        type: z.string(),
        labels: labelsOut,
        required: z.boolean(),
        mustAsk: z.boolean(),
        options: z.array(z.object({ value: z.string(), labels: labelsOut })).optional(),
      }),
    ),
  })
  .meta({ id: 'WebFormTarget' });
const submissionSchema = z
  .object({
    id: z.string(),
    formId: z.string(),
    target: z.string(),
    status: z.enum(['accepted', 'quarantined']),
    reasons: z.array(z.string()),
    values: z.record(z.string(), z.string()),
    utm: z.object({
      source: z.string().nullable(),
      medium: z.string().nullable(),
      campaign: z.string().nullable(),
    }),
    referrer: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    recordId: z.string().nullable(),
    leadId: z.string().nullable(),
    releasedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebFormSubmission' });
const publicFormSchema = z
  .object({
    publicId: z.string(),
    locale: z.enum(['en', 'ar', 'fa']),
    dir: z.enum(['ltr', 'rtl']),
    title: z.string(),
    fields: z.array(
      z.object({
        key: z.string(),
        type: z.string(),
        required: z.boolean(),
        label: z.string(),
        options: z.array(z.object({ value: z.string(), label: z.string() })).optional(),
      }),
    ),
    honeypot: z.string(),
    altcha: z.object({
      algorithm: z.string(),
      challenge: z.string(),
      maxnumber: z.number().optional(),
      salt: z.string(),
      signature: z.string(),
    }),
    stamp: z.string(),
    submitUrl: z.string(),
    thankYou: z.string(),
    redirectUrl: z.string().nullable(),
    allowedOrigins: z.array(z.string()),
  })
  .meta({ id: 'PublicWebForm' });
const idParams = z.object({ id: z.uuid() });
const publicParams = z.object({ publicId: z.string().max(64) });
const value = z.string().max(MAX_VALUE_LENGTH);
/** Either a JSON submission (`fields` plus the protection values) or a plain HTML form's flat fields. */
const submissionBody = z
  .record(z.string().max(100), z.union([value, z.record(z.string().max(100), value)]))
  .refine((b) => Object.keys(b).length <= 60, 'At most 60 fields.');
const RESERVED = new Set([
  'altcha',
  '_stamp',
  'stamp',
  HONEYPOT_FIELD,
  'utm_source',
  'utm_medium',
  'utm_campaign',
  'referrer',
  'fields',
]);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** One shape for both kinds of body; a JSON body's unknown top-level names are refused. */
function submissionOf(body: z.infer<typeof submissionBody>, json: boolean): SubmissionInput {
  const fields: Record<string, string> = {};
  if (json) {
    const unknown = Object.keys(body).filter((k) => !RESERVED.has(k));
    if (unknown.length > 0)
      throw new AppError('validation_failed', `Unknown names: ${unknown.slice(0, 5).join(', ')}.`, {
        errors: unknown
          .slice(0, 20)
          .map((k) => ({ field: k, message: 'Not a name this form takes; put fields under "fields".' })),
      });
    const given = body.fields;
    if (given !== undefined && typeof given !== 'object')
      throw new AppError('validation_failed', '"fields" must be an object of text values.', {
        errors: [{ field: 'fields', message: 'Must be an object of text values.' }],
      });
    Object.assign(fields, given ?? {});
  } else {
    for (const [k, v] of Object.entries(body)) if (!RESERVED.has(k) && typeof v === 'string') fields[k] = v;
  }
  return {
    fields,
    altcha: str(body.altcha),
    stamp: str(body._stamp) ?? str(body.stamp),
    honeypot: str(body[HONEYPOT_FIELD]),
    utmSource: str(body.utm_source),
    utmMedium: str(body.utm_medium),
    utmCampaign: str(body.utm_campaign),
    referrer: str(body.referrer),
  };
}

const isForm = (request: FastifyRequest) =>
  (request.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');

/** The origin a browser says a request came from, when it is not this server's own. */
function foreignOrigin(request: FastifyRequest, publicUrl: string): string | undefined {
  // A browser says so when a page of this server sent it (the hosted page's form posts with `Origin: null`, as
  // pages under `Referrer-Policy: no-referrer` do).
  if (request.headers['sec-fetch-site'] === 'same-origin') return undefined;
  const origin = request.headers.origin;
  if (!origin || origin === 'null') return origin === 'null' ? 'null' : undefined;
  if (origin === new URL(publicUrl).origin) return undefined;
  try {
    if (new URL(origin).host === request.headers.host) return undefined;
  } catch {
    return origin;
  }
  return origin;
}

/** Allows a form's embedding origins to read the answer (CORS); a foreign origin not on the list gets no header. */
async function allowOrigin(
  db: RouteDeps['db'],
  request: FastifyRequest,
  reply: FastifyReply,
  publicId: string,
  publicUrl: string,
): Promise<boolean> {
  const origin = foreignOrigin(request, publicUrl);
  reply.header('vary', 'Origin');
  if (origin === undefined) return true;
  const allowed = await webFormOrigins(db, publicId);
  if (!allowed?.includes(origin)) return false;
  reply.header('access-control-allow-origin', origin);
  return true;
}

/** Lead capture web forms: the form builder, quarantined submissions, and the public routes a form posts to. */
export const webFormsRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const { db } = deps;
  app.get(
    '/web-forms',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Web forms, by name',
        response: { 200: z.object({ data: z.array(formSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listWebForms(contextOf(db, request)) }),
  );
  app.post(
    '/web-forms',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Create a web form from fields of its target (a lead or a ticket)',
        body: formBody,
        response: { 201: formSchema, ...problems },
      },
    },
    async (request, reply) => reply.code(201).send(await createWebForm(contextOf(db, request), request.body)),
  );
  app.get(
    '/web-form-targets',
    {
      config: manage,
      schema: {
        tags,
        summary: 'What forms may make (leads, tickets) and the fields each may ask for',
        response: { 200: z.object({ data: z.array(targetSchema) }), ...problems },
      },
    },
    async (request) => ({ data: await listFormTargets(contextOf(db, request)) }),
  );
  app.get(
    '/web-forms/:id',
    {
      config: manage,
      schema: { tags, summary: 'One web form', params: idParams, response: { 200: formSchema, ...problems } },
    },
    async (request) => getWebForm(contextOf(db, request), request.params.id),
  );
  app.put(
    '/web-forms/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Replace a web form’s settings (its public id stays)',
        params: idParams,
        body: formBody,
        response: { 200: formSchema, ...problems },
      },
    },
    async (request) => updateWebForm(contextOf(db, request), request.params.id, request.body),
  );
  app.delete(
    '/web-forms/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Delete a web form and its submissions',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteWebForm(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/web-form-submissions',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Submissions, newest first (quarantined ones with the reasons they were held)',
        querystring: z.object({
          status: z.enum(['accepted', 'quarantined']).optional(),
          formId: z.uuid().optional(),
          cursor: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(200).optional(),
        }),
        response: {
          200: z.object({ data: z.array(submissionSchema), nextCursor: z.string().nullable() }),
          ...problems,
        },
      },
    },
    async (request) => {
      const { limit, ...filter } = request.query;
      return listSubmissions(contextOf(db, request), filter, limit);
    },
  );
  app.post(
    '/web-form-submissions/:id/release',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Release a quarantined submission: its lead is created now',
        params: idParams,
        response: { 200: submissionSchema, ...problems },
      },
    },
    async (request) => releaseSubmission(contextOf(db, request), request.params.id),
  );
  app.delete(
    '/web-form-submissions/:id',
    {
      config: manage,
      schema: {
        tags,
        summary: 'Delete a quarantined submission',
        params: idParams,
        response: { 204: z.null(), ...problems },
      },
    },
    async (request, reply) => {
      await deleteSubmission(contextOf(db, request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/leads/:id/web-form',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'The web form a lead came from, with its UTM values and referring page (null when none)',
        params: idParams,
        response: {
          200: z.object({
            capture: z
              .object({
                formId: z.string(),
                formName: z.string(),
                submissionId: z.string(),
                utm: z.object({
                  source: z.string().nullable(),
                  medium: z.string().nullable(),
                  campaign: z.string().nullable(),
                }),
                referrer: z.string().nullable(),
                receivedAt: z.string(),
              })
              .nullable(),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({ capture: await leadCapture(contextOf(db, request), request.params.id) }),
  );

  // The public side, in a context of its own so that only the submission route takes plain HTML form bodies.
  await app.register(async (inner) => {
    const pub = inner.withTypeProvider<ZodTypeProvider>();
    const formDeps: PublicFormDeps = { db, secrets: deps.secrets, limits: createSubmissionLimits(deps.pool) };
    const publicUrl = deps.settings.publicUrl;
    pub.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: SUBMISSION_BODY_LIMIT },
      (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      },
    );
    pub.get(
      '/public/web-forms/embed.js',
      {
        config: { auth: 'public' },
        schema: { tags, summary: 'The embed script: renders a form into a container and posts it' },
      },
      async (_request, reply) =>
        reply
          .type('text/javascript; charset=utf-8')
          .header('cache-control', 'public, max-age=300')
          .header('cross-origin-resource-policy', 'cross-origin')
          .send(EMBED_JS),
    );
    pub.get(
      '/public/web-forms/:publicId',
      {
        config: { auth: 'public' },
        schema: {
          tags,
          summary: 'A form as pages show it, with a fresh proof-of-work challenge and a signed stamp',
          params: publicParams,
          response: { 200: publicFormSchema, 404: problemSchema },
        },
      },
      async (request) => {
        const view = await publicWebForm(formDeps, request.params.publicId);
        return view;
      },
    );
    pub.addHook('onSend', async (request, reply) => {
      const publicId = (request.params as { publicId?: string } | undefined)?.publicId;
      if (
        publicId &&
        request.method === 'GET' &&
        request.url.startsWith('/api/v1/public/web-forms/') &&
        reply.statusCode === 200
      )
        await allowOrigin(db, request, reply, publicId, publicUrl);
    });
    pub.options(
      '/public/web-forms/:publicId/submissions',
      {
        config: { auth: 'public', crossSite: true },
        schema: {
          tags,
          summary: 'CORS preflight for the form’s allowed origins',
          params: publicParams,
          hide: true,
        },
      },
      async (request, reply) => {
        if (await allowOrigin(db, request, reply, request.params.publicId, publicUrl))
          reply
            .header('access-control-allow-methods', 'POST')
            .header('access-control-allow-headers', 'content-type')
            .header('access-control-max-age', '600');
        return reply.code(204).send();
      },
    );
    pub.post(
      '/public/web-forms/:publicId/submissions',
      {
        config: { auth: 'public', crossSite: true },
        bodyLimit: SUBMISSION_BODY_LIMIT,
        schema: {
          tags,
          summary:
            'Submit a form (JSON, or a plain HTML form that is then redirected to the thank-you page). Spam is kept, quarantined, with its reasons; the answer is the same.',
          params: publicParams,
          body: submissionBody,
          response: {
            200: z.object({
              status: z.literal('received'),
              thankYou: z.string(),
              redirectUrl: z.string().nullable(),
            }),
            303: z.null(),
            ...problems,
            413: problemSchema,
            429: problemSchema,
          },
        },
      },
      async (request, reply) => {
        const { publicId } = request.params;
        const html = isForm(request);
        try {
          if (!(await allowOrigin(db, request, reply, publicId, publicUrl)))
            throw new AppError('forbidden', 'This form does not accept submissions from that site.');
          const receipt = await submitWebForm(formDeps, publicId, submissionOf(request.body, !html), {
            ip: request.ip,
            userAgent: request.headers['user-agent'],
          });
          request.log.info(
            { submission: receipt.submissionId, accepted: receipt.accepted },
            'web form submission',
          );
          if (html)
            return reply
              .code(303)
              .header('location', receipt.redirectUrl ?? `/f/${encodeURIComponent(publicId)}/thanks`)
              .send(null);
          return { status: receipt.status, thankYou: receipt.thankYou, redirectUrl: receipt.redirectUrl };
        } catch (error) {
          // A browser that posted the form is shown a page; any other caller gets the problem document.
          const page = html && (request.headers.accept ?? '').includes('text/html');
          if (!page || !(error instanceof AppError)) throw error;
          if (error.retryAfterSeconds) reply.header('retry-after', String(error.retryAfterSeconds));
          return reply
            .code(registry().errors[error.code] ?? 400)
            .type('text/html; charset=utf-8')
            .send(renderErrorPage(error.message, error.errors ?? []) as never);
        }
      },
    );
  });
};

const pageCsp = (formAction: string[], frameAncestors: string[]) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    `form-action 'self'${formAction.map((o) => ` ${o}`).join('')}`,
    `frame-ancestors 'self'${frameAncestors.map((o) => ` ${o}`).join('')}`,
  ].join('; ');

const queryValue = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The hosted pages: `/f/{publicId}` (the form, in its language) and `/f/{publicId}/thanks`. */
export const webFormPages: FastifyPluginAsyncZod<RouteDeps> = async (app, deps) => {
  const formDeps: PublicFormDeps = {
    db: deps.db,
    secrets: deps.secrets,
    limits: createSubmissionLimits(deps.pool),
  };
  const notFound = (reply: FastifyReply) =>
    reply
      .code(404)
      .type('text/html; charset=utf-8')
      .send(renderMessagePage('en', 'Not found', 'There is no such form, or it is turned off.'));
  app.get(
    '/f/:publicId',
    {
      config: { auth: 'public' },
      schema: {
        hide: true,
        params: publicParams,
        querystring: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
      },
    },
    async (request, reply) => {
      let view: Awaited<ReturnType<typeof publicWebForm>>;
      try {
        view = await publicWebForm(formDeps, request.params.publicId);
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') return notFound(reply);
        throw error;
      }
      const query = request.query as Record<string, unknown>;
      const redirect = view.redirectUrl ? [new URL(view.redirectUrl).origin] : [];
      // The security headers put X-Frame-Options: DENY on the raw response; the page's own frame-ancestors says
      // who may frame it instead.
      reply.raw.removeHeader('x-frame-options');
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('content-security-policy', pageCsp(redirect, view.allowedOrigins))
        .send(
          renderFormPage(view, {
            utmSource: queryValue(query.utm_source),
            utmMedium: queryValue(query.utm_medium),
            utmCampaign: queryValue(query.utm_campaign),
            referrer: queryValue(request.headers.referer),
          }),
        );
    },
  );
  app.get(
    '/f/:publicId/thanks',
    { config: { auth: 'public' }, schema: { hide: true, params: publicParams } },
    async (request, reply) => {
      try {
        const view = await publicWebForm(formDeps, request.params.publicId);
        return reply
          .type('text/html; charset=utf-8')
          .send(renderMessagePage(view.locale, view.title, view.thankYou));
      } catch (error) {
        if (error instanceof AppError && error.code === 'not_found') return notFound(reply);
        throw error;
      }
    },
  );
};
