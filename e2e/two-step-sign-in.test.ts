/// <reference lib="dom" />
// Browser test: setting up two-step sign-in from the Security settings (QR code, first code, recovery codes),
// then signing in with a code, on the real server and the built web app.
import { randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSignUp, type TestApp } from '../test/harness.ts';
import { launchBrowser } from './browser.ts';
import { newDeskPage, seriousAxeViolations, serveTestApp } from './desk.ts';

const codeFor = (secret: string, stepsAhead = 0) =>
  new TOTP({ secret: Secret.fromBase32(secret), period: 30, digits: 6 }).generate({
    timestamp: Date.now() + stepsAhead * 30_000,
  });

describe('two-step sign-in in the browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  const person = buildSignUp();
  let secret = '';
  let recoveryCodes: string[] = [];

  /** axe-core on the current screen: no serious or critical violations. */
  const checkAxe = async (screen: string) => {
    expect(await seriousAxeViolations(page, 'html'), screen).toEqual([]);
  };

  beforeAll(async () => {
    ({ t, base } = await serveTestApp({
      RABITA_SECRET_KEY: randomBytes(32).toString('hex'),
      RABITA_OPEN_SIGNUP: 'true',
    }));
    browser = await launchBrowser();
    page = await newDeskPage(browser, { width: 1280, height: 800 });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('sets up an authenticator from the QR code and shows the recovery codes once', async () => {
    const signedUp = await page.request.post(`${base}/api/v1/auth/sign-up`, { data: person });
    expect(signedUp.status()).toBe(201);
    await page.goto(`${base}/settings?tab=security`);
    await page.getByText('Two-step sign-in is off.').waitFor();
    await page.getByRole('button', { name: 'Set up two-step sign-in' }).click();
    await page.getByRole('img', { name: 'QR' }).waitFor();
    secret = ((await page.locator('code[dir=ltr]').first().textContent()) ?? '').trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await checkAxe('security settings while setting up');
    await page.getByLabel('Code from your authenticator app').fill(codeFor(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Two-step sign-in is on.').waitFor();
    await expect
      .poll(() => page.getByText(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/).count())
      .toBe(10);
    recoveryCodes = await page
      .getByText(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/)
      .allTextContents();
  });

  it('asks for a code after the password and lands in the app with it', async () => {
    await page.request.post(`${base}/api/v1/auth/sign-out`);
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email').fill(person.email);
    await page.locator('input[name=password]').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Code from your authenticator app').waitFor();
    await checkAxe('the second step of sign-in');
    await page
      .getByLabel('Code from your authenticator app')
      .fill('000000' === codeFor(secret, 1) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    // The code of the next step (the first one was used to confirm): accepted once.
    await page.getByLabel('Code from your authenticator app').fill(codeFor(secret, 1));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL('**/o/people');
  });

  it('changes the password from the same screen, refusing a common one', async () => {
    await page.goto(`${base}/settings?tab=security`);
    await page.getByLabel('Current password').fill(person.password);
    await page.getByLabel('New password').fill('password123');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page
      .getByText('This password is among the most common or breached passwords; choose another.')
      .waitFor();
    await page.getByLabel('New password').fill('a quieter river at dawn');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed. Your other sessions have ended.').waitFor();
    await checkAxe('security settings after a password change');
  });

  it('joins another workspace by invitation: signs in from the link (with a recovery code), then accepts as oneself', async () => {
    const inviter = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-up',
      payload: buildSignUp(),
    });
    const cookie = `rabita_session=${inviter.cookies.find((c) => c.name === 'rabita_session')!.value}`;
    const invited = await t.app.inject({
      method: 'POST',
      url: '/api/v1/invitations',
      headers: { cookie },
      payload: { email: person.email, role: 'member' },
    });
    await page.request.post(`${base}/api/v1/auth/sign-out`);
    await page.goto(`${base}/accept-invitation?token=${invited.json().token}`);
    await page.getByRole('link', { name: 'Already have an account? Sign in' }).click();
    await page.getByLabel('Email').fill(person.email);
    await page.locator('input[name=password]').fill('a quieter river at dawn');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // Every code of this period was used already (a code works once): a recovery code instead.
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText(`Join as ${person.email}`).waitFor();
    await checkAxe('accepting an invitation while signed in');
    await page.getByRole('button', { name: 'Join the workspace' }).click();
    await page.waitForURL('**/o/people');
    const me = await (await page.request.get(`${base}/api/v1/me`)).json();
    expect(me).toMatchObject({ role: 'member', user: { email: person.email.toLowerCase() } });
  });
});
