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

/** A browser window's size. */
export interface Viewport {
  width: number;
  height: number;
}

/** What a browser test may set besides the person's preferences: the window's size, a web build of its own. */
export interface DeskOptions {
  /** The browser window; 1300 × 950 unless given. */
  viewport?: Viewport;
  /** A web build to serve instead of apps/web/dist. */
  webDist?: string;
}

/** The preferences of a person working in Persian in Tehran: the Jalali calendar and Persian digits. */
/** Text with Persian or Arabic digits and separators read back as ASCII. */
export const ascii = (text: string) =>
  text
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x660))
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x6f0))
    .replace(/٫/g, '.')
    .replace(/[٬,]/g, '');

export const PERSIAN_IN_TEHRAN = {
  locale: 'fa',
  calendar: 'persian',
  digits: 'arabext',
  timeZone: 'Asia/Tehran',
} as const;

/** A fresh app, with the settings given, served on a free port; `base` is its address. */
export async function serveTestApp(
  env: Record<string, string> = {},
  deps: Parameters<typeof createTestApp>[1] = {},
): Promise<{ t: TestApp; base: string }> {
  const t = await createTestApp(env, deps);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  return { t, base: `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}` };
}

/**
 * A page in a browser context of its own: reduced motion (dialogs and dropdowns appear at once, so axe never
 * measures a colour halfway through a fade) and 20 s for each wait (a loaded machine can take seconds to render).
 */
export async function newDeskPage(
  browser: Browser,
  viewport: Viewport = { width: 1300, height: 950 },
): Promise<Page> {
  const context = await browser.newContext({ viewport, reducedMotion: 'reduce' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  return page;
}

/**
 * Serves a fresh app and signs a new admin in, in a browser (1300 × 950 unless `options` say otherwise), with the
 * preferences given; `env` adds settings of the app's own (a server key, to seal a survey's link as the app does).
 */
export async function openSignedInDesk(
  name: string,
  prefs: Record<string, unknown>,
  env: Record<string, string> = {},
  options: DeskOptions = {},
): Promise<SignedInDesk> {
  const { t, base } = await serveTestApp(
    { RABITA_OPEN_SIGNUP: 'true', ...env },
    options.webDist ? { webDist: options.webDist } : {},
  );
  const browser = await launchBrowser();
  const page = await newDeskPage(browser, options.viewport);
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

/**
 * axe-core on a page, or on the part of it a selector names (`html` for the whole document, its language and title
 * too): its serious and critical violations, each with the elements it found. `frames: false` leaves frames out
 * (a frame holding the server's HTML, a message's body).
 */
export async function seriousAxeViolations(
  page: Page,
  selector = 'body',
  { frames = true }: { frames?: boolean } = {},
): Promise<string[]> {
  await page.evaluate(AXE);
  const result = (await page.evaluate(
    ([s, iframes]) =>
      (window as unknown as { axe: { run: (c: string, o: object) => Promise<unknown> } }).axe.run(s, {
        resultTypes: ['violations'],
        iframes,
      }),
    [selector, frames] as const,
  )) as { violations: { id: string; impact: string; nodes: { html: string }[] }[] };
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}
