/// <reference lib="dom" />
// Browser test in Persian, with real IMAP (Dovecot) and SMTP peers, the mailbox sync and a job worker: an admin turns
// a shared mailbox on for tickets under Settings → Ticket email; a customer's Persian mail opens a ticket whose
// first message is marked as come by email; the agent's reply from the ticket page reaches the customer by email,
// right to left, with the ticket's number in its subject. No serious accessibility problems.
import { randomBytes } from 'node:crypto';
import { Logger, type Runner } from 'graphile-worker';
import { simpleParser } from 'mailparser';
import type pg from 'pg';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { lazySecretBox } from '../packages/core/src/auth/secret-box.ts';
import { type Dovecot, startDovecot } from '../packages/core/src/email/dovecot-harness.ts';
import { emailSettings } from '../packages/core/src/email/email.settings.ts';
import { startTestSync, until } from '../packages/core/src/email/mail-fixture.ts';
import { startJobWorker } from '../packages/core/src/jobs/job-worker.ts';
import { registry } from '../packages/core/src/modules/registry.ts';
import { defaultSettings } from '../packages/core/src/modules/settings.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../packages/core/src/workflows/smtp-receiver.ts';
import { ownerPool } from '../test/harness.ts';
import { openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk, seriousAxeViolations } from './desk.ts';

const KEY = randomBytes(32);
const SUBJECT = 'بستهٔ من آسیب دیده رسید';
const REPLY = 'سلام نگار، عذر می‌خواهیم؛ بستهٔ جایگزین فردا ارسال می‌شود.';

describe('tickets by email in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let browser: Browser;
  let page: Page;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  let sync: { stop(): Promise<void> };
  let worker: Runner;
  let pool: pg.Pool;
  const sent: string[] = [];

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  const axe = (selector: string) => seriousAxeViolations(page, selector);

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'support', password: 'pw' }] });
    smtp = await startSmtpReceiver(async (raw) => {
      sent.push(raw);
    });
    desk = await openSignedInDesk('سارا رضایی', PERSIAN_IN_TEHRAN, {
      RABITA_MAIL_ALLOW_PRIVATE: 'true',
      RABITA_SECRET_KEY: KEY.toString('hex'),
    });
    ({ base, browser, page } = desk);
    const { t } = desk;
    sync = startTestSync(t.handle.db, KEY, { pollMs: 500 });
    pool = ownerPool(t.url, 4);
    worker = await startJobWorker({
      pgPool: pool,
      concurrency: 2,
      taskList: registry().taskList({
        db: t.handle.db,
        session: { idleHours: 1, maxDays: 1 },
        settings: defaultSettings().with(emailSettings, { allowPrivate: true }),
        publicUrl: base,
        secrets: lazySecretBox(async () => KEY),
      }),
      crontab: '',
      logger: new Logger(() => () => {}),
      pollInterval: 200,
    });
    await api('POST', '/mailboxes', {
      name: 'پشتیبانی',
      address: 'support@localhost',
      kind: 'shared',
      imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
      smtp: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), security: 'none' },
      username: 'support',
      secret: 'pw',
      readers: [],
    });
  }, 120_000);
  afterAll(async () => {
    await worker?.stop();
    await pool?.end();
    await sync?.stop();
    await desk?.close();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('turns a shared mailbox on for tickets in settings', async () => {
    await page.goto(`${base}/settings?tab=ticket-email`);
    const row = page.getByTestId('ticket-email').locator('tr[data-address="support@localhost"]');
    const toggle = row.locator('input[type=checkbox]');
    await toggle.waitFor({ state: 'attached' });
    expect(await toggle.isChecked()).toBe(false);
    expect(await toggle.getAttribute('aria-label')).toBe(
      fa.ticketMail.opensTicketsOf.replace('{{address}}', 'support@localhost'),
    );
    // The switch follows what the server stored, so it turns on once the server has taken the change.
    await row.locator('label').first().click();
    await expect.poll(() => toggle.isChecked()).toBe(true);
    await expect.poll(async () => (await api('GET', '/service/mailboxes')).data.length).toBe(1);
    await row.getByText(fa.ticketMail.since.replace('{{at}}', ''), { exact: false }).waitFor();
    expect(await axe('main')).toEqual([]);
  });

  it('opens a ticket from a customer’s Persian mail and answers it by email from the ticket page', async () => {
    const mail = [
      `From: =?UTF-8?B?${Buffer.from('نگار کریمی').toString('base64')}?= <negar@customer.example>`,
      'To: support@localhost',
      `Subject: =?UTF-8?B?${Buffer.from(SUBJECT).toString('base64')}?=`,
      `Date: ${new Date().toUTCString()}`,
      'Message-ID: <negar-1@customer.example>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('سلام، جعبه شکسته بود و لیوان‌ها خرد شده‌اند.').toString('base64'),
      '',
    ].join('\r\n');
    await dovecot.deliver('support', mail);
    const ticket = await until('the ticket', async () =>
      (await api('GET', '/objects/tickets?limit=10')).data.find(
        (x: { subject: string }) => x.subject === SUBJECT,
      ),
    );
    await page.goto(`${base}/o/tickets/${ticket.id}`);
    const first = page.getByTestId('ticket-message').first();
    await first.getByText('لیوان‌ها خرد شده‌اند', { exact: false }).waitFor();
    await first.getByTestId('ticket-message-email').getByText(fa.ticketMail.byEmail).waitFor();

    const composer = page.getByTestId('ticket-composer');
    await composer.getByRole('textbox').fill(REPLY);
    await composer.getByRole('button', { name: fa.service.send, exact: true }).click();
    await expect.poll(() => page.getByTestId('ticket-message').count()).toBe(2);
    await page.getByTestId('ticket-message').last().getByTestId('ticket-message-email').waitFor();
    const out = await until('the reply by email', async () => {
      const raw = sent.find((r) => r.includes('negar@customer.example'));
      return raw ? simpleParser(raw) : undefined;
    });
    expect(out.subject).toBe(`Re: ${SUBJECT} [#${ticket.number}]`);
    expect(out.inReplyTo).toBe('<negar-1@customer.example>');
    expect(out.html).toContain('dir="rtl"');
    expect(out.text).toContain('بستهٔ جایگزین فردا ارسال می‌شود');
    expect(await axe('main')).toEqual([]);
    await page.screenshot({ path: 'test-results/service-email.png', fullPage: true });
  }, 90_000);

  it('sends a satisfaction survey on resolution, answered on its page, shown on the ticket', async () => {
    await page.goto(`${base}/settings?tab=ticket-email`);
    const survey = page.getByTestId('survey-settings');
    await survey.getByRole('switch', { name: fa.ticketMail.surveyOn }).check({ force: true });
    await survey.getByLabel(fa.ticketMail.surveyDelay).fill('0');
    await survey.getByRole('button', { name: fa.record.save }).click();
    await expect.poll(async () => (await api('GET', '/service/surveys/settings')).csatEnabled).toBe(true);
    const ticket = (await api('GET', '/objects/tickets?limit=10')).data[0];
    await api('PATCH', `/objects/tickets/${ticket.id}`, { status: 'resolved' });
    const mail = await until('the survey by email', async () => {
      const raw = sent.find((r) => r.includes('negar@customer.example') && r.includes('/s/csat/'));
      return raw ? simpleParser(raw) : undefined;
    });
    const link = /(http:\/\/127\.0\.0\.1:\d+\/s\/csat\/\S+\?rating=4)/.exec(mail.text ?? '')?.[1];
    expect(link).toBeDefined();
    // The customer's page, in another browser context: the rating from the link chosen, answered by its button.
    const customer = await (await browser.newContext({ reducedMotion: 'reduce' })).newPage();
    await customer.goto(link!);
    expect(await customer.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(await customer.getByRole('radio', { name: /^۴/ }).isChecked()).toBe(true);
    await customer.getByRole('textbox').fill('خیلی سریع پاسخ دادید، ممنون.');
    await customer.getByRole('button').click();
    await customer.getByRole('status').waitFor();
    expect(await seriousAxeViolations(customer, 'html')).toEqual([]);
    await customer.screenshot({ path: 'test-results/service-survey-page.png' });
    await customer.context().close();

    await page.goto(`${base}/o/tickets/${ticket.id}`);
    const panel = page.getByTestId('ticket-surveys');
    await panel.getByText(fa.ticketMail.surveyStatus.answered).waitFor();
    await panel.getByText('خیلی سریع پاسخ دادید، ممنون.').waitFor();
    expect(await axe('main')).toEqual([]);
  }, 90_000);
});
