import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

// A page on another origin — another port of the same host included — must not change data with the victim's
// cookie, whatever the content type of its request. Reads, Rabita's own pages and API keys are unaffected.

describe('cross-origin requests that change data', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true', RABITA_PUBLIC_URL: 'http://crm.example.com:3000' });
    admin = await signUp(t.app);
  });
  afterAll(() => t?.close());

  const send = (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    headers: Record<string, string>,
    payload?: string,
  ) =>
    t.app.inject({
      method,
      url,
      headers: { host: 'crm.example.com:3000', cookie: admin.cookie, ...headers },
      ...(payload === undefined ? {} : { payload }),
    });

  it.each([
    ['a same-site page (another port) says so in Sec-Fetch-Site', { 'sec-fetch-site': 'same-site' }],
    ['a cross-site page says so in Sec-Fetch-Site', { 'sec-fetch-site': 'cross-site' }],
    ['an older browser sends only the Origin of another port', { origin: 'http://crm.example.com:4000' }],
    ['an older browser sends only the Origin of another host', { origin: 'https://evil.example' }],
    ['the Origin is opaque', { origin: 'null' }],
  ])('refuses a JSON write when %s', async (_, headers) => {
    const response = await send(
      'POST',
      '/api/v1/teams',
      { ...headers, 'content-type': 'application/json' },
      JSON.stringify({ name: 'Planted' }),
    );
    expect(response.statusCode).toBe(403);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({ status: 403, code: 'cross_origin_request' });
    const teams = await send('GET', '/api/v1/teams', {});
    expect(JSON.stringify(teams.json())).not.toContain('Planted');
  });

  it('refuses a multipart import and body-less writes from another port, whatever their content type', async () => {
    const sameSite = { 'sec-fetch-site': 'same-site' };
    const upload = await send(
      'POST',
      '/api/v1/imports',
      { ...sameSite, 'content-type': 'multipart/form-data; boundary=b' },
      '--b\r\nContent-Disposition: form-data; name="object"\r\n\r\npeople\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nfirstName\r\nAli\r\n--b--\r\n',
    );
    expect(upload.statusCode).toBe(403);
    const readAll = await send('POST', '/api/v1/notifications/read-all', {
      ...sameSite,
      'content-type': 'text/plain',
    });
    expect(readAll.statusCode).toBe(403);
    const remove = await send('DELETE', '/api/v1/views/00000000-0000-4000-8000-000000000000', sameSite);
    expect(remove.statusCode).toBe(403);
    expect(remove.json().code).toBe('cross_origin_request');
  });

  it('accepts writes from its own pages, by Sec-Fetch-Site or by an Origin naming the server', async () => {
    const own: Record<string, string>[] = [
      { 'sec-fetch-site': 'same-origin' },
      { origin: 'http://crm.example.com:3000' },
      {}, // a program (curl, a script): no browser headers, no ambient cookie of a victim
    ];
    for (const headers of own) {
      const response = await send(
        'POST',
        '/api/v1/teams',
        { ...headers, 'content-type': 'application/json' },
        JSON.stringify({ name: `Team ${JSON.stringify(headers).length}` }),
      );
      expect(response.statusCode, JSON.stringify(headers)).toBe(201);
    }
  });

  it('leaves reads and API keys alone', async () => {
    const read = await send('GET', '/api/v1/teams', { 'sec-fetch-site': 'cross-site' });
    expect(read.statusCode).toBe(200);
    const key = await send(
      'POST',
      '/api/v1/api-keys',
      { 'content-type': 'application/json' },
      JSON.stringify({ name: 'Integration', role: 'admin' }),
    );
    expect(key.statusCode).toBe(201);
    const withKey = await t.app.inject({
      method: 'POST',
      url: '/api/v1/teams',
      headers: {
        authorization: `Bearer ${key.json().token}`,
        'sec-fetch-site': 'cross-site',
        origin: 'https://integration.example',
        'content-type': 'application/json',
      },
      payload: JSON.stringify({ name: 'From an integration' }),
    });
    expect(withKey.statusCode).toBe(201);
  });
});
