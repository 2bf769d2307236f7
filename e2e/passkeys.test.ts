/// <reference lib="dom" />
// Browser test: a real WebAuthn ceremony through Chromium's virtual authenticator (DevTools Protocol `WebAuthn`):
// add a passkey in the Security settings, sign out, sign in with the passkey alone and land in the app; then give
// it instead of a code at the second step of a password sign-in. Passkeys need a host name, not an IP address:
// the pages are opened at http://localhost.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Secret, TOTP } from 'otpauth';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSignUp, createTestApp, type TestApp } from '../test/harness.ts';
import { launchBrowser } from './browser.ts';

describe('passkeys in the browser', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;
  const person = buildSignUp();

  const credentials = async () =>
    (
      (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as {
        credentials: { isResidentCredential: boolean; signCount: number }[];
      }
    ).credentials;

  beforeAll(async () => {
    t = await createTestApp({
      RABITA_SECRET_KEY: randomBytes(32).toString('hex'),
      RABITA_OPEN_SIGNUP: 'true',
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://localhost:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      reducedMotion: 'reduce',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    ({ authenticatorId } = (await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: {
        protocol: 'ctap2',
        transport: 'internal',
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    })) as { authenticatorId: string });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('adds a named passkey from the Security settings', async () => {
    const signedUp = await page.request.post(`${base}/api/v1/auth/sign-up`, { data: person });
    expect(signedUp.status()).toBe(201);
    await page.goto(`${base}/settings?tab=security`);
    await page.getByText('No passkeys yet.').waitFor();
    await page.getByLabel('Passkey name').fill('Work laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('cell', { name: 'Work laptop' }).waitFor();
    await page.getByText('Last used: Never').waitFor();
    // A discoverable credential on the authenticator, as sign-in without an email needs.
    expect(await credentials()).toMatchObject([{ isResidentCredential: true }]);
  });

  it('signs in with the passkey alone after signing out, and lands in the app', async () => {
    await page.request.post(`${base}/api/v1/auth/sign-out`);
    await page.goto(`${base}/sign-in`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL('**/o/people');
    const me = await (await page.request.get(`${base}/api/v1/me`)).json();
    expect(me.user.email).toBe(person.email.toLowerCase());
    expect((await credentials())[0]!.signCount).toBeGreaterThan(0);
    await page.goto(`${base}/settings?tab=security`);
    await page.getByRole('cell', { name: 'Work laptop' }).waitFor();
    await expect.poll(() => page.getByText('Last used: Never').count()).toBe(0);
  });

  it('takes the passkey instead of a code at the second step', async () => {
    const started = await (await page.request.post(`${base}/api/v1/me/mfa/totp`)).json();
    const code = new TOTP({ secret: Secret.fromBase32(started.secret), period: 30, digits: 6 }).generate();
    const confirmed = await page.request.post(`${base}/api/v1/me/mfa/totp/confirm`, { data: { code } });
    expect(confirmed.status()).toBe(200);
    await page.request.post(`${base}/api/v1/auth/sign-out`);
    await page.goto(`${base}/sign-in`);
    await page.getByLabel('Email').fill(person.email);
    await page.locator('input[name=password]').fill(person.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByLabel('Code from your authenticator app').waitFor();
    await page.getByRole('button', { name: 'Use a passkey instead' }).click();
    await page.waitForURL('**/o/people');
  });

  it('renames and removes the passkey', async () => {
    await page.goto(`${base}/settings?tab=security`);
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('textbox', { name: 'Passkey name' }).first().fill('Old laptop');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await page.getByRole('cell', { name: 'Old laptop' }).waitFor();
    // Signed in a moment ago: removing needs nothing more.
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('No passkeys yet.').waitFor();
  });
});
