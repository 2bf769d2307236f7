import { solveChallenge } from 'altcha-lib/v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

interface PublicForm {
  publicId: string;
  locale: string;
  dir: string;
  fields: { key: string; label: string; required: boolean }[];
  honeypot: string;
  altcha: { algorithm: string; challenge: string; maxnumber: number; salt: string; signature: string };
  stamp: string;
  submitUrl: string;
}
interface Submission {
  id: string;
  status: 'accepted' | 'quarantined';
  reasons: string[];
  values: Record<string, string>;
  utm: { source: string | null; medium: string | null; campaign: string | null };
  referrer: string | null;
  leadId: string | null;
}

describe('lead capture web forms', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let sara: { userId: string; cookie: string };
  let ip = 0;
  /** A new client address per use, so the per-address limit only bites where a test wants it to. */
  const nextIp = () => `10.1.${Math.floor(++ip / 250)}.${ip % 250}`;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const arabicForm = {
    name: 'نموذج الاتصال',
    locale: 'ar',
    fields: [
      { key: 'name', required: true, labels: { ar: 'الاسم الكامل', en: 'Full name', fa: 'نام کامل' } },
      { key: 'email', required: true, labels: { ar: 'البريد الإلكتروني' } },
      { key: 'companyName', labels: { ar: 'الشركة' } },
      { key: 'phone', labels: { en: 'Mobile' } },
    ],
    thankYou: { ar: 'شكرًا، سنتواصل معك قريبًا' },
    allowedOrigins: ['https://shop.example.com'],
    minFillSeconds: 0,
  };
  const createForm = async (body: Record<string, unknown> = arabicForm, as?: string) => {
    const res = await call('POST', '/web-forms', body, as);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; publicId: string };
  };
  const view = async (publicId: string) => {
    const res = await t.app.inject({ method: 'GET', url: `/api/v1/public/web-forms/${publicId}` });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as PublicForm;
  };
  /** Solves the form's proof of work as the browser does, and encodes the answer as the widget would. */
  const solve = async (form: PublicForm) => {
    const { altcha } = form;
    const solution = await solveChallenge(altcha.challenge, altcha.salt, 'SHA-256', altcha.maxnumber).promise;
    expect(solution).not.toBeNull();
    return Buffer.from(
      JSON.stringify({
        algorithm: altcha.algorithm,
        challenge: altcha.challenge,
        number: solution?.number,
        salt: altcha.salt,
        signature: altcha.signature,
      }),
    ).toString('base64');
  };
  const postJson = (
    publicId: string,
    body: unknown,
    headers: Record<string, string> = {},
    remoteAddress = nextIp(),
  ) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/public/web-forms/${publicId}/submissions`,
      headers: { 'content-type': 'application/json', ...headers },
      payload: JSON.stringify(body),
      remoteAddress,
    });
  const postForm = (publicId: string, fields: Record<string, string>, remoteAddress = nextIp()) =>
    t.app.inject({
      method: 'POST',
      url: `/api/v1/public/web-forms/${publicId}/submissions`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(fields).toString(),
      remoteAddress,
    });
  /** A clean JSON submission: a solved challenge and the signed stamp of a fresh view of the form. */
  const cleanBody = async (
    publicId: string,
    fields: Record<string, string>,
    extra: Record<string, string> = {},
  ) => {
    const form = await view(publicId);
    return { fields, altcha: await solve(form), stamp: form.stamp, ...extra };
  };
  const submissions = async (status?: string, as?: string) => {
    const res = await call('GET', `/web-form-submissions${status ? `?status=${status}` : ''}`, undefined, as);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { data: Submission[] }).data;
  };
  const latest = async () => (await submissions())[0] as Submission;
  const lead = async (id: string) => {
    const res = await call('GET', `/objects/leads/${id}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Record<string, unknown>;
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    sara = await joinByInvitation(t.app, admin.cookie, {
      email: `sara.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'Sara',
    });
    const rule = await call('POST', '/assignment-rules', {
      name: 'Web leads',
      strategy: 'fixed',
      pool: [{ userId: sara.userId }],
    });
    expect(rule.statusCode, rule.body).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('takes an Arabic submission by plain HTML POST: a lead with the UTM values, assigned by the rules', async () => {
    const form = await createForm();
    const shown = await view(form.publicId);
    expect(shown).toMatchObject({ locale: 'ar', dir: 'rtl' });
    // A field without an Arabic label on the form speaks with the lead field's own Arabic label.
    expect(shown.fields.map((f) => f.label)).toEqual([
      'الاسم الكامل',
      'البريد الإلكتروني',
      'الشركة',
      'الهاتف',
    ]);
    const res = await postForm(form.publicId, {
      name: 'فاطمة الزهراء',
      email: 'fatima@example.com',
      companyName: 'شركة النور',
      altcha: await solve(shown),
      _stamp: shown.stamp,
      website_url: '',
      utm_source: 'instagram',
      utm_medium: 'social',
      utm_campaign: 'ramadan',
      referrer: 'https://blog.example.com/post',
    });
    expect(res.statusCode, res.body).toBe(303);
    expect(res.headers.location).toBe(`/f/${form.publicId}/thanks`);
    const s = await latest();
    expect(s).toMatchObject({
      status: 'accepted',
      reasons: [],
      utm: { source: 'instagram', medium: 'social', campaign: 'ramadan' },
      referrer: 'https://blog.example.com/post',
    });
    const made = await lead(s.leadId as string);
    expect(made).toMatchObject({
      name: 'فاطمة الزهراء',
      email: 'fatima@example.com',
      companyName: 'شركة النور',
      source: 'instagram',
      owner: sara.userId,
    });
    // The lead's page shows where it came from; another workspace cannot ask, and a lead made by hand has none.
    const capture = await call('GET', `/leads/${s.leadId}/web-form`);
    expect(capture.statusCode, capture.body).toBe(200);
    expect(capture.json().capture).toMatchObject({
      formId: form.id,
      formName: 'نموذج الاتصال',
      utm: { source: 'instagram', medium: 'social', campaign: 'ramadan' },
      referrer: 'https://blog.example.com/post',
    });
    expect((await call('GET', `/leads/${s.leadId}/web-form`, undefined, other.cookie)).statusCode).toBe(404);
    const byHand = await call('POST', '/objects/leads', { name: 'By hand' });
    expect((await call('GET', `/leads/${byHand.json().id}/web-form`)).json()).toEqual({ capture: null });
    const assignment = (await call('GET', `/leads/${s.leadId}/assignment`)).json();
    expect(assignment.assignment.reason).toContain('Web leads');
    const thanks = await t.app.inject({ method: 'GET', url: `/f/${form.publicId}/thanks` });
    expect(thanks.statusCode).toBe(200);
    expect(thanks.body).toContain('شكرًا، سنتواصل معك قريبًا');
    expect(thanks.body).toContain('dir="rtl"');
  });

  it('takes a JSON submission with a solved challenge from an allowed origin, answering CORS for it', async () => {
    const form = await createForm();
    const preflight = await t.app.inject({
      method: 'OPTIONS',
      url: `/api/v1/public/web-forms/${form.publicId}/submissions`,
      headers: { origin: 'https://shop.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    const body = await cleanBody(
      form.publicId,
      { name: 'يوسف', email: 'yusuf@example.org' },
      {
        utm_source: 'google',
        utm_medium: 'cpc',
        utm_campaign: 'spring',
        referrer: 'https://shop.example.com/p/1',
      },
    );
    const res = await postJson(form.publicId, body, {
      origin: 'https://shop.example.com',
      'sec-fetch-site': 'cross-site',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://shop.example.com');
    expect(res.json()).toEqual({
      status: 'received',
      thankYou: 'شكرًا، سنتواصل معك قريبًا',
      redirectUrl: null,
    });
    const s = await latest();
    expect(s.status).toBe('accepted');
    expect(s.utm).toEqual({ source: 'google', medium: 'cpc', campaign: 'spring' });
    expect(await lead(s.leadId as string)).toMatchObject({ name: 'يوسف', source: 'google' });

    // The hosted page's own form posts with `Origin: null` (its referrer policy) and says it is same-origin.
    const own = await cleanBody(form.publicId, { name: 'مريم', email: 'maryam@example.org' });
    const fromPage = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/web-forms/${form.publicId}/submissions`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'null',
        'sec-fetch-site': 'same-origin',
      },
      payload: new URLSearchParams({ ...own.fields, altcha: own.altcha, _stamp: own.stamp }).toString(),
      remoteAddress: nextIp(),
    });
    expect(fromPage.statusCode, fromPage.body).toBe(303);
    const opaque = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/web-forms/${form.publicId}/submissions`,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'null',
        'sec-fetch-site': 'cross-site',
      },
      payload: 'name=x',
      remoteAddress: nextIp(),
    });
    expect(opaque.statusCode).toBe(403);
    // Another site may not post, nor read the form.
    const evil = await postJson(
      form.publicId,
      await cleanBody(form.publicId, { name: 'x', email: 'x@example.org' }),
      {
        origin: 'https://evil.example.net',
        'sec-fetch-site': 'cross-site',
      },
    );
    expect(evil.statusCode).toBe(403);
    const read = await t.app.inject({
      method: 'GET',
      url: `/api/v1/public/web-forms/${form.publicId}`,
      headers: { origin: 'https://evil.example.net' },
    });
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('quarantines each kind of spam with its reason and makes no lead', async () => {
    const form = await createForm();
    const slow = await createForm({ ...arabicForm, minFillSeconds: 60 });
    const fields = { name: 'Spam Bot', email: 'bot@example.com' };
    const cases: [string, () => Promise<{ statusCode: number; body: string }>][] = [
      [
        'honeypot',
        async () =>
          postJson(form.publicId, await cleanBody(form.publicId, fields, { website_url: 'http://x' })),
      ],
      ['too_fast', async () => postJson(slow.publicId, await cleanBody(slow.publicId, fields))],
      [
        'timestamp_missing',
        async () =>
          postJson(form.publicId, { ...(await cleanBody(form.publicId, fields)), stamp: undefined }),
      ],
      [
        'timestamp_invalid',
        async () =>
          postJson(form.publicId, {
            ...(await cleanBody(form.publicId, fields)),
            stamp: `${Date.now()}.${'A'.repeat(43)}`,
          }),
      ],
      [
        'altcha_missing',
        async () => postJson(form.publicId, { fields, stamp: (await view(form.publicId)).stamp }),
      ],
      [
        'altcha_invalid',
        async () => {
          const shown = await view(form.publicId);
          const wrong = Buffer.from(JSON.stringify({ ...shown.altcha, number: -1 })).toString('base64');
          return postJson(form.publicId, { fields, altcha: wrong, stamp: shown.stamp });
        },
      ],
      [
        'disposable_email',
        async () =>
          postJson(
            form.publicId,
            await cleanBody(form.publicId, { name: 'Temp', email: 'temp@mailinator.com' }),
          ),
      ],
      [
        'unknown_fields',
        async () => postJson(form.publicId, await cleanBody(form.publicId, { ...fields, score: '100' })),
      ],
    ];
    for (const [reason, send] of cases) {
      const res = await send();
      expect(res.statusCode, `${reason}: ${res.body}`).toBe(200);
      const s = await latest();
      expect(s.status, reason).toBe('quarantined');
      expect(s.reasons, reason).toEqual([reason]);
      expect(s.leadId, reason).toBeNull();
    }
    // A challenge of another form does not pass for this one.
    const foreign = await cleanBody(slow.publicId, fields);
    await postJson(form.publicId, { ...foreign, stamp: (await view(form.publicId)).stamp });
    expect((await latest()).reasons).toEqual(['altcha_invalid']);
  });

  it('refuses a replayed proof of work: the second use is quarantined as a replay', async () => {
    const form = await createForm();
    const body = await cleanBody(form.publicId, { name: 'Once', email: 'once@example.com' });
    expect((await postJson(form.publicId, body)).statusCode).toBe(200);
    expect((await latest()).status).toBe('accepted');
    expect((await postJson(form.publicId, body)).statusCode).toBe(200);
    const replay = await latest();
    expect(replay).toMatchObject({ status: 'quarantined', reasons: ['altcha_replayed'], leadId: null });
    // The same solution sent twice at once: one lead, one replay.
    const twice = await cleanBody(form.publicId, { name: 'Twice', email: 'twice@example.com' });
    const answers = await Promise.all([postJson(form.publicId, twice), postJson(form.publicId, twice)]);
    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
    const [a, b] = await submissions();
    expect([a?.status, b?.status].sort()).toEqual(['accepted', 'quarantined']);
    expect([...(a?.reasons ?? []), ...(b?.reasons ?? [])]).toEqual(['altcha_replayed']);
  });

  it('limits submissions per form and per address with 429 and Retry-After', async () => {
    const form = await createForm({ ...arabicForm, maxPerMinute: 2 });
    const fields = { name: 'Rate', email: 'rate@example.com' };
    expect((await postJson(form.publicId, { fields })).statusCode).toBe(200);
    expect((await postJson(form.publicId, { fields })).statusCode).toBe(200);
    const third = await postJson(form.publicId, { fields });
    expect(third.statusCode, third.body).toBe(429);
    expect(third.json().code).toBe('rate_limited');
    expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);

    const open = await createForm({ ...arabicForm, maxPerMinute: 1000 });
    const address = '10.9.9.9';
    for (let i = 0; i < 10; i++)
      expect((await postJson(open.publicId, { fields }, {}, address)).statusCode).toBe(200);
    const over = await postJson(open.publicId, { fields }, {}, address);
    expect(over.statusCode).toBe(429);
    expect(over.json().detail).toContain('this address');
  });

  it('lets an admin release a quarantined submission (the lead is made then) or delete one', async () => {
    const form = await createForm();
    await postJson(form.publicId, {
      fields: { name: 'حسن', email: 'hasan@example.com' },
      utm_source: 'newsletter',
    });
    const held = await latest();
    expect(held).toMatchObject({ status: 'quarantined', reasons: ['timestamp_missing', 'altcha_missing'] });
    expect((await submissions('quarantined')).some((s) => s.id === held.id)).toBe(true);
    const released = await call('POST', `/web-form-submissions/${held.id}/release`);
    expect(released.statusCode, released.body).toBe(200);
    expect(released.json()).toMatchObject({
      status: 'accepted',
      reasons: ['timestamp_missing', 'altcha_missing'],
    });
    const leadId = released.json().leadId as string;
    expect(await lead(leadId)).toMatchObject({ name: 'حسن', source: 'newsletter', owner: sara.userId });
    expect((await call('POST', `/web-form-submissions/${held.id}/release`)).statusCode).toBe(409);
    expect((await call('DELETE', `/web-form-submissions/${held.id}`)).statusCode).toBe(404);

    await postJson(form.publicId, { fields: { name: 'Junk', email: 'junk@example.com' } });
    const junk = await latest();
    expect((await call('DELETE', `/web-form-submissions/${junk.id}`)).statusCode).toBe(204);
    expect((await submissions()).some((s) => s.id === junk.id)).toBe(false);
  });

  it('keeps forms and submissions to their workspace, and to sales.forms.manage', async () => {
    const form = await createForm();
    await postJson(form.publicId, { fields: { name: 'Held', email: 'held@example.com' } });
    const held = await latest();
    const theirs = { cookie: other.cookie };
    expect((await call('GET', `/web-forms/${form.id}`, undefined, theirs.cookie)).statusCode).toBe(404);
    expect((await call('PUT', `/web-forms/${form.id}`, arabicForm, theirs.cookie)).statusCode).toBe(404);
    expect((await call('DELETE', `/web-forms/${form.id}`, undefined, theirs.cookie)).statusCode).toBe(404);
    expect((await call('GET', '/web-forms', undefined, theirs.cookie)).json().data).toEqual([]);
    expect(await submissions(undefined, theirs.cookie)).toEqual([]);
    expect(
      (await call('POST', `/web-form-submissions/${held.id}/release`, undefined, theirs.cookie)).statusCode,
    ).toBe(404);
    expect(
      (await call('DELETE', `/web-form-submissions/${held.id}`, undefined, theirs.cookie)).statusCode,
    ).toBe(404);
    // A member without the permission sees nothing.
    expect((await call('GET', '/web-forms', undefined, sara.cookie)).statusCode).toBe(403);
    expect((await call('GET', '/web-form-submissions', undefined, sara.cookie)).statusCode).toBe(403);
    expect((await call('POST', '/web-forms', arabicForm, sara.cookie)).statusCode).toBe(403);
  });

  it('refuses bad forms: unknown or system fields, a lead without its name, javascript: redirects, origins with paths', async () => {
    const bad = async (patch: Record<string, unknown>) => {
      const res = await call('POST', '/web-forms', { ...arabicForm, ...patch });
      expect(res.statusCode, res.body).toBe(400);
      return res.json() as { errors: { field: string }[] };
    };
    expect((await bad({ fields: [{ key: 'name' }, { key: 'nope' }] })).errors[0]?.field).toBe(
      'body.fields.1.key',
    );
    expect((await bad({ fields: [{ key: 'name' }, { key: 'owner' }] })).errors[0]?.field).toBe(
      'body.fields.1.key',
    );
    await bad({ fields: [{ key: 'email' }] });
    expect((await bad({ redirectUrl: 'javascript:alert(1)' })).errors[0]?.field).toBe('body.redirectUrl');
    await bad({ allowedOrigins: ['https://shop.example.com/path'] });
    const ok = await call('PUT', `/web-forms/${(await createForm()).id}`, {
      ...arabicForm,
      redirectUrl: 'https://example.com/thanks',
      enabled: false,
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: `/api/v1/public/web-forms/${ok.json().publicId}` }))
        .statusCode,
    ).toBe(404);
  });

  it('meets hostile input with clear 4xx answers: NUL, lone surrogates, huge bodies, bad values; script text stays text', async () => {
    const form = await createForm({ ...arabicForm, name: '<script>alert(1)</script> & "quotes"' });
    const nul = await postJson(form.publicId, { fields: { name: 'a\u0000b', email: 'a@example.com' } });
    expect(nul.statusCode).toBe(400);
    const surrogate = await postJson(form.publicId, { fields: { name: 'a\ud800', email: 'a@example.com' } });
    expect(surrogate.statusCode).toBe(400);
    const huge = await postForm(form.publicId, { name: 'x'.repeat(70_000), email: 'a@example.com' });
    expect(huge.statusCode).toBe(413);
    const long = await postJson(form.publicId, { fields: { name: 'x'.repeat(6000) } });
    expect(long.statusCode).toBe(400);
    const unknownTop = await postJson(form.publicId, { fields: { name: 'x' }, admin: 'true' });
    expect(unknownTop.statusCode).toBe(400);
    expect((await postJson('not-a-form', { fields: {} })).statusCode).toBe(404);
    // A clean submission the lead refuses is a 400 naming the field, and the challenge stays usable.
    const body = await cleanBody(form.publicId, { name: 'Bad email', email: 'not an email' });
    const refused = await postJson(form.publicId, body);
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().errors[0].field).toBe('body.fields.email');
    const fixed = await postJson(form.publicId, {
      ...body,
      fields: { name: 'Bad email', email: 'fixed@example.com' },
    });
    expect(fixed.statusCode).toBe(200);
    expect((await latest()).status).toBe('accepted');
    // A browser posting the plain form is shown a page naming the problem (escaped); other callers get problem+json.
    const again = await cleanBody(form.publicId, {});
    const page400 = await t.app.inject({
      method: 'POST',
      url: `/api/v1/public/web-forms/${form.publicId}/submissions`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: new URLSearchParams({
        name: '<b>x</b>',
        email: 'not <an> email',
        altcha: again.altcha,
        _stamp: again.stamp,
      }).toString(),
      remoteAddress: nextIp(),
    });
    expect(page400.statusCode).toBe(400);
    expect(page400.headers['content-type']).toContain('text/html');
    expect(page400.body).toContain('fields.email');
    expect(page400.body).not.toContain('<an>');
    // Script text is kept as text and escaped wherever it is shown.
    const script = await postJson(
      form.publicId,
      await cleanBody(form.publicId, { name: '<img src=x onerror=alert(1)>', email: 's@example.com' }),
    );
    expect(script.statusCode).toBe(200);
    expect(await lead((await latest()).leadId as string)).toMatchObject({
      name: '<img src=x onerror=alert(1)>',
    });
    const page = await t.app.inject({
      method: 'GET',
      url: `/f/${form.publicId}?utm_source="><script>x</script>`,
    });
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('<script>alert(1)');
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(page.body).toContain('value="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
  });

  it('serves the hosted page in the form’s language, right to left, with the embed script and a CSP', async () => {
    const form = await createForm();
    const page = await t.app.inject({
      method: 'GET',
      url: `/f/${form.publicId}?utm_source=x&utm_campaign=eid`,
      headers: { referer: 'https://news.example.com/a' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<html lang="ar" dir="rtl">');
    expect(page.body).toContain('الاسم الكامل');
    expect(page.body).toContain('name="utm_campaign" value="eid"');
    expect(page.body).toContain('name="referrer" value="https://news.example.com/a"');
    expect(page.body).toContain('<script src="/api/v1/public/web-forms/embed.js" defer></script>');
    expect(page.headers['content-security-policy']).toContain(
      "frame-ancestors 'self' https://shop.example.com",
    );
    expect(page.headers['x-frame-options']).toBeUndefined();
    const script = await t.app.inject({ method: 'GET', url: '/api/v1/public/web-forms/embed.js' });
    expect(script.statusCode).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
    expect(script.headers['cross-origin-resource-policy']).toBe('cross-origin');
    const missing = await t.app.inject({ method: 'GET', url: '/f/AAAAAAAAAAAAAAAAAAAAAA' });
    expect(missing.statusCode).toBe(404);
  });
});
