import type { Database } from '@rabita/db';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { SecretBox } from '../auth/secret-box.ts';
import { escapeHtml } from '../http/escape-html.ts';
import { type RouteDeps, storableString } from '../http/route-kit.ts';
import type { SurveyLocale } from './survey-kit.ts';

/** What a survey's public page shows: the question in the survey's language, or why it cannot be answered. */
export interface SurveyPage {
  state: 'open' | 'answered' | 'expired' | 'unknown';
  locale: SurveyLocale;
  title: string;
  question: string;
  /** The answers to choose from, in order: the value posted and the words shown (already in local digits). */
  choices: { value: number; label: string }[];
  /** Laid out in one row (a 0–10 scale) rather than one answer a line. */
  inline: boolean;
  answer: number | null;
  comment: string | null;
  /** An optional yes/no question after the answers, posted as `resolved=yes|no` (the satisfaction survey's). */
  yesNo?: { legend: string; yes: string; no: string; value: boolean | null } | undefined;
}

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

/** A page for a link that opens no survey here, in English (nothing tells which language it would have been). */
export const unknownSurveyPage = (): SurveyPage => ({
  state: 'unknown',
  locale: 'en',
  title: 'Survey',
  question: '',
  choices: [],
  inline: false,
  answer: null,
  comment: null,
});

/** The survey page: its answers (the one from the link chosen), a comment, and a button; only its POST counts. */
export function renderSurveyPage(page: SurveyPage, chosen: number | null, done: boolean): string {
  const l = page.locale;
  const dir = l === 'en' ? 'ltr' : 'rtl';
  let body: string;
  if (page.state === 'expired' || page.state === 'unknown')
    body = `<p>${escapeHtml(GONE[page.state][l])}</p>`;
  else {
    const options = page.choices
      .map(({ value, label }) => {
        const checked = (chosen ?? page.answer) === value ? ' checked' : '';
        return `<label class="opt"><input type="radio" name="rating" value="${value}"${checked} required> ${escapeHtml(label)}</label>`;
      })
      .join('');
    const yesNo = page.yesNo;
    const extra = yesNo
      ? `<fieldset><legend>${escapeHtml(yesNo.legend)}</legend>${(['yes', 'no'] as const)
          .map((value) => {
            const checked = yesNo.value === (value === 'yes') ? ' checked' : '';
            return `<label class="opt"><input type="radio" name="resolved" value="${value}"${checked}> ${escapeHtml(yesNo[value])}</label>`;
          })
          .join('')}</fieldset>`
      : '';
    body = `${done ? `<p role="status" class="done">${escapeHtml(THANKS[l])}</p>` : ''}
<p dir="auto">${escapeHtml(page.question)}</p>
<form method="post" accept-charset="utf-8"><fieldset${page.inline ? ' class="row"' : ''}><legend>${escapeHtml(page.title)}</legend>${options}</fieldset>${extra}
<p><label for="comment">${escapeHtml(COMMENT[l])}</label><br><textarea id="comment" name="comment" rows="4" dir="auto" maxlength="2000">${escapeHtml(page.comment ?? '')}</textarea></p>
<button type="submit">${SEND[l]}</button></form>`;
  }
  return `<!doctype html><html lang="${l}" dir="${dir}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(page.title)}</title>
<style>body{font-family:system-ui,Vazirmatn,Tahoma,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1a1b1e;line-height:1.5}
.opt{display:block;padding:.35rem 0}.row{display:flex;flex-wrap:wrap;gap:.25rem .9rem}.row .opt{display:inline-block}
fieldset{border:1px solid #868e96;border-radius:4px}textarea{width:100%;box-sizing:border-box;font:inherit}
button{padding:.5rem 1.5rem;font:inherit;background:#1864ab;color:#fff;border:0;border-radius:4px}.done{color:#2b8a3e;font-weight:600}</style>
</head><body><main><h1>${escapeHtml(page.title)}</h1>${body}</main></body></html>`;
}

/** How one kind of survey is read and answered by its sealed link. */
export interface SurveyPageHandlers {
  /** The public path, a wildcard for the token (`/s/csat/*`). */
  path: string;
  /** The lowest and highest answer (a link's `?rating=` outside them chooses nothing). */
  min: number;
  max: number;
  page(db: Database, box: SecretBox, token: string): Promise<SurveyPage>;
  answer(
    db: Database,
    box: SecretBox,
    token: string,
    answer: { value: number; comment?: string | undefined; resolved?: boolean | undefined },
  ): Promise<SurveyPage>;
}

// A wildcard, not `:token`: a sealed token is longer than the router's 100-character limit for a parameter.
const token = z.object({ '*': z.string().max(2000) });

/**
 * A survey's public page at the site's root: a GET only shows it with the answer from the link chosen (mail
 * scanners follow links), a POST of the form answers. `rating` names the answer in links and in the form;
 * `resolved` the optional yes/no question's.
 */
export function surveyPages(h: SurveyPageHandlers): FastifyPluginAsyncZod<RouteDeps> {
  return async (app, { db, secrets }) => {
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
        h.path,
        {
          config: { auth: 'public' },
          schema: {
            hide: true,
            params: token,
            querystring: z.object({
              rating: z.coerce.number().int().min(h.min).max(h.max).optional().catch(undefined),
            }),
          },
        },
        async (request, reply) => {
          const page = await h.page(db, await secrets.get(), request.params['*']);
          return send(
            reply,
            page.state === 'unknown' ? 404 : 200,
            renderSurveyPage(page, request.query.rating ?? null, false),
          );
        },
      );
      inner.post(
        h.path,
        {
          config: { auth: 'public', crossSite: true },
          schema: {
            hide: true,
            params: token,
            body: z.object({
              rating: z.coerce.number(),
              comment: storableString().max(20_000).optional(),
              resolved: z.enum(['yes', 'no']).optional(),
            }),
          },
        },
        async (request, reply) => {
          const { rating, comment, resolved } = request.body;
          const page = await h.answer(db, await secrets.get(), request.params['*'], {
            value: rating,
            comment,
            ...(resolved ? { resolved: resolved === 'yes' } : {}),
          });
          return send(reply, 200, renderSurveyPage(page, null, page.state === 'answered'));
        },
      );
    });
  };
}
