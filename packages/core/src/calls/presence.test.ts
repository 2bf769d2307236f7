import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, type TestApp } from '../../../../test/harness.ts';
import {
  type Account,
  type Connection,
  callEventSender,
  callsTestApp,
  joinAs,
  jsonCaller,
  listenFor,
  type Member,
  makeConnection,
  until,
} from './calls.test-kit.ts';

type Presence = {
  userId: string;
  name: string;
  state: string;
  choice: string;
  since: string | null;
  until: string | null;
  callId: string | null;
};

describe('agent presence', () => {
  let t: TestApp;
  let base: string;
  let admin: Account;
  let other: Account;
  let agent: Member;
  let member: Member;
  let apiKey: string;
  let connection: Connection;
  let theirs: Connection;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = jsonCaller(call);
  /** One call event through a connection's key, now. */
  const send = callEventSender(() => t.app, { from: '+989121234567', to: '100', extension: '100' });
  const presenceOf = async (userId: string, as = admin.cookie) =>
    ((await ok('GET', '/calls/presence', undefined, as)).data as Presence[]).find((p) => p.userId === userId);

  beforeAll(async () => {
    ({ t, base, admin, other } = await callsTestApp({ listen: true }));
    agent = await joinAs(t.app, admin.cookie, 'agent', 'Agent Zahra');
    member = await joinAs(t.app, admin.cookie, 'member', 'Member Omid');
    connection = await makeConnection(call, {
      name: 'Office',
      country: 'IR',
      extensions: { '100': agent.userId },
      wrapUpSeconds: 600,
    });
    theirs = await makeConnection(
      call,
      { name: 'B office', extensions: { '100': other.userId } },
      other.cookie,
    );
    apiKey = (await ok('POST', '/api-keys', { name: 'Reader', role: 'admin' })).token;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps the wrap-up time on the connection (30 s unless set) and checks its range', async () => {
    expect((await ok('GET', `/calls/connections/${connection.id}`)).wrapUpSeconds).toBe(600);
    expect((await ok('GET', `/calls/connections/${theirs.id}`, undefined, other.cookie)).wrapUpSeconds).toBe(
      30,
    );
    for (const wrapUpSeconds of [-1, 3601, 1.5, '60', null]) {
      const r = await call('PATCH', `/calls/connections/${connection.id}`, { wrapUpSeconds });
      expect(r.statusCode, String(wrapUpSeconds)).toBe(400);
    }
  });

  it('lists agents mapped to an extension as available, and the caller’s own presence', async () => {
    const team = await ok('GET', '/calls/presence', undefined, agent.cookie);
    expect(team.me).toMatchObject({ userId: agent.userId, name: 'Agent Zahra', state: 'available' });
    expect(team.data.map((p: Presence) => p.userId)).toContain(agent.userId);
    // The admin takes no calls (no extension, no choice), yet sees their own presence.
    const mine = await ok('GET', '/calls/presence');
    expect(mine.me).toMatchObject({ userId: admin.userId, state: 'available', callId: null });
  });

  it('follows the phone: answered is on a call, ended is wrap-up for the connection’s time, a choice ends it', async () => {
    const ringing = await send(connection.apiKey, 'p-1', 'ringing');
    expect((await presenceOf(agent.userId))?.state).toBe('available');
    await send(connection.apiKey, 'p-1', 'answered');
    expect(await presenceOf(agent.userId)).toMatchObject({ state: 'on_call', callId: ringing });
    // Choosing away during a call changes the choice, not the call.
    expect(await ok('PUT', '/calls/presence/me', { state: 'away' }, agent.cookie)).toMatchObject({
      state: 'on_call',
      choice: 'away',
    });
    await send(connection.apiKey, 'p-1', 'held');
    expect((await presenceOf(agent.userId))?.state).toBe('on_call');
    await send(connection.apiKey, 'p-1', 'ended', { duration: 42, cause: 'normal' });
    const wrap = (await presenceOf(agent.userId))!;
    expect(wrap).toMatchObject({ state: 'wrap_up', choice: 'away', callId: null });
    const left = Date.parse(wrap.until!) - Date.now();
    expect(left).toBeGreaterThan(500_000);
    expect(left).toBeLessThanOrEqual(600_000);
    // Choosing ends the wrap-up at once.
    expect(await ok('PUT', '/calls/presence/me', { state: 'available' }, agent.cookie)).toMatchObject({
      state: 'available',
      until: null,
    });
  });

  it('returns to the agent’s own choice once a wrap-up is over', async () => {
    await ok('PATCH', `/calls/connections/${connection.id}`, { wrapUpSeconds: 0 });
    await ok('PUT', '/calls/presence/me', { state: 'away' }, agent.cookie);
    await send(connection.apiKey, 'p-2', 'answered');
    expect((await presenceOf(agent.userId))?.state).toBe('on_call');
    await send(connection.apiKey, 'p-2', 'ended', { duration: 5 });
    expect(await presenceOf(agent.userId)).toMatchObject({ state: 'away', choice: 'away' });
    // A missed call (never answered) leaves no wrap-up.
    await ok('PATCH', `/calls/connections/${connection.id}`, { wrapUpSeconds: 600 });
    await ok('PUT', '/calls/presence/me', { state: 'available' }, agent.cookie);
    await send(connection.apiKey, 'p-3', 'ringing');
    await send(connection.apiKey, 'p-3', 'ended', { cause: 'cancel' });
    expect((await presenceOf(agent.userId))?.state).toBe('available');
  });

  it('tells the workspace’s calls.read holders of presence changes, and nobody else', async () => {
    const adminStream = await listenFor(base, admin.cookie, 'presence');
    const memberStream = await listenFor(base, member.cookie, 'presence');
    const otherStream = await listenFor(base, other.cookie, 'presence');
    await send(connection.apiKey, 'p-4', 'answered');
    await until(() => adminStream.seen.some((e) => e.state === 'on_call'));
    expect(adminStream.seen).toContainEqual({
      userId: agent.userId,
      state: 'on_call',
      at: expect.any(String),
    });
    await ok('PUT', '/calls/presence/me', { state: 'away' });
    await until(() => adminStream.seen.some((e) => e.userId === admin.userId));
    expect(adminStream.seen).toContainEqual({ userId: admin.userId, state: 'away', at: expect.any(String) });
    await send(connection.apiKey, 'p-4', 'ended', { duration: 3 });
    await until(() => adminStream.seen.some((e) => e.state === 'wrap_up'));
    expect(adminStream.seen.at(-1)).toMatchObject({ userId: agent.userId, state: 'wrap_up' });
    // A member without calls.read, and another workspace, hear nothing.
    expect(memberStream.seen).toEqual([]);
    expect(otherStream.seen).toEqual([]);
    for (const s of [adminStream, memberStream, otherStream]) await s.stop();
    await ok('PUT', '/calls/presence/me', { state: 'available' });
    await ok('PUT', '/calls/presence/me', { state: 'available' }, agent.cookie);
  });

  it('keeps workspaces apart', async () => {
    await send(theirs.apiKey, 'b-1', 'answered');
    const theirsTeam = await ok('GET', '/calls/presence', undefined, other.cookie);
    expect(theirsTeam.data.map((p: Presence) => p.userId)).toEqual([other.userId]);
    expect(theirsTeam.data[0].state).toBe('on_call');
    const ours = await ok('GET', '/calls/presence');
    expect(ours.data.map((p: Presence) => p.userId)).not.toContain(other.userId);
    expect(JSON.stringify(ours)).not.toContain('B office');
    // B's agent is on a call in B; A's same-numbered extension is untouched.
    expect((await presenceOf(agent.userId))?.state).not.toBe('on_call');
  });

  it('needs calls.read, and a person: an API key reads the team but has no presence of its own', async () => {
    expect((await call('GET', '/calls/presence', undefined, member.cookie)).statusCode).toBe(403);
    expect((await call('PUT', '/calls/presence/me', { state: 'away' }, member.cookie)).statusCode).toBe(403);
    expect((await call('GET', '/calls/presence', undefined, '')).statusCode).toBe(401);
    const byKey = await call('GET', '/calls/presence', undefined, { authorization: `Bearer ${apiKey}` });
    expect(byKey.statusCode, byKey.body).toBe(200);
    expect(byKey.json().me).toBeNull();
    const setByKey = await call(
      'PUT',
      '/calls/presence/me',
      { state: 'away' },
      { authorization: `Bearer ${apiKey}` },
    );
    expect(setByKey.statusCode).toBe(403);
    expect(setByKey.headers['content-type']).toContain('application/problem+json');
  });

  it('refuses states one cannot choose and hostile bodies with a problem, never a 500', async () => {
    const bodies: unknown[] = [
      { state: 'on_call' },
      { state: 'wrap_up' },
      { state: 'busy' },
      { state: 'available\u0000' },
      { state: '\ud800' },
      { state: 'a'.repeat(100_000) },
      { state: 'away', userId: other.userId },
      {},
      [],
      null,
      'away',
    ];
    for (const body of bodies) {
      const r = await call('PUT', '/calls/presence/me', body);
      // A bare string goes as text, which the JSON API refuses as an unsupported type.
      expect([400, 415], JSON.stringify(body).slice(0, 60)).toContain(r.statusCode);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
    const raw = await t.app.inject({
      method: 'PUT',
      url: '/api/v1/calls/presence/me',
      headers: { cookie: admin.cookie, 'content-type': 'application/json' },
      payload: '{"state": "away"',
    });
    expect(raw.statusCode).toBe(400);
    expect((await presenceOf(admin.userId))?.state ?? 'available').toBe('available');
  });

  it('offers no new ticket to an agent on a call or in wrap-up', async () => {
    await ok('PATCH', `/calls/connections/${connection.id}`, { wrapUpSeconds: 600 });
    await ok('POST', '/service/assignment-rules', {
      name: 'Phones and tickets',
      strategy: 'roundRobin',
      members: [agent.userId, member.userId],
    });
    await send(connection.apiKey, 'p-5', 'answered');
    for (let i = 0; i < 3; i++) {
      const ticket = await ok('POST', '/objects/tickets', { subject: `While on the phone ${i}` });
      expect(ticket.owner, 'the agent on a call is skipped').toBe(member.userId);
    }
    const first = await ok('POST', '/objects/tickets', { subject: 'Assigned again' });
    const again = await ok('POST', `/tickets/${first.id}/assign`);
    expect(again.skipped).toContainEqual({ userId: agent.userId, why: 'onCall' });
    // Wrap-up: still busy.
    await send(connection.apiKey, 'p-5', 'ended', { duration: 60 });
    expect((await ok('POST', '/objects/tickets', { subject: 'In wrap-up' })).owner).toBe(member.userId);
    // Available again: the round robin reaches the agent.
    await ok('PUT', '/calls/presence/me', { state: 'available' }, agent.cookie);
    const owners = new Set<string>();
    for (let i = 0; i < 2; i++)
      owners.add((await ok('POST', '/objects/tickets', { subject: `After ${i}` })).owner);
    expect(owners).toContain(agent.userId);
  });
});
