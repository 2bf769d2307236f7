/// <reference lib="dom" />
// Browser test: a workflow that starts when something happens in another module, built in Persian — "a web form is
// submitted" on leads, with a condition on the submission's campaign. A submission of that campaign starts one run
// on the lead the form made; another campaign's starts none.
import type { AddressInfo } from 'node:net';
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { buildSignUp, createTestApp, type TestApp } from '../test/harness.ts';
import { cleanSubmission } from '../test/web-forms.ts';
import { launchBrowser } from './browser.ts';

const w = fa.workflow;

describe('a workflow started by a web form, built in Persian', () => {
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

  it('picks the event and its object in the editor; a matching submission runs it once on the lead', async () => {
    await page.goto(`${base}/workflows`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('button', { name: w.new }).click();
    await page.getByRole('dialog').getByRole('textbox', { name: w.name }).fill('سرنخ‌های کمپین بهار');
    await page.getByRole('button', { name: w.create, exact: true }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
    const workflowId = page.url().split('/').pop()!;

    await page.locator('.react-flow__node[data-id="trigger"]').click();
    const panel = page.getByTestId('workflow-panel');
    await panel.getByText(w.triggerType.event, { exact: true }).click();
    await panel.getByRole('combobox', { name: w.moduleEventLabel }).click();
    await page.getByRole('option', { name: w.moduleEvent['sales.formSubmitted'] }).click();
    await panel.getByRole('combobox', { name: w.object }).click();
    await page.getByRole('option', { name: 'سرنخ‌ها' }).click();
    // What the event carries is listed for conditions and steps.
    await panel.getByText('trigger.payload.utmCampaign', { exact: false }).waitFor();
    await panel.getByLabel(w.expression).fill('trigger.payload.utmCampaign == "spring"');
    await page.screenshot({ path: 'test-results/workflows-event-trigger-fa.png' });

    await page.getByRole('button', { name: w.save, exact: true }).click();
    await page.getByText(w.unsaved).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: w.publish, exact: true }).click();
    await expect.poll(async () => (await api('GET', `/workflows/${workflowId}`)).currentVersion).toBe(1);
    await page.getByRole('switch', { name: w.enabled }).click();
    await expect.poll(async () => (await api('GET', `/workflows/${workflowId}`)).enabled).toBe(true);
    expect((await api('GET', `/workflows/${workflowId}`)).draft.trigger).toEqual({
      type: 'event',
      event: 'sales.formSubmitted',
      object: 'leads',
      condition: { expr: 'trigger.payload.utmCampaign == "spring"' },
    });

    const form = await api('POST', '/web-forms', {
      name: 'فرم بهار',
      locale: 'fa',
      fields: [
        { key: 'name', required: true, labels: { fa: 'نام' } },
        { key: 'email', labels: { fa: 'ایمیل' } },
      ],
      minFillSeconds: 0,
    });
    const submit = async (name: string, campaign: string, ip: string) => {
      const body = { ...(await cleanSubmission(t.app, form.publicId, { name })), utm_campaign: campaign };
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/v1/public/web-forms/${form.publicId}/submissions`,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
        remoteAddress: ip,
      });
      expect(res.statusCode, res.body).toBe(200);
    };
    await submit('نرگس احمدی', 'spring', '10.20.0.1');
    await submit('امید رحیمی', 'autumn', '10.20.0.2');

    await expect
      .poll(async () => (await api('GET', `/workflow-runs?workflowId=${workflowId}`)).data.length, {
        timeout: 30_000,
      })
      .toBe(1);
    await page.goto(`${base}/workflow-runs?workflowId=${workflowId}`);
    await page.getByText(w.status.succeeded).first().waitFor();
    await page.getByRole('link', { name: 'نرگس احمدی' }).waitFor();
    expect(await page.getByRole('link', { name: 'امید رحیمی' }).count()).toBe(0);
  }, 120_000);
});
