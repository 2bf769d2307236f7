import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { escapeHtml } from '../http/escape-html.ts';
import { contextOf, problemSchema, type RouteDeps } from '../http/route-kit.ts';
import {
  answerSurvey,
  getSurveySettings,
  localDigits,
  putSurveySettings,
  type SurveyPage,
  surveyPage,
  ticketSurveys,
} from './csat.service.ts';

const tags = ['service'];
const problems = { 400: problemSchema, 401: problemSchema, 403: problemSchema, 404: problemSchema };
const settingsSchema = z
  .object({
    csatEnabled: z.boolean(),
    csatDelayMinutes: z.number().int().min(0).max(10_080),
    csatExpiryDays: z.number().int().min(1).max(90),
  })
  .meta({ id: 'SurveySettings' });
const iso = z.string().nullable();

/** The desk's satisfaction surveys: settings, a ticket's surveys. */
export const csatRoutes: FastifyPluginAsyncZod<RouteDeps> = async (app, { db }) => {
  app.get(
    '/service/surveys/settings',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'Whether resolved tickets are surveyed, after how long, and for how long',
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => getSurveySettings(contextOf(db, request)),
  );
  app.put(
    '/service/surveys/settings',
    {
      config: { auth: 'required', permission: 'service.channels.manage' },
      schema: {
        tags,
        summary: 'Turn the satisfaction survey on or off, its delay and its expiry',
        body: settingsSchema.strict(),
        response: { 200: settingsSchema, ...problems },
      },
    },
    async (request) => putSurveySettings(contextOf(db, request), request.body),
  );
  app.get(
    '/tickets/:id/surveys',
    {
      config: { auth: 'required' },
      schema: {
        tags,
        summary: 'A ticket’s satisfaction surveys, one per resolution, newest first',
        params: z.object({ id: z.uuid() }),
        response: {
          200: z.object({
            data: z.array(
              z
                .object({
                  id: z.string(),
                  cycle: z.number().int(),
                  status: z.enum(['scheduled', 'sent', 'answered', 'cancelled', 'expired', 'skipped']),
                  reason: z.string().nullable(),
                  rating: z.number().int().nullable(),
                  comment: z.string().nullable(),
                  sendAt: z.string(),
                  sentAt: iso,
                  expiresAt: iso,
                  answeredAt: iso,
                  followUpTaskId: z.string().nullable(),
                })
                .meta({ id: 'TicketSurvey' }),
            ),
          }),
          ...problems,
        },
      },
    },
    async (request) => ({ data: await ticketSurveys(contextOf(db, request), request.params.id) }),
  );
};

const THANKS = { en: 'Thank you for your answer.', ar: 'شكرًا على إجابتك.', fa: 'از پاسخ شما سپاسگزاریم.' };
const SEND = { en: 'Send', ar: 'إرسال', fa: 'ارسال' };
const COMMENT = {
  en: 'Anything to add? (optional)',
  ar: 'هل تريد إضافة شيء؟ (اختياري)',
  fa: 'نکته‌ای دارید؟ (اختیاری)',
};
const GONE = {
  expired: {
    en: 'This survey has expired.',
    ar: 'انتهت صلاحية هذا الاستبيان.',
    fa: 'مهلت این نظرسنجی تمام شده است.',
  },
  unknown: {
    en: 'This survey link is not known here.',
    ar: 'رابط الاستبيان هذا غير معروف هنا.',
    fa: 'این پیوند نظرسنجی اینجا شناخته نیست.',
  },
};

/** The survey page: the five ratings (the one from the link chosen), a comment, and a button; only its POST counts. */
function renderSurvey(page: SurveyPage, chosen: number | null, done: boolean): string {
  const l = page.locale;
  const dir = l === 'en' ? 'ltr' : 'rtl';
  let body: string;
  if (page.state === 'expired' || page.state === 'unknown')
    body = `<p>${escapeHtml(GONE[page.state][l])}</p>`;
  else {
    const options = page.scale
      .map((label, i) => {
        const n = i + 1;
        const checked = (chosen ?? page.rating) === n ? ' checked' : '';
        return `<label class="opt"><input type="radio" name="rating" value="${n}"${checked} required> ${localDigits(l, n)} — ${escapeHtml(label)}</label>`;
      })
      .join('');
    body = `${done ? `<p role="status" class="done">${escapeHtml(THANKS[l])}</p>` : ''}
<p dir="auto">${escapeHtml(page.question)}</p>
<form method="post" accept-charset="utf-8"><fieldset><legend>${escapeHtml(page.title)}</legend>${options}</fieldset>
<p><label for="comment">${escapeHtml(COMMENT[l])}</label><br><textarea id="comment" name="comment" rows="4" dir="auto" maxlength="2000">${escapeHtml(page.comment ?? '')}</textarea></p>
<button type="submit">${SEND[l]}</button></form>`;
  }
  return `<!doctype html><html lang="${l}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(page.title)}</title>
<style>body{font-family:system-ui,Vazirmatn,Tahoma,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1b1e;line-height:1.5}
.opt{display:block;padding:.35rem 0}fieldset{border:1px solid #868e96;border-radius:4px}textarea{width:100%;box-sizing:border-box;font:inherit}
button{padding:.5rem 1.5rem;font:inherit;background:#1864ab;color:#fff;border:0;border-radius:4px}.done{color:#2b8a3e;font-weight:600}</style>
</head><body><main><h1>${escapeHtml(page.title)}</h1>${body}</main></body></html>`;
}

// A wildcard, not `:token`: a sealed token is longer than the router's 100-character limit for a parameter.
const token = z.object({ '*': z.string().max(2000) });

/** The survey's public page at the site's root: a GET only shows it (mail scanners follow links), a POST answers. */
export const csatPages: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, secrets }) => {
  await app.register(async (plain) => {
    const inner = plain.withTypeProvider<ZodTypeProvider>();
    inner.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16_384 },
      (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    const send = (
      reply: {
        code(n: number): typeof reply;
        type(t: string): typeof reply;
        header(k: string, v: string): typeof reply;
        send(b: string): unknown;
      },
      status: number,
      html: string,
    ) =>
      reply
        .code(status)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('referrer-policy', 'no-referrer')
        .send(html);
    inner.get(
      '/s/csat/*',
      {
        config: { auth: 'public' },
        schema: {
          hide: true,
          params: token,
          querystring: z.object({
            rating: z.coerce.number().int().min(1).max(5).optional().catch(undefined),
          }),
        },
      },
      async (request, reply) => {
        const page = await surveyPage(db, await secrets.get(), request.params['*']);
        return send(
          reply,
          page.state === 'unknown' ? 404 : 200,
          renderSurvey(page, request.query.rating ?? null, false),
        );
      },
    );
    inner.post(
      '/s/csat/*',
      {
        config: { auth: 'public', crossSite: true },
        schema: {
          hide: true,
          params: token,
          body: z.object({ rating: z.coerce.number(), comment: z.string().max(20_000).optional() }),
        },
      },
      async (request, reply) => {
        const page = await answerSurvey(db, await secrets.get(), request.params['*'], request.body);
        return send(reply, 200, renderSurvey(page, null, page.state === 'answered'));
      },
    );
  });
};
