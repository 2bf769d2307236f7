// Deliveries to one workspace's receiver that never answers do not hold back another workspace's deliveries, and
// its circuit breaker holds the rest of its deliveries (pending, retried later) instead of trying each in turn.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { withWorkspace } from '@rabita/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { principalForMember } from '../auth/members.service.ts';
import { CircuitBreakers } from './circuit-breaker.ts';
import { deliverDueWebhooks } from './webhook-delivery.ts';
import { createWebhook } from './webhooks.service.ts';

describe('webhook delivery to slow receivers', () => {
  let t: TestApp;
  let slowTenant: Awaited<ReturnType<typeof signUp>>;
  let fastTenant: Awaited<ReturnType<typeof signUp>>;
  let silent: http.Server;
  let prompt: http.Server;
  const arrivals: { at: number; body: string }[] = [];
  let silentRequests = 0;
  const call = apiCaller(
    () => t.app,
    () => slowTenant.cookie,
  );
  const urlOf = (server: http.Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const subscribe = async (tenant: Awaited<ReturnType<typeof signUp>>, url: string) => {
    const principal = await principalForMember(t.handle.db, tenant.userId, tenant.workspaceId);
    return createWebhook(
      { db: t.handle.db, principal: principal! },
      { url, objects: ['people'], events: ['created'] },
      { allowPrivate: true },
    );
  };
  const listen = (server: http.Server) =>
    new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    slowTenant = await signUp(t.app);
    fastTenant = await signUp(t.app);
    // Reads the request and never answers.
    silent = http.createServer((req) => {
      silentRequests += 1;
      req.resume();
    });
    prompt = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        arrivals.push({ at: Date.now(), body });
        res.writeHead(204).end();
      });
    });
    await listen(silent);
    await listen(prompt);
  });
  afterAll(async () => {
    silent?.closeAllConnections();
    silent?.close();
    prompt?.close();
    await t?.close();
  });

  it("delivers another workspace's event at once while a receiver never answers, and holds the silent one", async () => {
    const slowHook = await subscribe(slowTenant, urlOf(silent));
    await subscribe(fastTenant, urlOf(prompt));
    for (let i = 0; i < 6; i++)
      expect((await call('POST', '/objects/people', { firstName: `Slow ${i}` })).statusCode).toBe(201);
    const fast = await call('POST', '/objects/people', { firstName: 'Fast' }, fastTenant.cookie);
    expect(fast.statusCode).toBe(201);

    const started = Date.now();
    const run = deliverDueWebhooks(t.handle.db, {
      allowPrivate: true,
      timeouts: { connectMs: 1_000, totalMs: 1_500 },
    });
    while (arrivals.length === 0 && Date.now() - started < 5_000) await new Promise((r) => setTimeout(r, 20));
    expect(arrivals).toHaveLength(1);
    expect(JSON.parse(arrivals[0]!.body).data.changes.firstName.to).toBe('Fast');
    // The fast receiver was not queued behind the silent one's 1.5 s timeouts.
    expect(arrivals[0]!.at - started).toBeLessThan(1_000);

    const attempted = await run;
    // One in flight per target: the silent receiver saw its requests one at a time, three before its breaker
    // opened; the other three deliveries are held, pending and untried, until the pause ends.
    expect(silentRequests).toBe(3);
    expect(attempted).toBe(4);
    const rows = await withWorkspace(t.handle.db, slowTenant.workspaceId, (trx) =>
      trx
        .selectFrom('webhookDeliveries')
        .select(['status', 'attemptCount', 'nextAttemptAt'])
        .where('workspaceId', '=', slowTenant.workspaceId)
        .where('webhookId', '=', slowHook.id)
        .execute(),
    );
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.status === 'pending')).toBe(true);
    expect(rows.filter((r) => r.attemptCount === 1)).toHaveLength(3);
    const held = rows.filter((r) => r.attemptCount === 0);
    expect(held).toHaveLength(3);
    for (const r of held) {
      const wait = (r.nextAttemptAt as Date).getTime() - Date.now();
      expect(wait).toBeGreaterThan(20_000);
      expect(wait).toBeLessThan(40_000);
    }
    // Nothing is due now: a second run sends nothing and the silent receiver hears nothing more.
    expect(await deliverDueWebhooks(t.handle.db, { allowPrivate: true })).toBe(0);
    expect(silentRequests).toBe(3);
  }, 30_000);

  it('opens a breaker after consecutive unanswered attempts, for a pause that grows, and closes on an answer', () => {
    const breakers = new CircuitBreakers({ threshold: 2, firstPauseMs: 1_000, maxPauseMs: 3_000 });
    const now = 1_000_000;
    expect(breakers.failed('a', now)).toBeNull();
    expect(breakers.heldUntil('a', now)).toBeNull();
    expect(breakers.failed('a', now)?.getTime()).toBe(now + 1_000);
    expect(breakers.heldUntil('a', now + 999)?.getTime()).toBe(now + 1_000);
    expect(breakers.heldUntil('b', now)).toBeNull();
    // The trial after the pause fails: held again at once, twice as long, then no longer than the cap.
    expect(breakers.heldUntil('a', now + 1_000)).toBeNull();
    expect(breakers.failed('a', now + 1_000)?.getTime()).toBe(now + 3_000);
    expect(breakers.failed('a', now + 3_000)?.getTime()).toBe(now + 6_000);
    breakers.succeeded('a');
    expect(breakers.heldUntil('a', now + 3_000)).toBeNull();
    expect(breakers.failed('a', now + 3_000)).toBeNull();
  });
});
