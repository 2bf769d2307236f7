// The phone system adapters end to end: fake AMI and ARI servers on loopback replay recorded event streams to the
// worker's clients, Twilio and 3CX post to the hook routes, and the calls are read back through `GET /calls`.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
  within,
} from '../../../../../test/harness.ts';
import { lazySecretBox } from '../../auth/secret-box.ts';
import type { TaskDeps } from '../../modules/manifest.ts';
import { defaultSettings } from '../../modules/settings.ts';
import { callsSettings } from '../calls.settings.ts';
import { amiOf, startCallAdapters } from './adapter-supervisor.ts';
import { type FakeAmi, type FakeAri, fixture, startFakeAmi, startFakeAri } from './fake-phone-systems.ts';
import { twilioSignature } from './twilio.ts';

const KEY = randomBytes(32);
type Call = Record<string, unknown> & { id: string; providerCallId: string };

describe('phone system adapters', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  let person: string;
  const fakes: { close(): Promise<void> }[] = [];
  const running: { stop(): Promise<void> }[] = [];
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const deps = (): TaskDeps => ({
    db: t.handle.db,
    session: { idleHours: 1, maxDays: 1 },
    settings: defaultSettings().with(callsSettings, { allowPrivate: true }),
    secrets: lazySecretBox(async () => KEY),
  });
  const supervisor = () => {
    const s = startCallAdapters(deps(), { tickMs: 150 });
    running.push(s);
    return s;
  };
  const calls = async (): Promise<Call[]> => {
    const r = await call('GET', '/calls?limit=200');
    expect(r.statusCode, r.body).toBe(200);
    return r.json().data;
  };
  const byProvider = async (id: string) => (await calls()).find((c) => c.providerCallId === id);
  const connection = async (body: Record<string, unknown>) => {
    const r = await call('POST', '/calls/connections', { country: 'IR', ...body });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; apiKey?: string; settings: Record<string, unknown> };
  };
  const stopAll = async () => {
    for (const s of running.splice(0)) await s.stop();
  };

  beforeAll(async () => {
    t = await createTestApp({
      RABITA_OPEN_SIGNUP: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
      RABITA_CALLS_ALLOW_PRIVATE: 'true',
      RABITA_PUBLIC_URL: 'https://crm.example.com',
    });
    admin = await signUp(t.app);
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: `agent.${Date.now()}@example.com`,
      role: 'agent',
      name: 'Agent',
    });
    const p = await call('POST', '/objects/people', {
      firstName: 'Reza',
      lastName: 'Karimi',
      phones: ['+98 912 123 4567'],
      emails: ['reza@example.com'],
    });
    expect(p.statusCode, p.body).toBe(201);
    person = p.json().id;
  });

  afterAll(async () => {
    await stopAll();
    for (const f of fakes) await f.close();
    await t?.close();
  });

  describe('Asterisk AMI', () => {
    let ami: FakeAmi;
    let connectionId: string;
    let streams: () => (string | Buffer)[] = () => [];

    beforeAll(async () => {
      ami = await startFakeAmi({ username: 'rabita', secret: 's3cret!', streams: () => streams() });
      fakes.push(ami);
    });

    it('keeps the AMI secret sealed: the connection shows its settings and that a secret is set, never the secret', async () => {
      const made = await connection({
        name: 'FreePBX',
        type: 'asterisk-ami',
        extensions: { '201': agent.userId, '202': admin.userId },
        settings: { host: '127.0.0.1', port: ami.port, username: 'rabita' },
        secret: 's3cret!',
      });
      connectionId = made.id;
      const read = await call('GET', `/calls/connections/${connectionId}`);
      expect(read.json()).toMatchObject({
        settings: { host: '127.0.0.1', port: ami.port, username: 'rabita' },
        hasAdapterSecret: true,
      });
      expect(read.body).not.toContain('s3cret!');
      const owner = new pg.Client({ connectionString: t.url });
      await owner.connect();
      const { rows } = await owner.query('select adapter_secret from call_connections where id = $1', [
        connectionId,
      ]);
      await owner.end();
      expect(rows[0].adapter_secret).toMatch(/^v1\./);
      expect(rows[0].adapter_secret).not.toContain('s3cret');
    });

    it('refuses settings of another type and a secret with a line break (AMI header injection)', async () => {
      const wrong = await call('PATCH', `/calls/connections/${connectionId}`, {
        settings: { publicUrl: 'https://x.example' },
      });
      expect(wrong.statusCode, wrong.body).toBe(400);
      expect(wrong.body).toContain('settings.publicUrl');
      const injected = await call('PATCH', `/calls/connections/${connectionId}`, {
        secret: 'x\r\nAction: Originate',
      });
      expect(injected.statusCode, injected.body).toBe(400);
      const nul = await call('PATCH', `/calls/connections/${connectionId}`, {
        settings: { username: 'a\u0000b' },
      });
      expect(nul.statusCode, nul.body).toBe(400);
    });

    it('logs in, follows an answered, a missed and a transferred call, and folds them into calls', async () => {
      streams = () => [
        fixture('ami-inbound-answered.txt'),
        fixture('ami-missed.txt'),
        fixture('ami-transfer.txt'),
      ];
      supervisor();
      await within(20_000, async () => (await calls()).filter((c) => c.state === 'ended').length >= 3);
      expect(ami.logins[0]).toEqual({ username: 'rabita', accepted: true });
      const answered = await byProvider('1764928800.101');
      expect(answered).toMatchObject({
        state: 'ended',
        outcome: 'answered',
        extension: '201',
        agentUserId: agent.userId,
        duration: 90,
        direction: 'inbound',
        fromE164: '+989121234567',
        personId: person,
      });
      expect(await byProvider('1764929400.201')).toMatchObject({ outcome: 'missed', answeredAt: null });
      expect(await byProvider('1764930000.301')).toMatchObject({
        outcome: 'answered',
        extension: '202',
        agentUserId: admin.userId,
        personId: person,
      });
    });

    it('changes nothing when the same streams are replayed after a reconnect', async () => {
      const before = await calls();
      const events = async () =>
        (await Promise.all(before.map((c) => call('GET', `/calls/${c.id}`)))).map(
          (r) => (r.json().events as unknown[]).length,
        );
      const counted = await events();
      const logins = ami.logins.length;
      ami.dropAll();
      await within(20_000, async () => ami.logins.length > logins && ami.open === 1);
      // The replay is read and folded (each event a duplicate) before the rows are compared.
      await new Promise((r) => setTimeout(r, 1_500));
      const strip = (cs: Call[]) => cs.map(({ updatedAt: _, ...c }) => c);
      expect(strip(await calls())).toEqual(strip(before));
      expect(await events()).toEqual(counted);
    });

    it('still follows calls after garbage, NUL bytes and a 10 MB line', async () => {
      await stopAll();
      const other = fixture('ami-inbound-answered.txt')
        .replaceAll('1764928800.10', '1764940000.10')
        .replaceAll('Timestamp: 1764928800', 'Timestamp: 1764940000');
      streams = () => [
        'garbage\r\n\u0000\u0000\r\n: :\r\n\r\n',
        Buffer.from([0xff, 0xfe, 0x00, 0x0d, 0x0a]),
        `Event: Newchannel\r\nLinkedid: ${'9'.repeat(10 * 1024 * 1024)}\r\n\r\n`,
        'Event: Newchannel\r\nChannel: PJSIP/x\u0000-00000001\r\nUniqueid: 5.5\r\nLinkedid: 5.5\r\nCallerIDNum: \u0000\r\n\r\n',
        other,
      ];
      supervisor();
      await within(30_000, async () => (await byProvider('1764940000.101'))?.state === 'ended');
      expect(await byProvider('1764940000.101')).toMatchObject({
        outcome: 'answered',
        agentUserId: agent.userId,
      });
    });

    it('places a click-to-call through Originate to the agent’s extension', async () => {
      await within(10_000, async () => amiOf(connectionId)?.client.ready === true);
      const held = amiOf(connectionId)!;
      await held.client.originate({
        channel: `${held.channelTech}/201`,
        context: held.context,
        number: '09121234567',
      });
      expect(ami.actions.at(-1)).toMatchObject({
        action: 'Originate',
        channel: 'PJSIP/201',
        context: 'from-internal',
        exten: '09121234567',
      });
      await expect(
        held.client.originate({ channel: 'PJSIP/201', context: 'x', number: '1\r\nAction: Logoff' }),
      ).rejects.toThrow();
    });

    it('runs one client per connection across workers, and another worker takes over when its holder stops', async () => {
      await stopAll();
      streams = () => [];
      // The first worker takes the connection before the second starts: started together, either may win the lock
      // (on a busy machine the second's first tick can run first), and the test must stop the one that holds it.
      const first = supervisor();
      await within(10_000, async () => ami.open === 1);
      const second = supervisor();
      await new Promise((r) => setTimeout(r, 800));
      expect(ami.open).toBe(1);
      const logins = ami.logins.length;
      await first.stop();
      running.splice(running.indexOf(first), 1);
      await within(10_000, async () => ami.logins.length > logins && ami.open === 1);
      await second.stop();
      running.splice(running.indexOf(second), 1);
    });

    it('keeps trying with backoff when the login is refused, and stops when the connection is removed', async () => {
      const patched = await call('PATCH', `/calls/connections/${connectionId}`, { secret: 'wrong' });
      expect(patched.statusCode, patched.body).toBe(200);
      supervisor();
      await within(10_000, async () => ami.logins.filter((l) => !l.accepted).length >= 2);
      expect(ami.logins.at(-1)).toEqual({ username: 'rabita', accepted: false });
      expect((await call('DELETE', `/calls/connections/${connectionId}`)).statusCode).toBe(204);
      await new Promise((r) => setTimeout(r, 3_000));
      const refused = ami.logins.length;
      await new Promise((r) => setTimeout(r, 2_500));
      expect(ami.logins.length).toBe(refused);
      await stopAll();
    });
  });

  describe('Asterisk ARI', () => {
    let ari: FakeAri;

    it('follows StasisStart, ChannelStateChange and ChannelDestroyed over the WebSocket', async () => {
      const events = (JSON.parse(fixture('ari-inbound-answered.json')) as unknown[]).map((e) =>
        JSON.stringify(e),
      );
      ari = await startFakeAri({
        apiKey: 'ari:ari-pass',
        events: () => ['{not json', JSON.stringify({ type: 'StasisStart', channel: null }), ...events],
      });
      fakes.push(ari);
      await connection({
        name: 'ARI',
        type: 'asterisk-ari',
        extensions: { '201': agent.userId },
        settings: { url: ari.url, username: 'ari', app: 'rabita' },
        secret: 'ari-pass',
      });
      supervisor();
      await within(20_000, async () => (await byProvider('1764932400.501'))?.state === 'ended');
      expect(await byProvider('1764932400.501')).toMatchObject({
        outcome: 'answered',
        duration: 60,
        agentUserId: agent.userId,
        personId: person,
      });
      expect(ari.connections[0]).toEqual({ apiKey: 'ari:ari-pass', app: 'rabita' });
      await stopAll();
    });

    it('puts a call in the queue the dialplan names in the Stasis arguments', async () => {
      const queue = await call('POST', '/calls/queues', { name: 'Support', keys: ['Support'] });
      expect(queue.statusCode, queue.body).toBe(201);
      const queued = await startFakeAri({
        apiKey: 'ari:queue-pass',
        events: () =>
          (JSON.parse(fixture('ari-queue-answered.json')) as unknown[]).map((e) => JSON.stringify(e)),
      });
      fakes.push(queued);
      await connection({
        name: 'ARI queues',
        type: 'asterisk-ari',
        extensions: { '202': agent.userId },
        settings: { url: queued.url, username: 'ari', app: 'rabita' },
        secret: 'queue-pass',
      });
      supervisor();
      await within(20_000, async () => (await byProvider('1764933000.601'))?.state === 'ended');
      expect(await byProvider('1764933000.601')).toMatchObject({
        queueId: queue.json().id,
        outcome: 'answered',
        duration: 90,
        agentUserId: agent.userId,
        personId: person,
      });
      await stopAll();
    });

    it('puts a call in the queue its RABITA_QUEUE channel variable names (StasisStart or ChannelVarset)', async () => {
      const queue = await call('POST', '/calls/queues', { name: 'Sales', keys: ['Sales'] });
      expect(queue.statusCode, queue.body).toBe(201);
      const byVariable = await startFakeAri({
        apiKey: 'ari:variable-pass',
        events: () =>
          (JSON.parse(fixture('ari-queue-variable.json')) as unknown[]).map((e) => JSON.stringify(e)),
      });
      fakes.push(byVariable);
      await connection({
        name: 'ARI variables',
        type: 'asterisk-ari',
        extensions: { '202': agent.userId },
        settings: { url: byVariable.url, username: 'ari', app: 'rabita' },
        secret: 'variable-pass',
      });
      supervisor();
      await within(20_000, async () => (await byProvider('1764933900.801'))?.state === 'ended');
      expect(await byProvider('1764933600.701')).toMatchObject({
        queueId: queue.json().id,
        outcome: 'answered',
        agentUserId: agent.userId,
        personId: person,
      });
      expect(await byProvider('1764933900.801')).toMatchObject({
        queueId: queue.json().id,
        outcome: 'missed',
      });
      await stopAll();
    });
  });

  describe('Twilio-style webhooks', () => {
    let connectionId: string;
    const token = 'twilio-auth-token-0123456789abcdef';
    const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
    const post = (id: string, params: Record<string, string>, signature: string | undefined, query = '') =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/calls/hooks/twilio/${id}${query}`,
        payload: form(params),
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
        },
      });
    const sign = (url: string, params: Record<string, string>, key = token) =>
      twilioSignature(key, url, Object.entries(params));

    beforeAll(async () => {
      connectionId = (await connection({ name: 'Twilio', type: 'twilio', secret: token })).id;
    });

    it('keeps signed status callbacks as one call, each status once', async () => {
      const url = `https://crm.example.com/api/v1/calls/hooks/twilio/${connectionId}`;
      const posts = JSON.parse(fixture('twilio-inbound-completed.json')) as Record<string, string>[];
      for (const params of [...posts, ...posts]) {
        const r = await post(connectionId, params, sign(url, params));
        expect(r.statusCode, r.body).toBe(204);
      }
      const c = await byProvider('CA0f3c5a1b2c3d4e5f60718293a4b5c6d7');
      expect(c).toMatchObject({
        state: 'ended',
        outcome: 'answered',
        duration: 75,
        personId: person,
        recordingUrl: expect.stringContaining('RE00000000000000000000000000000009'),
      });
      const detail = await call('GET', `/calls/${c!.id}`);
      expect(detail.json().events).toHaveLength(4);
    });

    it('checks the signature over the configured public URL, never the Host header', async () => {
      const params = {
        CallSid: 'CA-host',
        CallStatus: 'ringing',
        From: '+989121234567',
        To: '+982188776655',
      };
      const asSeenByHost = `http://localhost:80/api/v1/calls/hooks/twilio/${connectionId}`;
      const viaHost = await post(connectionId, params, sign(asSeenByHost, params));
      expect(viaHost.statusCode).toBe(401);
      const patched = await call('PATCH', `/calls/connections/${connectionId}`, {
        settings: { publicUrl: 'https://proxy.example.net/twilio/hook?c=1' },
      });
      expect(patched.statusCode, patched.body).toBe(200);
      const ok = await post(connectionId, params, sign('https://proxy.example.net/twilio/hook?c=1', params));
      expect(ok.statusCode, ok.body).toBe(204);
    });

    it('refuses a wrong, missing or other connection’s signature, and hostile fields', async () => {
      const params = { CallSid: 'CA-bad', CallStatus: 'ringing', From: '1', To: '2' };
      const url = 'https://proxy.example.net/twilio/hook?c=1';
      expect((await post(connectionId, params, sign(url, params, 'other-token'))).statusCode).toBe(401);
      expect((await post(connectionId, params, undefined)).statusCode).toBe(401);
      expect((await post(connectionId, { ...params, From: '3' }, sign(url, params))).statusCode).toBe(401);
      expect((await post(randomUuid(), params, sign(url, params))).statusCode).toBe(401);
      expect((await post('not-a-uuid', params, sign(url, params))).statusCode).toBe(401);
      const nul = await post(
        connectionId,
        { ...params, From: '1\u0000' },
        sign(url, { ...params, From: '1\u0000' }),
      );
      expect(nul.statusCode).toBe(400);
      const surrogate = await post(connectionId, { ...params, From: '\ud800' }, 'x');
      expect(surrogate.statusCode).toBeLessThan(500);
      expect(surrogate.statusCode).toBeGreaterThanOrEqual(400);
      const huge = await post(connectionId, { ...params, Junk: 'x'.repeat(100_000) }, 'x');
      expect(huge.statusCode).toBe(413);
      expect(await byProvider('CA-bad')).toBeUndefined();
    });
  });

  describe('3CX-style lookup and journal', () => {
    let connectionId: string;
    let key: string;
    let otherKey: string;
    const lookup = (id: string, number: string, authorization?: string) =>
      t.app.inject({
        method: 'GET',
        url: `/api/v1/calls/hooks/3cx/${id}/lookup?number=${encodeURIComponent(number)}`,
        headers: authorization ? { authorization } : {},
      });
    const journal = (id: string, body: unknown, authorization?: string) =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/calls/hooks/3cx/${id}/journal`,
        payload: body as object,
        headers: authorization ? { authorization } : {},
      });

    beforeAll(async () => {
      const made = await connection({
        name: '3CX',
        type: '3cx',
        extensions: { '201': agent.userId },
        stripPrefixes: ['9'],
      });
      connectionId = made.id;
      key = made.apiKey!;
      expect(made.settings.lookupRole).toEqual(expect.any(String));
      otherKey = (await connection({ name: 'Generic', type: 'generic' })).apiKey!;
    });

    it('answers the caller with the lookup role’s view, from Persian digits and a trunk prefix', async () => {
      const r = await lookup(connectionId, '۹۰۹۱۲۱۲۳۴۵۶۷', `Bearer ${key}`);
      expect(r.statusCode, r.body).toBe(200);
      expect(r.json().contacts).toEqual([
        {
          id: person,
          object: 'people',
          firstName: 'Reza',
          lastName: 'Karimi',
          company: '',
          email: 'reza@example.com',
          phone: '+989121234567',
          url: `https://crm.example.com/o/people/${person}`,
        },
      ]);
      const basic = await lookup(
        connectionId,
        '09121234567',
        `Basic ${Buffer.from(`3cx:${key}`).toString('base64')}`,
      );
      expect(basic.json().contacts).toHaveLength(1);
      expect((await lookup(connectionId, '02100000000', `Bearer ${key}`)).json()).toEqual({ contacts: [] });
    });

    it('refuses a missing, wrong or other connection’s key, and hostile numbers', async () => {
      expect((await lookup(connectionId, '09121234567')).statusCode).toBe(401);
      expect((await lookup(connectionId, '09121234567', 'Bearer rbp_wrong')).statusCode).toBe(401);
      expect((await lookup(connectionId, '09121234567', `Bearer ${otherKey}`)).statusCode).toBe(401);
      expect((await lookup(randomUuid(), '09121234567', `Bearer ${key}`)).statusCode).toBe(401);
      expect((await lookup(connectionId, '0912\u0000', `Bearer ${key}`)).statusCode).toBe(400);
      expect((await lookup(connectionId, '9'.repeat(5000), `Bearer ${key}`)).statusCode).toBe(400);
      const odd = await lookup(connectionId, "' or 1=1 --", `Bearer ${key}`);
      expect(odd.statusCode).toBe(200);
      expect(odd.json()).toEqual({ contacts: [] });
    });

    it('keeps a journal entry as a call, once', async () => {
      const entry = {
        callType: 'Inbound',
        number: '09121234567',
        agent: '201',
        duration: '00:02:00',
        start: '2026-12-05T10:00:00Z',
        end: '2026-12-05T10:02:10Z',
      };
      const first = await journal(connectionId, entry, `Bearer ${key}`);
      expect(first.statusCode, first.body).toBe(202);
      expect(first.json()).toMatchObject({ accepted: 3, duplicates: 0 });
      const again = await journal(connectionId, entry, `Bearer ${key}`);
      expect(again.json()).toMatchObject({ accepted: 0, duplicates: 3 });
      const id = first.json().calls[0].id as string;
      const c = (await call('GET', `/calls/${id}`)).json();
      expect(c).toMatchObject({
        outcome: 'answered',
        duration: 120,
        agentUserId: agent.userId,
        personId: person,
      });
      expect((await journal(connectionId, entry, `Bearer ${otherKey}`)).statusCode).toBe(401);
      expect((await journal(connectionId, { ...entry, duration: 'soon' }, `Bearer ${key}`)).statusCode).toBe(
        400,
      );
      expect((await journal(connectionId, { ...entry, extra: 1 }, `Bearer ${key}`)).statusCode).toBe(400);
    });

    it('puts a journal entry’s call in the queue it names, by name or by the queue’s number', async () => {
      const queue = await call('POST', '/calls/queues', {
        name: 'Billing',
        keys: ['Billing'],
        numbers: ['811'],
      });
      expect(queue.statusCode, queue.body).toBe(201);
      const entries = JSON.parse(fixture('threecx-queue-journal.json')) as Record<string, unknown>[];
      const ids: string[] = [];
      for (const entry of entries) {
        const r = await journal(connectionId, entry, `Bearer ${key}`);
        expect(r.statusCode, r.body).toBe(202);
        ids.push(r.json().calls[0].id as string);
      }
      const [byName, byNumber, unknown] = await Promise.all(
        ids.map(async (id) => (await call('GET', `/calls/${id}`)).json()),
      );
      expect(byName).toMatchObject({
        queueId: queue.json().id,
        outcome: 'answered',
        agentUserId: agent.userId,
      });
      expect(byNumber).toMatchObject({ queueId: queue.json().id, outcome: 'missed' });
      // A queue Rabita does not know leaves the call in none.
      expect(unknown).toMatchObject({ queueId: null, outcome: 'answered' });
      for (const bad of [{ queue: '' }, { queue: 'a\u0000b' }, { queueNumber: '81 1' }, { queueNumber: 'x' }])
        expect(
          (await journal(connectionId, { ...entries[0], ...bad }, `Bearer ${key}`)).statusCode,
          JSON.stringify(bad),
        ).toBe(400);
    });
  });
});

function randomUuid(): string {
  return '0192f000-0000-7000-8000-000000000000'.replace(/0{12}$/, randomBytes(6).toString('hex'));
}
