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
      if (route.url.endsWith('/events') || route.url.endsWith('/auth/sign-out')) continue;
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
