import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../test/harness.ts';

// Walks every API route with wrong, missing, huge and hostile input, as an admin (who passes every permission
// check, so the input reaches the service): each answer must be a deliberate 4xx problem document (or a
// success for input that happens to be acceptable), never a 500 and never a stack trace.

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'x'.repeat(100_000),
  "'; drop table people; --",
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00%ff',
  '\uD800', // a lone surrogate
  'علی\u200C\u202Eکریمی',
  '{{constructor.constructor("return process")()}}',
];

const HOSTILE_BODIES: unknown[] = [
  null,
  [],
  'text',
  42,
  true,
  { __proto__: { admin: true } },
  { constructor: { prototype: { polluted: true } } },
  Object.fromEntries(HOSTILE_STRINGS.map((s, i) => [`f${i}`, s])),
  { email: 123, password: [], name: {}, filter: { and: 'x' }, records: 'x', role: null, url: 7 },
  { filter: JSON.parse(`${'{"not":'.repeat(200)}{}${'}'.repeat(200)}`) },
  { records: Array.from({ length: 1001 }, () => ({})) },
];

describe('hostile input on every route', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let personId: string;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    const person = await t.app.inject({
      method: 'POST',
      url: '/api/v1/objects/people',
      headers: { cookie: admin.cookie },
      payload: { firstName: 'Target' },
    });
    personId = person.json().id;
  });
  afterAll(() => t?.close());

  function fill(url: string, value: string): string {
    return url
      .replace(':object', 'people')
      .replace(/:(id|userId)/, value === 'valid' ? personId : encodeURIComponent(value))
      .replace(/:[a-zA-Z]+/g, encodeURIComponent(value === 'valid' ? 'x' : value));
  }

  it('answers every route’s bad input with a 4xx problem document, never a 500', async () => {
    const failures: string[] = [];
    let calls = 0;
    const check = async (method: string, url: string, payload?: unknown, contentType?: string) => {
      calls++;
      const response = await t.app.inject({
        method: method as 'GET',
        url,
        headers: { cookie: admin.cookie, ...(contentType ? { 'content-type': contentType } : {}) },
        ...(payload === undefined
          ? {}
          : { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
      });
      const where = `${method} ${url.slice(0, 120)} ${JSON.stringify(payload)?.slice(0, 80)}`;
      if (response.statusCode >= 500)
        failures.push(`${where} → ${response.statusCode} ${response.body.slice(0, 200)}`);
      if (response.statusCode >= 400 && !String(response.headers['content-type']).includes('problem+json'))
        failures.push(`${where} → ${response.statusCode} without a problem document`);
      if (/\bat .+\.ts:\d+/.test(response.body)) failures.push(`${where} → a stack trace`);
    };

    for (const route of t.app.apiRoutes) {
      if (route.method === 'HEAD') continue;
      // Skip the event stream (it stays open) and sign-out (it would end the admin's session).
      if (route.url === '/api/v1/events' || route.url.endsWith('/auth/sign-out')) continue;
      const hasBody = route.method === 'POST' || route.method === 'PATCH' || route.method === 'PUT';
      for (const value of ['valid', ...HOSTILE_STRINGS.slice(0, 6)]) {
        const url = fill(route.url, value);
        if (hasBody) {
          for (const body of HOSTILE_BODIES) await check(route.method, url, body, 'application/json');
          await check(route.method, url, '{"unterminated": ', 'application/json');
          await check(route.method, url, 'a=b', 'application/x-www-form-urlencoded');
        } else {
          const query = `?filter=${encodeURIComponent('{"field":"x"')}&limit=-1&cursor=${encodeURIComponent(HOSTILE_STRINGS[4]!)}&q=${encodeURIComponent('\u0000')}`;
          await check(route.method, url + query);
          await check(route.method, url);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(calls).toBeGreaterThan(300);
  }, 240_000);
});

describe('text the database cannot store, and values of the wrong type for a column', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let call: (
    method: string,
    url: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ) => Promise<LightMyRequestResponse>;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    call = (method, url, payload, headers = {}) =>
      t.app.inject({
        method: method as 'GET',
        url,
        headers: { cookie: admin.cookie, ...headers },
        ...(payload === undefined ? {} : { payload: payload as string }),
      });
    await call('POST', '/api/v1/objects/people', { firstName: 'Ali' });
    await call('POST', '/api/v1/objects/people', { firstName: 'Sara' });
  });
  afterAll(() => t?.close());

  const cursor = (s: string, v: unknown[]) => Buffer.from(JSON.stringify({ s, v })).toString('base64url');

  it.each([
    ['POST', '/api/v1/teams', { name: 'Sales\u0000' }],
    ['POST', '/api/v1/teams', { name: 'Sales\ud800' }],
    ['PATCH', '/api/v1/workspace', { name: 'Acme\u0000' }],
    ['PATCH', '/api/v1/me', { name: 'Ali\u0000' }],
    [
      'POST',
      '/api/v1/roles',
      { key: 'sales', name: 'Sales\u0000', permissions: { actions: [], objects: {} } },
    ],
    ['PATCH', '/api/v1/roles/sal%00es', { name: 'Sales' }],
    ['POST', '/api/v1/api-keys', { name: 'CI\u0000', role: 'admin' }],
    ['POST', '/api/v1/views', { object: 'people', name: 'Mine\u0000', state: {} }],
    ['POST', '/api/v1/views', { object: 'people', name: 'Mine', teamId: '', state: {} }],
    ['GET', '/api/v1/search?q=%00'],
    ['POST', '/api/v1/objects/people/query', { filter: { field: 'firstName', op: 'eq', value: 'A\ud800' } }],
    ['POST', '/api/v1/objects/people', { firstName: 'Ali', '\u0000': 'x' }],
    ['POST', '/api/v1/objects/pipelines', { name: 'Wholesale', isDefault: null }],
    [
      'GET',
      `/api/v1/objects/people?filter=${encodeURIComponent(JSON.stringify({ field: 'id', op: 'eq', value: 'not-a-uuid' }))}`,
    ],
    [
      'GET',
      `/api/v1/objects/people?filter=${encodeURIComponent(JSON.stringify({ field: 'id', op: 'in', value: ['x'] }))}`,
    ],
    [
      'GET',
      `/api/v1/objects/people?filter=${encodeURIComponent(JSON.stringify({ field: 'firstName', op: 'eq', value: 'A\u0000' }))}`,
    ],
    ['GET', `/api/v1/objects/people?cursor=${cursor('id', ['not-a-uuid'])}`],
    [
      'GET',
      `/api/v1/objects/people?sort=createdAt&cursor=${cursor('createdAt,id', ['yesterday', '00000000-0000-0000-0000-000000000000'])}`,
    ],
    ['GET', `/api/v1/objects/people?sort=-createdAt&cursor=${cursor('-createdAt,-id', [42, 'x'])}`],
    ['POST', '/api/v1/objects/people/aggregate', { metrics: [{ fn: 'min', field: 'emails' }] }],
    ['POST', '/api/v1/objects/people/aggregate', { metrics: [{ fn: 'max', field: 'tags' }] }],
    ['POST', '/api/v1/objects/people/aggregate', { metrics: [{ fn: 'max', field: 'phones' }] }],
    [
      'POST',
      '/api/v1/workflows',
      {
        name: 'Hostile',
        draft: {
          trigger: { type: 'webhook' },
          start: 'n',
          steps: [
            { id: 'n', type: 'notify', users: [{ expr: 'record.owner' }], message: 'Hi\u0000', next: null },
          ],
        },
      },
    ],
    [
      'POST',
      '/api/v1/workflows',
      {
        name: 'Hostile',
        draft: {
          trigger: { type: 'webhook' },
          start: 'n',
          steps: [
            { id: 'n', type: 'notify', users: [{ expr: 'record.owner' }], message: 'Hi\ud800', next: null },
          ],
        },
      },
    ],
  ])('%s %s answers a 400 problem, not a 500', async (method, url, payload?) => {
    const response = await call(method, url, payload === undefined ? undefined : JSON.stringify(payload), {
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    });
    expect(response.statusCode, response.body).toBeGreaterThanOrEqual(400);
    expect(response.statusCode, response.body).toBeLessThan(500);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('creates a pipeline without isDefault as not the default (the column cannot be empty)', async () => {
    const response = await call('POST', '/api/v1/objects/pipelines', JSON.stringify({ name: 'Retail' }), {
      'content-type': 'application/json',
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().isDefault).toBe(false);
  });

  it.each([
    ['without a boundary', 'multipart/form-data', 'whatever'],
    ['truncated', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-da'],
    [
      'with a NUL in the file name',
      'multipart/form-data; boundary=b',
      '--b\r\nContent-Disposition: form-data; name="object"\r\n\r\npeople\r\n--b\r\nContent-Disposition: form-data; name="file"; filename="a\u0000.csv"\r\nContent-Type: text/csv\r\n\r\nfirstName\r\nAli\r\n--b--\r\n',
    ],
  ])('an import upload %s answers a 400 problem', async (_, contentType, payload) => {
    const response = await call('POST', '/api/v1/imports', payload, { 'content-type': contentType });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('answers an address over 16 KB with a 431 problem document (through the real HTTP server)', async () => {
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    const response = await fetch(`${address}/api/v1/objects/people?filter=${'x'.repeat(20_000)}`, {
      headers: { cookie: admin.cookie },
    });
    expect(response.status).toBe(431);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ status: 431, code: 'headers_too_large' });
  });
});
