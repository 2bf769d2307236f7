/// <reference lib="dom" />
// Browser test in Persian, as a user would: sign up, add a person with an email, connect a real Dovecot mailbox
// through Settings → Mailboxes and watch its sync finish; the person's timeline shows the mail, a thread opens
// with its bodies in sandboxed frames, a Persian reply goes out through a real SMTP peer threaded by In-Reply-To,
// and a message delivered while the person's page is open appears on it without a reload. Sends wait ten seconds in
// the outbox (to be undone) and go through the job worker.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { lazySecretBox } from '../packages/core/src/auth/secret-box.ts';
import { type Dovecot, startDovecot } from '../packages/core/src/email/dovecot-harness.ts';
import { emailSettings } from '../packages/core/src/email/email.settings.ts';
import { startMailSync } from '../packages/core/src/email/sync-supervisor.ts';
import { defaultSettings } from '../packages/core/src/modules/settings.ts';
import {
  parseMail,
  type SmtpReceiver,
  startSmtpReceiver,
} from '../packages/core/src/workflows/smtp-receiver.ts';
import type { TestApp } from '../test/harness.ts';
import { launchBrowser } from './browser.ts';
import { newDeskPage, seriousAxeViolations, serveTestApp } from './desk.ts';

const KEY = randomBytes(32);
const e = fa.email;
const CUSTOMER = 'maryam@customer.example';
const MAILBOX = 'sara@localhost.example';

/** A raw message, as a mail client would write it. */
function compose(options: ConstructorParameters<typeof MailComposer>[0]): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/** Text with Persian or Arabic digits read as Latin ones, so a count reads the same in any digits. */
const latinDigits = (text: string) =>
  text
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x6f0))
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x660));

describe('email in the browser, in Persian', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  let sync: { stop(): Promise<void> };
  let runner: Runner;
  let personId: string;
  const mails: string[] = [];
  // A remote image's server on loopback (the test app allows private mail hosts): what Rabita's proxy asked it.
  let images: http.Server;
  let imageUrl: string;
  const imageRequests: http.IncomingHttpHeaders[] = [];

  /** axe-core on a part of the screen: no serious or critical violations (frames are the server's HTML). */
  const axe = (selector: string) => seriousAxeViolations(page, selector, { frames: false });

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'sara', password: 'رمز-سارا-123' }] });
    images = http.createServer((request, response) => {
      imageRequests.push(request.headers);
      response
        .writeHead(200, { 'content-type': 'image/png' })
        .end(
          Buffer.from(
            'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
            'base64',
          ),
        );
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/logo.png`;
    smtp = await startSmtpReceiver((raw) => {
      mails.push(raw);
    });
    ({ t, base } = await serveTestApp({
      RABITA_OPEN_SIGNUP: 'true',
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
    }));
    // The test app has no worker (createTestApp builds the HTTP side only): the mailbox sync the worker would run
    // is started here, claiming new mailboxes every half second instead of every 20.
    sync = startMailSync(
      {
        db: t.handle.db,
        session: { idleHours: 1, maxDays: 1 },
        settings: defaultSettings().with(emailSettings, {
          allowPrivate: true,
          maxMessageBytes: 5 * 1024 * 1024,
          pollMs: 1500,
        }),
        secrets: lazySecretBox(async () => KEY),
        log: (level, message, detail) => {
          if (process.env.RABITA_TEST_LOG) console.log(level, message, detail);
        },
      },
      { tickMs: 500 },
    );
    // The outbox's sends run as jobs: a worker too (its own mailbox sync takes no mailbox this one holds).
    runner = await startWorker(t.config, t.url, t.handle.db, pino({ level: 'silent' }));
    browser = await launchBrowser();
    page = await newDeskPage(browser, { width: 1400, height: 950 });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await runner?.stop();
    await sync?.stop();
    await t?.close();
    // The sending side keeps its SMTP connection open for a minute; the peer's close would wait for it.
    await Promise.race([smtp?.close(), new Promise((resolve) => setTimeout(resolve, 1_000))]);
    await dovecot?.stop();
    await new Promise((resolve) => images?.close(resolve));
  });

  it('signs up in Persian and adds a person with an email address', async () => {
    await page.goto(`${base}/sign-up`);
    await page.getByText(fa.language.fa, { exact: true }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('textbox', { name: fa.auth.name }).fill('سارا رضایی');
    await page.getByRole('textbox', { name: fa.auth.email }).fill('sara.rezaei@example.com');
    await page.locator('input[name=password]').fill('correct horse battery');
    await page.getByRole('textbox', { name: fa.auth.workspaceName }).fill('بازرگانی پارس');
    await page.getByRole('button', { name: fa.auth.signUp }).click();
    await page.waitForURL('**/o/people');

    await page.getByRole('button', { name: fa.list.new, exact: true }).click();
    await page.locator('[data-field=firstName] input').fill('مریم');
    await page.locator('[data-field=lastName] input').fill('احمدی');
    await page.locator('[data-field=emails] input').fill(CUSTOMER);
    await page.getByRole('button', { name: fa.record.save, exact: true }).click();
    await page.waitForURL(/\/o\/people\/[0-9a-f-]{36}$/);
    personId = page.url().split('/').pop()!;
    await expect
      .poll(() => page.getByTestId('record-title').textContent(), { timeout: 10_000 })
      .toBe('مریم احمدی');
  });

  it('connects the mailbox through the form and watches its sync reach the end', async () => {
    // Two messages wait in the mailbox before it is connected: one in HTML, one in plain text.
    await dovecot.deliver(
      'sara',
      await compose({
        from: `مریم احمدی <${CUSTOMER}>`,
        to: MAILBOX,
        subject: 'درخواست پیش‌فاکتور',
        text: 'سلام، لطفاً پیش‌فاکتور ده دستگاه را بفرستید.',
        html: `<p dir="rtl">سلام، لطفاً <b>پیش‌فاکتور</b> ده دستگاه را بفرستید.</p><img src="${imageUrl}" alt="لوگو" width="40" height="40">`,
        messageId: '<quote-request@customer.example>',
        date: new Date(Date.now() - 2 * 3600_000),
      }),
    );
    await dovecot.deliver(
      'sara',
      await compose({
        from: `مریم احمدی <${CUSTOMER}>`,
        to: MAILBOX,
        subject: 'زمان تحویل',
        text: 'تحویل کی انجام می‌شود؟',
        messageId: '<delivery@customer.example>',
        date: new Date(Date.now() - 3600_000),
      }),
    );

    await page.goto(`${base}/settings`);
    await page.getByRole('tab', { name: e.mailboxesTab }).click();
    await page.getByText(e.noMailboxes).waitFor();
    const form = page.getByTestId('mailbox-form');
    await form.getByRole('textbox', { name: e.name, exact: true }).fill('صندوق سارا');
    await form.getByRole('textbox', { name: e.address }).fill(MAILBOX);
    await form.getByRole('textbox', { name: e.imapHost }).fill('127.0.0.1');
    await form.getByRole('combobox', { name: e.imapSecurity }).click();
    await page.getByRole('option', { name: e.securityNone }).click();
    await form.getByRole('textbox', { name: e.imapPort }).fill(String(dovecot.imapPort));
    await form.getByRole('switch', { name: e.useSmtp }).check();
    await form.getByRole('textbox', { name: e.smtpHost }).fill('127.0.0.1');
    await form.getByRole('combobox', { name: e.smtpSecurity }).click();
    await page.getByRole('option', { name: e.securityNone }).click();
    await form.getByRole('textbox', { name: e.smtpPort }).fill(new URL(smtp.url).port);
    await form.getByRole('textbox', { name: e.username }).fill('sara');
    // A wrong password first: the server's refusal shows under the password field.
    await form.getByLabel(e.password).fill('not-the-password');
    await form.getByRole('button', { name: e.connect }).click();
    await form.getByText(/refused the user name or password/).waitFor();
    await form.getByText(e.fixFields).waitFor();
    expect(await page.getByTestId('mailbox').count()).toBe(0);
    expect(await axe('[data-testid=mailbox-form]')).toEqual([]);

    await form.getByLabel(e.password).fill('رمز-سارا-123');
    await form.getByRole('button', { name: e.connect }).click();
    const card = page.getByTestId('mailbox');
    await card.waitFor();
    expect(await card.getByText(MAILBOX).count()).toBe(1);
    // The list refreshes every 2 s while the mailbox syncs: the status reaches "up to date" with 2 of 2 messages.
    await expect
      .poll(() => card.getByTestId('mailbox-status').getAttribute('data-status'), { timeout: 30_000 })
      .toBe('ready');
    await expect
      .poll(async () => latinDigits((await card.getByTestId('mailbox-progress').textContent()) ?? ''), {
        timeout: 10_000,
      })
      .toContain(latinDigits(e.progress.replace('{{done}}', '2').replace('{{total}}', '2')));
    expect(await card.getByText(e.status.ready).count()).toBe(1);
    expect(await axe('[role=tabpanel]')).toEqual([]);
    await page.screenshot({ path: 'test-results/email-mailboxes-fa.png' });
    // The form is empty again, ready for another mailbox.
    expect(await form.getByRole('textbox', { name: e.address }).inputValue()).toBe('');
  }, 90_000);

  it('shows the mail on the person’s timeline and opens the thread, its body in a sandboxed frame', async () => {
    await page.goto(`${base}/o/people/${personId}`);
    const entries = page.getByTestId('email-entry');
    await expect.poll(() => entries.count(), { timeout: 15_000 }).toBe(2);
    const quote = entries.filter({ hasText: 'درخواست پیش‌فاکتور' });
    expect(await quote.textContent()).toContain('مریم احمدی');
    expect(await quote.getByRole('img', { name: e.direction.in }).count()).toBe(1);

    await quote.click();
    const thread = page.getByRole('dialog', { name: 'درخواست پیش‌فاکتور' });
    await thread.waitFor();
    const frame = thread.locator('iframe[data-testid=email-body]');
    await frame.waitFor();
    expect(await frame.getAttribute('sandbox')).toBe('');
    expect(await frame.getAttribute('src')).toMatch(/^\/api\/v1\/email\/messages\/[0-9a-f-]{36}\/html$/);
    expect(await axe('[role=dialog]')).toEqual([]);
    await page.keyboard.press('Escape');
    await thread.waitFor({ state: 'detached' });

    // The plain-text message shows its text, with no frame.
    await entries.filter({ hasText: 'زمان تحویل' }).click();
    const plain = page.getByRole('dialog', { name: 'زمان تحویل' });
    await plain.getByTestId('email-text').getByText('تحویل کی انجام می‌شود؟').waitFor();
    expect(await plain.locator('iframe').count()).toBe(0);
    await page.keyboard.press('Escape');
    await plain.waitFor({ state: 'detached' });
  });

  it('draws the message’s sanitised HTML inside the sandboxed frame', async () => {
    // The frame's page must let Rabita's own pages frame it: the server's security headers say X-Frame-Options:
    // DENY on every answer, which the message route has to drop (with `frame-ancestors 'self'` in its CSP).
    await page.goto(`${base}/o/people/${personId}`);
    await page.getByTestId('email-entry').filter({ hasText: 'درخواست پیش‌فاکتور' }).click();
    const thread = page.getByRole('dialog', { name: 'درخواست پیش‌فاکتور' });
    await thread
      .frameLocator('iframe[data-testid=email-body]')
      .getByText('پیش‌فاکتور', { exact: true })
      .waitFor({ timeout: 10_000 });
    // Its remote image stays blocked until the reader shows it; then it comes through Rabita's proxy, which the
    // sandboxed frame reaches without a cookie, and the image's server sees neither the reader's cookie nor a referrer.
    expect(imageRequests).toHaveLength(0);
    const show = thread.getByTestId('email-images-blocked').getByRole('button');
    expect(latinDigits((await show.textContent()) ?? '')).toBe(
      latinDigits(e.showImages.replace('{{number}}', '1')),
    );
    expect(await axe('[role=dialog]')).toEqual([]);
    await page.screenshot({ path: 'test-results/email-images-blocked-fa.png' });
    await show.click();
    const loaded = () =>
      thread
        .frameLocator('iframe[data-testid=email-body]')
        .getByRole('img', { name: 'لوگو' })
        .evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth);
    await expect.poll(loaded, { timeout: 10_000 }).toBe(1);
    expect(imageRequests).toHaveLength(1);
    expect(imageRequests[0]!.cookie).toBeUndefined();
    expect(imageRequests[0]!.referer).toBeUndefined();
    expect(await thread.getByTestId('email-images-blocked').count()).toBe(0);
  });

  it('replies in Persian from the thread: the SMTP peer gets it threaded, and the thread and timeline show it', async () => {
    await page.goto(`${base}/o/people/${personId}`);
    await page.getByTestId('email-entry').filter({ hasText: 'درخواست پیش‌فاکتور' }).click();
    const thread = page.getByRole('dialog', { name: 'درخواست پیش‌فاکتور' });
    await thread.getByRole('button', { name: e.reply }).click();
    const composer = page.getByRole('dialog', { name: e.reply });
    await composer.waitFor();
    // The mailbox that received the message is chosen, the sender is the recipient, the subject says "Re:".
    expect(await composer.getByRole('combobox', { name: e.from }).inputValue()).toContain(MAILBOX);
    expect(await composer.getByRole('textbox', { name: e.to, exact: true }).inputValue()).toBe(CUSTOMER);
    expect(await composer.getByRole('textbox', { name: e.subject }).inputValue()).toBe(
      'Re: درخواست پیش‌فاکتور',
    );
    await composer
      .getByRole('textbox', { name: e.body })
      .fill('سلام مریم خانم،\nپیش‌فاکتور تا فردا فرستاده می‌شود.\nبا سپاس، سارا');
    expect(await axe('[data-testid=email-composer]')).toEqual([]);
    await composer.getByRole('button', { name: e.send }).click();
    await composer.waitFor({ state: 'detached' });
    // The reply waits ten seconds to be undone, then the job sends it.
    await page.getByTestId('pending-send').getByRole('button', { name: e.undo }).waitFor();

    await expect.poll(() => mails.length, { timeout: 25_000 }).toBe(1);
    const mail = parseMail(mails[0]!);
    expect(mail.headers.get('in-reply-to')).toBe('<quote-request@customer.example>');
    expect(mail.headers.get('references')).toContain('<quote-request@customer.example>');
    expect(mail.headers.get('to')).toContain(CUSTOMER);
    expect(mail.headers.get('subject')).toBe('Re: درخواست پیش‌فاکتور');
    expect(mail.headers.get('from')).toContain(MAILBOX);

    // The thread now holds the reply, oldest first.
    await expect.poll(() => thread.getByTestId('email-message').count(), { timeout: 10_000 }).toBe(2);
    const last = thread.getByTestId('email-message').last();
    expect(await last.getByRole('img', { name: e.direction.out }).count()).toBe(1);
    await page.keyboard.press('Escape');
    await thread.waitFor({ state: 'detached' });
    // And the person's timeline, newest first.
    await expect.poll(() => page.getByTestId('email-entry').count(), { timeout: 10_000 }).toBe(3);
    expect(await page.getByTestId('email-entry').first().textContent()).toContain('Re: درخواست پیش‌فاکتور');
  }, 60_000);

  it('shows a message delivered while the person’s page is open, within seconds and without a reload', async () => {
    const entries = page.getByTestId('email-entry');
    const before = await entries.count();
    const started = Date.now();
    await dovecot.deliver(
      'sara',
      await compose({
        from: `مریم احمدی <${CUSTOMER}>`,
        to: MAILBOX,
        subject: 'سپاس از پاسخ سریع',
        text: 'ممنون، منتظر پیش‌فاکتور هستم.',
        messageId: '<thanks@customer.example>',
      }),
    );
    await entries.filter({ hasText: 'سپاس از پاسخ سریع' }).waitFor({ timeout: 15_000 });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(await entries.count()).toBe(before + 1);
    await page.screenshot({ path: 'test-results/email-timeline-fa.png' });
  }, 30_000);
});
