/// <reference lib="dom" />
// Browser test: a workflow's email through the email module, set in Persian — the email step takes a template (its
// Persian variant for a Persian-speaking person) and a shared mailbox in the side panel. Run from the person's page,
// the email arrives at the SMTP peer from the mailbox and shows on the person's timeline.
import { startWorker } from '@rabita/server';
import type { Runner } from 'graphile-worker';
import { simpleParser } from 'mailparser';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { type Dovecot, startDovecot } from '../packages/core/src/email/dovecot-harness.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../packages/core/src/workflows/smtp-receiver.ts';
import { openSignedInDesk, type SignedInDesk } from './desk.ts';

const w = fa.workflow;

describe('a workflow email from a template and a shared mailbox, set in Persian', () => {
  let desk: SignedInDesk;
  let runner: Runner;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  const mails: string[] = [];

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'sales', password: 'pw' }] });
    smtp = await startSmtpReceiver((raw) => {
      mails.push(raw);
    });
    desk = await openSignedInDesk(
      'Admin',
      { locale: 'fa' },
      { RABITA_MAIL_ALLOW_PRIVATE: 'true' },
      { viewport: { width: 1400, height: 900 } },
    );
    runner = await startWorker(desk.t.config, desk.t.url, desk.t.handle.db, pino({ level: 'silent' }));
  }, 120_000);
  afterAll(async () => {
    await runner?.stop();
    await desk?.close();
    await Promise.race([smtp?.close(), new Promise((resolve) => setTimeout(resolve, 1_000))]);
    await dovecot?.stop();
  });

  it('picks the template and the mailbox in the side panel; the run sends the Persian variant from the mailbox', async () => {
    const { page, base, api } = desk;
    await api('POST', '/mailboxes', {
      name: 'فروش',
      address: 'sales@localhost',
      kind: 'shared',
      imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
      smtp: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), security: 'none' },
      username: 'sales',
      secret: 'pw',
      readers: [],
    });
    await api('POST', '/email/templates', {
      name: 'سپاس پس از خرید',
      subject: 'Thank you, {{ record.firstName }}',
      bodyHtml: '<p>Thank you for your purchase.</p>',
      variants: {
        fa: {
          subject: 'سپاس از خرید شما',
          bodyHtml: '<p>{{ record.firstName }} عزیز، از خرید شما سپاسگزاریم.</p>',
        },
      },
      shared: true,
    });
    const person = await api('POST', '/objects/people', {
      firstName: 'نگار',
      lastName: 'صالحی',
      emails: [{ address: 'negar@customer.example', primary: true }],
      preferredLanguage: 'fa',
    });
    const workflow = await api('POST', '/workflows', {
      name: 'سپاس با قالب',
      draft: {
        trigger: { type: 'manual', object: 'people' },
        start: 's1',
        steps: [
          { id: 's1', type: 'sendEmail', to: [{ expr: 'record.emails' }], subject: 'سپاس', body: 'متن' },
        ],
      },
    });

    await page.goto(`${base}/workflows/${String(workflow.id)}`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.locator('.react-flow__node[data-id="s1"]').click();
    const panel = page.getByTestId('workflow-panel');
    await panel.getByRole('combobox', { name: w.emailTemplate }).click();
    await page.getByRole('option', { name: 'سپاس پس از خرید' }).click();
    // With a template, the step's own subject and body are not asked for (and not kept).
    await expect.poll(() => panel.getByLabel(w.subject, { exact: true }).count()).toBe(0);
    await panel.getByRole('combobox', { name: w.sendFrom }).click();
    await page.getByRole('option', { name: 'فروش <sales@localhost>' }).click();
    await page.screenshot({ path: 'test-results/workflows-email-template-fa.png' });
    await page.getByRole('button', { name: w.save, exact: true }).click();
    await page.getByText(w.unsaved).waitFor({ state: 'detached' });
    const saved = (await api('GET', `/workflows/${String(workflow.id)}`)).draft as { steps: object[] };
    expect(saved.steps[0]).not.toHaveProperty('subject');
    expect(saved.steps[0]).toMatchObject({ templateId: expect.any(String), mailboxId: expect.any(String) });
    await page.getByRole('button', { name: w.publish, exact: true }).click();
    await expect
      .poll(async () => (await api('GET', `/workflows/${String(workflow.id)}`)).currentVersion)
      .toBe(1);
    await page.getByRole('switch', { name: w.enabled }).click();
    await expect.poll(async () => (await api('GET', `/workflows/${String(workflow.id)}`)).enabled).toBe(true);

    await page.goto(`${base}/o/people/${String(person.id)}`);
    await page.getByRole('button', { name: w.runOn }).click();
    await page.getByRole('menuitem', { name: 'سپاس با قالب' }).click();
    await expect.poll(() => mails.length, { timeout: 30_000 }).toBe(1);
    const mail = await simpleParser(mails[0]!);
    expect(mail.subject).toBe('سپاس از خرید شما');
    expect(mail.from?.value[0]?.address).toBe('sales@localhost');
    expect(mail.to && 'value' in mail.to ? mail.to.value[0]?.address : undefined).toBe(
      'negar@customer.example',
    );
    expect(mail.text).toContain('نگار عزیز، از خرید شما سپاسگزاریم.');
    // The message is the person's: on their timeline.
    await page.goto(`${base}/o/people/${String(person.id)}`);
    await page.getByText('سپاس از خرید شما').first().waitFor({ timeout: 30_000 });
  }, 120_000);
});
