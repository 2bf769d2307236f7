/// <reference lib="dom" />
// Browser test: a workflow set, in Persian, to run as a service role. The settings modal offers "a service role"
// with the workspace's roles; the run's change shows on the person's timeline as made by the workflow.
import type { AddressInfo } from 'node:net';
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { buildSignUp, createTestApp, type TestApp } from '../test/harness.ts';
import { launchBrowser } from './browser.ts';

const w = fa.workflow;

describe('a workflow running as a service role, set in Persian', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let runner: Runner;

  const api = async (method: string, url: string, body?: unknown) => {
    const response = await page.request.fetch(`${base}/api/v1${url}`, {
      method,
      ...(body === undefined ? {} : { data: body }),
    });
    expect(response.status(), `${method} ${url}: ${await response.text()}`).toBeLessThan(300);
    return response.status() === 204 ? null : response.json();
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    runner = await startWorker(t.config, t.url, t.handle.db, pino({ level: 'silent' }));
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: 1400, height: 900 },
      reducedMotion: 'reduce',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const signedUp = await page.request.post(`${base}/api/v1/auth/sign-up`, { data: buildSignUp() });
    expect(signedUp.status()).toBe(201);
    await api('PATCH', '/me', { locale: 'fa' });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await runner?.stop();
    await t?.close();
  });

  it('picks the role in the settings modal; the run’s change reads as made by the workflow', async () => {
    const role = await api('POST', '/roles', {
      key: 'renamer',
      name: 'ویرایشگر نام',
      permissions: {
        actions: [],
        objects: { people: { read: true, create: false, update: true, delete: false } },
      },
    });
    const person = await api('POST', '/objects/people', { firstName: 'Sara' });
    const workflow = await api('POST', '/workflows', {
      name: 'نام فارسی',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 's1',
        steps: [
          { id: 's1', type: 'updateRecord', target: 'trigger', values: { firstName: { value: 'سارا' } } },
        ],
      },
    });

    await page.goto(`${base}/workflows/${workflow.id}`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('button', { name: w.settings, exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: w.runAs }).click();
    await page.getByRole('option', { name: w.runAsOption.role }).click();
    await dialog.getByRole('combobox', { name: w.runAsRole }).click();
    await page.getByRole('option', { name: 'ویرایشگر نام' }).click();
    await page.screenshot({ path: 'test-results/workflows-run-as-role-fa.png' });
    await dialog.getByRole('button', { name: w.saveSettings }).click();
    await dialog.waitFor({ state: 'detached' });
    expect((await api('GET', `/workflows/${workflow.id}`)).settings.runAs).toEqual({ role: role.id });

    await api('POST', `/workflows/${workflow.id}/publish`);
    await api('PATCH', `/workflows/${workflow.id}`, { enabled: true });
    await api('POST', `/workflows/${workflow.id}/run`, { recordIds: [person.id] });
    await expect
      .poll(async () => (await api('GET', `/objects/people/${person.id}`)).firstName, { timeout: 20_000 })
      .toBe('سارا');
    await page.goto(`${base}/o/people/${person.id}`);
    await page
      .getByText(fa.record.workflowActor.replace('{{name}}', 'نام فارسی'), { exact: false })
      .waitFor();
  });
});
