import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../test/harness.ts';

// Walks every API route that takes an id, as workspace A, with workspace B's ids: each must behave exactly
// as for a missing id, and B's data must come through untouched.

describe('tenant isolation across every route', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof signUp>>;
  let b: Awaited<ReturnType<typeof signUp>>;
  const ids: Record<string, string> = {};

  const as = (cookie: string, method: string, url: string, payload?: unknown) =>
    t.app.inject({
      method: method as 'GET',
      url,
      headers: { cookie },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    a = await signUp(t.app);
    b = await signUp(t.app);
    const post = async (url: string, payload: object) => {
      const response = await as(b.cookie, 'POST', `/api/v1${url}`, payload);
      expect(response.statusCode, `${url}: ${response.body}`).toBeLessThan(300);
      return response.json();
    };
    ids.company = (await post('/objects/companies', { name: 'B company' })).id;
    ids.person = (await post('/objects/people', { firstName: 'B person', company: ids.company })).id;
    ids.deal = (await post('/objects/deals', { name: 'B deal' })).id;
    ids.apiKey = (await post('/api-keys', { name: 'B key', role: 'member' })).id;
    ids.webhook = (
      await post('/webhooks', { url: 'http://93.184.216.34/b-hook', objects: ['*'], events: ['created'] })
    ).id;
    await post('/metadata/objects', {
      key: 'bonly',
      labels: { singular: { en: 'B only' }, plural: { en: 'B only' } },
    });
    ids.custom = (await post('/objects/bonly', { name: 'B custom record' })).id;
    await post('/metadata/objects/people/fields', {
      key: 'bSecret',
      type: 'text',
      labels: { en: 'B secret' },
    });
    await post('/roles', { key: 'b_role', name: 'B role', permissions: { actions: [], objects: {} } });
  });
  afterAll(() => t?.close());

  function expansions(url: string): string[] {
    let urls = [url];
    const replace = (param: string, values: string[]) => {
      urls = urls.flatMap((u) =>
        u.includes(`:${param}`) ? values.map((v) => u.replace(`:${param}`, v)) : [u],
      );
    };
    replace('object', ['people', 'companies', 'deals', 'bonly']);
    replace('id', Object.values(ids));
    replace('field', ['bSecret']);
    replace('key', ['b_role']);
    // Only calls that name something of B's: A's own lists (e.g. /objects/people) rightly answer 200.
    const bs = [...Object.values(ids), 'bonly', 'bSecret', 'b_role'];
    return urls.filter((u) => bs.some((v) => u.includes(v)));
  }

  it('answers A’s calls with B’s ids as not found (or refuses them), never with B’s data', async () => {
    const walked: string[] = [];
    for (const route of t.app.apiRoutes) {
      if (!route.url.includes(':') || route.method === 'HEAD') continue;
      for (const url of expansions(route.url)) {
        const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
        const response = await as(a.cookie, route.method, url, payload);
        walked.push(`${route.method} ${url}`);
        expect([400, 403, 404], `${route.method} ${url}: ${response.statusCode} ${response.body}`).toContain(
          response.statusCode,
        );
        for (const secret of ['B person', 'B company', 'B deal', 'B key', 'B custom record', 'b-hook']) {
          expect(response.body, `${route.method} ${url}`).not.toContain(secret);
        }
      }
    }
    expect(walked.length).toBeGreaterThan(20);

    // Referring to B's records from A's writes is refused too.
    const linked = await as(a.cookie, 'POST', '/api/v1/objects/people', {
      firstName: 'A',
      company: ids.company,
    });
    expect(linked.statusCode).toBe(400);
    const switched = await as(a.cookie, 'POST', '/api/v1/auth/switch-workspace', {
      workspaceId: b.workspaceId,
    });
    expect(switched.statusCode).toBe(404);

    // B's data is untouched.
    const person = await as(b.cookie, 'GET', `/api/v1/objects/people/${ids.person}`);
    expect(person.json()).toMatchObject({ firstName: 'B person', company: ids.company });
    expect((await as(b.cookie, 'GET', '/api/v1/api-keys')).json().data).toHaveLength(1);
    expect((await as(b.cookie, 'GET', `/api/v1/objects/bonly/${ids.custom}`)).statusCode).toBe(200);
  });
});
