import { openDatabase } from '@rabita/db';
import { buildApp } from '@rabita/server';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  countStatements,
  createTestApp,
  listenOn,
  sessionCookie,
  signUp,
  type TestApp,
  within,
} from '../../../../test/harness.ts';
import { principalForMember } from './members.service.ts';
import { AUTH_CHANNEL, accessChanged, PrincipalCache } from './principal-cache.ts';

describe('the callers kept in memory', () => {
  let t: TestApp;
  let second: FastifyInstance;
  let secondHandle: ReturnType<typeof openDatabase>;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let lookups: { count: number };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const onSecond = (url: string, headers: Record<string, string>) =>
    second.inject({ method: 'GET', url: `/api/v1${url}`, headers });

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
    // A second app instance on the same database, as behind a load balancer.
    secondHandle = openDatabase(t.url, { poolSize: 3 });
    lookups = countStatements(secondHandle.pool, /rabita_(session|api_key)_principal/);
    second = await buildApp(t.config, { db: secondHandle.db, pool: secondHandle.pool });
    await second.ready();
    // The second instance caches only once it listens for access changes.
    await within(5_000, async () => {
      const before = lookups.count;
      await onSecond('/me', { cookie: admin.cookie });
      await onSecond('/me', { cookie: admin.cookie });
      return lookups.count - before <= 1;
    });
  });
  afterAll(async () => {
    await second?.close();
    await secondHandle?.close();
    await t?.close();
  });

  it('resolves a burst of one caller’s requests with one lookup', async () => {
    const before = lookups.count;
    for (let i = 0; i < 10; i++)
      expect((await onSecond('/me', { cookie: admin.cookie })).statusCode).toBe(200);
    expect(lookups.count - before).toBeLessThanOrEqual(1);
  });

  it('resolves eight requests of one caller arriving at once, with nothing kept, by one lookup', async () => {
    await accessChanged(t.handle.db);
    const before = lookups.count;
    const answers = await Promise.all(
      Array.from({ length: 8 }, () => onSecond('/me', { cookie: admin.cookie })),
    );
    for (const answer of answers) expect(answer.statusCode).toBe(200);
    expect(lookups.count - before).toBe(1);
  });

  it('refuses a key revoked through another instance at once, long before a cached caller would expire', async () => {
    const created = await call('POST', '/api-keys', { name: 'ERP sync', role: 'member' });
    expect(created.statusCode, created.body).toBe(201);
    const bearer = { authorization: `Bearer ${created.json().token}` };
    expect((await onSecond('/objects/people', bearer)).statusCode).toBe(200);
    expect((await onSecond('/objects/people', bearer)).statusCode).toBe(200);
    expect((await call('DELETE', `/api-keys/${created.json().id}`)).statusCode).toBe(204);
    // On the instance that revoked it: at once.
    expect((await call('GET', '/objects/people', undefined, bearer)).statusCode).toBe(401);
    // On the other: as soon as the database's announcement arrives (the cache would keep it for 5 s).
    const took = await within(
      2_000,
      async () => (await onSecond('/objects/people', bearer)).statusCode === 401,
    );
    expect(took).toBeLessThan(2_000);
  });

  it('applies a role’s narrowed permissions and a member’s removal on every instance', async () => {
    const invited = await call('POST', '/invitations', { email: 'agent.cache@example.com', role: 'member' });
    expect(invited.statusCode, invited.body).toBe(201);
    const accepted = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/accept-invitation',
      payload: { token: invited.json().token, name: 'Agent', password: 'correct horse battery' },
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    const cookie = sessionCookie(accepted);
    expect((await onSecond('/objects/deals', { cookie })).statusCode).toBe(200);
    expect((await onSecond('/objects/deals', { cookie })).statusCode).toBe(200);

    const narrowed = await call('PATCH', '/roles/member', {
      permissions: {
        actions: [],
        objects: { people: { read: true, create: false, update: false, delete: false } },
      },
    });
    expect(narrowed.statusCode, narrowed.body).toBe(200);
    await within(2_000, async () => (await onSecond('/objects/deals', { cookie })).statusCode === 403);
    expect((await onSecond('/objects/people', { cookie })).statusCode).toBe(200);

    const me = await onSecond('/me', { cookie });
    const removed = await call('DELETE', `/members/${me.json().user.id}`);
    expect(removed.statusCode, removed.body).toBe(204);
    await within(2_000, async () => (await onSecond('/objects/people', { cookie })).statusCode === 401);
  });

  it('forgets a signed-out session on every instance', async () => {
    const signIn = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { email: admin.email, password: admin.password },
    });
    const cookie = sessionCookie(signIn);
    expect((await onSecond('/me', { cookie })).statusCode).toBe(200);
    expect((await onSecond('/me', { cookie })).statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie } })).statusCode,
    ).toBe(204);
    await within(2_000, async () => (await onSecond('/me', { cookie })).statusCode === 401);
  });

  it('announces every access change on the database, where other processes hear it (a cluster too)', async () => {
    // Another process hears only the database: on one PostgreSQL migration 0017's triggers announce, on a Citus
    // cluster the services do (the triggers would notify from a worker).
    const other = await listenOn(t.url, AUTH_CHANNEL);
    try {
      const key = await call('POST', '/api-keys', { name: 'Announced', role: 'member' });
      expect(key.statusCode, key.body).toBe(201);
      await other.after(async () => (await call('DELETE', `/api-keys/${key.json().id}`)).statusCode);
      await other.after(async () => (await call('PATCH', '/roles/member', { name: 'عضو' })).statusCode);
      const signIn = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        payload: { email: admin.email, password: admin.password },
      });
      const cookie = sessionCookie(signIn);
      await other.after(
        async () =>
          (await t.app.inject({ method: 'POST', url: '/api/v1/auth/sign-out', headers: { cookie } }))
            .statusCode,
      );
      // Nothing is announced by a read.
      const quiet = other.heard.length;
      expect((await call('GET', '/objects/people')).statusCode).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(other.heard.length).toBe(quiet);
    } finally {
      await other.close();
    }
  });

  it('does not keep what a lookup found when access changed while it ran', async () => {
    const cache = new PrincipalCache({ connectionString: t.url });
    try {
      await cache.start();
      expect(cache.listening).toBe(true);
      const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
      const before = cache.generation;
      cache.set('k', principal, before);
      expect(cache.get('k')).toEqual(principal);
      // A lookup begins, a role is edited (anywhere), the lookup ends with what it read before the edit.
      const began = cache.generation;
      await accessChanged(t.handle.db);
      expect(cache.get('k')).toBeUndefined();
      cache.set('k', principal, began);
      expect(cache.get('k')).toBeUndefined();
      // A lookup begun after the change is kept.
      cache.set('k', principal, cache.generation);
      expect(cache.get('k')).toEqual(principal);
    } finally {
      await cache.close();
    }
    expect(cache.listening).toBe(false);
  });
});
