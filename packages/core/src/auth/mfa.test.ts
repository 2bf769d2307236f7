import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  sessionCookie,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { resetMfaByEmail } from './mfa.service.ts';

/** The code an authenticator shows for a secret, `stepsAhead` periods from now. */
function codeFor(secret: string, stepsAhead = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret), period: 30, digits: 6 }).generate({
    timestamp: Date.now() + stepsAhead * 30_000,
  });
}

describe('multi-factor sign-in', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let secret: string;
  let recoveryCodes: string[];
  let confirmedAt: Date;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const signIn = (email: string, password: string, cookie = '') =>
    call('POST', '/auth/sign-in', { email, password }, cookie);

  beforeAll(async () => {
    t = await createTestApp(
      { RABITA_SECRET_KEY: randomBytes(32).toString('hex'), RABITA_OPEN_SIGNUP: 'true' },
      { throttle: { freePerPair: 3, freePerAccount: 1000, freePerIp: 1000, maxDelaySeconds: 60 } },
    );
    admin = await signUp(t.app);
  });
  afterAll(() => t?.close());

  it('enrolls an authenticator with a QR code, confirmed by a first code; secrets are encrypted at rest', async () => {
    expect((await call('GET', '/me/mfa')).json()).toEqual({
      totp: false,
      recoveryCodesLeft: 0,
      requiredByRole: false,
    });
    const started = await call('POST', '/me/mfa/totp');
    expect(started.statusCode, started.body).toBe(200);
    secret = started.json().secret;
    expect(started.json().uri).toMatch(/^otpauth:\/\/totp\/Rabita:.*secret=/);
    expect(started.json().qrCode).toMatch(/^data:image\/png;base64,/);
    // Not on until confirmed; a wrong first code does not confirm it.
    expect((await call('GET', '/me/mfa')).json().totp).toBe(false);
    const wrong = await call('POST', '/me/mfa/totp/confirm', {
      code: '000000' === codeFor(secret) ? '111111' : '000000',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: 'invalid_mfa_code', errors: [{ field: 'body.code' }] });
    const stepBefore = Math.floor(Date.now() / 30_000);
    const confirmed = await call('POST', '/me/mfa/totp/confirm', { code: codeFor(secret) });
    const stepAfter = Math.floor(Date.now() / 30_000);
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    recoveryCodes = confirmed.json().recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect((await call('GET', '/me/mfa')).json()).toMatchObject({ totp: true, recoveryCodesLeft: 10 });

    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    const stored = await owner.query('select secret_encrypted, confirmed_at, last_used_step from mfa_totp');
    const codes = await owner.query('select code_hash from mfa_recovery_codes');
    await owner.end();
    expect(stored.rows[0].secret_encrypted).not.toContain(secret);
    expect(stored.rows[0].secret_encrypted).toMatch(/^v1\./);
    // Confirmed at the first code's time, and that code's step is used.
    expect(stored.rows[0].confirmed_at).toBeInstanceOf(Date);
    expect(Math.abs(stored.rows[0].confirmed_at.getTime() - Date.now())).toBeLessThan(60_000);
    expect(Number(stored.rows[0].last_used_step)).toBeGreaterThanOrEqual(stepBefore);
    expect(Number(stored.rows[0].last_used_step)).toBeLessThanOrEqual(stepAfter);
    confirmedAt = stored.rows[0].confirmed_at;
    const hashes = codes.rows.map((r) => Buffer.from(r.code_hash).toString('utf8')).join(' ');
    for (const code of recoveryCodes) expect(hashes).not.toContain(code.replace(/-/g, ''));
    // A second enrollment while one is on is refused.
    expect((await call('POST', '/me/mfa/totp')).statusCode).toBe(409);
  });

  it('asks for a code after the password, and opens a session only with a right one', async () => {
    const first = await signIn(admin.email, admin.password);
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json().step).toBe('code');
    expect(first.cookies.find((c) => c.name === 'rabita_session')).toBeUndefined();
    const { challenge } = first.json();
    const wrong = await call(
      'POST',
      '/auth/sign-in/mfa',
      { challenge, code: '000000' === codeFor(secret, 1) ? '222222' : '000000' },
      '',
    );
    expect(wrong.statusCode).toBe(401);
    // The code of the next step (the authenticator's clock may run ahead) is accepted, once.
    const stepBefore = Math.floor(Date.now() / 30_000);
    // One code for the use and both replays: computed again after a 30 s step boundary, it would be the next step's
    // code, rightly accepted once.
    const code = codeFor(secret, 1);
    const ok = await call('POST', '/auth/sign-in/mfa', { challenge, code }, '');
    const stepAfter = Math.floor(Date.now() / 30_000);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().user.id).toBe(admin.userId);
    admin.cookie = sessionCookie(ok);
    // The step is recorded; the authenticator keeps the time it was confirmed at.
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    const stored = await owner
      .query('select confirmed_at, last_used_step from mfa_totp where user_id = $1', [admin.userId])
      .finally(() => owner.end());
    expect(stored.rows[0].confirmed_at).toEqual(confirmedAt);
    expect(Number(stored.rows[0].last_used_step)).toBeGreaterThanOrEqual(stepBefore + 1);
    expect(Number(stored.rows[0].last_used_step)).toBeLessThanOrEqual(stepAfter + 1);
    // The challenge is spent, and the same code cannot be used again on a new one.
    expect((await call('POST', '/auth/sign-in/mfa', { challenge, code }, '')).json().code).toBe(
      'mfa_challenge_invalid',
    );
    const again = (await signIn(admin.email, admin.password)).json().challenge;
    expect((await call('POST', '/auth/sign-in/mfa', { challenge: again, code }, '')).statusCode).toBe(401);
  });

  it('asks the owner of a taken email who has a second factor for it on sign-up, making no workspace before', async () => {
    const r = await call(
      'POST',
      '/auth/sign-up',
      {
        email: admin.email,
        password: admin.password,
        name: 'Again',
        workspaceName: 'Made by a password alone',
      },
      '',
    );
    expect(r.statusCode, r.body).toBe(202);
    expect(r.json().step).toBe('code');
    const names = (await call('GET', '/me')).json().workspaces.map((w: { name: string }) => w.name);
    expect(names).not.toContain('Made by a password alone');
  });

  it('accepts a recovery code once only', async () => {
    const challenge = (await signIn(admin.email, admin.password)).json().challenge;
    const code = recoveryCodes[0]!;
    const ok = await call('POST', '/auth/sign-in/mfa', { challenge, recoveryCode: code.toLowerCase() }, '');
    expect(ok.statusCode, ok.body).toBe(200);
    admin.cookie = sessionCookie(ok);
    const next = (await signIn(admin.email, admin.password)).json().challenge;
    const reused = await call('POST', '/auth/sign-in/mfa', { challenge: next, recoveryCode: code }, '');
    expect(reused.statusCode).toBe(401);
    expect((await call('GET', '/me/mfa')).json().recoveryCodesLeft).toBe(9);
  });

  it('slows down wrong codes like wrong passwords', async () => {
    const challenge = (await signIn(admin.email, admin.password)).json().challenge;
    const bad = codeFor(secret) === '000000' ? '333333' : '000000';
    for (let i = 0; i < 4; i++) await call('POST', '/auth/sign-in/mfa', { challenge, code: bad }, '');
    const limited = await call(
      'POST',
      '/auth/sign-in/mfa',
      { challenge, recoveryCode: recoveryCodes[1]! },
      '',
    );
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const ok = await call('POST', '/auth/sign-in/mfa', { challenge, recoveryCode: recoveryCodes[1]! }, '');
    expect(ok.statusCode, ok.body).toBe(200);
    admin.cookie = sessionCookie(ok);
  });

  it('remembers a device for the second factor when asked', async () => {
    const challenge = (await signIn(admin.email, admin.password)).json().challenge;
    const ok = await call(
      'POST',
      '/auth/sign-in/mfa',
      { challenge, recoveryCode: recoveryCodes[2]!, rememberDevice: true },
      '',
    );
    expect(ok.statusCode, ok.body).toBe(200);
    const device = ok.cookies.find((c) => c.name === 'rabita_device')!.value;
    const remembered = await signIn(admin.email, admin.password, `rabita_device=${device}`);
    expect(remembered.statusCode, remembered.body).toBe(200);
    admin.cookie = sessionCookie(remembered);
    // Another browser still gives a code.
    expect((await signIn(admin.email, admin.password)).statusCode).toBe(202);
  });

  it('makes members of a role that requires it set up a second factor at sign-in', async () => {
    const agent = await joinByInvitation(t.app, admin.cookie, {
      email: 'agent@example.com',
      role: 'agent',
      name: 'A',
    });
    expect(
      (await call('PUT', '/workspace/mfa-policy', { requiredRoles: ['agent'] }, agent.cookie)).statusCode,
    ).toBe(403);
    expect(
      (await call('PUT', '/workspace/mfa-policy', { requiredRoles: ['emperor'] })).json().errors[0].field,
    ).toBe('body.requiredRoles.0');
    const set = await call('PUT', '/workspace/mfa-policy', { requiredRoles: ['agent', 'admin'] });
    expect(set.statusCode, set.body).toBe(200);
    expect((await call('GET', '/workspace/mfa-policy')).json().requiredRoles.sort()).toEqual([
      'admin',
      'agent',
    ]);

    const first = await signIn('agent@example.com', 'correct horse battery');
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json().step).toBe('enroll');
    const { challenge } = first.json();
    // A challenge to enroll is not one to skip the code with.
    expect((await call('POST', '/auth/sign-in/mfa', { challenge, code: '123456' }, '')).statusCode).toBe(401);
    const started = await call('POST', '/auth/sign-in/mfa/enroll', { challenge }, '');
    expect(started.statusCode, started.body).toBe(200);
    const done = await call(
      'POST',
      '/auth/sign-in/mfa/enroll/confirm',
      { challenge, code: codeFor(started.json().secret) },
      '',
    );
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ role: 'agent' });
    expect(done.json().recoveryCodes).toHaveLength(10);
    const session = sessionCookie(done);
    expect((await call('GET', '/me/mfa', undefined, session)).json()).toMatchObject({
      totp: true,
      requiredByRole: true,
    });
    // Someone signed in elsewhere without a second factor joins by invitation: the role's requirement still holds.
    const outsider = await signUp(t.app);
    const invited = await call('POST', '/invitations', { email: outsider.email, role: 'agent' });
    const joined = await call(
      'POST',
      '/auth/accept-invitation',
      { token: invited.json().token },
      outsider.cookie,
    );
    expect(joined.statusCode, joined.body).toBe(202);
    expect(joined.json().step).toBe('enroll');
    // Nor can a session be moved into the workspace without one.
    const moved = await call(
      'POST',
      '/auth/switch-workspace',
      { workspaceId: admin.workspaceId },
      outsider.cookie,
    );
    expect(moved.statusCode).toBe(403);
    expect(moved.json().code).toBe('mfa_enrollment_required');
    // While the role requires it, it cannot be turned off.
    const off = await call('POST', '/me/mfa/disable', { code: codeFor(started.json().secret, 1) }, session);
    expect(off.statusCode).toBe(403);
  });

  it('records sign-ins, failed codes and second-factor changes in the security log', async () => {
    const member = await joinByInvitation(t.app, admin.cookie, {
      email: 'member@example.com',
      role: 'member',
      name: 'M',
    });
    expect((await call('POST', '/auth/sign-out', undefined, member.cookie)).statusCode).toBe(204);
    const events = await call('GET', '/audit-events?limit=100');
    expect(events.statusCode, events.body).toBe(200);
    const kinds = new Set(events.json().data.map((e: { kind: string }) => e.kind));
    for (const kind of [
      'auth.signed_out',
      'auth.signed_in',
      'auth.sign_in_failed',
      'auth.mfa_enabled',
      'member.joined',
      'role.updated',
    ]) {
      expect(kinds, kind).toContain(kind);
    }
    const failed = events.json().data.find((e: { kind: string }) => e.kind === 'auth.sign_in_failed');
    expect(failed.details.reason).toMatch(/^(code|recovery_code)$/);
  });

  it('lets an operator remove the second factor of a person who lost it (rabita user reset-mfa)', async () => {
    expect(await resetMfaByEmail(t.handle.db, 'nobody@example.com')).toBe(false);
    expect((await signIn('agent@example.com', 'correct horse battery')).statusCode).toBe(202);
    expect(await resetMfaByEmail(t.handle.db, 'AGENT@example.com')).toBe(true);
    // The role still requires one: the next sign-in asks to set it up again rather than for a code.
    const next = await signIn('agent@example.com', 'correct horse battery');
    expect(next.json().step).toBe('enroll');
  });

  it('turns the second factor off only with a current code', async () => {
    await call('PUT', '/workspace/mfa-policy', { requiredRoles: [] });
    const bad = codeFor(secret, -1) === '000000' ? '444444' : '000000';
    expect((await call('POST', '/me/mfa/disable', {})).statusCode).toBe(400);
    expect((await call('POST', '/me/mfa/disable', { code: bad })).statusCode).toBe(401);
    expect((await call('GET', '/me/mfa')).json().totp).toBe(true);
    // Every code of this period and the next was used above; a code is accepted once, so let a period pass.
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    await owner.query('update mfa_totp set last_used_step = last_used_step - 3 where user_id = $1', [
      admin.userId,
    ]);
    await owner.end();
    const off = await call('POST', '/me/mfa/disable', { code: codeFor(secret, -1) });
    expect(off.statusCode, off.body).toBe(204);
    expect((await call('GET', '/me/mfa')).json().totp).toBe(false);
    expect((await signIn(admin.email, admin.password)).statusCode).toBe(200);
  });
});
