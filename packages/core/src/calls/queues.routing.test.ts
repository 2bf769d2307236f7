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

type Heard = { callId: string; state: string; at: string };

describe('a queue’s call pops for its available members and closes for the others', () => {
  let t: TestApp;
  let base: string;
  let admin: Account;
  let other: Account;
  let first: Member;
  let second: Member;
  let third: Member;
  let outsider: Member;
  let line: Connection;
  let theirLine: Connection;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = jsonCaller(call);
  /** One event of a call, now: from a customer to the support number, in the `support` queue unless told. */
  const send = callEventSender(() => t.app, { from: '+966501234567', to: '920000000', queue: 'support' });
  const streams: Awaited<ReturnType<typeof listenFor>>[] = [];
  const listen = async (cookie: string) => {
    const s = await listenFor(base, cookie, 'call');
    streams.push(s);
    return s;
  };
  const of = (seen: Record<string, unknown>[], callId: string) =>
    (seen as Heard[]).filter((e) => e.callId === callId).map((e) => e.state);
  /** Lets events already committed reach the streams (a negative check waits for what must not come). */
  const settle = () => new Promise((r) => setTimeout(r, 400));

  beforeAll(async () => {
    ({ t, base, admin, other } = await callsTestApp({ listen: true }));
    first = await joinAs(t.app, admin.cookie, 'agent', 'First agent');
    second = await joinAs(t.app, admin.cookie, 'agent', 'Second agent');
    third = await joinAs(t.app, admin.cookie, 'agent', 'Third agent');
    outsider = await joinAs(t.app, admin.cookie, 'agent', 'Not in the queue');
    line = await makeConnection(call, {
      name: 'Support line',
      extensions: { '201': first.userId, '202': second.userId, '203': third.userId, '209': outsider.userId },
    });
    await ok('POST', '/calls/queues', {
      name: 'Support',
      keys: ['support'],
      members: [first.userId, second.userId, third.userId],
    });
    theirLine = await makeConnection(call, { name: 'B line' }, other.cookie);
    await ok(
      'POST',
      '/calls/queues',
      { name: 'B support', keys: ['support'], members: [other.userId] },
      other.cookie,
    );
  });
  afterAll(async () => {
    for (const s of streams) await s.stop();
    await t?.close();
  });

  it('pops for both members, closes for the one who did not answer, and tells no one else', async () => {
    // The third member is away: not offered the call.
    await ok('PUT', '/calls/presence/me', { state: 'away' }, third.cookie);
    const [a, b, c, outside, theirs] = [
      await listen(first.cookie),
      await listen(second.cookie),
      await listen(third.cookie),
      await listen(outsider.cookie),
      await listen(other.cookie),
    ];
    const id = await send(line.apiKey, 'q-1', 'ringing');
    await until(() => of(a.seen, id).length > 0 && of(b.seen, id).length > 0);
    expect(of(a.seen, id)).toEqual(['ringing']);
    expect(of(b.seen, id)).toEqual(['ringing']);
    expect(a.seen[0]).toEqual({ callId: id, state: 'ringing', at: expect.any(String) });

    // Another event while it still waits offers it to nobody twice.
    await send(line.apiKey, 'q-1', 'ringing', { cause: 'still waiting' });
    await send(line.apiKey, 'q-1', 'answered', { extension: '202' });
    await until(() => of(a.seen, id).includes('closed') && of(b.seen, id).includes('answered'));
    expect(of(a.seen, id)).toEqual(['ringing', 'closed']);
    expect(of(b.seen, id)).toEqual(['ringing', 'answered']);
    await send(line.apiKey, 'q-1', 'ended', { cause: 'normal' });
    await until(() => of(b.seen, id).includes('ended'));
    await settle();
    // The member who answered follows their call; the other heard it close once and nothing after.
    expect(of(a.seen, id)).toEqual(['ringing', 'closed']);
    expect(of(b.seen, id)).toEqual(['ringing', 'answered', 'ended']);
    // Away, not a member, another workspace: nothing at all.
    expect(c.seen).toEqual([]);
    expect(outside.seen).toEqual([]);
    expect(theirs.seen).toEqual([]);
    // The card: the first member reads it and sees it answered by someone else.
    const card = await ok('GET', `/calls/${id}/card`, undefined, first.cookie);
    expect(card.call).toMatchObject({ agentUserId: second.userId });
    expect(card.call.answeredAt).not.toBeNull();
  });

  it('closes the pop for every member offered when the caller hangs up before anyone answers', async () => {
    await ok('PUT', '/calls/presence/me', { state: 'available' }, third.cookie);
    const [a, c] = [await listen(first.cookie), await listen(third.cookie)];
    const id = await send(line.apiKey, 'q-2', 'ringing');
    await until(() => of(a.seen, id).length > 0 && of(c.seen, id).length > 0);
    await send(line.apiKey, 'q-2', 'ended', { cause: 'cancel' });
    await until(() => of(a.seen, id).includes('closed') && of(c.seen, id).includes('closed'));
    expect(of(a.seen, id)).toEqual(['ringing', 'closed']);
    expect(of(c.seen, id)).toEqual(['ringing', 'closed']);
    expect((await ok('GET', `/calls/${id}`)).outcome).toBe('abandoned');
  });

  it('offers a waiting call to nobody busy on another call, and keeps the pops while a member’s phone rings', async () => {
    // The second member is on a call (answered at their extension, no queue).
    await send(line.apiKey, 'busy-1', 'answered', { queue: undefined, to: '100', extension: '202' });
    const [a, b, c] = [await listen(first.cookie), await listen(second.cookie), await listen(third.cookie)];
    const id = await send(line.apiKey, 'q-3', 'ringing');
    await until(() => of(a.seen, id).length > 0 && of(c.seen, id).length > 0);
    // The queue rings the first member's phone: the others keep the pop until someone answers.
    await send(line.apiKey, 'q-3', 'ringing', { extension: '201' });
    await settle();
    expect(of(c.seen, id)).toEqual(['ringing']);
    await send(line.apiKey, 'q-3', 'answered', { extension: '201' });
    await until(() => of(c.seen, id).includes('closed'));
    await settle();
    expect(of(c.seen, id)).toEqual(['ringing', 'closed']);
    // The first member answered: they followed their call and heard no close.
    expect(of(a.seen, id)).not.toContain('closed');
    expect(of(a.seen, id)).toContain('answered');
    expect(of(b.seen, id)).toEqual([]);
    await send(line.apiKey, 'busy-1', 'ended', { queue: undefined, to: '100', extension: '202' });
  });

  it('pops the same way in the other workspace, for its own members only', async () => {
    const mine = await listen(first.cookie);
    const theirs = await listen(other.cookie);
    const id = await send(theirLine.apiKey, 'b-1', 'ringing');
    await until(() => of(theirs.seen, id).length > 0);
    expect(of(theirs.seen, id)).toEqual(['ringing']);
    await settle();
    expect(of(mine.seen, id)).toEqual([]);
  });
});
