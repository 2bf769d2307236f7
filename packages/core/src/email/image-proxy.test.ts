import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildApp, loadConfig } from '@rabita/server';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { createSecretBox } from '../auth/secret-box.ts';
import { type Dovecot, startDovecot } from './dovecot-harness.ts';
import { fetchImage, openImageAccess, sealImageAccess, sniffImageType } from './image-proxy.ts';
import { connectMailbox, startTestSync, until, workspaceRows } from './mail-fixture.ts';
import { sanitiseEmailHtml } from './message-parse.ts';
import { remoteImageUrls, showRemoteImages } from './remote-images.ts';

const KEY = randomBytes(32);
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('remote images in stored HTML', () => {
  it('finds them in document order, as the sanitiser counts them, whatever the message holds', () => {
    const stored = sanitiseEmailHtml(
      [
        '<p title="&lt;img data-remote-src=&quot;https://fake.example/a&quot;&gt;">data-remote-src="https://text.example/"</p>',
        '<img alt="x data-remote-src=" src="https://one.example/a.png?x=1&amp;y=2">',
        '<img src="cid:logo@x"><img src="data:image/png;base64,AAAA">',
        '<IMG SRC="//two.example/b.gif" width="1">',
        '<table><tr><td><img src="http://three.example/c.jpg" alt="&quot;>"></td></tr></table>',
      ].join(''),
      {},
    ).html;
    expect(remoteImageUrls(stored)).toEqual([
      'https://one.example/a.png?x=1&y=2',
      'https://two.example/b.gif',
      'http://three.example/c.jpg',
    ]);
    const shown = showRemoteImages(stored, (n) => `images/${n}?access=t&u`);
    expect(shown).toContain('src="images/0?access=t&amp;u"');
    expect(shown).toContain('src="images/2?access=t&amp;u"');
    expect(remoteImageUrls(shown)).toEqual([]);
    for (const host of ['one.example', 'two.example', 'three.example']) expect(shown).not.toContain(host);
    // Every image of the frame loads from the proxy, the message itself (cid:) or data: — nothing else.
    const sources = [...shown.matchAll(/<img [^>]*src="([^"]*)"/g)].map((m) => m[1]!);
    expect(
      sources.map((src) => src.replace(/^images\/\d+\?.*/, 'proxy').replace(/^data:.*/, 'data')),
    ).toEqual(['proxy', 'cid:logo@x', 'data', 'proxy', 'proxy']);
  });

  it('agrees with the sanitiser on any HTML (property)', () => {
    const piece = fc.constantFrom(
      '<img src="https://a.example/1.png">',
      '<img src="http://b.example/2.gif" alt=\'data-remote-src="https://c.example/"\'>',
      '<img src="cid:x">',
      '<img data-remote-src="https://d.example/">',
      '<p>',
      '</p>',
      '<div dir="rtl">',
      '</div>',
      '"',
      '>',
      '<',
      '&',
      'data-remote-src="https://e.example/"',
      '<img alt="a > b" src="https://f.example/">',
      '<script><img src="https://g.example/"></script>',
      '<style>img{}</style>',
      '<!-- <img src="https://h.example/"> -->',
      'سلام',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        const stored = sanitiseEmailHtml(pieces.join(''), {}).html;
        const found = remoteImageUrls(stored);
        // As many as the sanitiser counts, and only real images' URLs (never text, an alt, a script or a comment).
        expect(found).toHaveLength(sanitiseEmailHtml(stored, {}).remoteImages);
        for (const url of found)
          expect([
            'https://a.example/1.png',
            'http://b.example/2.gif',
            'https://d.example/',
            'https://f.example/',
          ]).toContain(url);
        expect(
          showRemoteImages(stored, (n) => `images/${n}`).match(/ src="images\/\d+"/g) ?? [],
        ).toHaveLength(found.length);
      }),
      { seed: 13, numRuns: 300 },
    );
  });

  it('knows raster images by their first bytes, and nothing else', () => {
    expect(sniffImageType(PNG)).toBe('image/png');
    expect(sniffImageType(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]))).toBe('image/jpeg');
    expect(sniffImageType(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toBe('image/gif');
    expect(sniffImageType(Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe('image/webp');
    expect(sniffImageType(Buffer.from('\x00\x00\x00\x1cftypavif\x00\x00', 'latin1'))).toBe('image/avif');
    expect(sniffImageType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffImageType(Buffer.from('<html><script>alert(1)</script>'))).toBeUndefined();
    expect(sniffImageType(Buffer.alloc(0))).toBeUndefined();
  });

  it('seals a frame’s access for an hour, and refuses a changed or expired token', () => {
    const box = createSecretBox(KEY);
    const principal = {
      kind: 'session' as const,
      workspaceId: 'w1',
      userId: 'u1',
      sessionId: 's1',
      apiKeyId: null,
      role: { id: 'r', key: 'member', name: 'Member', permissions: { actions: [], objects: {} } },
    };
    const now = Date.UTC(2026, 0, 1);
    const token = sealImageAccess(box, principal, 'm1', now);
    expect(openImageAccess(box, token, now + 3_599_000)).toMatchObject({
      workspaceId: 'w1',
      messageId: 'm1',
      userId: 'u1',
      sessionId: 's1',
      apiKeyId: null,
    });
    expect(openImageAccess(box, token, now + 3_601_000)).toBeUndefined();
    // One character in the middle changed (at the end, `AA` could be what was there, or only padding bits).
    const at = Math.floor(token.length / 2);
    const changed = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    expect(openImageAccess(box, changed, now)).toBeUndefined();
    expect(openImageAccess(createSecretBox(randomBytes(32)), token, now)).toBeUndefined();
    expect(openImageAccess(box, box.seal('1 1 w1'), now)).toBeUndefined();
    expect(openImageAccess(box, 'x'.repeat(3000), now)).toBeUndefined();
  });
});

describe('the image proxy, with a real mailbox and real image servers on loopback', () => {
  let t: TestApp;
  let strict: FastifyInstance;
  let dovecot: Dovecot;
  let origin: http.Server;
  let base: string;
  let sync: { stop(): Promise<void> };
  let admin: Awaited<ReturnType<typeof signUp>>;
  let messageId: string;
  let threadId: string;
  const seen: http.IncomingHttpHeaders[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rows = workspaceRows(
    () => t.handle.db,
    () => admin.workspaceId,
  );
  const IMAGES = [
    'logo.png',
    'drawing.svg',
    'page.html',
    'huge.png',
    'moved.png',
    'loop.png',
    'lying.png',
    'slow.png',
    'ftp.png',
    'declared-huge.png',
  ];

  beforeAll(async () => {
    origin = http.createServer((request, response) => {
      seen.push(request.headers);
      const path = request.url ?? '';
      if (path === '/logo.png') return response.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      if (path === '/drawing.svg')
        return response
          .writeHead(200, { 'content-type': 'image/svg+xml' })
          .end('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
      if (path === '/page.html')
        return response.writeHead(200, { 'content-type': 'text/html' }).end('<h1>secret upstream page</h1>');
      if (path === '/huge.png') {
        // Streamed without a length: the proxy has to count and stop.
        response.writeHead(200, { 'content-type': 'image/png' });
        response.write(PNG);
        const chunk = Buffer.alloc(256 * 1024, 1);
        let sent = 0;
        const more = () => {
          while (sent < 24 && !response.destroyed) {
            sent++;
            if (!response.write(chunk)) return void response.once('drain', more);
          }
          response.end();
        };
        return more();
      }
      if (path === '/declared-huge.png')
        return response
          .writeHead(200, { 'content-type': 'image/png', 'content-length': String(6 * 1024 * 1024) })
          .end(PNG);
      if (path === '/moved.png') return response.writeHead(302, { location: '/hop/1' }).end();
      if (path.startsWith('/hop/')) {
        const n = Number(path.split('/')[2]);
        return response.writeHead(301, { location: n >= 2 ? '/logo.png' : `/hop/${n + 1}` }).end();
      }
      if (path.startsWith('/loop')) {
        const n = Number(path.split('/')[2] ?? 0);
        return response.writeHead(307, { location: `/loop/${n + 1}` }).end();
      }
      if (path === '/lying.png')
        return response.writeHead(200, { 'content-type': 'image/png' }).end('<script>alert(1)</script>');
      if (path === '/slow.png') return; // never answers
      if (path === '/ftp.png') return response.writeHead(302, { location: 'ftp://127.0.0.1/x.png' }).end();
      response.writeHead(404).end('no such thing upstream');
    });
    await new Promise<void>((resolve) => origin.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(origin.address() as AddressInfo).port}`;

    dovecot = await startDovecot({ users: [{ name: 'sara', password: 'pw' }] });
    const env = { RABITA_SECRET_KEY: KEY.toString('hex'), RABITA_OPEN_SIGNUP: 'true' };
    t = await createTestApp({ ...env, RABITA_MAIL_ALLOW_PRIVATE: 'true' });
    // The same instance as an operator who left private addresses refused (the default).
    strict = await buildApp(loadConfig({ LOG_LEVEL: 'silent', DATABASE_URL: t.url, ...env }), {
      db: t.handle.db,
      pool: t.handle.pool,
    });
    await strict.ready();
    admin = await signUp(t.app);
    await connectMailbox(call, dovecot, undefined, {
      name: 'sara',
      password: 'pw',
      address: 'sara@localhost',
    });
    const html = `<div dir="rtl"><p>سلام</p>${IMAGES.map((name) => `<img src="${base}/${name}" alt="${name}">`).join('')}</div>`;
    await dovecot.deliver(
      'sara',
      await new MailComposer({
        from: 'Maryam <maryam@customer.example>',
        to: 'sara@localhost',
        subject: 'Pictures',
        html,
        text: 'سلام',
        messageId: '<pictures@customer.example>',
      })
        .compile()
        .build(),
    );
    sync = startTestSync(t.handle.db, KEY);
    const stored = await until('the message to be stored', async () => {
      const found = await rows<{ id: string; thread_id: string }>(
        `select id, thread_id from email_messages where subject = 'Pictures'`,
      );
      return found[0];
    });
    messageId = stored.id;
    threadId = stored.thread_id;
  }, 90_000);
  afterAll(async () => {
    await sync?.stop();
    await strict?.close();
    await t?.close();
    await dovecot?.stop();
    await new Promise((resolve) => origin?.close(resolve));
    origin?.closeAllConnections();
  });

  const image = (index: number | string, as: string | Record<string, string> = admin.cookie, app = t.app) =>
    app.inject({
      method: 'GET',
      url: `/api/v1/email/messages/${messageId}/images/${index}`,
      headers: typeof as === 'string' ? (as ? { cookie: as } : {}) : as,
    });
  const problem = (r: { statusCode: number; body: string; headers: Record<string, unknown> }) => {
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.body).not.toContain('secret upstream page');
    expect(r.body).not.toContain('<script>');
    return JSON.parse(r.body) as { status: number; code: string; detail: string };
  };

  it('counts the blocked images in the thread, and keeps them out of the frame until shown', async () => {
    const thread = await call('GET', `/email/threads/${threadId}`);
    expect(thread.statusCode, thread.body).toBe(200);
    expect(thread.json().data[0]).toMatchObject({
      id: messageId,
      hasHtml: true,
      remoteImages: IMAGES.length,
    });
    const blocked = await call('GET', `/email/messages/${messageId}/html`);
    expect(blocked.statusCode).toBe(200);
    expect(blocked.body).not.toContain(' src=');
    expect(blocked.headers['content-security-policy']).toContain("img-src data: blob: 'self'");
  });

  it('serves an image of the message through the frame’s links, with no cookie, and passes nothing on', async () => {
    const shown = await call('GET', `/email/messages/${messageId}/html?images=show`);
    expect(shown.statusCode, shown.body).toBe(200);
    const links = [...shown.body.matchAll(/<img [^>]*src="([^"]+)"/g)].map((m) =>
      m[1]!.replace(/&amp;/g, '&'),
    );
    expect(links).toHaveLength(IMAGES.length);
    expect(links[3]).toMatch(/^images\/3\?access=v1\./);
    expect(shown.body).not.toContain(base);
    // Images only from this message's proxy path on Rabita's own origin: nothing remote, not even 'self'.
    const csp = String(shown.headers['content-security-policy']);
    expect(csp).toContain(`img-src data: http://localhost:80/api/v1/email/messages/${messageId}/images/;`);
    expect(csp).not.toContain("'self';");
    expect(csp).toContain("default-src 'none'");

    seen.length = 0;
    const r = await t.app.inject({
      method: 'GET',
      url: `/api/v1/email/messages/${messageId}/${links[0]}`,
      headers: { referer: 'https://crm.example.com/o/people/1', 'user-agent': 'Mozilla/5.0 the reader' },
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cache-control']).toBe('private, max-age=3600');
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(r.rawPayload.equals(PNG)).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.cookie).toBeUndefined();
    expect(seen[0]!.referer).toBeUndefined();
    expect(seen[0]!['user-agent']).toBe('Rabita-ImageProxy/1');

    // A signed-in caller (or an API key) may ask directly; a redirect chain of three is followed.
    expect((await image(0)).statusCode).toBe(200);
    const moved = await image(4);
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.rawPayload.equals(PNG)).toBe(true);
  });

  it('refuses an image the message does not have, and never takes a URL from the request', async () => {
    expect(problem(await image(IMAGES.length)).status).toBe(404);
    expect(problem(await image(99_999)).status).toBe(404);
    expect((await image(-1)).statusCode).toBe(400);
    expect((await image('x')).statusCode).toBe(400);
    const r = await t.app.inject({
      method: 'GET',
      url: `/api/v1/email/messages/${messageId}/images/0?url=${encodeURIComponent(`${base}/page.html`)}`,
      headers: { cookie: admin.cookie },
    });
    expect(r.headers['content-type']).toBe('image/png');
  });

  it('refuses SVG, HTML and bytes that are no image, with a problem and never the remote body', async () => {
    for (const index of [1, 2, 6]) {
      const p = problem(await image(index));
      expect([p.status, p.code]).toEqual([502, 'image_fetch_failed']);
    }
    expect(problem(await image(1)).detail).toContain('image/svg+xml');
    expect(problem(await image(2)).detail).toContain('text/html');
    const loop = problem(await image(5));
    expect([loop.status, loop.detail]).toEqual([502, expect.stringContaining('more than 3 redirects')]);
    expect(problem(await image(8)).detail).toContain('http or https');
  });

  it('stops an image over 5 MB, streamed or declared', async () => {
    for (const index of [3, 9]) {
      const p = problem(await image(index));
      expect([p.status, p.code]).toEqual([413, 'image_too_large']);
    }
  });

  it('gives up on a server that does not answer within 5 seconds', async () => {
    const started = Date.now();
    const p = problem(await image(7));
    expect([p.status, p.detail]).toEqual([502, expect.stringContaining('no answer within 5 s')]);
    expect(Date.now() - started).toBeLessThan(7_000);
  }, 15_000);

  it('refuses private and loopback addresses unless the operator allows them', async () => {
    const p = problem(await image(0, admin.cookie, strict));
    expect([p.status, p.detail]).toEqual([
      502,
      expect.stringContaining('private, loopback or special-purpose'),
    ]);
    await expect(fetchImage(`${base}/logo.png`, { allowPrivate: false })).rejects.toMatchObject({
      code: 'image_fetch_failed',
    });
    await expect(fetchImage('http://localhost:1/logo.png', { allowPrivate: false })).rejects.toThrow(
      /private, loopback or special-purpose/,
    );
    await expect(fetchImage(`${base}/logo.png`, { allowPrivate: true })).resolves.toMatchObject({
      contentType: 'image/png',
    });
  });

  it('answers 404 to a member who may not read the message, and to another workspace', async () => {
    const member = await joinByInvitation(t.app, admin.cookie, {
      email: 'member@example.com',
      role: 'member',
      name: 'Member',
    });
    const other = await signUp(t.app);
    const key = await call('POST', '/api-keys', { name: 'images', role: 'member' });
    expect(key.statusCode, key.body).toBe(201);
    for (const as of [member.cookie, other.cookie, { authorization: `Bearer ${key.json().token}` }]) {
      expect(problem(await image(0, as)).status).toBe(404);
      const html = await t.app.inject({
        method: 'GET',
        url: `/api/v1/email/messages/${messageId}/html?images=show`,
        headers: typeof as === 'string' ? { cookie: as } : as,
      });
      expect(html.statusCode).toBe(404);
    }
    expect(problem(await image(0, '')).status).toBe(401);
    // A token that names someone who may not read the message, or another message, leads nowhere.
    const box = createSecretBox(KEY);
    const foreign = sealImageAccess(
      box,
      {
        kind: 'session',
        workspaceId: other.workspaceId,
        userId: other.userId,
        sessionId: null,
        apiKeyId: null,
        role: { id: '', key: '', name: '', permissions: { actions: [], objects: {} } },
      },
      messageId,
    );
    expect(problem(await image(`0?access=${foreign}`, '')).status).toBe(404);
    const shown = await call('GET', `/email/messages/${messageId}/html?images=show`);
    const token = /access=([^"&]+)/.exec(shown.body)![1]!;
    const elsewhere = await t.app.inject({
      method: 'GET',
      url: `/api/v1/email/messages/00000000-0000-4000-8000-000000000000/images/0?access=${token}`,
    });
    expect(problem(elsewhere).status).toBe(404);
    expect(problem(await image(`0?access=${token.slice(0, -4)}AAAA`, '')).status).toBe(404);
    expect((await image(`0?access=${token}`, '')).statusCode).toBe(200);
  });

  it('stops a frame’s links working once its session ends', async () => {
    const reader = await signUp(t.app);
    await connectMailbox((method, url, body) => call(method, url, body, reader.cookie), dovecot, undefined, {
      name: 'sara',
      password: 'pw',
      address: 'sara@localhost',
    });
    const readerRows = workspaceRows(
      () => t.handle.db,
      () => reader.workspaceId,
    );
    const id = await until('the reader’s copy', async () => {
      const found = await readerRows<{ id: string }>(
        `select id from email_messages where subject = 'Pictures'`,
      );
      return found[0]?.id;
    });
    const shown = await call('GET', `/email/messages/${id}/html?images=show`, undefined, reader.cookie);
    const link = /src="(images\/0\?access=[^"]+)"/.exec(shown.body)![1]!;
    const url = `/api/v1/email/messages/${id}/${link}`;
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(200);
    expect((await call('POST', '/auth/sign-out', {}, reader.cookie)).statusCode).toBeLessThan(300);
    expect((await t.app.inject({ method: 'GET', url })).statusCode).toBe(404);
  }, 60_000);
});
