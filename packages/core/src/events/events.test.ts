import type { AddressInfo } from 'node:net';
import { openDatabase } from '@rabita/db';
import { buildApp } from '@rabita/server';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

/** Reads `event: record` messages from an open SSE response into an array as they arrive. */
function collect(response: Response) {
  const events: Record<string, unknown>[] = [];
  let raw = '';
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const done = (async () => {
    for (;;) {
      const { value, done: finished } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (finished) return;
      raw += decoder.decode(value, { stream: true });
      let cut = raw.indexOf('\n\n');
      while (cut >= 0) {
        const block = raw.slice(0, cut);
        raw = raw.slice(cut + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (block.includes('event: record') && data) events.push(JSON.parse(data.slice(6)));
        cut = raw.indexOf('\n\n');
      }
    }
  })();
  return { events, stop: () => reader.cancel().then(() => done) };
}

async function until(check: () => boolean, ms = 5000) {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('event stream', () => {
  let t: TestApp;
  let second: FastifyInstance;
  let secondHandle: ReturnType<typeof openDatabase>;
  let base: string;
  let secondBase: string;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const post = (url: string, payload: unknown, cookie = admin.cookie) =>
    t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { cookie }, payload: payload as object });
  const open = (url: string, headers: Record<string, string>) => fetch(`${url}/api/v1/events`, { headers });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    // A second app instance on the same database, as behind a load balancer.
    secondHandle = openDatabase(t.url, { poolSize: 3 });
    second = await buildApp(t.config, { db: secondHandle.db, pool: secondHandle.pool });
    await second.listen({ port: 0, host: '127.0.0.1' });
    secondBase = `http://127.0.0.1:${(second.server.address() as AddressInfo).port}`;
    admin = await signUp(t.app);
    other = await signUp(t.app);
  });
  afterAll(async () => {
    await second?.close();
    await secondHandle?.close();
    await t?.close();
  });

  it('streams the workspace’s changes, from either app instance, and never another workspace’s', async () => {
    const response = await open(secondBase, { cookie: admin.cookie });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const stream = collect(response);
    await new Promise((r) => setTimeout(r, 200));
    await post('/objects/people', { firstName: 'Theirs' }, other.cookie);
    const created = await post('/objects/people', { firstName: 'نرگس', jobTitle: 'Agent' });
    const id = created.json().id;
    await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/objects/people/${id}`,
      headers: { cookie: admin.cookie },
      payload: { jobTitle: 'Lead agent' },
    });
    await until(() => stream.events.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    await stream.stop();
    expect(stream.events).toHaveLength(2);
    expect(stream.events[0]).toMatchObject({
      object: 'people',
      recordId: id,
      action: 'created',
      source: 'ui',
    });
    expect(stream.events[1]).toMatchObject({
      object: 'people',
      recordId: id,
      action: 'updated',
      fields: ['jobTitle'],
    });
    expect(JSON.stringify(stream.events)).not.toContain('Lead agent');
  });

  it('sends nothing for a write that rolls back', async () => {
    const stream = collect(await open(base, { cookie: admin.cookie }));
    await new Promise((r) => setTimeout(r, 200));
    const bad = await post('/objects/people', { firstName: 'x', emails: ['not an email'] });
    expect(bad.statusCode).toBe(400);
    const good = await post('/objects/companies', { name: 'Pars' });
    await until(() => stream.events.length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    await stream.stop();
    expect(stream.events.map((e) => e.recordId)).toEqual([good.json().id]);
  });

  it('filters by the caller’s role: unreadable objects, other owners under own-records-only, hidden fields', async () => {
    const role = await post('/roles', {
      key: 'own',
      name: 'Own only',
      permissions: {
        actions: [],
        objects: {
          people: {
            read: true,
            create: true,
            update: true,
            delete: false,
            ownRecordsOnly: true,
            hiddenFields: ['jobTitle'],
          },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const key = await post('/api-keys', { name: 'own', role: 'own' });
    const stream = collect(await open(base, { authorization: `Bearer ${key.json().token}` }));
    const adminStream = collect(await open(base, { cookie: admin.cookie }));
    await new Promise((r) => setTimeout(r, 200));
    await post('/objects/people', { firstName: 'Owned by admin', jobTitle: 'x' });
    await post('/objects/companies', { name: 'Not readable' });
    await until(() => adminStream.events.length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    await stream.stop();
    await adminStream.stop();
    // An API key owns nothing, so under own-records-only it sees no people and no companies.
    expect(stream.events).toEqual([]);
  });

  it('refuses a caller without credentials with a problem document', async () => {
    const response = await open(base, {});
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('ends open streams when the server closes, so shutdown does not wait for them', async () => {
    const handle = openDatabase(t.url, { poolSize: 2 });
    const app = await buildApp(t.config, { db: handle.db, pool: handle.pool });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const response = await open(url, { cookie: admin.cookie });
    expect(response.status).toBe(200);
    const stream = collect(response);
    const started = Date.now();
    await app.close();
    expect(Date.now() - started).toBeLessThan(3000);
    await stream.stop();
    await handle.close();
  });

  it('gives the LISTEN connection back when the last stream closes', async () => {
    const stream = collect(await open(base, { cookie: admin.cookie }));
    await new Promise((r) => setTimeout(r, 200));
    await stream.stop();
    await until(() => t.handle.pool.totalCount - t.handle.pool.idleCount === 0);
    expect(t.handle.pool.totalCount - t.handle.pool.idleCount).toBe(0);
  });
});
