/// <reference lib="dom" />
// Browser test, as the workflows issue asks a new user to try it: the seeds' thank-you note built in the editor in
// Persian (a record trigger on deals with a condition, an email step), published and turned on; a deal won above
// the amount sends the email to a local SMTP receiver, and the run shows in the history as succeeded.
import type { AddressInfo } from 'node:net';
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import {
  parseMail,
  type SmtpReceiver,
  startSmtpReceiver,
} from '../packages/core/src/workflows/smtp-receiver.ts';
import { buildSignUp, createTestApp, type TestApp } from '../test/harness.ts';
import { launchBrowser } from './browser.ts';

const w = fa.workflow;
/** A translation with `{{name}}`-style slots turned into a pattern matching any value. */
const pattern = (text: string) =>
  new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\{\\\{\w+\\\}\\\}/g, '.*')}$`);

describe('the thank-you workflow, built in Persian', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let runner: Runner;
  let smtp: SmtpReceiver;
  const mails: string[] = [];

  const api = async (method: string, url: string, body?: unknown) => {
    const response = await page.request.fetch(`${base}/api/v1${url}`, {
      method,
      ...(body === undefined ? {} : { data: body }),
    });
    expect(response.status(), `${method} ${url}: ${await response.text()}`).toBeLessThan(300);
    return response.status() === 204 ? null : response.json();
  };

  beforeAll(async () => {
    smtp = await startSmtpReceiver((raw) => {
      mails.push(raw);
    });
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true', RABITA_SMTP_URL: smtp.url });
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
    await smtp?.close();
  });

  it('builds, publishes and turns on the workflow; a large won deal sends the email and the run succeeds', async () => {
    await page.goto(`${base}/workflows`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('button', { name: w.new }).click();
    await page.getByRole('dialog').getByRole('textbox', { name: w.name }).fill('یادداشت سپاس');
    await page.getByRole('button', { name: w.create, exact: true }).click();
    await page.waitForURL(/\/workflows\/[0-9a-f-]{36}$/);
    const workflowId = page.url().split('/').pop()!;

    // The trigger: a deal is updated, only when its stage changes, and the condition holds.
    await page.locator('.react-flow__node[data-id="trigger"]').click();
    const panel = page.getByTestId('workflow-panel');
    await panel.getByText(w.triggerType.record, { exact: true }).click();
    await panel.getByRole('combobox', { name: w.object }).click();
    await page.getByRole('option', { name: 'معاملات' }).click();
    await panel.getByLabel(w.event.updated, { exact: true }).check();
    await panel.getByLabel(w.event.created, { exact: true }).uncheck();
    await panel.getByRole('combobox', { name: w.fields }).click();
    await page
      .getByRole('option', { name: /^مرحله/ })
      .first()
      .click();
    await page.keyboard.press('Escape');
    await panel
      .getByLabel(w.expression)
      .fill('record.status == "won" && double(record.amount.amount) > 100000000.0');

    // The email step after the trigger.
    await page
      .getByRole('button', { name: pattern(w.addStepAfter) })
      .first()
      .click();
    await page.getByRole('menuitem', { name: w.stepType.sendEmail }).click();
    await panel.getByRole('button', { name: w.addRecipient }).click();
    await panel.getByRole('textbox', { name: `${w.recipient} 1` }).fill('buyer@example.com');
    await panel.getByLabel(w.subject, { exact: true }).fill('سپاس از خرید شما، {{ record.name }}');
    await panel
      .getByLabel(w.body, { exact: true })
      .fill(
        'سلام،\nاز خرید «{{ record.name }}» به مبلغ {{ record.amount.amount }} {{ record.amount.currency }} سپاسگزاریم.',
      );

    await page.getByRole('button', { name: w.save, exact: true }).click();
    await page.getByText(w.unsaved).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: w.publish, exact: true }).click();
    await page.getByText(pattern(w.versionN)).first().waitFor();
    await page.getByRole('switch', { name: w.enabled }).click();
    await expect.poll(async () => (await api('GET', `/workflows/${workflowId}`)).enabled).toBe(true);
    const saved = (await api('GET', `/workflows/${workflowId}`)).draft;
    expect(saved.trigger).toMatchObject({
      type: 'record',
      object: 'deals',
      events: ['updated'],
      fields: ['stage'],
    });

    // A large purchase: a deal of 250,000,000 rial moves to a won stage. A small one does not.
    const stages = (await api('GET', '/objects/stages?sort=position')).data as { id: string; kind: string }[];
    const won = stages.find((s) => s.kind === 'won')!;
    const large = await api('POST', '/objects/deals', {
      name: 'خرید بزرگ',
      amount: { amount: '250000000', currency: 'IRR' },
    });
    const small = await api('POST', '/objects/deals', {
      name: 'خرید کوچک',
      amount: { amount: '5000', currency: 'IRR' },
    });
    await api('PATCH', `/objects/deals/${large.id}`, { stage: won.id });
    await api('PATCH', `/objects/deals/${small.id}`, { stage: won.id });
    await expect.poll(() => mails.length, { timeout: 30_000 }).toBe(1);
    const mail = parseMail(mails[0]!);
    expect(mail.headers.get('subject')).toBe('سپاس از خرید شما، خرید بزرگ');
    expect(mail.headers.get('to')).toBe('buyer@example.com');
    expect(mail.text).toContain('از خرید «خرید بزرگ» به مبلغ 250000000 IRR سپاسگزاریم.');

    // The run in the history, in Persian: succeeded, on the large deal only.
    await page.goto(`${base}/workflow-runs?workflowId=${workflowId}`);
    await page.getByText(w.status.succeeded).first().waitFor();
    // The run names its deal by title, linking to it.
    await page.getByRole('link', { name: 'خرید بزرگ' }).waitFor();
    const runs = (await api('GET', `/workflow-runs?workflowId=${workflowId}`)).data as {
      status: string;
      triggerRecordId: string;
    }[];
    expect(runs.map((r) => [r.status, r.triggerRecordId])).toEqual([['succeeded', large.id]]);
    await page.screenshot({ path: 'test-results/workflows-thank-you-fa.png' });

    // The deal's timeline says the workflow ran, and opens the run.
    await page.goto(`${base}/o/deals/${large.id}`);
    const ran = page.getByRole('link', { name: pattern(w.timelineRan) });
    await ran.waitFor();
    expect(await ran.textContent()).toContain('یادداشت سپاس');
    await ran.click();
    await page.waitForURL(/\/workflow-runs\/[0-9a-f-]{36}$/);
    await page.getByText(w.stepType.sendEmail).first().waitFor();

    // From the run, every run on the same deal; a day filter in the future leaves none.
    await page.getByRole('link', { name: w.runsOnRecord }).click();
    await page.waitForURL(new RegExp(`recordId=${large.id}`));
    await page.getByRole('button', { name: new RegExp(w.oneRecordOnly) }).waitFor();
    await page.getByRole('link', { name: 'خرید بزرگ' }).waitFor();
    await page.goto(`${base}/workflow-runs?workflowId=${workflowId}&from=2099-01-01`);
    await page.getByText(w.noRuns).waitFor();
    // Today as the user's clock reads it (their time zone decides where a day starts).
    const { timeZone } = (await api('GET', '/me')) as { timeZone: string };
    const today = new Intl.DateTimeFormat('en-CA', { timeZone }).format(new Date());
    await page.goto(`${base}/workflow-runs?workflowId=${workflowId}&from=${today}&to=${today}`);
    await page.getByRole('link', { name: 'خرید بزرگ' }).waitFor();
  }, 120_000);
});
