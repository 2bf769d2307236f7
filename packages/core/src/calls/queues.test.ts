import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, type TestApp } from '../../../../test/harness.ts';
import {
  type Account,
  type Connection,
  callEventSender,
  callsTestApp,
  joinAs,
  jsonCaller,
  type Member,
  makeConnection,
} from './calls.test-kit.ts';

type Queue = {
  id: string;
  name: string;
  keys: string[];
  numbers: string[];
  members: string[];
  wrapUpCodes: { code: string; label: string }[];
  wrapUpSeconds: number | null;
};

describe('call queues', () => {
  let t: TestApp;
  let admin: Account;
  let other: Account;
  let agent: Member;
  let colleague: Member;
  let manager: Member;
  let line: Connection;
  let support: Queue;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = jsonCaller(call);
  /** One event of a call through the line, now, to the queue's number unless `extra` says otherwise. */
  const send = callEventSender(() => t.app, { from: '+989121234567', to: '02188776600' });
  const callOf = (id: string) => ok('GET', `/calls/${id}`);

  beforeAll(async () => {
    ({ t, admin, other } = await callsTestApp());
    agent = await joinAs(t.app, admin.cookie, 'agent', 'Queue agent');
    colleague = await joinAs(t.app, admin.cookie, 'agent', 'Queue colleague');
    manager = await joinAs(t.app, admin.cookie, 'manager', 'Queue manager');
    // A queue's numbers are read in the workspace's country, as records' phones are.
    await ok('PATCH', '/workspace', { defaultCountry: 'IR' });
    line = await makeConnection(call, {
      name: 'Office',
      country: 'IR',
      extensions: { '201': agent.userId, '202': colleague.userId },
      wrapUpSeconds: 30,
    });
    await ok('PUT', '/calls/wrap-up-codes', {
      codes: [
        { code: 'resolved', label: 'Resolved' },
        { code: 'callback', label: 'Call back' },
      ],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('makes a queue with its keys, numbers, members, own codes and after-call seconds', async () => {
    const r = await call('POST', '/calls/queues', {
      name: '  Support  ',
      keys: ['support', 'QU-support-1'],
      numbers: ['021 8877 6600', '۸۰۰'],
      members: [agent.userId, colleague.userId],
      wrapUpCodes: [
        { code: 'fixed', label: 'Fixed on the call', labels: { ar: ' حُلّت في المكالمة ', fa: 'حل شد' } },
        { code: 'escalated', label: 'Escalated' },
      ],
      wrapUpSeconds: 900,
    });
    expect(r.statusCode, r.body).toBe(201);
    support = r.json();
    expect(support).toMatchObject({
      name: 'Support',
      keys: ['support', 'QU-support-1'],
      numbers: ['021 8877 6600', '۸۰۰'],
      wrapUpCodes: [
        { code: 'fixed', label: 'Fixed on the call', labels: { ar: 'حُلّت في المكالمة', fa: 'حل شد' } },
        { code: 'escalated', label: 'Escalated', labels: {} },
      ],
      wrapUpSeconds: 900,
    });
    expect([...support.members].sort()).toEqual([agent.userId, colleague.userId].sort());
    expect((await ok('GET', '/calls/queues')).data.map((q: Queue) => q.name)).toEqual(['Support']);
    expect(await ok('GET', `/calls/queues/${support.id}`)).toEqual(support);
    // Agents and managers read calls but do not manage queues; another workspace finds none of it.
    for (const who of [agent.cookie, manager.cookie]) {
      expect((await call('GET', '/calls/queues', undefined, who)).statusCode).toBe(403);
      expect((await call('POST', '/calls/queues', { name: 'Mine' }, who)).statusCode).toBe(403);
      expect((await call('PATCH', `/calls/queues/${support.id}`, { name: 'X' }, who)).statusCode).toBe(403);
    }
    expect((await ok('GET', '/calls/queues', undefined, other.cookie)).data).toEqual([]);
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { name: 'Taken' }],
      ['DELETE', undefined],
    ] as const) {
      const r2 = await call(method, `/calls/queues/${support.id}`, body, other.cookie);
      expect(r2.statusCode, `${method}: ${r2.body}`).toBe(404);
      expect(r2.body).not.toContain('Support');
    }
    expect((await ok('GET', `/calls/queues/${support.id}`)).name).toBe('Support');
  });

  it('refuses a key or number another queue holds, one given twice, and members of another workspace', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'Sales', keys: ['SUPPORT'] }, 'body.keys.0'],
      [{ name: 'Sales', numbers: ['+98 21 8877 6600'] }, 'body.numbers.0'],
      [{ name: 'Sales', keys: ['sales', 'Sales '] }, 'body.keys.1'],
      [{ name: 'Sales', members: [agent.userId, other.userId] }, 'body.members.1'],
      [{ name: 'Sales', members: [crypto.randomUUID()] }, 'body.members.0'],
      [
        {
          name: 'Sales',
          wrapUpCodes: [
            { code: 'a', label: 'A' },
            { code: 'a', label: 'B' },
          ],
        },
        'body.wrapUpCodes.1.code',
      ],
    ];
    for (const [body, field] of cases) {
      const r = await call('POST', '/calls/queues', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // Nothing of the refused queues was kept.
    expect((await ok('GET', '/calls/queues')).data).toHaveLength(1);
    // The same key in another workspace is its own.
    const theirs = await call(
      'POST',
      '/calls/queues',
      { name: 'B support', keys: ['support'] },
      other.cookie,
    );
    expect(theirs.statusCode, theirs.body).toBe(201);
  });

  it('refuses hostile input with a clear 400 and keeps the queue as it was', async () => {
    const before = await ok('GET', `/calls/queues/${support.id}`);
    const bodies: unknown[] = [
      { name: 'a\u0000b' },
      { keys: ['sup\u0000port'] },
      { keys: ['line\nbreak'] },
      { name: 'x'.repeat(201) },
      { keys: Array.from({ length: 51 }, (_, i) => `k${i}`) },
      { numbers: Array.from({ length: 51 }, (_, i) => `+9821000${i}`) },
      { members: Array.from({ length: 501 }, () => crypto.randomUUID()) },
      { wrapUpCodes: Array.from({ length: 101 }, (_, i) => ({ code: `c${i}`, label: 'C' })) },
      { numbers: ['call me'] },
      { members: ["1' or '1'='1"] },
      { wrapUpSeconds: 3601 },
      { wrapUpSeconds: 1.5 },
      { wrapUpCodes: [{ code: 'bad code', label: 'X' }] },
      { wrapUpCodes: [{ code: 'ok', label: 'X', labels: { tr: 'Tamam' } }] },
      { wrapUpCodes: [{ code: 'ok', label: 'X', labels: { ar: 'x'.repeat(201) } }] },
      { wrapUpCodes: [{ code: 'ok', label: 'X', labels: { fa: ' ' } }] },
      { wrapUpCodes: [{ code: 'ok', label: 'X', labels: 'Tamam' }] },
      { id: crypto.randomUUID() },
      [],
    ];
    for (const body of bodies) {
      const r = await call('PATCH', `/calls/queues/${support.id}`, body);
      expect(r.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
    const lone = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/calls/queues/${support.id}`,
      headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      payload: '{"name":"\\ud800"}',
    });
    expect(lone.statusCode).toBe(400);
    expect(lone.body).toMatch(/surrogate/i);
    const huge = await t.app.inject({
      method: 'POST',
      url: '/api/v1/calls/queues',
      headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'Huge', keys: Array.from({ length: 200_000 }, (_, i) => `k${i}`) }),
    });
    expect([400, 413]).toContain(huge.statusCode);
    for (const bad of ['not-a-uuid', '%00', '%ED%A0%80', 'x'.repeat(65), crypto.randomUUID()]) {
      const r = await call('GET', `/calls/queues/${bad}`);
      expect([400, 404], bad).toContain(r.statusCode);
    }
    expect(await ok('GET', `/calls/queues/${support.id}`)).toEqual(before);
    expect((await ok('GET', '/calls/queues')).data).toHaveLength(1);
  });

  it('puts calls in the queue their events name, else the one whose number they dialled', async () => {
    const byKey = await send(line.apiKey, 'k-1', 'ringing', { queue: 'Support', to: '999' });
    expect((await callOf(byKey)).queueId).toBe(support.id);
    const bySid = await send(line.apiKey, 'k-2', 'ringing', { queue: 'qu-support-1', to: '999' });
    expect((await callOf(bySid)).queueId).toBe(support.id);
    // The number dialled, however written (the connection's country; Persian digits), when no queue is named.
    const byNumber = await send(line.apiKey, 'n-1', 'ringing', { to: '+982188776600' });
    expect((await callOf(byNumber)).queueId).toBe(support.id);
    const shortCode = await send(line.apiKey, 'n-2', 'ringing', { to: 'sip:800@pbx.example' });
    expect((await callOf(shortCode)).queueId).toBe(support.id);
    // An unknown key falls back to the number; an outbound call to that number is no queue's.
    const unknown = await send(line.apiKey, 'n-3', 'ringing', { queue: 'nobody', to: '02188776600' });
    expect((await callOf(unknown)).queueId).toBe(support.id);
    const outbound = await send(line.apiKey, 'o-1', 'ringing', { direction: 'outbound', to: '02188776600' });
    expect((await callOf(outbound)).queueId).toBeNull();
    const none = await send(line.apiKey, 'x-1', 'ringing', { to: '999' });
    expect((await callOf(none)).queueId).toBeNull();
    // The queue named on a later event puts the call in it (order does not matter: it is the fold's).
    await send(line.apiKey, 'x-1', 'ringing', { to: '999', queue: 'support' });
    expect((await callOf(none)).queueId).toBe(support.id);
    // Another workspace's events with the same key find its own queue, never this one.
    const theirLine = await makeConnection(call, { name: 'B line' }, other.cookie);
    const theirs = await send(theirLine.apiKey, 'b-1', 'ringing', { queue: 'support' });
    const theirCall = await ok('GET', `/calls/${theirs}`, undefined, other.cookie);
    expect(theirCall.queueId).not.toBe(support.id);
    expect(theirCall.queueId).not.toBeNull();
    // Hostile queue names in call events are refused like any bad field.
    for (const queue of ['a\u0000b', 'x'.repeat(201), '', 'line\nbreak']) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/calls/events',
        headers: { authorization: `Bearer ${line.apiKey}` },
        payload: {
          callId: 'h-1',
          event: 'ringing',
          sequence: 1,
          at: new Date().toISOString(),
          from: '1',
          to: '2',
          queue,
        },
      });
      expect(r.statusCode, JSON.stringify(queue).slice(0, 30)).toBe(400);
    }
  });

  it('answers the codes of the call’s queue, and refuses a code not in them', async () => {
    const queued = await send(line.apiKey, 'w-1', 'ringing', { queue: 'support', extension: '201' });
    await send(line.apiKey, 'w-1', 'answered', { queue: 'support', extension: '201' });
    await send(line.apiKey, 'w-1', 'ended', { queue: 'support', cause: 'normal' });
    const codes = await ok('GET', `/calls/${queued}/wrap-up-codes`, undefined, agent.cookie);
    expect(codes).toEqual({
      queueId: support.id,
      source: 'queue',
      codes: [
        { code: 'fixed', label: 'Fixed on the call', labels: { ar: 'حُلّت في المكالمة', fa: 'حل شد' } },
        { code: 'escalated', label: 'Escalated', labels: {} },
      ],
    });
    const wrong = await call('PATCH', `/calls/${queued}`, { wrapUpCode: 'resolved' }, agent.cookie);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0]).toMatchObject({ field: 'body.wrapUpCode' });
    expect(wrong.json().detail).toMatch(/queue/);
    const right = await call('PATCH', `/calls/${queued}`, { wrapUpCode: 'fixed' }, agent.cookie);
    expect(right.statusCode, right.body).toBe(200);
    // Named by the queue's own labels, per language too.
    expect(right.json().call.wrapUp).toMatchObject({
      wrapUpCode: 'fixed',
      wrapUpLabel: 'Fixed on the call',
      wrapUpLabels: { ar: 'حُلّت في المكالمة', fa: 'حل شد' },
    });
    // A call of no queue takes the workspace's codes.
    const plain = await send(line.apiKey, 'w-2', 'answered', { to: '999', extension: '201' });
    expect(await ok('GET', `/calls/${plain}/wrap-up-codes`, undefined, agent.cookie)).toMatchObject({
      queueId: null,
      source: 'workspace',
      codes: [{ code: 'resolved' }, { code: 'callback' }],
    });
    expect((await call('PATCH', `/calls/${plain}`, { wrapUpCode: 'fixed' }, agent.cookie)).statusCode).toBe(
      400,
    );
    expect(
      (await call('PATCH', `/calls/${plain}`, { wrapUpCode: 'resolved' }, agent.cookie)).statusCode,
    ).toBe(200);
    // A queue with no codes of its own takes the workspace's.
    const sales = await ok('POST', '/calls/queues', { name: 'Sales', keys: ['sales'] });
    const salesCall = await send(line.apiKey, 'w-3', 'answered', { queue: 'sales', extension: '201' });
    expect(await ok('GET', `/calls/${salesCall}/wrap-up-codes`)).toMatchObject({
      queueId: sales.id,
      source: 'workspace',
    });
    // Another workspace's call, a member without calls.read, hostile ids.
    const viewer = await joinAs(t.app, admin.cookie, 'viewer', 'Viewer');
    expect((await call('GET', `/calls/${queued}/wrap-up-codes`, undefined, viewer.cookie)).statusCode).toBe(
      403,
    );
    expect((await call('GET', `/calls/${queued}/wrap-up-codes`, undefined, other.cookie)).statusCode).toBe(
      404,
    );
    for (const bad of ['nope', '%00', crypto.randomUUID()])
      expect([400, 404], bad).toContain((await call('GET', `/calls/${bad}/wrap-up-codes`)).statusCode);
  });

  it('keeps an agent in wrap-up for the queue’s seconds, else the connection’s', async () => {
    const presenceOf = async (userId: string) =>
      (await ok('GET', '/calls/presence')).data.find((p: { userId: string }) => p.userId === userId);
    await send(line.apiKey, 't-1', 'answered', { queue: 'support', extension: '202' });
    await send(line.apiKey, 't-1', 'ended', { queue: 'support', cause: 'normal' });
    const queued = await presenceOf(colleague.userId);
    expect(queued.state).toBe('wrap_up');
    const left = Date.parse(queued.until) - Date.now();
    expect(left).toBeGreaterThan(800_000);
    expect(left).toBeLessThanOrEqual(900_000);
    // The queue's seconds changed to none: the connection's 30 s apply.
    await ok('PATCH', `/calls/queues/${support.id}`, { wrapUpSeconds: null });
    const after = await presenceOf(colleague.userId);
    expect(Date.parse(after.until) - Date.now()).toBeLessThanOrEqual(30_000);
    await ok('PATCH', `/calls/queues/${support.id}`, { wrapUpSeconds: 0 });
    expect((await presenceOf(colleague.userId)).state).toBe('available');
    // Queue members are agents on the team even with no extension.
    await ok('PATCH', `/calls/queues/${support.id}`, {
      members: [agent.userId, colleague.userId, manager.userId],
    });
    expect(await presenceOf(manager.userId)).toMatchObject({ state: 'available', name: 'Queue manager' });
  });

  it('changes a queue’s lists as given and keeps the rest', async () => {
    const changed = await ok('PATCH', `/calls/queues/${support.id}`, {
      name: 'Customer support',
      keys: ['support'],
    });
    expect(changed).toMatchObject({
      name: 'Customer support',
      keys: ['support'],
      numbers: ['021 8877 6600', '۸۰۰'],
      wrapUpCodes: [{ code: 'fixed' }, { code: 'escalated' }],
    });
    // A freed key can be another queue's now.
    const other2 = await ok('POST', '/calls/queues', { name: 'Billing', keys: ['QU-support-1'] });
    expect(other2.keys).toEqual(['QU-support-1']);
    const cleared = await ok('PATCH', `/calls/queues/${other2.id}`, { keys: [], wrapUpCodes: [] });
    expect(cleared).toMatchObject({ keys: [], wrapUpCodes: [] });
  });

  it('removes a queue: its calls keep it, its keys and numbers are free again', async () => {
    const id = await send(line.apiKey, 'd-1', 'ringing', { queue: 'support' });
    expect((await callOf(id)).queueId).toBe(support.id);
    expect((await call('DELETE', `/calls/queues/${support.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/calls/queues/${support.id}`)).statusCode).toBe(404);
    expect((await call('DELETE', `/calls/queues/${support.id}`)).statusCode).toBe(404);
    expect((await ok('GET', '/calls/queues')).data.map((q: Queue) => q.name)).not.toContain(
      'Customer support',
    );
    // Later events of the call keep its queue, although no queue has the key any more.
    await send(line.apiKey, 'd-1', 'ended', { queue: 'support', cause: 'cancel' });
    expect((await callOf(id)).queueId).toBe(support.id);
    const again = await call('POST', '/calls/queues', {
      name: 'Support again',
      keys: ['support'],
      numbers: ['800'],
    });
    expect(again.statusCode, again.body).toBe(201);
  });
});
