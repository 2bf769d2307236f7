import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { withWorkspace } from '@rabita/db';
import { loadConfig, startWorker } from '@rabita/server';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { apiCaller, countStatements, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { principalForMember } from '../auth/members.service.ts';
import { deliverDueWebhooks } from './webhook-delivery.ts';
import { createWebhook } from './webhooks.service.ts';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('webhooks', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let receiver: http.Server;
  let receiverUrl: string;
  let answer = 200;
  const received: Received[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const deliveries = (webhookId: string) =>
    withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      trx
        .selectFrom('webhookDeliveries')
        .selectAll()
        .where('workspaceId', '=', admin.workspaceId)
        .where('webhookId', '=', webhookId)
        .orderBy('id')
        .execute(),
    );
  /** A webhook to the local receiver (a loopback address, so created as an instance that allows them). */
  const subscribe = async (objects = ['people'], events = ['created', 'updated']) => {
    const principal = await principalForMember(t.handle.db, admin.userId, admin.workspaceId);
    return createWebhook(
      { db: t.handle.db, principal: principal! },
      { url: receiverUrl, objects, events },
      { allowPrivate: true },
    );
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(answer).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  afterAll(async () => {
    receiver?.close();
    await t?.close();
  });
  beforeEach(async () => {
    received.length = 0;
    answer = 200;
    // Each test starts with no subscription and nothing pending.
    await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      trx.deleteFrom('webhooks').where('workspaceId', '=', admin.workspaceId).execute(),
    );
  });

  it('refuses private, loopback, link-local and non-http targets, unknown objects and events, naming each field', async () => {
    for (const url of [
      receiverUrl,
      'http://10.0.0.1/x',
      'http://169.254.169.254/latest',
      'http://[::1]/x',
      'ftp://example.com',
      'not a url',
    ]) {
      const r = await call('POST', '/webhooks', { url, objects: ['people'], events: ['created'] });
      expect(r.statusCode, url).toBe(400);
      expect(
        r.json().errors.map((e: { field: string }) => e.field),
        url,
      ).toEqual(['body.url']);
    }
    const r = await call('POST', '/webhooks', {
      url: 'http://10.0.0.1/x',
      objects: ['nothing'],
      events: ['exploded'],
    });
    expect(
      r
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.events', 'body.objects', 'body.url']);
    expect(
      (await call('POST', '/webhooks', { url: 'x'.repeat(3000), objects: ['people'], events: ['created'] }))
        .statusCode,
    ).toBe(400);
    expect((await call('POST', '/webhooks', { objects: ['people'] })).statusCode).toBe(400);
  });

  it("refuses this server's own interface addresses and special-purpose ranges when saved", async () => {
    const port = (receiver.address() as AddressInfo).port;
    const own = Object.values(os.networkInterfaces())
      .flat()
      .flatMap((a) => (a && !a.address.includes('%') ? [a] : []))
      .map((a) => (a.family === 'IPv6' ? `[${a.address}]` : a.address));
    for (const host of [
      ...own,
      '[::127.0.0.1]',
      '[::ffff:0:a00:1]',
      '[100::1]',
      '192.0.2.1',
      '198.51.100.1',
    ]) {
      const url = `http://${host}:${port}/hook`;
      const r = await call('POST', '/webhooks', { url, objects: ['people'], events: ['created'] });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().errors[0].field, url).toBe('body.url');
    }
  });

  it("refuses at delivery time a target on this server's own interface address (it would be routed over loopback)", async () => {
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((a) => a && !a.internal && a.family === 'IPv4');
    if (!external) return; // a machine with loopback alone has no such address
    const everywhere = http.createServer((req, res) => {
      received.push({ headers: req.headers, body: '' });
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => everywhere.listen(0, '0.0.0.0', resolve));
    try {
      const principal = await principalForMember(t.handle.db, admin.userId, admin.workspaceId);
      const hook = await createWebhook(
        { db: t.handle.db, principal: principal! },
        {
          url: `http://${external.address}:${(everywhere.address() as AddressInfo).port}/hook`,
          objects: ['people'],
          events: ['created'],
        },
        { allowPrivate: true },
      );
      await call('POST', '/objects/people', { firstName: 'Own address' });
      await deliverDueWebhooks(t.handle.db, { allowPrivate: false });
      expect(received).toHaveLength(0);
      const [row] = await deliveries(hook.id);
      expect(row).toMatchObject({ status: 'pending', attemptCount: 1 });
      expect(JSON.stringify(row!.attempts)).toContain('Refused');
    } finally {
      everywhere.close();
    }
  });

  it('signs each delivery with the secret and a timestamp, and logs it as delivered', async () => {
    const hook = await subscribe();
    expect(hook.secret).toMatch(/^rbw_/);
    const person = (await call('POST', '/objects/people', { firstName: 'هدی' })).json();
    expect(await deliverDueWebhooks(t.handle.db, { allowPrivate: true })).toBe(1);
    expect(received).toHaveLength(1);
    const { headers, body } = received[0]!;
    const signature = String(headers['rabita-signature']);
    const [, ts, mac] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature) ?? [];
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    expect(mac).toBe(createHmac('sha256', hook.secret).update(`${ts}.${body}`).digest('hex'));
    expect(headers['rabita-event']).toBe('people.created');
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({
      type: 'people.created',
      workspaceId: admin.workspaceId,
      data: {
        object: 'people',
        id: person.id,
        action: 'created',
        changes: { firstName: { from: null, to: 'هدی' } },
      },
    });
    const log = await call('GET', `/webhooks/${hook.id}/deliveries`);
    expect(log.statusCode, log.body).toBe(200);
    expect(log.json().data[0]).toMatchObject({
      status: 'delivered',
      attemptCount: 1,
      attempts: [{ statusCode: 200 }],
    });
  });

  it('sends only subscribed objects and events, and nothing for a write that rolled back', async () => {
    const hook = await subscribe(['people'], ['updated']);
    await call('POST', '/objects/people', { firstName: 'Not sent: created' });
    await call('POST', '/objects/companies', { name: 'Not sent: companies' });
    expect((await call('POST', '/objects/people', { firstName: 'x', emails: ['bad'] })).statusCode).toBe(400);
    expect(await deliveries(hook.id)).toHaveLength(0);
  });

  it('asks nothing of a write no webhook listens to, and hears a webhook made through any instance', async () => {
    const listenerReads = countStatements(t.handle.pool, /select objects, events from webhooks/);
    const outboxReads = countStatements(
      t.handle.pool,
      /left join roles r on r\.workspace_id = w\.workspace_id/,
    );
    const version = async () =>
      Number(
        (
          await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
            trx
              .selectFrom('workspaces')
              .select('automationVersion')
              .where('id', '=', admin.workspaceId)
              .executeTakeFirstOrThrow(),
          )
        ).automationVersion,
      );
    // Nothing listens: the second write asks nothing at all.
    expect((await call('POST', '/objects/people', { firstName: 'Unheard' })).statusCode).toBe(201);
    const asked = listenerReads.count;
    expect((await call('POST', '/objects/people', { firstName: 'Unheard again' })).statusCode).toBe(201);
    expect(listenerReads.count).toBe(asked);
    expect(outboxReads.count).toBe(0);
    // Subscribing moves the workspace's automation version, which every instance checks at its next transaction.
    const before = await version();
    const hook = await subscribe(['people'], ['created']);
    expect(await version()).toBe(before + 1);
    const made = await call('POST', '/objects/people', { firstName: 'Heard', lastName: 'صدا' });
    expect((await deliveries(hook.id)).map((d) => d.recordId)).toEqual([made.json().id]);
    expect(outboxReads.count).toBe(1);
    // Another instance's subscription: its row and the version it moves, committed elsewhere.
    const theirs = crypto.randomUUID();
    await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      await trx
        .insertInto('webhooks')
        .values({
          workspaceId: admin.workspaceId,
          id: theirs,
          url: receiverUrl,
          objects: ['companies'],
          events: ['created'],
          secret: 'rbw_elsewhere',
          createdBy: admin.userId,
          roleId: (
            await trx
              .selectFrom('roles')
              .select('id')
              .where('workspaceId', '=', admin.workspaceId)
              .where('key', '=', 'admin')
              .executeTakeFirstOrThrow()
          ).id,
        })
        .execute();
      await trx
        .updateTable('workspaces')
        .set({ automationVersion: sql`automation_version + 1` })
        .where('id', '=', admin.workspaceId)
        .execute();
    });
    const company = await call('POST', '/objects/companies', { name: 'شرکت شنیده' });
    expect((await deliveries(theirs)).map((d) => d.recordId)).toEqual([company.json().id]);
    // Deleting ours moves the version again: people are written without a delivery or the outbox's read.
    expect((await call('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect(await version()).toBe(before + 3);
    const reads = outboxReads.count;
    expect((await call('POST', '/objects/people', { firstName: 'Unheard at last' })).statusCode).toBe(201);
    expect(outboxReads.count).toBe(reads);
  });

  it('retries a failing receiver with backoff, then gives up after the last retry', async () => {
    const hook = await subscribe();
    answer = 503;
    await call('POST', '/objects/people', { firstName: 'Retry' });
    await deliverDueWebhooks(t.handle.db, { allowPrivate: true });
    let [row] = await deliveries(hook.id);
    expect(row).toMatchObject({ status: 'pending', attemptCount: 1 });
    const wait = (row!.nextAttemptAt as Date).getTime() - Date.now();
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThan(70_000);
    // Not due yet: nothing is sent.
    expect(await deliverDueWebhooks(t.handle.db, { allowPrivate: true })).toBe(0);
    for (let i = 0; i < 5; i++) {
      await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
        sql`update webhook_deliveries set next_attempt_at = now()
          where workspace_id = ${admin.workspaceId} and status = 'pending'`.execute(trx),
      );
      await deliverDueWebhooks(t.handle.db, { allowPrivate: true });
    }
    [row] = await deliveries(hook.id);
    expect(row).toMatchObject({ status: 'failed', attemptCount: 6, nextAttemptAt: null });
    expect(received).toHaveLength(6);
  });

  it('refuses at connect time a target that now is, or resolves to, a private address', async () => {
    const byAddress = await subscribe();
    const principal = await principalForMember(t.handle.db, admin.userId, admin.workspaceId);
    const byName = await createWebhook(
      { db: t.handle.db, principal: principal! },
      { url: receiverUrl.replace('127.0.0.1', 'localhost'), objects: ['people'], events: ['created'] },
      { allowPrivate: true },
    );
    await call('POST', '/objects/people', { firstName: 'Rebinding' });
    await deliverDueWebhooks(t.handle.db, { allowPrivate: false });
    expect(received).toHaveLength(0);
    for (const hook of [byAddress, byName]) {
      const [row] = await deliveries(hook.id);
      expect(row).toMatchObject({ status: 'pending', attemptCount: 1 });
      expect(JSON.stringify(row!.attempts)).toContain('Refused');
    }
  });

  it('is delivered by the job worker soon after the write commits', async () => {
    await subscribe();
    const config = loadConfig({
      DATABASE_URL: t.url,
      LOG_LEVEL: 'silent',
      RABITA_WORKER_CONCURRENCY: '1',
      RABITA_WEBHOOKS_ALLOW_PRIVATE: 'true',
    });
    const runner = await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }));
    try {
      await call('POST', '/objects/people', { firstName: 'Via worker' });
      for (let i = 0; i < 100 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(received).toHaveLength(1);
      expect(JSON.parse(received[0]!.body).data.changes.firstName.to).toBe('Via worker');
    } finally {
      await runner.stop();
    }
  });

  it('changes a subscription with the same checks, and sends a failed delivery again on request', async () => {
    const hook = await subscribe(['people'], ['created']);
    const patched = await call('PATCH', `/webhooks/${hook.id}`, {
      events: ['created', 'deleted'],
      description: 'CRM sync',
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json()).toMatchObject({
      events: ['created', 'deleted'],
      description: 'CRM sync',
      url: receiverUrl,
    });
    const cleared = await call('PATCH', `/webhooks/${hook.id}`, { description: null });
    expect(cleared.json().description).toBeNull();
    const refused = await call('PATCH', `/webhooks/${hook.id}`, {
      url: 'http://10.1.2.3/x',
      objects: ['nothing'],
    });
    expect(refused.statusCode).toBe(400);
    expect(
      refused
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.objects', 'body.url']);
    expect((await call('PATCH', `/webhooks/${hook.id}`, { secret: 'mine' })).statusCode).toBe(400);

    answer = 500;
    await call('POST', '/objects/people', { firstName: 'Again' });
    for (let i = 0; i < 6; i++) {
      await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
        sql`update webhook_deliveries set next_attempt_at = now()
          where workspace_id = ${admin.workspaceId} and status = 'pending'`.execute(trx),
      );
      await deliverDueWebhooks(t.handle.db, { allowPrivate: true });
    }
    const [failed] = await deliveries(hook.id);
    expect(failed).toMatchObject({ status: 'failed' });
    answer = 200;
    const retry = await call('POST', `/webhooks/${hook.id}/deliveries/${failed!.id}/retry`);
    expect(retry.statusCode, retry.body).toBe(202);
    await deliverDueWebhooks(t.handle.db, { allowPrivate: true });
    const [done] = await deliveries(hook.id);
    expect(done).toMatchObject({ status: 'delivered' });
    expect((await call('POST', `/webhooks/${hook.id}/deliveries/${hook.id}/retry`)).statusCode).toBe(404);
    expect(
      (await call('POST', `/webhooks/${hook.id}/deliveries/${failed!.id}/retry`, undefined, other.cookie))
        .statusCode,
    ).toBe(404);
  });

  it('lists and removes subscriptions; another workspace’s id is 404; members may not manage them', async () => {
    const hook = await subscribe();
    const list = await call('GET', '/webhooks');
    expect(list.json().data.map((w: { id: string }) => w.id)).toEqual([hook.id]);
    expect(JSON.stringify(list.json())).not.toContain(hook.secret);
    expect((await call('GET', `/webhooks/${hook.id}/deliveries`, undefined, other.cookie)).statusCode).toBe(
      404,
    );
    expect((await call('DELETE', `/webhooks/${hook.id}`, undefined, other.cookie)).statusCode).toBe(404);
    expect((await call('GET', `/webhooks/not-an-id/deliveries`)).statusCode).toBe(404);
    expect((await call('GET', `/webhooks/${hook.id}/deliveries?cursor=garbage`)).statusCode).toBe(400);
    const key = await call('POST', '/api-keys', { name: 'member', role: 'member' });
    const asMember = await t.app.inject({
      method: 'GET',
      url: '/api/v1/webhooks',
      headers: { authorization: `Bearer ${key.json().token}` },
    });
    expect(asMember.statusCode).toBe(403);
    expect((await call('DELETE', `/webhooks/${hook.id}`)).statusCode).toBe(204);
    expect((await call('GET', '/webhooks')).json().data).toEqual([]);
  });
});
