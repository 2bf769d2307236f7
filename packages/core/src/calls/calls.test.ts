import { onCitus } from '@rabita/db';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, countStatements, type TestApp } from '../../../../test/harness.ts';
import { signHook } from '../workflows/hook-trigger.ts';
import {
  type Account,
  callEvents,
  callsTestApp,
  joinAs,
  listenFor,
  type Member,
  makeConnection,
  until,
} from './calls.test-kit.ts';

type Created = { id: string; apiKey?: string; signingSecret?: string };

describe('phone connections and call events', () => {
  let t: TestApp;
  let base: string;
  let admin: Account;
  let other: Account;
  let agent: Member;
  let keyed: Created;
  let signed: Created;
  let theirs: Created;
  let person: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const postEvents = (body: unknown, headers: Record<string, string>) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/calls/events',
      payload: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json', ...headers },
    });
  const bearer = (c: Created) => ({ authorization: `Bearer ${c.apiKey}` });
  const signature = (c: Created, body: string, at = new Date(), secret = c.signingSecret!) => {
    const timestamp = String(Math.floor(at.getTime() / 1000));
    return {
      'x-rabita-connection': c.id,
      'x-rabita-timestamp': timestamp,
      'x-rabita-signature': signHook(secret, timestamp, body),
    };
  };
  const at = (s: number) => new Date(Date.parse('2026-12-05T09:00:00Z') + s * 1000).toISOString();
  const ev = (callId: string, event: string, sequence: number, extra: Record<string, unknown> = {}) => ({
    callId,
    event,
    sequence,
    at: at(sequence * 10),
    from: '۰۹۱۲ ۱۲۳ ۴۵۶۷',
    to: '02188776655',
    direction: 'inbound',
    ...extra,
  });
  const getCall = async (id: string, cookie = admin.cookie) => {
    const r = await call('GET', `/calls/${id}`, undefined, cookie);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };

  beforeAll(async () => {
    ({ t, base, admin, other } = await callsTestApp({ listen: true }));
    agent = await joinAs(t.app, admin.cookie, 'agent', 'Agent');
    const p = await call('POST', '/objects/people', { firstName: 'Reza', phones: ['+98 912 123 4567'] });
    expect(p.statusCode, p.body).toBe(201);
    person = p.json().id;
    keyed = await makeConnection(call, {
      name: 'Office PBX',
      type: 'asterisk-ami',
      extensions: { '100': agent.userId, '101': admin.userId },
      stripPrefixes: ['9'],
      country: 'IR',
    });
    signed = await makeConnection(call, {
      name: 'Cloud',
      country: 'IR',
      newApiKey: false,
      newSigningSecret: true,
      extensions: { '100': agent.userId },
    });
    theirs = await makeConnection(call, { name: 'B PBX', type: '3cx' }, other.cookie);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows a connection’s key and secret once, stores them hashed and sealed, and checks the extension map', async () => {
    expect(keyed.apiKey).toMatch(/^rbp_/);
    expect(keyed.signingSecret).toBeUndefined();
    expect(signed.signingSecret).toMatch(/^whsec_/);
    expect(signed.apiKey).toBeUndefined();
    const listed = await call('GET', '/calls/connections');
    expect(listed.statusCode).toBe(200);
    expect(listed.body).not.toContain(keyed.apiKey!);
    expect(listed.body).not.toContain(signed.signingSecret!);
    expect(listed.json().data).toHaveLength(2);
    const one = (await call('GET', `/calls/connections/${signed.id}`)).json();
    expect(one).toMatchObject({ hasSecret: true, apiKeyPrefix: null, country: 'IR' });
    // Another workspace's person is not a member here.
    const bad = await call('PATCH', `/calls/connections/${keyed.id}`, {
      extensions: { '200': other.userId },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].field).toBe('body.extensions.200');
    // Default country comes from the workspace; an agent may not manage connections.
    const plain = await call('POST', '/calls/connections', { name: 'Plain', type: 'twilio' });
    expect(plain.json().country).toMatch(/^[A-Z]{2}$/);
    expect((await call('DELETE', `/calls/connections/${plain.json().id}`)).statusCode).toBe(204);
    expect((await call('GET', '/calls/connections', undefined, agent.cookie)).statusCode).toBe(403);
  });

  it('takes events with the connection’s API key, folds them, maps the extension and matches the caller', async () => {
    const ringing = await postEvents(ev('k-1', 'ringing', 1, { extension: '100' }), bearer(keyed));
    expect(ringing.statusCode, ringing.body).toBe(202);
    const { calls, accepted } = ringing.json();
    expect(accepted).toBe(1);
    const id = calls[0].id;
    let c = await getCall(id);
    expect(c).toMatchObject({
      state: 'ringing',
      fromE164: '+989121234567',
      toE164: '+982188776655',
      agentUserId: agent.userId,
      personId: person,
      matches: [{ object: 'people', recordId: person, how: 'exact' }],
    });
    await postEvents(
      {
        events: [
          ev('k-1', 'ended', 3, { duration: 42, cause: 'normal' }),
          ev('k-1', 'answered', 2, { extension: '100' }),
        ],
      },
      bearer(keyed),
    );
    c = await getCall(id, agent.cookie);
    expect(c).toMatchObject({
      state: 'ended',
      outcome: 'answered',
      duration: 42,
      answeredAt: at(20).replace('Z', '000Z'),
    });
    expect(c.events.map((e: { event: string }) => e.event)).toEqual(['ringing', 'answered', 'ended']);

    // Reads: by state, agent and record, in keyset pages; a member without calls.read is refused.
    const byRecord = await call('GET', `/calls?object=people&recordId=${person}`);
    expect(byRecord.json().data.map((x: { id: string }) => x.id)).toContain(id);
    expect((await call('GET', `/calls?agent=${agent.userId}&state=ended`)).json().data[0].id).toBe(id);
    expect(
      (await call('GET', '/calls?state=ringing')).json().data.map((x: { id: string }) => x.id),
    ).not.toContain(id);
    await postEvents(ev('k-2', 'ringing', 1), bearer(keyed));
    const first = (await call('GET', '/calls?limit=1')).json();
    expect(first.data).toHaveLength(1);
    const second = (await call('GET', `/calls?limit=1&cursor=${first.next}`)).json();
    expect(second.data[0].id).not.toBe(first.data[0].id);
  });

  it('accepts a resent event and changes nothing', async () => {
    const body = ev('k-idem', 'ringing', 1, { extension: '101' });
    const id = (await postEvents(body, bearer(keyed))).json().calls[0].id;
    const before = await getCall(id);
    const again = await postEvents(body, bearer(keyed));
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ calls: [{ callId: 'k-idem', id }], accepted: 0, duplicates: 1 });
    // Even with other content: the first (call, event, sequence) wins.
    await postEvents({ ...body, extension: '100' }, bearer(keyed));
    const after = await getCall(id);
    expect(after).toEqual(before);
    expect(after.agentUserId).toBe(admin.userId);
  });

  it('folds an event in a few statements: a call event is a round trip each on the app’s one event loop', async () => {
    // Each statement of the fold is a round trip the app's event loop waits on; at 50 calls a second that is what
    // limits one process (docs/PERFORMANCE.md, the screen pop under load). The count is the same for every call.
    const statements = countStatements(t.handle.pool, /./);
    const counted = async (body: unknown) => {
      const start = statements.count;
      expect((await postEvents(body, bearer(keyed))).statusCode).toBe(202);
      return statements.count - start;
    };
    // The first event: the call made, the caller matched, its place on the person's timeline written.
    const first = await counted(ev('k-count', 'ringing', 1, { extension: '100' }));
    // The answer and the end: the call locked with its connection's rules, the event kept and the call's events read
    // back, the agent and queue looked up, the row written, the stream told — and the key's owner, begin and commit.
    const answered = await counted(ev('k-count', 'answered', 2, { extension: '100' }));
    const ended = await counted(ev('k-count', 'ended', 3, { extension: '100', duration: 5 }));
    // A resend is the key's owner, the lock and the keeping, and nothing else.
    const resent = await counted(ev('k-count', 'ended', 3, { extension: '100', duration: 5 }));
    // On a Citus cluster a workspace transaction opens with a `begin` and a `SET LOCAL` of their own instead of one
    // PostgreSQL's opening folded into its first statement, and a fold whose notices carry an agent's presence reads
    // it in a statement of its own first (presence.repository.ts, notifyFold), and the workspace's settings are
    // read by a statement of their own after the `SET LOCAL` (tenancy.ts): up to four more there.
    const more = (await onCitus(t.handle.db)) ? 4 : 0;
    const within = (n: number, base: number) => {
      expect(n).toBeGreaterThanOrEqual(base);
      expect(n).toBeLessThanOrEqual(base + more);
    };
    within(answered, 8);
    within(ended, 8);
    within(resent, 5);
    expect(first).toBeLessThanOrEqual(13 + more);
    expect(
      await getCall((await postEvents(ev('k-count', 'ended', 3), bearer(keyed))).json().calls[0].id),
    ).toMatchObject({ state: 'ended', outcome: 'answered', agentUserId: agent.userId, personId: person });
  });

  it('folds a call’s events into the same row whatever order they arrive in', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        callEvents('x').chain((events) =>
          fc.tuple(fc.constant(events), fc.shuffledSubarray(events, { minLength: events.length })),
        ),
        async ([events, shuffled]) => {
          n += 1;
          const rows = [];
          for (const [i, order] of [events, shuffled].entries()) {
            const callId = `perm-${n}-${i}`;
            const sent = order.map((e) => ({ ...e, callId }));
            // Half in one batch, the rest one at a time.
            const cut = Math.floor(sent.length / 2);
            let id = '';
            if (cut > 0)
              id = (await postEvents({ events: sent.slice(0, cut) }, bearer(keyed))).json().calls[0].id;
            for (const e of sent.slice(cut)) id = (await postEvents(e, bearer(keyed))).json().calls[0].id;
            const {
              id: _i,
              providerCallId: _p,
              createdAt: _c,
              updatedAt: _u,
              events: _e,
              ...row
            } = await getCall(id);
            rows.push(row);
          }
          expect(rows[1]).toEqual(rows[0]);
        },
      ),
      { numRuns: 12 },
    );
  }, 120_000);

  it('takes signed events; a wrong, old or tampered signature or an unknown connection gets the same 401', async () => {
    const body = JSON.stringify(ev('s-1', 'ringing', 1, { extension: '100' }));
    const ok = await postEvents(body, signature(signed, body));
    expect(ok.statusCode, ok.body).toBe(202);
    const wrong = await postEvents(body, signature(signed, body, new Date(), 'whsec_not-it'));
    const tampered = await postEvents(body.replace('s-1', 's-2'), signature(signed, body));
    const unknown = await postEvents(body, {
      ...signature(signed, body),
      'x-rabita-connection': crypto.randomUUID(),
    });
    const noSecret = await postEvents(body, { ...signature(signed, body), 'x-rabita-connection': keyed.id });
    const badKey = await postEvents(body, { authorization: 'Bearer rbp_nothing' });
    for (const r of [wrong, tampered, unknown, noSecret, badKey]) {
      expect(r.statusCode, r.body).toBe(401);
      expect(r.json().detail).toBe(wrong.json().detail);
    }
    const old = await postEvents(body, signature(signed, body, new Date(Date.now() - 6 * 60_000)));
    expect(old.statusCode).toBe(401);
    const none = await postEvents(body, {});
    expect(none.statusCode).toBe(401);
    // A session is no credential here.
    expect((await postEvents(body, { cookie: admin.cookie })).statusCode).toBe(401);
  });

  it('keeps workspaces apart: another workspace’s key posts only into its own calls', async () => {
    const mine = (await postEvents(ev('shared-id', 'ringing', 1), bearer(keyed))).json().calls[0].id;
    const r = await postEvents(ev('shared-id', 'ended', 2, { cause: 'busy' }), bearer(theirs));
    expect(r.statusCode).toBe(202);
    const their = r.json().calls[0].id;
    expect(their).not.toBe(mine);
    expect((await getCall(mine)).state).toBe('ringing');
    // B's call holds no match to A's person although the number is the same, and A cannot read it.
    expect((await call('GET', `/calls/${their}`)).statusCode).toBe(404);
    const b = (await call('GET', `/calls/${their}`, undefined, other.cookie)).json();
    expect(b).toMatchObject({ state: 'ended', outcome: 'busy', matches: [], personId: null });
    expect((await call('GET', `/calls/connections/${theirs.id}`)).statusCode).toBe(404);
    // A's signature with B's connection id is refused.
    const body = JSON.stringify(ev('s-x', 'ringing', 1));
    expect(
      (await postEvents(body, { ...signature(signed, body), 'x-rabita-connection': theirs.id })).statusCode,
    ).toBe(401);
  });

  it('refuses hostile input: NUL, lone surrogates, a huge batch or body', async () => {
    const nul = await postEvents(JSON.stringify(ev('a\u0000b', 'ringing', 1)), bearer(keyed));
    expect(nul.statusCode).toBe(400);
    const lone = await postEvents(
      JSON.stringify(ev('x', 'ringing', 1, { from: '\\ud800' })).replace('"\\\\ud800"', '"\\ud800"'),
      bearer(keyed),
    );
    expect(lone.statusCode).toBe(400);
    expect(lone.body + nul.body).toMatch(/surrogate[\s\S]*NUL|NUL[\s\S]*surrogate/i);
    const many = await postEvents(
      { events: Array.from({ length: 501 }, (_, i) => ev(`m-${i}`, 'ringing', 1)) },
      bearer(keyed),
    );
    expect(many.statusCode).toBe(413);
    const huge = await postEvents(
      JSON.stringify(ev('h', 'ringing', 1, { cause: 'x'.repeat(1_100_000) })),
      bearer(keyed),
    );
    expect(huge.statusCode).toBe(413);
    const badUrl = await postEvents(
      ev('u', 'recording', 1, { recordingUrl: 'javascript:alert(1)' }),
      bearer(keyed),
    );
    expect(badUrl.statusCode).toBe(400);
    const badSeq = await postEvents(ev('u', 'ringing', 1.5), bearer(keyed));
    expect(badSeq.statusCode).toBe(400);
  });

  it('keeps at most 1,000 events of a call', async () => {
    const batch = (from: number) => ({
      events: Array.from({ length: 500 }, (_, i) => ev('long-call', 'held', from + i)),
    });
    expect((await postEvents(batch(0), bearer(keyed))).json().accepted).toBe(500);
    expect((await postEvents(batch(500), bearer(keyed))).json().accepted).toBe(500);
    const more = await postEvents(ev('long-call', 'ended', 2000), bearer(keyed));
    expect(more.statusCode).toBe(400);
    expect(more.json().detail).toContain('1000 events');
    // A resend still answers: nothing new is kept, so nothing is folded.
    expect((await postEvents(ev('long-call', 'held', 3), bearer(keyed))).json().duplicates).toBe(1);
  });

  it('puts the call on the matched person’s timeline, only for readers of the person', async () => {
    await postEvents(
      { events: [ev('tl-1', 'ringing', 1, { extension: '100' }), ev('tl-1', 'ended', 2, { cause: 'busy' })] },
      bearer(keyed),
    );
    const tl = await call('GET', `/objects/people/${person}/timeline`);
    expect(tl.statusCode, tl.body).toBe(200);
    const entries = tl.json().data.filter((e: { kind: string }) => e.kind === 'call');
    expect(entries.length).toBeGreaterThan(0);
    expect(
      entries.some(
        (e: { outcome: string; agentUserId: string; from: string }) =>
          e.outcome === 'busy' && e.agentUserId === agent.userId && e.from === '+989121234567',
      ),
    ).toBe(true);
    const b = await call('GET', `/objects/people/${person}/timeline`, undefined, other.cookie);
    expect(b.body).not.toContain('+989121234567');
  });

  it('shows a call’s match only to readers who may see the record’s phones', async () => {
    const all = { read: true, create: true, update: true, delete: true };
    const role = await call('POST', '/roles', {
      key: 'no_phones',
      name: 'No phones',
      permissions: {
        actions: ['calls.read'],
        objects: { '*': all, people: { ...all, hiddenFields: ['phones'] } },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const reader = await joinAs(t.app, admin.cookie, 'no_phones', 'No phones');
    const id = (await postEvents(ev('hp-1', 'ringing', 1), bearer(keyed))).json().calls[0].id;
    expect((await getCall(id)).personId).toBe(person);
    expect(await getCall(id, reader.cookie)).toMatchObject({ matches: [], personId: null });
    const byRecord = await call('GET', `/calls?object=people&recordId=${person}`, undefined, reader.cookie);
    expect(byRecord.json().data).toEqual([]);
    const tl = await call('GET', `/objects/people/${person}/timeline`, undefined, reader.cookie);
    expect(tl.statusCode).toBe(200);
    expect(tl.json().data.filter((e: { kind: string }) => e.kind === 'call')).toEqual([]);
  });

  it('tells the agent’s browser when a call rings at their extension, and nobody else’s', async () => {
    const agentStream = await listenFor(base, agent.cookie, 'call');
    const adminStream = await listenFor(base, admin.cookie, 'call');
    const id = (await postEvents(ev('sse-1', 'ringing', 1, { extension: '100' }), bearer(keyed))).json()
      .calls[0].id;
    await until(() => agentStream.seen.length > 0);
    expect(agentStream.seen).toEqual([{ callId: id, state: 'ringing', at: expect.any(String) }]);
    await postEvents(ev('sse-1', 'answered', 2, { extension: '100' }), bearer(keyed));
    await until(() => agentStream.seen.length >= 2);
    expect(agentStream.seen[1]).toMatchObject({ callId: id, state: 'answered' });
    expect(adminStream.seen).toEqual([]);
    await agentStream.stop();
    await adminStream.stop();
  });
});
