import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { multipartForm } from '../../../../test/multipart.ts';

// Real Arabic and Persian articles on customer relationships, kept as test fixtures (test/fixtures/seeds).
const seed = (n: string) => {
  const file = readFileSync(new URL(`../../../../test/fixtures/seeds/${n}`, import.meta.url), 'utf8');
  const [title, ...rest] = file.split('\n');
  return { title: title!.trim().slice(0, 300), body: rest.join('\n').trim() };
};
const ARABIC = seed('crm-article-ar.txt');
const PERSIAN = seed('crm-article-fa.txt');

describe('the knowledge base', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const article = async (translations: Record<string, unknown>, as?: string, categoryId?: string) => {
    const res = await call('POST', '/service/kb/articles', { translations, categoryId }, as);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; translations: { locale: string; bodyHtml: string }[] };
  };
  const search = async (q: string, extra = '', as?: string) => {
    const res = await call('GET', `/service/kb/search?q=${encodeURIComponent(q)}${extra}`, undefined, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      data: { articleId: string; locale: string; title: string; status: string; link: string | null }[];
      nextCursor: string | null;
    };
  };
  const publicGet = (url: string, ip = '198.51.100.1') =>
    t.app.inject({ method: 'GET', url: `/api/v1${url}`, remoteAddress: ip });

  let arabicId: string;
  let persianId: string;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true', RABITA_PUBLIC_URL: 'https://desk.example.com' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: `agent.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'agent',
      name: 'Agent',
    });
    arabicId = (await article({ ar: { ...ARABIC, status: 'published' } })).id;
    persianId = (await article({ fa: { ...PERSIAN, status: 'published' } })).id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps categories in order, one level deep, and removes only empty ones', async () => {
    const top = await call('POST', '/service/kb/categories', { names: { fa: 'حساب کاربری', en: 'Account' } });
    expect(top.statusCode, top.body).toBe(201);
    const sub = await call('POST', '/service/kb/categories', {
      names: { fa: 'رمز عبور' },
      parentId: top.json().id,
      position: 2,
    });
    expect(sub.statusCode, sub.body).toBe(201);
    const deeper = await call('POST', '/service/kb/categories', {
      names: { en: 'Too deep' },
      parentId: sub.json().id,
    });
    expect(deeper.statusCode).toBe(400);
    expect(deeper.json().errors[0].field).toBe('body.parentId');
    const nameless = await call('POST', '/service/kb/categories', { names: {} });
    expect(nameless.statusCode).toBe(400);

    const inSub = await article(
      { en: { title: 'Change your password', body: 'Open **Settings**.', status: 'draft' } },
      undefined,
      sub.json().id,
    );
    expect((await call('DELETE', `/service/kb/categories/${sub.json().id}`)).statusCode).toBe(409);
    expect((await call('DELETE', `/service/kb/categories/${top.json().id}`)).statusCode).toBe(409);
    const moved = await call('PATCH', `/service/kb/articles/${inSub.id}`, { categoryId: null });
    expect(moved.json().categoryId).toBeNull();
    expect((await call('DELETE', `/service/kb/categories/${sub.json().id}`)).statusCode).toBe(204);
    const list = (await call('GET', '/service/kb/categories')).json().data as { id: string }[];
    expect(list.map((c) => c.id)).toEqual([top.json().id]);
  });

  it('writes translations side by side, publishes and unpublishes each, and keeps who and when', async () => {
    const created = await article({
      fa: { title: 'بازگرداندن کالای آسیب‌دیده', body: 'عکس کالا را بفرستید.', status: 'draft' },
    });
    expect(created.translations.map((x) => x.locale)).toEqual(['fa']);
    const put = await call('PUT', `/service/kb/articles/${created.id}/translations/en`, {
      title: 'Returning a damaged item',
      body: 'Send us a photo of the item.',
      status: 'published',
    });
    expect(put.statusCode, put.body).toBe(200);
    const en = put.json().translations.find((x: { locale: string }) => x.locale === 'en');
    expect(en).toMatchObject({ status: 'published', updatedBy: admin.userId });
    expect(en.publishedAt).toBeTruthy();
    expect(put.json().translations.map((x: { locale: string }) => x.locale)).toEqual(['en', 'fa']);

    const unpublished = await call('PUT', `/service/kb/articles/${created.id}/translations/en`, {
      title: 'Returning a damaged item',
      body: 'Send us a photo of the item.',
      status: 'draft',
    });
    expect(
      unpublished.json().translations.find((x: { locale: string }) => x.locale === 'en').publishedAt,
    ).toBeNull();
    const removed = await call('DELETE', `/service/kb/articles/${created.id}/translations/en`);
    expect(removed.json().translations.map((x: { locale: string }) => x.locale)).toEqual(['fa']);
    expect((await call('DELETE', `/service/kb/articles/${created.id}/translations/en`)).statusCode).toBe(404);
    expect((await call('DELETE', `/service/kb/articles/${created.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/service/kb/articles/${created.id}`)).statusCode).toBe(404);
  });

  it('pages articles most recently changed first, with no article twice', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const res = await call('GET', `/service/kb/articles?limit=2${before ? `&before=${before}` : ''}`);
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().data.map((a: { id: string }) => a.id));
      before = res.json().nextCursor;
    } while (before);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toContain(arabicId);
    expect(seen.indexOf(persianId)).toBeLessThan(seen.indexOf(arabicId));
  });

  it('lets agents read drafts but not write, and refuses writes without service.kb.manage', async () => {
    const draft = await article({
      fa: { title: 'پیش‌نویس سیاست ارسال', body: 'هنوز نهایی نیست.', status: 'draft' },
    });
    expect((await call('GET', `/service/kb/articles/${draft.id}`, undefined, agent.cookie)).statusCode).toBe(
      200,
    );
    expect((await search('سیاست ارسال', '', agent.cookie)).data.map((h) => h.articleId)).toContain(draft.id);
    for (const [method, url, body] of [
      ['POST', '/service/kb/articles', { translations: { en: { title: 'x', body: 'y', status: 'draft' } } }],
      [
        'PUT',
        `/service/kb/articles/${draft.id}/translations/fa`,
        { title: 'x', body: 'y', status: 'published' },
      ],
      ['DELETE', `/service/kb/articles/${draft.id}`, undefined],
      ['POST', '/service/kb/categories', { names: { en: 'x' } }],
      ['PUT', '/service/kb/site', { enabled: true }],
    ] as const) {
      const res = await call(method, url, body, agent.cookie);
      expect(res.statusCode, `${method} ${url}`).toBe(403);
    }
    expect((await call('GET', `/service/kb/articles/${draft.id}`)).json().translations[0].status).toBe(
      'draft',
    );
    // Another workspace sees none of it.
    expect((await call('GET', `/service/kb/articles/${draft.id}`, undefined, other.cookie)).statusCode).toBe(
      404,
    );
    expect((await search('سیاست ارسال', '', other.cookie)).data).toEqual([]);
  });

  it('folds Arabic and Persian letters, diacritics and digits alike in articles and queries', async () => {
    // Arabic yeh and kaf in the query, Persian ی and ک in the Persian article.
    const yeh = await search('خودكارسازي');
    expect(yeh.data.map((h) => h.articleId)).toEqual([persianId]);
    expect(yeh.data[0]).toMatchObject({ locale: 'fa', status: 'published' });
    // Persian kaf in the query, Arabic ك in the Arabic article.
    expect((await search('ذلک')).data.map((h) => h.articleId)).toEqual([arabicId]);
    // Diacritics and a tatweel in the query.
    expect((await search('يُكپارـچه')).data.map((h) => h.articleId)).toContain(persianId);
    expect((await search('مُدیریت ارتباط')).data.map((h) => h.articleId)).toContain(persianId);
    // Persian digits in the article, ASCII in the query.
    const digits = await article({
      fa: { title: 'پیگیری سفارش', body: 'سفارش شماره ۴۴۷۱ در راه است.', status: 'published' },
    });
    expect((await search('4471')).data.map((h) => h.articleId)).toEqual([digits.id]);
    // English is stemmed.
    const en = await article({
      en: {
        title: 'Resetting passwords',
        body: 'Choose Forgot password on the sign-in page.',
        status: 'published',
      },
    });
    expect((await search('password reset')).data.map((h) => h.articleId)).toContain(en.id);
    // A locale filter keeps one language.
    expect((await search('CRM', '&locale=ar')).data.every((h) => h.locale === 'ar')).toBe(true);
  });

  it('finds a title through a typo by trigrams', async () => {
    const returns = await article({
      fa: { title: 'بازگرداندن کالای آسیب‌دیده', body: 'عکس بسته را بفرستید.', status: 'published' },
    });
    const hits = await search('بازگردادن');
    expect(hits.data.map((h) => h.articleId)).toContain(returns.id);
    expect((await search('xyzzy plugh')).data).toEqual([]);
  });

  it('pages search results by cursor, each hit once', async () => {
    for (let i = 0; i < 5; i++)
      await article({
        fa: { title: `راهنمای ارسال مرسوله ${i + 1}`, body: 'ارسال مرسوله با پست.', status: 'draft' },
      });
    const all = await search('مرسوله', '&limit=50');
    expect(all.data).toHaveLength(5);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await search('مرسوله', `&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.data.map((h) => h.articleId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.data.map((h) => h.articleId));
    const bad = await call('GET', '/service/kb/search?q=x&cursor=bm90LWEtY3Vyc29y');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('querystring.cursor');
  });

  it('suggests published articles from a ticket’s subject, those in its language first', async () => {
    const person = await call('POST', '/objects/people', { firstName: 'زهرا', lastName: 'کریمی' });
    const ticket = await call('POST', '/objects/tickets', {
      subject: 'درباره يكپارچه سازي فروش و بازاریابی سؤال دارم',
      requester: person.json().id,
      language: 'fa',
    });
    expect(ticket.statusCode, ticket.body).toBe(201);
    const id = ticket.json().id;
    // An English translation of the same topic ranks below the Persian one for a Persian ticket.
    const english = await article({
      en: {
        title: 'Integrating sales and marketing',
        body: 'یکپارچه سازی in one place.',
        status: 'published',
      },
    });
    const res = await call('GET', `/tickets/${id}/suggested-articles`, undefined, agent.cookie);
    expect(res.statusCode, res.body).toBe(200);
    const ids = res.json().data.map((h: { articleId: string }) => h.articleId);
    expect(ids[0]).toBe(persianId);
    expect(ids).toContain(english.id);
    expect(res.json().data.every((h: { status: string }) => h.status === 'published')).toBe(true);
    // No help centre yet: no public link to give out.
    expect(res.json().data[0].link).toBeNull();
    // Another workspace may not read the ticket.
    expect((await call('GET', `/tickets/${id}/suggested-articles`, undefined, other.cookie)).statusCode).toBe(
      404,
    );
  });

  it('serves a published help centre to anyone: no drafts, never another workspace’s articles', async () => {
    const draft = await article({ fa: { title: 'پیش‌نویس محرمانه', body: 'هنوز نه', status: 'draft' } });
    const closed = await call('GET', '/service/kb/site');
    expect(closed.json()).toEqual({ publicId: null, enabled: false });
    const site = await call('PUT', '/service/kb/site', { enabled: true });
    expect(site.statusCode, site.body).toBe(200);
    const publicId = site.json().publicId as string;
    expect(publicId).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const list = await publicGet(`/public/kb/${publicId}/articles?limit=50`);
    expect(list.statusCode, list.body).toBe(200);
    expect(list.headers['access-control-allow-origin']).toBe('*');
    const listed = list.json().data as { articleId: string; status: string; link: string }[];
    expect(listed.map((h) => h.articleId)).toContain(persianId);
    expect(listed.map((h) => h.articleId)).not.toContain(draft.id);
    expect(listed.every((h) => h.status === 'published')).toBe(true);
    const found = await publicGet(`/public/kb/${publicId}/articles?q=${encodeURIComponent('خودكارسازي')}`);
    expect(found.json().data[0]).toMatchObject({
      articleId: persianId,
      link: `https://desk.example.com/kb/${publicId}/${persianId}/fa`,
    });
    expect(
      (await publicGet(`/public/kb/${publicId}/articles?q=${encodeURIComponent('محرمانه')}`)).json().data,
    ).toEqual([]);
    expect((await publicGet(`/public/kb/${publicId}/articles/${draft.id}`)).statusCode).toBe(404);
    const one = await publicGet(`/public/kb/${publicId}/articles/${persianId}?locale=fa`);
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json()).toMatchObject({ locale: 'fa', title: PERSIAN.title });
    expect((await publicGet(`/public/kb/${publicId}/articles/${persianId}?locale=en`)).statusCode).toBe(404);

    // Another workspace's published article is not in this help centre, by id or by search.
    const theirs = await call(
      'POST',
      '/service/kb/articles',
      { translations: { fa: { title: 'مقاله دیگری', body: 'خودکارسازی دیگر', status: 'published' } } },
      other.cookie,
    );
    expect((await publicGet(`/public/kb/${publicId}/articles/${theirs.json().id}`)).statusCode).toBe(404);
    const searched = await publicGet(`/public/kb/${publicId}/articles?q=${encodeURIComponent('دیگر')}`);
    expect(searched.json().data.map((h: { articleId: string }) => h.articleId)).not.toContain(
      theirs.json().id,
    );

    // The hosted page, and suggestions now carry the link.
    const page = await t.app.inject({ method: 'GET', url: `/kb/${publicId}/${persianId}/fa` });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<html lang="fa" dir="rtl">');
    expect(page.body).toContain('مدیریت ارتباط با مشتری');
    expect((await t.app.inject({ method: 'GET', url: `/kb/${publicId}/${draft.id}/fa` })).statusCode).toBe(
      404,
    );

    // Turned off, or a made-up id: no help centre at all.
    expect((await publicGet('/public/kb/AAAAAAAAAAAAAAAAAAAAAA/articles')).statusCode).toBe(404);
    await call('PUT', '/service/kb/site', { enabled: false });
    expect((await publicGet(`/public/kb/${publicId}/articles`)).statusCode).toBe(404);
    const again = await call('PUT', '/service/kb/site', { enabled: true });
    expect(again.json().publicId).toBe(publicId);
  });

  it('keeps attachments with their type and name, shown only to those who may read', async () => {
    const withFile = await article({
      en: {
        title: 'Label printer setup',
        body: 'See ![the label](kb-attachment:PLACEHOLDER).',
        status: 'draft',
      },
    });
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
      'base64',
    );
    const form = multipartForm({}, png, 'برچسب.png');
    const up = await t.app.inject({
      method: 'POST',
      url: `/api/v1/service/kb/articles/${withFile.id}/attachments`,
      headers: { ...form.headers, cookie: admin.cookie },
      payload: form.payload,
    });
    expect(up.statusCode, up.body).toBe(201);
    const fileId = up.json().id as string;
    // An unknown type is kept as a download, never shown as a page.
    const svgForm = multipartForm(
      {},
      Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      'x.svg',
    );
    const svg = await t.app.inject({
      method: 'POST',
      url: `/api/v1/service/kb/articles/${withFile.id}/attachments`,
      headers: { ...svgForm.headers, cookie: admin.cookie },
      payload: svgForm.payload,
    });
    expect(svg.statusCode, svg.body).toBe(201);
    const svgGot = await call('GET', `/service/kb/attachments/${svg.json().id}`);
    expect(svgGot.headers['content-type']).toBe('application/octet-stream');
    expect(svgGot.headers['content-disposition']).toMatch(/^attachment; filename="x.svg"/);
    expect(svgGot.headers['content-security-policy']).toContain('sandbox');

    // The uploaded name travels as octets; an agent reads it, another workspace does not.
    const got = await call('GET', `/service/kb/attachments/${fileId}`, undefined, agent.cookie);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.rawPayload.equals(png)).toBe(true);
    expect(got.headers['content-disposition']).toContain("filename*=UTF-8''");
    expect((await call('GET', `/service/kb/attachments/${fileId}`, undefined, other.cookie)).statusCode).toBe(
      404,
    );
    const agentUpload = await t.app.inject({
      method: 'POST',
      url: `/api/v1/service/kb/articles/${withFile.id}/attachments`,
      headers: { ...form.headers, cookie: agent.cookie },
      payload: form.payload,
    });
    expect(agentUpload.statusCode).toBe(403);

    // The body's attachment link points where the reader may fetch it.
    const body = `See ![the label](kb-attachment:${fileId}).`;
    const published = await call('PUT', `/service/kb/articles/${withFile.id}/translations/en`, {
      title: 'Label printer setup',
      body,
      status: 'draft',
    });
    expect(published.json().translations[0].bodyHtml).toContain(
      `src="/api/v1/service/kb/attachments/${fileId}"`,
    );
    const site = (await call('PUT', '/service/kb/site', { enabled: true })).json().publicId as string;
    // Drafts' files are not public.
    expect((await publicGet(`/public/kb/${site}/attachments/${fileId}`)).statusCode).toBe(404);
    await call('PUT', `/service/kb/articles/${withFile.id}/translations/en`, {
      title: 'Label printer setup',
      body,
      status: 'published',
    });
    const pub = await publicGet(`/public/kb/${site}/attachments/${fileId}`);
    expect(pub.statusCode).toBe(200);
    expect(pub.headers['content-type']).toBe('image/png');
    expect(pub.headers['content-disposition']).toMatch(/^inline; /);
    expect(pub.rawPayload.equals(png)).toBe(true);
    const shown = await publicGet(`/public/kb/${site}/articles/${withFile.id}?locale=en`);
    expect(shown.json().bodyHtml).toContain(`src="/api/v1/public/kb/${site}/attachments/${fileId}"`);
  });

  it('refuses hostile input with a clear 400 and stores nothing; shows markup as text', async () => {
    const count = async () =>
      (await call('GET', '/service/kb/articles?limit=200')).json().data.length as number;
    const before = await count();
    for (const translation of [
      { title: 'a\u0000b', body: 'x', status: 'draft' },
      { title: 'x', body: 'lone \ud800 surrogate', status: 'draft' },
      { title: 'x'.repeat(301), body: 'x', status: 'draft' },
      { title: 'x', body: 'y'.repeat(200_001), status: 'draft' },
      { title: 'x', body: 'y', status: 'live' },
      { title: 42, body: 'y', status: 'draft' },
      { title: '   ', body: 'y', status: 'draft' },
    ]) {
      const res = await call('POST', '/service/kb/articles', { translations: { fa: translation } });
      expect(res.statusCode, JSON.stringify(translation).slice(0, 80)).toBe(400);
      expect(res.json().errors.length).toBeGreaterThan(0);
    }
    expect((await call('POST', '/service/kb/articles', { translations: {} })).statusCode).toBe(400);
    expect((await call('GET', `/service/kb/search?q=${encodeURIComponent('\u0000')}`)).statusCode).toBe(400);
    expect(await count()).toBe(before);

    const hostile = await article({
      en: {
        title: '<script>alert(1)</script>',
        body: '<img src=x onerror=alert(1)> [click](javascript:alert(1)) <b>bold</b>\n\n[ok](https://example.com)',
        status: 'published',
      },
    });
    const html = hostile.translations[0]!.bodyHtml;
    expect(html).not.toMatch(/<img|<script|<b>|href="javascript:/i);
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>');
    const site = (await call('PUT', '/service/kb/site', { enabled: true })).json().publicId as string;
    const page = await t.app.inject({ method: 'GET', url: `/kb/${site}/${hostile.id}/en` });
    expect(page.body).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>');
    expect(page.body).not.toContain('<script>');
  });

  it('rate-limits public reads per address', async () => {
    const site = (await call('PUT', '/service/kb/site', { enabled: true })).json().publicId as string;
    const statuses: number[] = [];
    for (let i = 0; i < 125; i++)
      statuses.push((await publicGet(`/public/kb/${site}/categories`, '203.0.113.77')).statusCode);
    expect(statuses.slice(0, 120).every((s) => s === 200)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
    const limited = await publicGet(`/public/kb/${site}/categories`, '203.0.113.77');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not held back.
    expect((await publicGet(`/public/kb/${site}/categories`, '203.0.113.78')).statusCode).toBe(200);
  });
});
