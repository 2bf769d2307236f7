import { withWorkspace } from '@rabita/db';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { RouteDeps } from '../http/route-kit.ts';
import { selectTrackedLink } from './email.repository.ts';
import { EventBuffer, machineRequest, openToken, unsubscribe } from './tracking.ts';

/** A transparent 1×1 GIF. */
const PIXEL = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
// A wildcard, not `:token`: a sealed token is longer than the router's 100-character limit for a parameter.
const token = z.object({ '*': z.string().max(2000) });

/**
 * The tracking endpoints at the site's root: the open image answers at once (its event is buffered), a click is
 * redirected to the URL stored for its link — never to one taken from the request.
 */
export const trackingPages: FastifyPluginAsyncZod<RouteDeps> = async (app, { db, secrets }) => {
  const buffer = new EventBuffer(db);
  app.addHook('onClose', () => buffer.close());

  app.route({
    method: ['GET', 'HEAD'],
    url: '/t/o/*',
    config: { auth: 'public' },
    schema: { hide: true, params: token },
    handler: async (request, reply) => {
      const box = await secrets.get();
      const t = openToken(box, request.params['*'].replace(/\.gif$/, ''));
      if (t && t.position === -1)
        buffer.add(t.workspaceId, {
          messageId: t.messageId,
          kind: 'open',
          at: new Date(),
          machine: machineRequest(request.method, request.headers['user-agent']),
          detail: { userAgent: String(request.headers['user-agent'] ?? '').slice(0, 300) },
        });
      return reply
        .type('image/gif')
        .header('cache-control', 'no-store, private')
        .header('referrer-policy', 'no-referrer')
        .send(PIXEL);
    },
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/t/c/*',
    config: { auth: 'public' },
    schema: { hide: true, params: token },
    handler: async (request, reply) => {
      const box = await secrets.get();
      const t = openToken(box, request.params['*']);
      const url =
        t && t.position >= 0
          ? await withWorkspace(db, t.workspaceId, (trx) =>
              selectTrackedLink(trx, t.workspaceId, t.messageId, t.position),
            )
          : undefined;
      if (!t || !url || !/^https?:\/\//i.test(url))
        return reply.code(404).type('text/plain; charset=utf-8').send('This link is not known here.');
      buffer.add(t.workspaceId, {
        messageId: t.messageId,
        kind: 'click',
        at: new Date(),
        machine: machineRequest(request.method, request.headers['user-agent']),
        detail: {
          position: t.position,
          userAgent: String(request.headers['user-agent'] ?? '').slice(0, 300),
        },
      });
      return reply.code(302).header('referrer-policy', 'no-referrer').header('location', url).send();
    },
  });

  // Unsubscribing: the link in a sequence message's List-Unsubscribe header (and a mail client's one-click POST,
  // RFC 8058). A GET only asks — link scanners follow GETs — and the form's POST does it.
  await app.register(async (plain) => {
    const inner = plain.withTypeProvider<ZodTypeProvider>();
    inner.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_r, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    inner.get(
      '/t/u/*',
      { config: { auth: 'public' }, schema: { hide: true, params: token } },
      async (request, reply) => {
        const known = openToken(await secrets.get(), request.params['*'])?.position === -2;
        return reply
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .header('referrer-policy', 'no-referrer')
          .send(unsubscribePage(known ? 'ask' : 'unknown'));
      },
    );
    inner.post(
      '/t/u/*',
      { config: { auth: 'public', crossSite: true }, schema: { hide: true, params: token } },
      async (request, reply) => {
        const t = openToken(await secrets.get(), request.params['*']);
        const done = t?.position === -2 ? await unsubscribe(db, t.workspaceId, t.messageId) : false;
        return reply
          .code(done ? 200 : 404)
          .type('text/html; charset=utf-8')
          .header('cache-control', 'no-store')
          .send(unsubscribePage(done ? 'done' : 'unknown'));
      },
    );
  });
};

const WORDS = {
  ask: ['Unsubscribe?', 'Stop these emails', 'إلغاء الاشتراك', 'پایان دریافت این ایمیل‌ها'],
  done: ['You are unsubscribed.', '', 'تم إلغاء اشتراكك.', 'اشتراک شما لغو شد.'],
  unknown: ['This link is not known here.', '', 'هذا الرابط غير معروف هنا.', 'این پیوند اینجا شناخته نیست.'],
} as const;

/** A small page in English, Arabic and Persian (the recipient's language is not known here). */
function unsubscribePage(state: keyof typeof WORDS): string {
  const [en, button, ar, fa] = WORDS[state];
  const form =
    state === 'ask'
      ? `<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button>${button} · ${ar} · ${fa}</button></form>`
      : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${en}</title></head><body style="font-family:system-ui,Vazirmatn,sans-serif;max-width:32rem;margin:3rem auto;text-align:center"><p>${en}</p><p dir="rtl" lang="ar">${ar}</p><p dir="rtl" lang="fa">${fa}</p>${form}</body></html>`;
}
