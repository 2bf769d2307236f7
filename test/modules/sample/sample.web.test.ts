/// <reference lib="dom" />
// The web side of the test-only sample module plugs in through its web manifest alone (web/sample.web.ts): the app
// is built with it into a folder of its own (RABITA_WEB_EXTRA_MODULES, apps/web/vite.config.ts), the test server
// serves that build, and Chromium shows its settings tab to the roles holding `sample.use` only, and its panel on
// a sighting's record page only. The shipped build never holds it.
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MODULES } from '@rabita/core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { resolveConfig } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWebApp, WEB_DIST } from '../../../apps/server/src/web.ts';
import { launchBrowser } from '../../../e2e/browser.ts';
import { apiCaller, createTestApp, joinByInvitation, signUp, type TestApp } from '../../harness.ts';
import { sampleModule } from './sample.module.ts';

const SAMPLE_WEB = path.resolve(import.meta.dirname, 'web/sample.web.ts');
const WEB_ROOT = path.resolve(import.meta.dirname, '../../../apps/web');
// Text only the sample web module puts in a bundle: its permission, its route, its panel's id, its words.
const SAMPLE_MARKS = [
  'sample.use',
  '/api/v1/sample/summary',
  'sample-sighting',
  'Sightings in this workspace',
];

/** Every text file of a built web app, joined (its HTML, scripts and styles). */
async function bundleText(dist: string): Promise<string> {
  const files = await fs.readdir(dist, { recursive: true, withFileTypes: true });
  const texts = await Promise.all(
    files
      .filter((f) => f.isFile() && /\.(html|js|css|json|txt|svg)$/.test(f.name))
      .map((f) => fs.readFile(path.join(f.parentPath, f.name), 'utf8')),
  );
  return texts.join('\n');
}

describe('a web module plugged in through its web manifest alone', () => {
  let outDir: string;
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let viewer: { userId: string; cookie: string };
  let personId: string;
  let sightingId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  /** A browser page signed in with a session cookie the API gave. */
  async function pageAs(cookie: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
      reducedMotion: 'reduce',
    });
    const [name, value] = cookie.split('=') as [string, string];
    await context.addCookies([{ name, value, url: base }]);
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    return { context, page };
  }
  const tabs = (page: Page) => page.getByRole('tab').allTextContents();

  beforeAll(async () => {
    outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-sample-web-'));
    await buildWebApp(outDir, { extraModules: [SAMPLE_WEB] });
    t = await createTestApp({}, { modules: [...MODULES, sampleModule], webDist: outDir });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    admin = await signUp(t.app);
    viewer = await joinByInvitation(t.app, admin.cookie, {
      email: 'viewer@example.com',
      role: 'viewer',
      name: 'Viewer',
    });
    personId = (await call('POST', '/objects/people', { firstName: 'Leila', lastName: 'Karimi' })).json().id;
    const heron = await call('POST', '/objects/sightings', { name: 'Heron', person: personId });
    expect(heron.statusCode, heron.body).toBe(201);
    sightingId = heron.json().id;
    expect((await call('POST', '/objects/sightings', { name: 'Stork' })).statusCode).toBe(201);
    browser = await launchBrowser();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    if (outDir) await fs.rm(outDir, { recursive: true, force: true });
  });

  it('is in the build made with it and in no shipped build', async () => {
    const extra = await bundleText(outDir);
    for (const mark of SAMPLE_MARKS) expect(extra, mark).toContain(mark);
    // apps/web/dist, as `npm run web:build` and the test run's global setup leave it.
    const shipped = await bundleText(WEB_DIST);
    expect(shipped).toContain('<div id="root">');
    for (const mark of SAMPLE_MARKS) expect(shipped, mark).not.toContain(mark);
  });

  it('stays out of a production build whatever RABITA_WEB_EXTRA_MODULES says, and never goes to apps/web/dist', async () => {
    const before = process.env.RABITA_WEB_EXTRA_MODULES;
    process.env.RABITA_WEB_EXTRA_MODULES = SAMPLE_WEB;
    const plain = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-plain-web-'));
    try {
      // The build `npm start` and the test run's global setup make (buildWebApp without extra modules).
      await buildWebApp(plain);
      const text = await bundleText(plain);
      expect(text).toContain('<div id="root">');
      for (const mark of SAMPLE_MARKS) expect(text, mark).not.toContain(mark);
      // Vite itself, as `npm run web:build` runs it, refuses extra modules for the shipped folder before writing.
      await expect(
        resolveConfig({ root: WEB_ROOT, configFile: path.join(WEB_ROOT, 'vite.config.ts') }, 'build'),
      ).rejects.toThrow(/never .*apps\/web\/dist, which the server ships/);
    } finally {
      if (before === undefined) delete process.env.RABITA_WEB_EXTRA_MODULES;
      else process.env.RABITA_WEB_EXTRA_MODULES = before;
      await fs.rm(plain, { recursive: true, force: true });
    }
  }, 120_000);

  it('shows an admin its settings tab with the count of sightings, and its sidebar entry', async () => {
    const { context, page } = await pageAs(admin.cookie);
    try {
      await page.goto(`${base}/o/people`);
      await page.getByTestId('sample-nav').click();
      await page.waitForURL('**/settings?tab=sample');
      await expect.poll(() => tabs(page)).toContain('Sample');
      expect(await page.getByRole('tab', { name: 'Sample' }).getAttribute('aria-selected')).toBe('true');
      await page.getByTestId('sample-count').waitFor();
      expect(await page.getByTestId('sample-count').textContent()).toBe('2');
      expect(await page.getByTestId('sample-settings').textContent()).toContain(
        'Sightings in this workspace',
      );
    } finally {
      await context.close();
    }
  });

  it('hides its tab and sidebar entry from a viewer, who cannot reach the tab by its address either', async () => {
    const { context, page } = await pageAs(viewer.cookie);
    const sampleCalls: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/sample/')) sampleCalls.push(r.url());
    });
    try {
      await page.goto(`${base}/settings?tab=sample`);
      await expect.poll(() => tabs(page)).toContain('My preferences');
      await page.waitForLoadState('networkidle');
      expect(await tabs(page)).not.toContain('Sample');
      expect(await page.getByRole('tabpanel').count()).toBe(0);
      expect(await page.getByTestId('sample-settings').count()).toBe(0);
      expect(await page.getByTestId('sample-nav').count()).toBe(0);
      // Nothing of the tab ran: it never asked for the summary its role may not read.
      expect(sampleCalls).toEqual([]);
      expect((await call('GET', '/sample/summary', undefined, viewer.cookie)).statusCode).toBe(403);
    } finally {
      await context.close();
    }
  });

  it('adds its panel to a sighting’s record page and to no other object’s', async () => {
    const { context, page } = await pageAs(admin.cookie);
    try {
      await page.goto(`${base}/o/sightings/${sightingId}`);
      await expect.poll(() => page.getByTestId('record-title').textContent()).toBe('Heron');
      await page.getByTestId('sample-panel').waitFor();
      expect(await page.getByTestId('sample-panel').textContent()).toContain('noted by hook');

      await page.goto(`${base}/o/people/${personId}`);
      await expect.poll(() => page.getByTestId('record-title').textContent()).toBe('Leila Karimi');
      await page.waitForLoadState('networkidle');
      expect(await page.getByTestId('sample-panel').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
