import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, type TestApp } from '../../../../test/harness.ts';
import { type Account, callsTestApp, makeConnection } from './calls.test-kit.ts';
import {
  baresipCall,
  type Kamailio,
  missingPrograms,
  type Running,
  renderKamailioConfig,
  sipsakInvite,
  startKamailio,
  startPhone,
} from './sip/sip-harness.ts';

// Real SIP traffic end to end (issue 18, "Proved with real traffic"): Kamailio on loopback with the template in
// sip/kamailio.cfg posts call events to the app's call-event API with the connection's key. `.ci/run` installs
// kamailio, kamailio-utils-modules (http_client), sipsak and baresip; without them these tests are skipped.
const missing = missingPrograms(['kamailio', 'sipsak']);
const noBaresip = missingPrograms(['baresip']);
const skipReason = missing.length
  ? `not installed: ${missing.join(', ')} (apt-get install kamailio kamailio-utils-modules sipsak)`
  : '';
if (skipReason) console.warn(`sip-kamailio.test.ts skipped: ${skipReason}`);

describe.skipIf(missing.length > 0)('calls over real SIP: Kamailio calls the call-event API', () => {
  let t: TestApp;
  let admin: Account;
  let dir: string;
  let url: string;
  let apiKey: string;
  let person: string;
  const running: Running[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const listCalls = async () => {
    const listed = await call('GET', '/calls?limit=50');
    expect(listed.statusCode, listed.body).toBe(200);
    return listed.json().data as Record<string, unknown>[];
  };
  /** The call that `which` picks, once `done` holds (polled: Kamailio posts from its async workers). */
  const callWhen = async (
    which: string | ((c: Record<string, unknown>) => boolean),
    done: (c: Record<string, unknown>) => boolean,
  ) => {
    const pick =
      typeof which === 'string' ? (c: Record<string, unknown>) => c.providerCallId === which : which;
    let last: Record<string, unknown> | undefined;
    for (let i = 0; i < 150; i++) {
      last = (await listCalls()).find(pick);
      if (last && done(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const logs = running.map((r) => r.output().slice(-2000)).join('\n----\n');
    throw new Error(`the call is ${JSON.stringify(last)}; logs:\n${logs}`);
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-sip-'));
    let base: string;
    ({ t, base, admin } = await callsTestApp({ listen: true }));
    url = `${base}/api/v1/calls/events`;
    expect((await call('PATCH', '/workspace', { defaultCountry: 'IR' })).statusCode).toBe(200);
    // The customer's number as a Persian speaker types it: Persian digits, national form.
    const p = await call('POST', '/objects/people', { firstName: 'مریم', phones: ['۰۹۱۲ ۱۲۳ ۴۵۶۷'] });
    expect(p.statusCode, p.body).toBe(201);
    person = p.json().id;
    const made = await makeConnection(call, {
      name: 'Kamailio',
      extensions: { '201': admin.userId, '202': admin.userId },
      stripPrefixes: ['9'],
      country: 'IR',
    });
    apiKey = made.apiKey;
  });
  afterAll(async () => {
    for (const r of running.reverse()) await r.stop();
    await t?.close();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('fills the template’s settings and refuses a key or URL that would break out of its string', async () => {
    const cfg = await renderKamailioConfig({ port: 5099, url, apiKey });
    expect(cfg).toContain('#!substdef "!RABITA_LISTEN!udp:127.0.0.1:5099!g"');
    expect(cfg).toContain(`#!define RABITA_API_KEY "${apiKey}"`);
    expect(cfg).not.toMatch(/^#!trydef RABITA_(URL|API_KEY)/m);
    await expect(renderKamailioConfig({ port: 5099, url, apiKey: 'rbp_x"\n#!define' })).rejects.toThrow();
    await expect(renderKamailioConfig({ port: 5099, url: 'http://x/"', apiKey })).rejects.toThrow();
  });

  describe('Kamailio answering itself, the call sent with sipsak', () => {
    let kamailio: Kamailio;
    beforeAll(async () => {
      kamailio = await startKamailio({
        dir: await fs.mkdtemp(path.join(dir, 'k1-')),
        url,
        apiKey,
        answerLocally: true,
      });
      running.push(kamailio);
    });

    it('a call from 9 + the national number rings, is answered and ends, matched to the person stored in Persian digits', async () => {
      const sent = await sipsakInvite({ dir, port: kamailio.port, from: '909121234567', to: '201' });
      const ringing = await callWhen(sent.callId, (c) => c.state === 'answered');
      expect(ringing).toMatchObject({
        fromE164: '+989121234567',
        extension: '201',
        agentUserId: admin.userId,
      });
      await sent.bye();
      const ended = await callWhen(sent.callId, (c) => c.state === 'ended');
      expect(ended).toMatchObject({
        state: 'ended',
        outcome: 'answered',
        cause: 'normal',
        direction: 'inbound',
        fromRaw: '909121234567',
        fromE164: '+989121234567',
        personId: person,
        matches: [{ object: 'people', recordId: person, how: 'exact' }],
      });
      // Each event was kept once, in the order Kamailio's states came.
      const one = await call('GET', `/calls/${ended.id}`);
      expect((one.json().events as { event: string; sequence: number }[]).map((e) => e.event)).toEqual([
        'ringing',
        'answered',
        'ended',
      ]);
      // A resent INVITE (same Call-ID, as a retransmission or a replay would be) changes nothing.
      await sipsakInvite({ dir, port: kamailio.port, from: '909121234567', to: '201', callId: sent.callId });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect((await call('GET', `/calls/${ended.id}`)).json()).toMatchObject({
        state: 'ended',
        outcome: 'answered',
      });
    });

    it('a Call-ID with a quote is not sent (the JSON is never built from it) and the call still connects', async () => {
      const sent = await sipsakInvite({
        dir,
        port: kamailio.port,
        from: '909121234567',
        to: '201',
        callId: 'evil"},"event":"ended@127.0.0.1',
      });
      await sent.bye();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const listed = (await call('GET', '/calls?limit=50')).json().data as { providerCallId: string }[];
      expect(listed.some((c) => c.providerCallId.includes('evil'))).toBe(false);
      expect(kamailio.output()).toContain('not sent');
    });
  });

  describe.skipIf(noBaresip.length > 0)('Kamailio as a registrar and proxy, baresip phones', () => {
    let kamailio: Kamailio;
    beforeAll(async () => {
      kamailio = await startKamailio({ dir: await fs.mkdtemp(path.join(dir, 'k2-')), url, apiKey });
      running.push(kamailio);
      running.push(
        await startPhone({
          dir: path.join(dir, 'phone'),
          kamailioPort: kamailio.port,
          extensions: { '201': 'auto', '202': 'manual' },
        }),
      );
    });

    /** The new call's row once `done` holds: the call baresip made is the one not listed before it dialled. */
    const dial = async (to: string, seconds: number, done: (c: Record<string, unknown>) => boolean) => {
      const before = new Set((await listCalls()).map((c) => c.providerCallId));
      const output = await baresipCall({
        dir: await fs.mkdtemp(path.join(dir, 'caller-')),
        kamailioPort: kamailio.port,
        from: '909121234567',
        to,
        seconds,
      });
      return { output, row: await callWhen((c) => !before.has(c.providerCallId), done) };
    };

    it('a call answered by the desk phone at 201 and hung up by the caller: answered, then ended with its duration', async () => {
      const { output, row } = await dial('201', 2, (c) => c.state === 'ended');
      expect(output).toContain('Call established');
      expect(row).toMatchObject({
        outcome: 'answered',
        cause: 'normal',
        extension: '201',
        agentUserId: admin.userId,
        fromE164: '+989121234567',
        personId: person,
      });
      expect(row.answeredAt).not.toBeNull();
      expect(row.duration).toBeGreaterThanOrEqual(1);
      expect(row.duration).toBeLessThanOrEqual(4);
      // The 200 OK and the ACK both said "answered" (sequence 2); the second was a duplicate and changed nothing.
      const events = (await call('GET', `/calls/${row.id}`)).json().events as { event: string }[];
      expect(events.map((e) => e.event)).toEqual(['ringing', 'answered', 'ended']);
    });

    it('a call to 202 that rings until the caller gives up (CANCEL) is abandoned', async () => {
      const { row } = await dial('202', 1, (c) => c.state === 'ended');
      expect(row).toMatchObject({
        outcome: 'abandoned',
        cause: 'cancel',
        extension: '202',
        answeredAt: null,
        personId: person,
      });
    });

    it('a call to an extension nobody registered ends as failed', async () => {
      const { row } = await dial('299', 1, (c) => c.state === 'ended');
      expect(row).toMatchObject({
        outcome: 'failed',
        cause: 'failed 404',
        extension: '299',
        agentUserId: null,
      });
    });
  });
});
