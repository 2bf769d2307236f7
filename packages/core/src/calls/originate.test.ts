// Click-to-call and the recording proxy: the agent's extension and the number reach the fake AMI server's
// Originate (from this process, and relayed over NOTIFY to the holder of the AMI client), an ARI and a
// Twilio-style REST call reach local HTTP servers; a recording is streamed through Rabita to the call's agent and
// to readers of its record only, and a private address, a huge answer or one that is not audio are refused.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { lazySecretBox } from '../auth/secret-box.ts';
import { defaultSettings } from '../modules/settings.ts';
import { amiOf, startCallAdapters } from './adapters/adapter-supervisor.ts';
import { type FakeAmi, startFakeAmi } from './adapters/fake-phone-systems.ts';
import { callsSettings } from './calls.settings.ts';
import { callEventSender, createRecord, joinAs, type Member, makeConnection } from './calls.test-kit.ts';
import { dialable, relayOriginate } from './originate.service.ts';
import { fetchRecording } from './recording.service.ts';

const KEY = randomBytes(32);
/** A WAV of 0.1 s of silence at 8 kHz, 16-bit mono. */
function wav(samples = 800): Buffer {
  const data = Buffer.alloc(samples * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0);
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8);
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(8000, 24);
  h.writeUInt32LE(16000, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36);
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A local HTTP server: a recording, things that are not, and a REST endpoint that notes what it was sent. */
async function startPbxHttp() {
  const seen: Seen[] = [];
  const sound = wav();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const path = (req.url ?? '').split('?')[0];
      if (path === '/rec.wav') {
        res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': sound.length });
        res.end(sound);
      } else if (path === '/moved') {
        res.writeHead(302, { location: '/rec.wav' });
        res.end();
      } else if (path === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
      } else if (path === '/page') {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<script>alert(1)</script>');
      } else if (path === '/huge') {
        res.writeHead(200, { 'content-type': 'audio/wav', 'content-length': String(10 * 1024 ** 3) });
        res.end();
      } else if (path === '/endless') {
        res.writeHead(200, { 'content-type': 'audio/wav' });
        const chunk = Buffer.alloc(64 * 1024);
        const push = () => {
          if (!res.destroyed && res.write(chunk)) setImmediate(push);
          else if (!res.destroyed) res.once('drain', push);
        };
        push();
        res.on('close', () => res.destroy());
      } else if (req.method === 'POST') {
        res.writeHead(path?.includes('refuse') ? 400 : 201, { 'content-type': 'application/json' });
        res.end(path?.includes('refuse') ? '{"message":"no such endpoint"}' : '{"id":"x"}');
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    sound,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('click-to-call and call recordings', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let agent: Member;
  let colleague: Member;
  let ami: FakeAmi;
  let pbx: Awaited<ReturnType<typeof startPbxHttp>>;
  let supervisor: { stop(): Promise<void> } | undefined;
  let amiConnection: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    t = await createTestApp({
      RABITA_OPEN_SIGNUP: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
      RABITA_CALLS_ALLOW_PRIVATE: 'true',
      RABITA_PUBLIC_URL: 'https://crm.example.com',
    });
    admin = await signUp(t.app);
    agent = await joinAs(t.app, admin.cookie, 'agent', 'Agent');
    colleague = await joinAs(t.app, admin.cookie, 'agent', 'Colleague');
    ami = await startFakeAmi({ username: 'rabita', secret: 's3cret!', streams: () => [] });
    pbx = await startPbxHttp();
    const made = await makeConnection(call, {
      name: 'FreePBX',
      type: 'asterisk-ami',
      country: 'IR',
      extensions: { '201': agent.userId },
      settings: { host: '127.0.0.1', port: ami.port, username: 'rabita', context: 'from-crm' },
      secret: 's3cret!',
    });
    amiConnection = made.id;
    supervisor = startCallAdapters(
      {
        db: t.handle.db,
        session: { idleHours: 1, maxDays: 1 },
        settings: defaultSettings().with(callsSettings, { allowPrivate: true }),
        listen: { connectionString: t.url },
        secrets: lazySecretBox(async () => KEY),
      },
      { tickMs: 150 },
    );
    for (let i = 0; i < 150 && !amiOf(amiConnection)?.client.ready; i++)
      await new Promise((r) => setTimeout(r, 100));
  }, 60_000);

  afterAll(async () => {
    await supervisor?.stop();
    await ami?.close();
    await pbx?.close();
    await t?.close();
  });

  const originates = () => ami.actions.filter((a) => a.action?.toLowerCase() === 'originate');

  it('rings the agent’s extension and dials the number through AMI (Persian digits and spaces read)', async () => {
    const lines = await call('GET', '/calls/originate', undefined, agent.cookie);
    expect(lines.json().data).toEqual([
      expect.objectContaining({ connectionId: amiConnection, extension: '201', originates: true }),
    ]);
    const before = originates().length;
    const r = await call('POST', '/calls/originate', { to: '۰۹۱۲ ۱۲۳-۴۵۶۷' }, agent.cookie);
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json()).toEqual({ connectionId: amiConnection, extension: '201', to: '09121234567' });
    await expect.poll(() => originates().length).toBe(before + 1);
    expect(originates().at(-1)).toMatchObject({
      channel: 'PJSIP/201',
      exten: '09121234567',
      context: 'from-crm',
    });
  });

  it('reaches the worker holding the AMI client from another process over NOTIFY', async () => {
    const before = originates().length;
    await relayOriginate(
      {
        workspaceId: admin.workspaceId,
        connectionId: amiConnection,
        extension: '201',
        number: '+989121234567',
      },
      t.handle.pool,
    );
    expect(originates().length).toBe(before + 1);
    expect(originates().at(-1)).toMatchObject({ channel: 'PJSIP/201', exten: '+989121234567' });
    // A connection nobody holds: no answer within the wait, a clear refusal.
    await expect(
      relayOriginate(
        {
          workspaceId: admin.workspaceId,
          connectionId: '0190f0f0-0000-7000-8000-000000000000',
          extension: '201',
          number: '123456',
        },
        t.handle.pool,
        500,
      ),
    ).rejects.toThrow(/No worker/);
  });

  it('answers 409 when the caller has no extension or the connection cannot place calls', async () => {
    const none = await call('POST', '/calls/originate', { to: '09121234567' }, colleague.cookie);
    expect(none.statusCode, none.body).toBe(409);
    expect(none.json()).toMatchObject({ code: 'calls_cannot_originate' });
    const generic = await makeConnection(call, { name: 'Plain', extensions: { '300': colleague.userId } });
    const plain = await call(
      'POST',
      '/calls/originate',
      { to: '09121234567', connectionId: generic.id },
      colleague.cookie,
    );
    expect(plain.statusCode, plain.body).toBe(409);
    expect(plain.json().detail).toContain('cannot place calls');
    await call('DELETE', `/calls/connections/${generic.id}`);
  });

  it('refuses numbers that are not numbers, and hostile input, with 400', async () => {
    for (const to of ['', 'call me', '12\u0000345', '12\ud800345', '9'.repeat(65), '+98 912 abc', '1']) {
      const r = await call('POST', '/calls/originate', { to }, agent.cookie);
      expect(r.statusCode, `${JSON.stringify(to)}: ${r.body}`).toBe(400);
    }
    const extra = await call('POST', '/calls/originate', { to: '0912', as: 'admin' }, agent.cookie);
    expect(extra.statusCode).toBe(400);
    const notId = await call('POST', '/calls/originate', { to: '0912', connectionId: 'x' }, agent.cookie);
    expect(notId.statusCode).toBe(404);
    expect(dialable('tel:+98-912-123-4567')).toBe('+989121234567');
  });

  it('places the call through ARI and a Twilio-style API, and says what the phone system answered', async () => {
    const ari = await makeConnection(call, {
      name: 'ARI',
      type: 'asterisk-ari',
      extensions: { '202': colleague.userId },
      settings: { url: pbx.base, username: 'crm', context: 'outbound' },
      secret: 'ari-pass',
    });
    const r = await call(
      'POST',
      '/calls/originate',
      { to: '+989121234567', connectionId: ari.id },
      colleague.cookie,
    );
    expect(r.statusCode, r.body).toBe(202);
    const sent = pbx.seen.at(-1)!;
    expect(sent.method).toBe('POST');
    const q = new URL(sent.url, pbx.base).searchParams;
    expect(new URL(sent.url, pbx.base).pathname).toBe('/ari/channels');
    expect(Object.fromEntries(q)).toMatchObject({
      endpoint: 'PJSIP/202',
      extension: '+989121234567',
      context: 'outbound',
    });
    expect(sent.headers.authorization).toBe(`Basic ${Buffer.from('crm:ari-pass').toString('base64')}`);

    const sid = `AC${'a'.repeat(32)}`;
    const twilio = await makeConnection(call, {
      name: 'Twilio',
      type: 'twilio',
      extensions: { alice: colleague.userId },
      settings: { accountSid: sid, callerId: '+442071234567', apiUrl: pbx.base },
      secret: 'tw-token',
    });
    const tw = await call(
      'POST',
      '/calls/originate',
      { to: '+989121234567', connectionId: twilio.id },
      colleague.cookie,
    );
    expect(tw.statusCode, tw.body).toBe(202);
    const posted = pbx.seen.at(-1)!;
    expect(posted.url).toBe(`/2010-04-01/Accounts/${sid}/Calls.json`);
    const form = new URLSearchParams(posted.body);
    expect(form.get('To')).toBe('client:alice');
    expect(form.get('From')).toBe('+442071234567');
    expect(form.get('Twiml')).toContain('>+989121234567</Number>');
    expect(form.get('Twiml')).toContain(`https://crm.example.com/api/v1/calls/hooks/twilio/${twilio.id}`);

    // The phone system refusing is a 409 with its words, so the browser can fall back to tel:.
    await call('PATCH', `/calls/connections/${twilio.id}`, { settings: { apiUrl: `${pbx.base}/refuse` } });
    const refused = await call(
      'POST',
      '/calls/originate',
      { to: '+989121234567', connectionId: twilio.id },
      colleague.cookie,
    );
    expect(refused.statusCode, refused.body).toBe(409);
    expect(refused.json().detail).toContain('no such endpoint');
    await call('DELETE', `/calls/connections/${twilio.id}`);
    await call('DELETE', `/calls/connections/${ari.id}`);
  });

  describe('recordings', () => {
    let key: string;
    let send: ReturnType<typeof callEventSender>;
    beforeAll(async () => {
      const c = await makeConnection(call, {
        name: 'Recorder',
        country: 'IR',
        extensions: { '401': agent.userId },
      });
      key = c.apiKey;
      await createRecord(call, 'people', { firstName: 'Sara', phones: ['+98 912 555 0101'] });
      send = callEventSender(() => t.app, { extension: '401' });
    });
    const recorded = async (callId: string, from: string, recordingUrl: string) => {
      await send(key, callId, 'ringing', { from, to: '401' });
      await send(key, callId, 'answered', { from, to: '401' });
      return send(key, callId, 'recording', { from, to: '401', recordingUrl });
    };

    it('streams the recording to the agent and to readers of the matched record, never redirecting', async () => {
      const id = await recorded('rec-1', '+989125550101', `${pbx.base}/moved`);
      for (const who of [agent.cookie, colleague.cookie, admin.cookie]) {
        const r = await call('GET', `/calls/${id}/recording`, undefined, who);
        expect(r.statusCode, r.body).toBe(200);
        expect(r.headers['content-type']).toBe('audio/wav');
        expect(r.headers['x-content-type-options']).toBe('nosniff');
        expect(r.headers.location).toBeUndefined();
        expect(r.rawPayload.equals(pbx.sound)).toBe(true);
      }
    });

    it('answers 404 to a reader who is not the agent and sees no record of the call, and to other workspaces', async () => {
      const id = await recorded('rec-2', '+14155550000', `${pbx.base}/rec.wav`);
      expect((await call('GET', `/calls/${id}/recording`, undefined, agent.cookie)).statusCode).toBe(200);
      expect((await call('GET', `/calls/${id}/recording`, undefined, colleague.cookie)).statusCode).toBe(404);
      const stranger = await signUp(t.app);
      expect((await call('GET', `/calls/${id}/recording`, undefined, stranger.cookie)).statusCode).toBe(404);
      const noRec = await send(key, 'rec-none', 'ringing', { from: '+989125550101', to: '401' });
      expect((await call('GET', `/calls/${noRec}/recording`, undefined, agent.cookie)).statusCode).toBe(404);
      // Not an id: not found; a NUL byte: refused at the edge.
      for (const bad of ['x', 'a'.repeat(64), '\u0000'])
        expect([400, 404]).toContain(
          (await call('GET', `/calls/${encodeURIComponent(bad)}/recording`, undefined, agent.cookie))
            .statusCode,
        );
    });

    it('refuses an answer that is not audio, is too large, or redirects without end (502)', async () => {
      for (const [n, path] of [
        [3, '/page'],
        [4, '/huge'],
        [5, '/loop'],
        [6, '/missing'],
      ] as const) {
        const id = await recorded(`rec-${n}`, '+989125550101', `${pbx.base}${path}`);
        const r = await call('GET', `/calls/${id}/recording`, undefined, agent.cookie);
        expect(r.statusCode, `${path}: ${r.body}`).toBe(502);
        expect(r.json().code).toBe('calls_recording_unavailable');
        expect(r.body).not.toContain('<script>');
      }
    });

    it('refuses a private address unless RABITA_CALLS_ALLOW_PRIVATE, and cuts a stream that grows too large', async () => {
      await expect(fetchRecording(`${pbx.base}/rec.wav`, { allowPrivate: false })).rejects.toThrow(
        /private, loopback/,
      );
      await expect(fetchRecording('http://localhost:1/rec.wav', { allowPrivate: false })).rejects.toThrow(
        /private, loopback/,
      );
      await expect(fetchRecording('file:///etc/passwd', { allowPrivate: true })).rejects.toThrow(/http/);
      const endless = await fetchRecording(`${pbx.base}/endless`, {
        allowPrivate: true,
        maxBytes: 256 * 1024,
      });
      let got = 0;
      await expect(
        (async () => {
          for await (const chunk of endless.body) got += (chunk as Buffer).length;
        })(),
      ).rejects.toThrow(/larger than allowed/);
      expect(got).toBeLessThanOrEqual(256 * 1024);
    });
  });
});
