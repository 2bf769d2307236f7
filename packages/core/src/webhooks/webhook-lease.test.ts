// A delivery claimed by a worker that died mid-attempt comes due again when its lease ends, and the lease ends
// before the dead worker's job is released, so the released job sends it at once (issue 17: a killed worker's
// jobs are picked up within two minutes; test/scale/many-instances.test.ts kills a real worker).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { withWorkspace } from '@rabita/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { principalForMember } from '../auth/members.service.ts';
import { DEFAULT_HEARTBEAT } from '../jobs/job-worker.ts';
import { claimNextDelivery } from './webhook-deliveries.repository.ts';
import { DEFAULT_TIMEOUTS, deliverDueWebhooks, WEBHOOK_LEASE_SECONDS } from './webhook-delivery.ts';
import { createWebhook } from './webhooks.service.ts';

describe('the lease on a claimed webhook delivery', () => {
  let t: TestApp;
  let tenant: Awaited<ReturnType<typeof signUp>>;
  let receiver: http.Server;
  const arrivals: string[] = [];
  const call = apiCaller(
    () => t.app,
    () => tenant.cookie,
  );

  beforeAll(async () => {
    t = await createTestApp();
    tenant = await signUp(t.app);
    receiver = http.createServer((req, res) => {
      arrivals.push(String(req.headers['rabita-delivery']));
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', () => resolve()));
  });
  afterAll(async () => {
    receiver?.close();
    await t?.close();
  });

  it('sends a delivery again once the lease of a sender that died mid-attempt has ended, and not before', async () => {
    const principal = await principalForMember(t.handle.db, tenant.userId, tenant.workspaceId);
    const hook = await createWebhook(
      { db: t.handle.db, principal: principal! },
      {
        url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
        objects: ['people'],
        events: ['created'],
      },
      { allowPrivate: true },
    );
    expect((await call('POST', '/objects/people', { firstName: 'Leased' })).statusCode).toBe(201);
    // A worker claims the delivery, as it does before sending, and dies before recording the attempt.
    const claimed = await withWorkspace(t.handle.db, tenant.workspaceId, (trx) =>
      claimNextDelivery(trx, tenant.workspaceId, hook.id, 2),
    );
    expect(claimed).toBeDefined();
    // While the lease runs, no other run sends it.
    expect(await deliverDueWebhooks(t.handle.db, { allowPrivate: true, leaseSeconds: 2 })).toBe(0);
    expect(arrivals).toEqual([]);
    await new Promise((r) => setTimeout(r, 2_100));
    expect(await deliverDueWebhooks(t.handle.db, { allowPrivate: true, leaseSeconds: 2 })).toBe(1);
    expect(arrivals).toEqual([claimed!.id]);
    const row = await withWorkspace(t.handle.db, tenant.workspaceId, (trx) =>
      trx
        .selectFrom('webhookDeliveries')
        .select(['status', 'attemptCount'])
        .where('id', '=', claimed!.id)
        .executeTakeFirstOrThrow(),
    );
    expect(row).toEqual({ status: 'delivered', attemptCount: 1 });
  });

  it('outlasts any attempt and ends before a dead worker can first have its jobs released', () => {
    // An attempt takes at most the connect and total limits; a lease shorter could let a second worker send too.
    expect(WEBHOOK_LEASE_SECONDS * 1000).toBeGreaterThan(
      DEFAULT_TIMEOUTS.connectMs + DEFAULT_TIMEOUTS.totalMs,
    );
    // A killed worker beat last at most one interval before it died and is released once silent for staleAfterMs:
    // the released job must find its delivery due, or the delivery waits for the next minutely run.
    expect(WEBHOOK_LEASE_SECONDS * 1000).toBeLessThan(
      DEFAULT_HEARTBEAT.staleAfterMs - DEFAULT_HEARTBEAT.intervalMs,
    );
  });
});
