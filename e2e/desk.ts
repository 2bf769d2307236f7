/// <reference lib="dom" />
// What browser tests share: the app served on a free port, a signed-in page with the API as that person, and axe.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildSignUp, createTestApp, type TestApp } from '../test/harness.ts';
import { launchBrowser } from './browser.ts';

const AXE = await fs.readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The served app, a browser, and a page signed in as a new workspace's admin. */
export interface SignedInDesk {
  t: TestApp;
  base: string;
  browser: Browser;
  page: Page;
  /** Calls the API as the page's person (its JSON answer, `{}` for a 204); 300 or more fails the test. */
  api(method: string, url: string, body?: unknown): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Serves a fresh app and signs a new admin in, in a 1300-wide browser, with the preferences given. */
export async function openSignedInDesk(name: string, prefs: Record<string, unknown>): Promise<SignedInDesk> {
  const t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: { width: 1300, height: 950 },
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const api = async (method: string, url: string, body?: unknown) => {
    const response = await page.request.fetch(`${base}/api/v1${url}`, {
      method,
      ...(body === undefined ? {} : { data: body }),
    });
    expect(response.status(), `${method} ${url}: ${await response.text()}`).toBeLessThan(300);
    return response.status() === 204 ? {} : ((await response.json()) as Record<string, unknown>);
  };
  const signedUp = await page.request.post(`${base}/api/v1/auth/sign-up`, { data: buildSignUp({ name }) });
  expect(signedUp.status()).toBe(201);
  await api('PATCH', '/me', prefs);
  return {
    t,
    base,
    browser,
    page,
    api,
    close: async () => {
      await browser.close();
      await t.close();
    },
  };
}

/** axe-core on a page: its serious and critical violations, each with the elements it found. */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const result = (await page.evaluate(() =>
    (window as unknown as { axe: { run: (c: string, o: object) => Promise<unknown> } }).axe.run('body', {
      resultTypes: ['violations'],
    }),
  )) as { violations: { id: string; impact: string; nodes: { html: string }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}
