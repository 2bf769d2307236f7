/// <reference lib="dom" />
// Browser test in Persian of templates, undo send and sequences, against a real Dovecot (the mailbox must log in)
// and SMTP peer, with the job worker sending from the outbox: a template with a Persian variant is written in
// Settings (a Liquid mistake shows under its field first), a person's composer fills it in, the send is undone
// within its ten seconds and nothing reaches the peer, the second send arrives after about ten seconds, the
// template's numbers count it, and a sequence made in Settings takes the person from their page.
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import { simpleParser } from 'mailparser';
import pino from 'pino';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { type Dovecot, startDovecot } from '../packages/core/src/email/dovecot-harness.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../packages/core/src/workflows/smtp-receiver.ts';
import { openSignedInDesk, type SignedInDesk, seriousAxeViolations } from './desk.ts';

const e = fa.email;
const CUSTOMER = 'maryam@customer.example';
const MAILBOX = 'sara@localhost.example';
const TEMPLATE = 'پیشنهاد قیمت';
const SEQUENCE = 'پیگیری پیش‌فاکتور';

/** Text with Persian or Arabic digits read as Latin ones, so a count reads the same in any digits. */
const latinDigits = (text: string) =>
  text
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x6f0))
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x660));

/** A label with one value put in, as the dictionary writes it (`موضوع ({{part}})`). */
const fill = (text: string, values: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');

describe('templates, undo send and sequences in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  let runner: Runner;
  let personId: string;
  const mails: { raw: string; at: number }[] = [];

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);

  /** axe-core on a part of the screen: no serious or critical violations (frames are left out). */
  const axe = (selector: string) => seriousAxeViolations(page, selector, { frames: false });

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'sara', password: 'رمز-سارا-123' }] });
    smtp = await startSmtpReceiver((raw) => {
      mails.push({ raw, at: Date.now() });
    });
    desk = await openSignedInDesk(
      'سارا رضایی',
      { locale: 'fa', timeZone: 'Asia/Tehran', calendar: 'persian' },
      { RABITA_MAIL_ALLOW_PRIVATE: 'true' },
      { viewport: { width: 1400, height: 950 } },
    );
    ({ base, page } = desk);
    const { t } = desk;
    // The outbox's sends and the sequences' steps run as jobs.
    runner = await startWorker(t.config, t.url, t.handle.db, pino({ level: 'silent' }));
    personId = (
      await api('POST', '/objects/people', {
        firstName: 'مریم',
        lastName: 'احمدی',
        emails: [CUSTOMER],
        preferredLanguage: 'fa',
      })
    ).id;
    await api('POST', '/mailboxes', {
      name: 'صندوق سارا',
      address: MAILBOX,
      kind: 'personal',
      imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
      smtp: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), security: 'none' },
      username: 'sara',
      secret: 'رمز-سارا-123',
    });
  }, 120_000);
  afterAll(async () => {
    // The worker stops before the app (and its database) closes.
    await runner?.stop();
    await desk?.close();
    // The sending side keeps its SMTP connection open for a minute; the peer's close would wait for it.
    await Promise.race([smtp?.close(), new Promise((resolve) => setTimeout(resolve, 1_000))]);
    await dovecot?.stop();
  });

  it('writes a template with a Persian variant; a Liquid mistake shows under its field on its tab', async () => {
    await page.goto(`${base}/settings?tab=email-templates`);
    const form = page.getByTestId('template-form');
    await form.getByRole('textbox', { name: e.templateName }).fill(TEMPLATE);
    const part = (name: string) => ({ part: name });
    await form
      .getByRole('textbox', { name: fill(e.templateSubject, part(e.defaultVariant)) })
      .fill('Your quote, {{ person.firstName }}');
    await form
      .getByRole('textbox', { name: fill(e.templateBody, part(e.defaultVariant)) })
      .fill('<p>Hello {{ person.firstName }}</p>');
    await form.getByRole('tab', { name: fa.language.fa }).click();
    const faSubject = form.getByRole('textbox', { name: fill(e.templateSubject, part(fa.language.fa)) });
    // The output tag is not closed.
    await faSubject.fill('پیش‌فاکتور برای {{ person.firstName }');
    await form
      .getByRole('textbox', { name: fill(e.templateBody, part(fa.language.fa)) })
      .fill('<p dir="rtl">سلام {{ person.firstName }}، پیش‌فاکتور پیوست است.</p>');
    // The live preview draws the Persian body in its sandboxed frame (drawn afresh at each keystroke).
    const preview = form.getByRole('tabpanel').frameLocator('iframe[data-testid=html-preview]');
    await expect
      .poll(() =>
        preview
          .locator('body')
          .textContent({ timeout: 1_000 })
          .catch(() => ''),
      )
      .toContain('پیش‌فاکتور پیوست است');
    await form.getByRole('tab', { name: e.defaultVariant }).click();
    await form.getByRole('button', { name: e.createTemplate }).click();
    // The Persian tab opens again, marked, with the server's problem under the subject.
    await expect
      .poll(() => form.getByRole('tab', { name: fa.language.fa }).getAttribute('aria-selected'))
      .toBe('true');
    expect(await faSubject.getAttribute('aria-invalid')).toBe('true');
    await form.getByText(/Not a valid template/).waitFor();
    expect(await form.getByRole('img', { name: e.tabHasProblems }).count()).toBe(1);
    expect(await axe('[data-testid=template-form]')).toEqual([]);

    await faSubject.fill('پیش‌فاکتور برای {{ person.firstName }}');
    await form.getByRole('button', { name: e.createTemplate }).click();
    const card = page.getByTestId('email-template').filter({ hasText: TEMPLATE });
    await card.waitFor();
    expect(await card.textContent()).toContain(fa.language.fa);
    const saved = (await api('GET', '/email/templates')).data;
    expect(saved).toHaveLength(1);
    expect(saved[0].variants.fa.subject).toBe('پیش‌فاکتور برای {{ person.firstName }}');
    expect(await axe('[role=tabpanel]')).toEqual([]);
    await page.screenshot({ path: 'test-results/email-templates-fa.png' });
  });

  it('composes from the person with the template, undoes the send in time, and the peer gets nothing', async () => {
    await page.goto(`${base}/o/people/${personId}`);
    await page.getByRole('button', { name: e.compose }).click();
    const composer = page.getByRole('dialog', { name: e.compose });
    await expect.poll(() => composer.getByRole('combobox', { name: e.from }).inputValue()).toContain(MAILBOX);
    await composer.getByRole('combobox', { name: e.template }).click();
    await page.getByRole('option', { name: TEMPLATE }).click();
    // The person prefers Persian: the Persian variant, merged for her (the name isolated in its own direction).
    const subject = composer.getByRole('textbox', { name: e.subject });
    await expect.poll(() => subject.inputValue()).toMatch(/^پیش‌فاکتور برای \u2068مریم\u2069$/);
    expect(await composer.getByRole('textbox', { name: e.body }).inputValue()).toContain(
      'سلام مریم، پیش‌فاکتور پیوست است.',
    );
    expect(await composer.getByText(e.templateFormatKept).count()).toBe(1);
    // "Send later" picks a day in the Persian calendar and a time in Tehran, and says when that is.
    await composer.getByRole('checkbox', { name: e.sendLater }).check();
    const later = composer.getByTestId('send-later');
    expect(await later.getByRole('combobox', { name: e.sendDate }).getAttribute('data-calendar')).toBe(
      'persian',
    );
    expect(await later.getByRole('combobox', { name: e.sendTime }).inputValue()).toBe('09:00');
    expect(latinDigits((await later.getByTestId('send-later-at').textContent()) ?? '')).toMatch(
      /14\d\d.*Asia\/Tehran/,
    );
    expect(await composer.getByRole('button', { name: e.schedule }).count()).toBe(1);
    expect(await axe('[data-testid=email-composer]')).toEqual([]);
    await composer.getByRole('checkbox', { name: e.sendLater }).uncheck();
    await page.screenshot({ path: 'test-results/email-composer-template-fa.png' });

    await composer.getByRole('button', { name: e.send, exact: true }).click();
    await composer.waitFor({ state: 'detached' });
    const notice = page.getByTestId('pending-send');
    await notice.getByRole('button', { name: e.undo }).click();
    await expect.poll(() => notice.getAttribute('data-state')).toBe('undone');
    expect(await notice.textContent()).toContain(e.sendUndone);
    // The message opens again as it was.
    const again = page.getByRole('dialog', { name: e.compose });
    await expect.poll(() => again.getByRole('textbox', { name: e.subject }).inputValue()).toContain('مریم');
    const outbox = (await api('GET', '/email/outbox')).data;
    expect(outbox.map((o: { status: string }) => o.status)).toEqual(['cancelled']);
    expect(mails).toHaveLength(0);
  });

  it('sends again without undoing: the message reaches the peer after about ten seconds', async () => {
    const composer = page.getByRole('dialog', { name: e.compose });
    const sentAt = Date.now();
    await composer.getByRole('button', { name: e.send, exact: true }).click();
    await composer.waitFor({ state: 'detached' });
    const notice = page
      .getByTestId('pending-send')
      .filter({ has: page.getByRole('button', { name: e.undo }) });
    await notice.waitFor();
    expect(await axe('[data-testid=pending-send]')).toEqual([]);
    await page.screenshot({ path: 'test-results/email-undo-fa.png' });
    await expect.poll(() => mails.length, { timeout: 25_000 }).toBe(1);
    const waited = mails[0]!.at - sentAt;
    expect(waited).toBeGreaterThanOrEqual(9_000);
    expect(waited).toBeLessThan(20_000);
    const mail = await simpleParser(mails[0]!.raw);
    expect(mail.subject).toContain('پیش‌فاکتور برای');
    expect(mail.to && !Array.isArray(mail.to) ? mail.to.text : '').toContain(CUSTOMER);
    expect(mail.html || '').toContain('پیش‌فاکتور پیوست است');
    // The undone send stayed undone: its time passed before this one's, and only this one arrived.
    // The entry reads "sent" once the message is stored after the peer took it (a second or more on a busy machine).
    await expect
      .poll(async () => (await api('GET', '/email/outbox')).data.map((o: { status: string }) => o.status), {
        timeout: 15_000,
      })
      .toEqual(['sent', 'cancelled']);
    expect(mails).toHaveLength(1);
    // The sent message shows on the person's timeline without a reload.
    await page.getByTestId('email-entry').filter({ hasText: 'پیش‌فاکتور برای' }).waitFor({ timeout: 15_000 });
  }, 60_000);

  it('counts the send in the template’s numbers, the day named in the Persian calendar', async () => {
    await page.goto(`${base}/settings?tab=email-templates`);
    const card = page.getByTestId('email-template').filter({ hasText: TEMPLATE });
    await card.getByRole('button', { name: e.showNumbers }).click();
    const total = card.getByTestId('template-stats-total');
    await total.waitFor();
    const cells = (await total.getByRole('cell').allTextContents()).map(latinDigits);
    // Sent, delivered, opened (people / all), clicked (people / all), replied, bounced.
    expect(cells).toEqual(['1', '1', '0 / 0', '0 / 0', '0', '0']);
    const day = await card.getByTestId('template-stats').locator('tbody th').first().textContent();
    expect(latinDigits(day ?? '')).toMatch(/14\d\d/); // a Jalali year
    expect(await axe('[role=tabpanel]')).toEqual([]);
  });

  it('creates a sequence in settings, enrols the person from her page, and stops the enrolment', async () => {
    await page.goto(`${base}/settings?tab=sequences`);
    const form = page.getByTestId('sequence-form');
    await form.getByRole('textbox', { name: e.sequenceName }).fill(SEQUENCE);
    const step = form.getByTestId('sequence-step').first();
    await step.getByRole('combobox').click();
    await page.getByRole('option', { name: TEMPLATE }).click();
    // A business day's wait: nothing is sent while the test runs.
    await step.getByRole('textbox').fill('1');
    await form.getByRole('combobox', { name: e.weekendLabel }).click();
    await page.getByRole('option', { name: e.weekend['thu-fri'] }).click();
    expect(await axe('[data-testid=sequence-form]')).toEqual([]);
    await form.getByRole('button', { name: e.createSequence }).click();
    await page.getByTestId('email-sequence').filter({ hasText: SEQUENCE }).waitFor();
    const [sequence] = (await api('GET', '/email/sequences')).data;
    expect(sequence).toMatchObject({
      name: SEQUENCE,
      steps: [{ delayDays: 1, asReply: false }],
      settings: { weekend: 'thu-fri', window: { start: '09:00', end: '17:00' } },
    });

    await page.goto(`${base}/o/people/${personId}`);
    await page.getByRole('button', { name: e.enrolAction }).click();
    const dialog = page.getByRole('dialog', { name: e.enrolTitle });
    await dialog.getByRole('combobox', { name: e.sequence }).click();
    await page.getByRole('option', { name: SEQUENCE }).click();
    await expect.poll(() => dialog.getByRole('combobox', { name: e.from }).inputValue()).toContain(MAILBOX);
    await dialog.getByRole('button', { name: e.enrol, exact: true }).click();
    await dialog.getByTestId('enrolled').waitFor();
    expect(await axe('[role=dialog]')).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.goto(`${base}/settings?tab=sequences`);
    const card = page.getByTestId('email-sequence').filter({ hasText: SEQUENCE });
    await card.getByRole('button', { name: e.showEnrolments }).click();
    const row = card.getByTestId('enrolment');
    await row.getByRole('link', { name: 'مریم احمدی' }).waitFor();
    expect(await row.getAttribute('data-status')).toBe('active');
    expect(await axe('[role=tabpanel]')).toEqual([]);
    await page.screenshot({ path: 'test-results/email-sequences-fa.png' });
    await row.getByRole('button', { name: e.stopEnrolment }).click();
    await expect.poll(() => row.getAttribute('data-status')).toBe('stopped');
    expect(await row.textContent()).toContain(e.stopReason.manual);
    expect(mails).toHaveLength(1);
  });
});
