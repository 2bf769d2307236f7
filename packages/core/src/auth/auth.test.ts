import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  buildSignUp,
  createTestApp,
  joinByInvitation,
  sessionCookie,
  type signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('accounts, sessions, invitations and API keys', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    // Small limits so the throttle can be seen; the first sign-up is allowed because no workspace exists.
    t = await createTestApp(
      {},
      { throttle: { freePerPair: 3, freePerAccount: 1000, freePerIp: 1000, maxDelaySeconds: 60 } },
    );
  });
  afterAll(() => t?.close());

  it('lets the first visitor sign up as admin of a new workspace, with an HTTP-only SameSite cookie', async () => {
    const body = buildSignUp({ name: 'مینا', workspaceName: 'شرکت آسمان' });
    const r = await call('POST', '/auth/sign-up', body, '');
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({
      role: 'admin',
      workspace: { name: 'شرکت آسمان' },
      user: { name: 'مینا' },
    });
    const cookie = r.cookies.find((c) => c.name === 'rabita_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    admin = {
      ...body,
      cookie: sessionCookie(r),
      userId: r.json().user.id,
      workspaceId: r.json().workspace.id,
    };
    const me = await call('GET', '/me');
    expect(me.json()).toMatchObject({ role: 'admin', user: { email: body.email.toLowerCase() } });
  });

  it('closes sign-up once a workspace exists (people join by invitation)', async () => {
    const r = await call('POST', '/auth/sign-up', buildSignUp(), '');
    expect(r.statusCode).toBe(403);
    expect(r.json()).toMatchObject({ code: 'signup_closed' });
  });

  it('lists every bad field of a sign-up at once as a problem document', async () => {
    const r = await call(
      'POST',
      '/auth/sign-up',
      { email: 'nope', password: 'short', name: '', workspaceName: 'x'.repeat(500) },
      '',
    );
    expect(r.statusCode).toBe(400);
    expect(r.headers['content-type']).toContain('application/problem+json');
    expect(
      r
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.email', 'body.name', 'body.password', 'body.workspaceName']);
  });

  it('signs in with a fresh session each time, answers unknown email and wrong password alike, and throttles', async () => {
    const first = await call(
      'POST',
      '/auth/sign-in',
      { email: admin.email, password: admin.password },
      admin.cookie,
    );
    expect(first.statusCode).toBe(200);
    const rotated = sessionCookie(first);
    expect(rotated).not.toBe(admin.cookie);
    // The session the request carried ended: sign-in rotates.
    expect((await call('GET', '/me', undefined, admin.cookie)).statusCode).toBe(401);
    admin.cookie = rotated;

    const wrong = await call(
      'POST',
      '/auth/sign-in',
      { email: admin.email, password: 'wrong password!' },
      '',
    );
    const unknown = await call(
      'POST',
      '/auth/sign-in',
      { email: 'nobody@example.com', password: 'wrong password!' },
      '',
    );
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().detail).toBe(unknown.json().detail);
    expect(wrong.json().code).toBe(unknown.json().code);
    // Past the free failures of this account from this address (3 here) each failure adds a wait that doubles;
    // while it runs even the right password waits, and once it has run out the right password gets in.
    for (let i = 0; i < 3; i++) {
      await call('POST', '/auth/sign-in', { email: admin.email, password: 'wrong password!' }, '');
    }
    const limited = await call('POST', '/auth/sign-in', { email: admin.email, password: admin.password }, '');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await call('POST', '/auth/sign-in', { email: admin.email, password: admin.password }, '');
    expect(after.statusCode, after.body).toBe(200);
    admin.cookie = sessionCookie(after);
  });

  it('sets the user’s language, calendar, time zone and digits, refusing values it does not know', async () => {
    const r = await call('PATCH', '/me', {
      locale: 'fa',
      calendar: 'persian',
      timeZone: 'Asia/Tehran',
      digits: 'arabext',
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      locale: 'fa',
      calendar: 'persian',
      timeZone: 'Asia/Tehran',
      digits: 'arabext',
    });
    const bad = await call('PATCH', '/me', {
      locale: 'de',
      calendar: 'julian',
      timeZone: 'Mars/Olympus',
      digits: 'roman',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toHaveLength(4);
  });

  it('lets the admin change the workspace’s defaults, and only the admin', async () => {
    const r = await call('PATCH', '/workspace', {
      name: 'Asman Co',
      defaultCountry: 'ir',
      defaultCurrency: 'irr',
      defaultLocale: 'fa',
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ defaultCountry: 'IR', defaultCurrency: 'IRR', defaultLocale: 'fa' });
    expect(
      (await call('PATCH', '/workspace', { defaultCountry: 'XX', defaultCurrency: 'ABCD' })).statusCode,
    ).toBe(400);
    const viewer = await joinByInvitation(t.app, admin.cookie, {
      email: 'viewer@example.com',
      role: 'viewer',
      name: 'Viewer',
    });
    expect((await call('PATCH', '/workspace', { name: 'Mine' }, viewer.cookie)).statusCode).toBe(403);
    expect((await call('GET', '/workspace', undefined, viewer.cookie)).json().name).toBe('Asman Co');
  });

  it('invites with a single-use link that makes the person a member with the role', async () => {
    const invited = await call('POST', '/invitations', { email: 'agent@example.com', role: 'agent' });
    expect(invited.statusCode).toBe(201);
    expect(invited.json().link).toContain('/accept-invitation?token=');
    const body = { token: invited.json().token, name: 'Agent', password: 'correct horse battery' };
    const accepted = await call('POST', '/auth/accept-invitation', body, '');
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect((await call('GET', '/me', undefined, sessionCookie(accepted))).json().role).toBe('agent');
    expect((await call('POST', '/auth/accept-invitation', body, '')).statusCode).toBe(410);
    expect(
      (await call('POST', '/auth/accept-invitation', { ...body, token: 'rbi_forged' }, '')).statusCode,
    ).toBe(410);
    expect((await call('POST', '/invitations', { email: 'x@example.com', role: 'emperor' })).statusCode).toBe(
      400,
    );
  });

  it('refuses an expired invitation', async () => {
    const invited = await call('POST', '/invitations', { email: 'late@example.com', role: 'member' });
    const pg = await import('pg');
    const owner = new pg.default.Client({ connectionString: t.url });
    await owner.connect();
    await owner.query(
      `update invitations set expires_at = now() - interval '1 minute' where email = 'late@example.com'`,
    );
    await owner.end();
    const r = await call(
      'POST',
      '/auth/accept-invitation',
      { token: invited.json().token, name: 'Late', password: 'correct horse battery' },
      '',
    );
    expect(r.statusCode).toBe(410);
  });

  it('issues API keys shown once and stored hashed; a key works on the API until revoked, at once', async () => {
    const created = await call('POST', '/api-keys', { name: 'ERP sync', role: 'member' });
    expect(created.statusCode).toBe(201);
    const { id, token } = created.json();
    expect(token).toMatch(/^rbk_/);
    const list = await call('GET', '/api-keys');
    expect(list.body).not.toContain(token);
    expect(list.json().data.map((k: { id: string }) => k.id)).toContain(id);
    const bearer = { authorization: `Bearer ${token}` };
    expect((await call('GET', '/objects/people', undefined, bearer)).statusCode).toBe(200);
    expect((await call('POST', '/objects/companies', { name: 'Via key' }, bearer)).statusCode).toBe(201);
    const pg = await import('pg');
    const owner = new pg.default.Client({ connectionString: t.url });
    await owner.connect();
    const stored = await owner.query(`select token_hash from api_keys where id = $1`, [id]);
    await owner.end();
    expect(Buffer.from(stored.rows[0].token_hash).toString()).not.toContain(token.slice(4));
    expect((await call('DELETE', `/api-keys/${id}`)).statusCode).toBe(204);
    expect((await call('GET', '/objects/people', undefined, bearer)).statusCode).toBe(401);
    expect(
      (await call('GET', '/objects/people', undefined, { authorization: 'Bearer rbk_nonsense' })).statusCode,
    ).toBe(401);
  });

  it('ends the session on sign-out, and an idle or too old session ends on its own', async () => {
    const session = await call(
      'POST',
      '/auth/sign-in',
      { email: 'agent@example.com', password: 'correct horse battery' },
      '',
    );
    const cookie = sessionCookie(session);
    expect((await call('POST', '/auth/sign-out', undefined, cookie)).statusCode).toBe(204);
    expect((await call('GET', '/me', undefined, cookie)).statusCode).toBe(401);

    const pg = await import('pg');
    const owner = new pg.default.Client({ connectionString: t.url });
    await owner.connect();
    const idle = sessionCookie(
      await call(
        'POST',
        '/auth/sign-in',
        { email: 'agent@example.com', password: 'correct horse battery' },
        '',
      ),
    );
    await owner.query(
      `update sessions set last_seen_at = now() - interval '200 hours' where user_id = (select id from users where email = 'agent@example.com')`,
    );
    expect((await call('GET', '/me', undefined, idle)).statusCode).toBe(401);
    const old = sessionCookie(
      await call(
        'POST',
        '/auth/sign-in',
        { email: 'agent@example.com', password: 'correct horse battery' },
        '',
      ),
    );
    await owner.query(
      `update sessions set expires_at = now() - interval '1 second' where user_id = (select id from users where email = 'agent@example.com')`,
    );
    expect((await call('GET', '/me', undefined, old)).statusCode).toBe(401);
    await owner.end();
  });
});
