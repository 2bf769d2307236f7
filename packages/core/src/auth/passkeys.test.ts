import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { Secret, TOTP } from 'otpauth';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, sessionCookie, signUp, type TestApp } from '../../../../test/harness.ts';
import { relyingParty } from './passkeys.relying-party.ts';

const b64url = (bytes: Uint8Array | Buffer | string) => Buffer.from(bytes).toString('base64url');

/**
 * A software authenticator for the server's own tests (the browser test uses Chromium's virtual one): an ES256 key
 * pair per credential, "none" attestation, user presence and verification always given, a signature counter.
 */
class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly key: { privateKey: KeyObject; publicKey: KeyObject } = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
  });
  counter = 0;
  userHandle = '';

  private readonly origin: string;
  private readonly rpId: string;

  constructor(origin: string, rpId: string) {
    this.origin = origin;
    this.rpId = rpId;
  }

  get id() {
    return b64url(this.credentialId);
  }

  private authData(extra: Buffer, flags: number, counter: number) {
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const rpIdHash = createHash('sha256').update(this.rpId).digest();
    return Buffer.concat([rpIdHash, Buffer.from([flags]), count, extra]);
  }

  private clientData(type: string, challenge: string) {
    return Buffer.from(JSON.stringify({ type, challenge, origin: this.origin, crossOrigin: false }));
  }

  /** The answer to `navigator.credentials.create()` for these options. */
  register(options: { challenge: string; user: { id: string } }) {
    this.userHandle = options.user.id;
    const jwk = this.key.publicKey.export({ format: 'jwk' });
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, new Uint8Array(Buffer.from(jwk.x!, 'base64url'))],
        [-3, new Uint8Array(Buffer.from(jwk.y!, 'base64url'))],
      ]),
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, this.credentialId, Buffer.from(cose)]);
    // Flags: user present (0x01), user verified (0x04), attested credential data (0x40).
    const authData = this.authData(attested, 0x45, this.counter);
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', new Uint8Array(authData)],
      ]),
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge)),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
    };
  }

  /** The answer to `navigator.credentials.get()`: signs with the next counter (or the one given). */
  assert(challenge: string, options: { counter?: number; tamper?: boolean } = {}) {
    this.counter = options.counter ?? this.counter + 1;
    const authData = this.authData(Buffer.alloc(0), 0x05, this.counter);
    const clientData = this.clientData('webauthn.get', challenge);
    const signed = Buffer.concat([authData, createHash('sha256').update(clientData).digest()]);
    const signature = sign('sha256', signed, this.key.privateKey);
    if (options.tamper) signature[signature.length - 1]! ^= 1;
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientData),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
    };
  }
}

function codeFor(secret: string, stepsAhead = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret), period: 30, digits: 6 }).generate({
    timestamp: Date.now() + stepsAhead * 30_000,
  });
}

describe('passkeys', () => {
  let t: TestApp;
  let owner: pg.Client;
  let alice: Awaited<ReturnType<typeof signUp>>;
  let bob: Awaited<ReturnType<typeof signUp>>;
  let aliceKey: SoftAuthenticator;
  let bobKey: SoftAuthenticator;
  let origin: string;
  let rpId: string;
  const call = apiCaller(
    () => t.app,
    () => alice.cookie,
  );
  const newAuthenticator = () => new SoftAuthenticator(origin, rpId);

  /** Registers a passkey for the person behind `cookie` with a fresh software authenticator. */
  const register = async (cookie: string, name: string, key = newAuthenticator()) => {
    const options = await call('POST', '/me/passkeys/options', undefined, cookie);
    expect(options.statusCode, options.body).toBe(200);
    const saved = await call(
      'POST',
      '/me/passkeys',
      { name, credential: key.register(options.json()) },
      cookie,
    );
    expect(saved.statusCode, saved.body).toBe(201);
    return { key, passkey: saved.json() as { id: string; name: string } };
  };
  const signInOptions = async () => {
    const options = await call('POST', '/auth/passkey/options', undefined, '');
    expect(options.statusCode, options.body).toBe(200);
    return options.json() as { challenge: string; userVerification: string; allowCredentials?: unknown[] };
  };
  const auditKinds = async (userId: string) =>
    (
      await owner.query(
        'select kind, details from audit_events where actor_user_id = $1 or subject = $1::text order by id',
        [userId],
      )
    ).rows as { kind: string; details: Record<string, unknown> }[];

  beforeAll(async () => {
    t = await createTestApp(
      { RABITA_SECRET_KEY: randomBytes(32).toString('hex'), RABITA_OPEN_SIGNUP: 'true' },
      { throttle: { freePerPair: 3, freePerAccount: 1000, freePerIp: 1000, maxDelaySeconds: 60 } },
    );
    const rp = relyingParty(t.config.publicUrl, undefined);
    origin = rp.origin;
    rpId = rp.id;
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    alice = await signUp(t.app);
    bob = await signUp(t.app);
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('registers a passkey: a discoverable credential with user verification, named, listed, logged', async () => {
    const options = await call('POST', '/me/passkeys/options');
    expect(options.json()).toMatchObject({
      rp: { id: rpId, name: 'Rabita' },
      user: { name: alice.email.toLowerCase() },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      excludeCredentials: [],
    });
    aliceKey = newAuthenticator();
    const saved = await call('POST', '/me/passkeys', {
      name: 'Laptop',
      credential: aliceKey.register(options.json()),
    });
    expect(saved.statusCode, saved.body).toBe(201);
    expect(saved.json()).toMatchObject({ name: 'Laptop', lastUsedAt: null });
    const list = await call('GET', '/me/passkeys');
    expect(list.json().data).toEqual([saved.json()]);
    // Bob sees none of Alice's.
    expect((await call('GET', '/me/passkeys', undefined, bob.cookie)).json().data).toEqual([]);
    // Her next options exclude the passkey she has.
    const again = await call('POST', '/me/passkeys/options');
    expect(again.json().excludeCredentials).toEqual([
      { id: aliceKey.id, type: 'public-key', transports: ['internal'] },
    ]);
    const stored = await owner.query('select credential_id, counter, transports from passkeys');
    expect(stored.rows).toEqual([{ credential_id: aliceKey.id, counter: '0', transports: ['internal'] }]);
    expect((await auditKinds(alice.userId)).map((e) => e.kind)).toContain('auth.passkey_added');
    bobKey = (await register(bob.cookie, 'Phone')).key;
  });

  it('refuses a registration whose challenge is unknown, reused, expired or another person’s', async () => {
    const fresh = newAuthenticator();
    const unknown = await call('POST', '/me/passkeys', {
      name: 'X',
      credential: fresh.register({ challenge: b64url(randomBytes(32)), user: { id: 'x' } }),
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('passkey_challenge_invalid');

    const options = (await call('POST', '/me/passkeys/options')).json();
    const credential = fresh.register(options);
    expect((await call('POST', '/me/passkeys', { name: 'Once', credential })).statusCode).toBe(201);
    const reused = await call('POST', '/me/passkeys', {
      name: 'Twice',
      credential: newAuthenticator().register(options),
    });
    expect(reused.json().code).toBe('passkey_challenge_invalid');

    const late = (await call('POST', '/me/passkeys/options')).json();
    await owner.query(
      `update passkey_challenges set expires_at = now() - interval '1 second' where challenge = $1`,
      [late.challenge],
    );
    const expired = await call('POST', '/me/passkeys', {
      name: 'Late',
      credential: newAuthenticator().register(late),
    });
    expect(expired.json().code).toBe('passkey_challenge_invalid');

    // Bob's challenge answered in Alice's session.
    const bobs = (await call('POST', '/me/passkeys/options', undefined, bob.cookie)).json();
    const stolen = await call('POST', '/me/passkeys', {
      name: 'Stolen',
      credential: newAuthenticator().register(bobs),
    });
    expect(stolen.json().code).toBe('passkey_challenge_invalid');

    // A signature made for another site (the origin in the client data) is not verified.
    const elsewhere = new SoftAuthenticator('https://evil.example', rpId);
    const theirs = await call('POST', '/me/passkeys', {
      name: 'Evil',
      credential: elsewhere.register((await call('POST', '/me/passkeys/options')).json()),
    });
    expect(theirs.statusCode).toBe(400);
    expect(theirs.json().code).toBe('validation_failed');
    const names = (await call('GET', '/me/passkeys')).json().data.map((p: { name: string }) => p.name);
    expect(names).toEqual(['Laptop', 'Once']);
  });

  it('signs in with a passkey alone (no email, user verified) and records it', async () => {
    const options = await signInOptions();
    expect(options).toMatchObject({ userVerification: 'required', rpId });
    expect(options.allowCredentials ?? []).toEqual([]);
    const signedIn = await call(
      'POST',
      '/auth/passkey',
      { credential: aliceKey.assert(options.challenge) },
      '',
    );
    expect(signedIn.statusCode, signedIn.body).toBe(200);
    expect(signedIn.json()).toMatchObject({
      user: { id: alice.userId },
      workspace: { id: alice.workspaceId },
    });
    const me = await call('GET', '/me', undefined, sessionCookie(signedIn));
    expect(me.json().user.id).toBe(alice.userId);
    const [laptop] = (await call('GET', '/me/passkeys')).json().data;
    expect(laptop.lastUsedAt).not.toBeNull();
    const events = await auditKinds(alice.userId);
    expect(events.at(-1)).toMatchObject({
      kind: 'auth.signed_in',
      details: { secondFactor: true, passkey: 'sign-in' },
    });
    // The same answer twice: its challenge was used up.
    const replay = await call(
      'POST',
      '/auth/passkey',
      { credential: aliceKey.assert(options.challenge) },
      '',
    );
    expect(replay.json().code).toBe('passkey_challenge_invalid');
  });

  it('refuses a counter that went back, and answers an unknown passkey as a failed one', async () => {
    const regressed = await call(
      'POST',
      '/auth/passkey',
      { credential: aliceKey.assert((await signInOptions()).challenge, { counter: 1 }) },
      '',
    );
    expect(regressed.statusCode).toBe(401);
    expect(regressed.json().code).toBe('invalid_credentials');
    const events = await auditKinds(alice.userId);
    expect(events.at(-1)).toMatchObject({ kind: 'auth.sign_in_failed', details: { reason: 'passkey' } });

    const unknown = await call(
      'POST',
      '/auth/passkey',
      { credential: newAuthenticator().assert((await signInOptions()).challenge) },
      '',
    );
    const strip = (body: Record<string, unknown>) => ({ ...body, instance: undefined, requestId: undefined });
    expect(unknown.statusCode).toBe(401);
    expect(strip(unknown.json())).toEqual(strip(regressed.json()));
    // The counter in the database did not move back.
    const { rows } = await owner.query('select counter from passkeys where credential_id = $1', [
      aliceKey.id,
    ]);
    expect(Number(rows[0].counter)).toBe(1);
    aliceKey.counter = 1;
  });

  it('throttles failed passkey sign-ins like passwords (per account and address)', async () => {
    const carol = await signUp(t.app);
    const { key } = await register(carol.cookie, 'Key');
    // Three failures are free (this test's limits); the fourth sets a wait.
    for (let i = 0; i < 4; i += 1) {
      const failed = await call(
        'POST',
        '/auth/passkey',
        { credential: key.assert((await signInOptions()).challenge, { tamper: true }) },
        '',
      );
      expect(failed.statusCode).toBe(401);
    }
    const good = await call(
      'POST',
      '/auth/passkey',
      { credential: key.assert((await signInOptions()).challenge) },
      '',
    );
    expect(good.statusCode).toBe(429);
    // The same account key as passwords: her password is slowed down too.
    const password = await call(
      'POST',
      '/auth/sign-in',
      { email: carol.email, password: carol.password },
      '',
    );
    expect(password.statusCode).toBe(429);
  });

  it('takes a passkey instead of a code at the second step, only one of the person’s own', async () => {
    const started = (await call('POST', '/me/mfa/totp')).json();
    expect((await call('POST', '/me/mfa/totp/confirm', { code: codeFor(started.secret) })).statusCode).toBe(
      200,
    );
    const first = await call('POST', '/auth/sign-in', { email: alice.email, password: alice.password }, '');
    expect(first.statusCode).toBe(202);
    const { challenge } = first.json();
    const options = await call('POST', '/auth/sign-in/mfa/passkey/options', { challenge }, '');
    expect(options.statusCode, options.body).toBe(200);
    const offered = options.json().allowCredentials.map((c: { id: string }) => c.id);
    expect(offered).toContain(aliceKey.id);
    expect(offered).not.toContain(bobKey.id);
    // Bob's passkey signing Alice's challenge.
    const bobs = await call(
      'POST',
      '/auth/sign-in/mfa/passkey',
      { challenge, credential: bobKey.assert(options.json().challenge) },
      '',
    );
    expect(bobs.statusCode).toBe(401);
    expect(bobs.json().code).toBe('invalid_mfa_code');
    // That used the passkey challenge up; a new one, answered by her own passkey, opens the session.
    const again = (await call('POST', '/auth/sign-in/mfa/passkey/options', { challenge }, '')).json();
    const done = await call(
      'POST',
      '/auth/sign-in/mfa/passkey',
      { challenge, credential: aliceKey.assert(again.challenge) },
      '',
    );
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().user.id).toBe(alice.userId);
    // The sign-in challenge works once.
    const twice = await call('POST', '/auth/sign-in/mfa/passkey/options', { challenge }, '');
    expect(twice.json().code).toBe('mfa_challenge_invalid');
  });

  it('lets a passkey meet a role’s two-step requirement', async () => {
    const dave = await signUp(t.app);
    const { key } = await register(dave.cookie, 'Key');
    const policy = await call('PUT', '/workspace/mfa-policy', { requiredRoles: ['admin'] }, dave.cookie);
    expect(policy.statusCode).toBe(200);
    // With a password alone he must set up a second factor (or give his passkey there).
    const byPassword = await call(
      'POST',
      '/auth/sign-in',
      { email: dave.email, password: dave.password },
      '',
    );
    expect(byPassword.json().step).toBe('enroll');
    const options = await call(
      'POST',
      '/auth/sign-in/mfa/passkey/options',
      { challenge: byPassword.json().challenge },
      '',
    );
    const second = await call(
      'POST',
      '/auth/sign-in/mfa/passkey',
      { challenge: byPassword.json().challenge, credential: key.assert(options.json().challenge) },
      '',
    );
    expect(second.statusCode, second.body).toBe(200);
    // With the passkey alone: both factors, straight in.
    const byPasskey = await call(
      'POST',
      '/auth/passkey',
      { credential: key.assert((await signInOptions()).challenge) },
      '',
    );
    expect(byPasskey.statusCode, byPasskey.body).toBe(200);
    expect(byPasskey.json().workspace.id).toBe(dave.workspaceId);
  });

  it('renames only one’s own passkeys', async () => {
    const [laptop] = (await call('GET', '/me/passkeys')).json().data;
    const renamed = await call('PATCH', `/me/passkeys/${laptop.id}`, { name: 'Work laptop' });
    expect(renamed.json()).toMatchObject({ id: laptop.id, name: 'Work laptop' });
    expect((await call('PATCH', `/me/passkeys/${laptop.id}`, { name: 'Mine' }, bob.cookie)).statusCode).toBe(
      404,
    );
    expect((await call('DELETE', `/me/passkeys/${laptop.id}`, {}, bob.cookie)).statusCode).toBe(404);
  });

  it('removes a passkey only with a recent sign-in, the password or a code', async () => {
    const [laptop, once] = (await call('GET', '/me/passkeys')).json().data;
    await owner.query(`update sessions set created_at = now() - interval '1 hour' where user_id = $1`, [
      alice.userId,
    ]);
    const bare = await call('DELETE', `/me/passkeys/${laptop.id}`, {});
    expect(bare.statusCode).toBe(403);
    expect(bare.json().code).toBe('recent_sign_in_required');
    const wrong = await call('DELETE', `/me/passkeys/${laptop.id}`, { password: 'not her password' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0].field).toBe('body.password');
    const right = await call('DELETE', `/me/passkeys/${laptop.id}`, { password: alice.password });
    expect(right.statusCode, right.body).toBe(204);
    expect((await auditKinds(alice.userId)).map((e) => e.kind)).toContain('auth.passkey_removed');
    // A removed passkey no longer signs in.
    const gone = await call(
      'POST',
      '/auth/passkey',
      { credential: aliceKey.assert((await signInOptions()).challenge) },
      '',
    );
    expect(gone.json().code).toBe('invalid_credentials');
    // A fresh session needs nothing more.
    const fresh = await call('POST', '/auth/sign-in', { email: bob.email, password: bob.password }, '');
    const [phone] = (await call('GET', '/me/passkeys', undefined, sessionCookie(fresh))).json().data;
    const removed = await call('DELETE', `/me/passkeys/${phone.id}`, undefined, sessionCookie(fresh));
    expect(removed.statusCode, removed.body).toBe(204);
    expect((await call('GET', '/me/passkeys')).json().data.map((p: { id: string }) => p.id)).toEqual([
      once.id,
    ]);
  });
});

describe('the relying party', () => {
  it('comes from the public address, whatever the request says', () => {
    expect(relyingParty('https://crm.example.com', 'https://evil.example')).toEqual({
      name: 'Rabita',
      id: 'crm.example.com',
      origin: 'https://crm.example.com',
    });
    expect(relyingParty('https://crm.example.com:8443', undefined).origin).toBe(
      'https://crm.example.com:8443',
    );
  });
  it('follows the request’s loopback origin on a developer’s machine only', () => {
    expect(relyingParty('http://localhost:3000', 'http://localhost:5173')).toMatchObject({
      id: 'localhost',
      origin: 'http://localhost:5173',
    });
    expect(relyingParty('http://localhost:3000', 'https://evil.example').origin).toBe(
      'http://localhost:3000',
    );
    expect(relyingParty('http://localhost:3000', 'not a url').origin).toBe('http://localhost:3000');
  });
});
