import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  buildSignUp,
  createTestApp,
  sessionCookie,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('account security: invitations, passwords, throttling and sign-up', () => {
  let t: TestApp;
  let attacker: Awaited<ReturnType<typeof signUp>>;
  let victim: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => attacker.cookie,
  );
  const invite = async (email: string, role = 'admin') => {
    const r = await call('POST', '/invitations', { email, role });
    expect(r.statusCode, r.body).toBe(201);
    return r.json().token as string;
  };

  beforeAll(async () => {
    t = await createTestApp(
      { RABITA_OPEN_SIGNUP: 'true' },
      { throttle: { freePerPair: 3, freePerAccount: 6, freePerIp: 1000, maxDelaySeconds: 60 } },
    );
    attacker = await signUp(t.app);
    victim = await signUp(t.app);
  });
  afterAll(() => t?.close());

  it('never checks a password on accept-invitation: an existing account must sign in and accept as itself', async () => {
    const token = await invite(victim.email);
    // The old takeover: guess the victim's password through the invitation. Neither a wrong nor the right
    // password gets anything, and the answers do not differ.
    const wrong = await call(
      'POST',
      '/auth/accept-invitation',
      { token, name: 'x', password: 'not it at all' },
      '',
    );
    const right = await call(
      'POST',
      '/auth/accept-invitation',
      { token, name: 'x', password: victim.password },
      '',
    );
    expect(wrong.statusCode).toBe(401);
    expect(right.statusCode).toBe(401);
    expect(right.json().code).toBe('invitation_sign_in_required');
    expect(right.body).toBe(wrong.body.replace(wrong.json().requestId, right.json().requestId));
    expect(right.cookies.find((c) => c.name === 'rabita_session')).toBeUndefined();
    // Signed in as somebody else (the attacker), still refused.
    const other = await call('POST', '/auth/accept-invitation', { token }, attacker.cookie);
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe('invitation_other_account');
    // The victim, signed in, accepts and lands in the inviting workspace.
    const accepted = await call('POST', '/auth/accept-invitation', { token }, victim.cookie);
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json().workspace.id).toBe(attacker.workspaceId);
    expect(accepted.json().user.id).toBe(victim.userId);
    victim.cookie = sessionCookie(accepted);
  });

  it('creates a new account from an invitation only with a name and an acceptable password', async () => {
    const token = await invite('newcomer@example.com', 'member');
    const missing = await call('POST', '/auth/accept-invitation', { token }, '');
    expect(missing.statusCode).toBe(400);
    expect(
      missing
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.name', 'body.password']);
    const common = await call(
      'POST',
      '/auth/accept-invitation',
      { token, name: 'N', password: 'password1' },
      '',
    );
    expect(common.statusCode).toBe(400);
    expect(common.json().errors[0].field).toBe('body.password');
    const ok = await call(
      'POST',
      '/auth/accept-invitation',
      { token, name: 'Newcomer', password: 'a long unusual phrase' },
      '',
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().role).toBe('member');
  });

  it('refuses common and breached passwords, spaces only, and the email itself; allows 128 characters', async () => {
    const email = `mina.rostami@example.com`;
    for (const password of ['12345678', 'password', '        ', email, 'MINA.ROSTAMI2024', 'iloveyou1']) {
      const r = await call('POST', '/auth/sign-up', buildSignUp({ email, password }), '');
      expect(r.statusCode, password).toBe(400);
      expect(r.json().errors[0].field).toBe('body.password');
    }
    expect(
      (await call('POST', '/auth/sign-up', buildSignUp({ password: 'x'.repeat(129) }), '')).statusCode,
    ).toBe(400);
    const long = await call(
      'POST',
      '/auth/sign-up',
      buildSignUp({ password: `${'کلمه '.repeat(25)}abc` }),
      '',
    );
    expect(long.statusCode, long.body).toBe(201);
  });

  it('does not tell whether an email has an account: the owner gets in only with the right password', async () => {
    const fresh = await call('POST', '/auth/sign-up', buildSignUp(), '');
    expect(fresh.statusCode).toBe(201);
    // The same email again: with its right password, the owner gets a new workspace, answered as a new person.
    const again = await call(
      'POST',
      '/auth/sign-up',
      buildSignUp({ email: victim.email, password: victim.password, workspaceName: 'Second' }),
      '',
    );
    expect(again.statusCode, again.body).toBe(201);
    expect(again.json()).toMatchObject({
      user: { id: victim.userId },
      workspace: { name: 'Second' },
      role: 'admin',
    });
    expect(Object.keys(again.json()).sort()).toEqual(Object.keys(fresh.json()).sort());
    // With a wrong one: the answer of a failed sign-in, never "email taken".
    const taken = await call(
      'POST',
      '/auth/sign-up',
      buildSignUp({ email: victim.email, password: 'some other phrase' }),
      '',
    );
    expect(taken.statusCode).toBe(401);
    expect(taken.json().code).toBe('invalid_credentials');
    const signInWrong = await call(
      'POST',
      '/auth/sign-in',
      { email: 'nobody@example.com', password: 'xx' },
      '',
    );
    expect(taken.json().detail).toBe(signInWrong.json().detail);
  });

  it('logs a wrong password for an existing account in each of its workspaces', async () => {
    const wrong = await call('POST', '/auth/sign-in', { email: victim.email, password: 'a wrong guess' }, '');
    expect(wrong.statusCode).toBe(401);
    await expect
      .poll(async () => {
        const r = await call('GET', '/audit-events?kind=auth.sign_in_failed', undefined, victim.cookie);
        return r
          .json()
          .data.map((e: { subject: string; details: { reason: string } }) => [e.subject, e.details.reason]);
      })
      .toContainEqual([victim.userId, 'password']);
  });

  it('changes a password only with the current one, to an acceptable one, ending the other sessions', async () => {
    const person = await signUp(t.app);
    const other = sessionCookie(
      await call('POST', '/auth/sign-in', { email: person.email, password: person.password }, ''),
    );
    const change = (currentPassword: string, newPassword: string) =>
      call('POST', '/me/password', { currentPassword, newPassword }, person.cookie);
    const wrong = await change('not my password', 'a brand new phrase');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0].field).toBe('body.currentPassword');
    const weak = await change(person.password, 'password123');
    expect(weak.statusCode).toBe(400);
    expect(weak.json().errors[0].field).toBe('body.newPassword');
    expect((await change(person.password, 'a brand new phrase')).statusCode).toBe(204);
    expect((await call('GET', '/me', undefined, person.cookie)).statusCode).toBe(200);
    expect((await call('GET', '/me', undefined, other)).statusCode).toBe(401);
    const old = await call('POST', '/auth/sign-in', { email: person.email, password: person.password }, '');
    expect(old.statusCode).toBe(401);
    const fresh = await call(
      'POST',
      '/auth/sign-in',
      { email: person.email, password: 'a brand new phrase' },
      '',
    );
    expect(fresh.statusCode).toBe(200);
    const events = await call('GET', '/audit-events?kind=auth.password_changed', undefined, person.cookie);
    expect(events.json().data).toHaveLength(1);
  });

  it('slows down failures per account and address without locking the owner out from elsewhere', async () => {
    const from = (remoteAddress: string, password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        remoteAddress,
        payload: { email: attacker.email, password },
      });
    for (let i = 0; i < 4; i++) await from('203.0.113.9', 'wrong guess here');
    expect((await from('203.0.113.9', attacker.password)).statusCode).toBe(429);
    // The owner, at another address, is not held back by the attacker's failures.
    const owner = await from('198.51.100.7', attacker.password);
    expect(owner.statusCode, owner.body).toBe(200);
    const device = owner.cookies.find((c) => c.name === 'rabita_device');
    expect(device).toMatchObject({ httpOnly: true });
    attacker.cookie = sessionCookie(owner);
    // Failures spread over many addresses slow the account everywhere past its free failures (6 here)...
    for (let i = 0; i < 7; i++) await from(`192.0.2.${i + 1}`, 'wrong guess here');
    expect((await from('198.51.100.8', attacker.password)).statusCode).toBe(429);
    // ...except in a browser the account signed in from before.
    const known = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      remoteAddress: '198.51.100.7',
      cookies: { rabita_device: device!.value },
      payload: { email: attacker.email, password: attacker.password },
    });
    expect(known.statusCode, known.body).toBe(200);
    attacker.cookie = sessionCookie(known);
  });
});
