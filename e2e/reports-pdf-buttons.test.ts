/// <reference lib="dom" />
// Browser test: a saved report's "Export PDF" and "Schedule" buttons, in Persian (right to left) and in English.
// The PDF button queues an export, the test runs the export job as the worker would (this app has no worker), and
// the page downloads a PDF. The schedule dialog makes "every Saturday at 08:00" from a connected mailbox (a real
// Dovecot and an SMTP receiver, as the mailbox's connections are checked), lists it in words, and deletes it. Screenshots of both
// directions.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dovecot, startDovecot } from '../packages/core/src/email/dovecot-harness.ts';
import { runReportExport } from '../packages/core/src/reports/export.service.ts';
import { type SmtpReceiver, startSmtpReceiver } from '../packages/core/src/workflows/smtp-receiver.ts';
import { ascii, openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk } from './desk.ts';

const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');
const TITLE = 'گزارش معامله‌ها به تفکیک مرحله';

describe('report PDF and schedule buttons in the browser', () => {
  let desk: SignedInDesk;
  let page: Page;
  let base: string;
  let dovecot: Dovecot;
  let smtp: SmtpReceiver;
  let reportId: string;
  let workspaceId: string;
  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);

  beforeAll(async () => {
    dovecot = await startDovecot({ users: [{ name: 'sara', password: 'pw' }] });
    smtp = await startSmtpReceiver(() => {});
    const webDist = process.env.RABITA_TEST_WEB_DIST;
    desk = await openSignedInDesk(
      'سارا',
      PERSIAN_IN_TEHRAN,
      { RABITA_MAIL_ALLOW_PRIVATE: 'true', RABITA_SECRET_KEY: randomBytes(32).toString('hex') },
      webDist ? { webDist } : {},
    );
    ({ page, base } = desk);
    workspaceId = ((await api('GET', '/me')).workspace as { id: string }).id;
    const stages = (await api('GET', '/objects/stages?sort=position')).data as { id: string }[];
    for (const name of ['الف', 'ب', 'پ']) await api('POST', '/objects/deals', { name, stage: stages[0]!.id });
    reportId = (
      await api('POST', '/reports', {
        name: TITLE,
        definition: {
          object: 'deals',
          groupBy: [{ field: 'stage' }],
          measures: [{ fn: 'count' }],
          chart: 'bar',
        },
      })
    ).id;
    await api('POST', '/mailboxes', {
      name: 'Sara',
      address: 'sara@customer.example',
      kind: 'personal',
      imap: { host: '127.0.0.1', port: dovecot.imapPort, security: 'none' },
      smtp: { host: '127.0.0.1', port: Number(new URL(smtp.url).port), security: 'none' },
      username: 'sara',
      secret: 'pw',
    });
    await fs.mkdir(SHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
    await smtp?.close();
    await dovecot?.stop();
  });

  it('exports the report as a PDF from its page, right to left', async () => {
    await page.goto(`${base}/reports/${reportId}`);
    await expect.poll(() => page.locator('html').getAttribute('dir')).toBe('rtl');
    await page.getByRole('heading', { name: TITLE }).waitFor();
    const queued = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url().endsWith(`/api/v1/reports/${reportId}/exports`),
    );
    const download = page.waitForEvent('download', { timeout: 60_000 });
    await page.getByRole('button', { name: 'خروجی PDF' }).click();
    const answer = await queued;
    expect(answer.status()).toBe(202);
    await page.getByText('در حال آماده‌سازی PDF…').waitFor();
    // The worker's part: the export job, rendering the print view in the server's browser.
    await runReportExport(
      { db: desk.t.handle.db, baseUrl: base },
      { workspaceId, exportId: (await answer.json()).id },
    );
    const file = await download;
    const bytes = await fs.readFile((await file.path())!);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(file.suggestedFilename()).toMatch(/\.pdf$/);
    await expect.poll(() => page.getByText('در حال آماده‌سازی PDF…').count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'reports-pdf-buttons-fa.png') });
  }, 120_000);

  it('schedules the report every Saturday at 08:00, lists it in words and deletes it', async () => {
    await page.getByRole('button', { name: 'زمان‌بندی' }).click();
    const dialog = page.getByRole('dialog', { name: 'فرستادن این گزارش با ایمیل' });
    await dialog.waitFor();
    await dialog.getByLabel('هر چند وقت').click();
    await page.getByRole('option', { name: 'هر هفته' }).click();
    await dialog.getByLabel('روز', { exact: true }).click();
    await page.getByRole('option', { name: 'شنبه', exact: true }).click();
    await dialog.getByLabel('ساعت').fill('08:00');
    await dialog.getByLabel('فرستادن از').click();
    await page.getByRole('option', { name: 'sara@customer.example' }).click();
    const addresses = dialog.getByLabel('به نشانی‌های دیگر');
    await addresses.fill('boss@customer.example');
    await addresses.press('Enter');
    // The recurrence in words before it is saved…
    const words = ascii((await dialog.getByTestId('schedule-words').textContent()) ?? '');
    expect(words).toContain('هر شنبه ساعت 08:00');
    expect(words).toContain('Asia/Tehran');
    await dialog.getByRole('button', { name: 'افزودن زمان‌بندی' }).click();
    // …and listed once saved, with its format.
    const listed = dialog.getByText(/^هر شنبه ساعت .* · PDF$/);
    await listed.waitFor();
    expect(ascii((await listed.textContent()) ?? '')).toBe('هر شنبه ساعت 08:00 (Asia/Tehran) · PDF');
    const schedules = (await api('GET', `/reports/${reportId}/schedules`)).data as {
      recurrence: Record<string, unknown>;
      addresses: string[];
      nextRunAt: string;
    }[];
    expect(schedules).toHaveLength(1);
    expect(schedules[0]!.recurrence).toMatchObject({
      frequency: 'weekly',
      weekday: 6,
      time: '08:00',
      timeZone: 'Asia/Tehran',
    });
    expect(schedules[0]!.addresses).toEqual(['boss@customer.example']);
    // Saturday 08:00 in Tehran is 04:30 UTC.
    const next = new Date(schedules[0]!.nextRunAt);
    expect([next.getUTCDay(), next.getUTCHours(), next.getUTCMinutes()]).toEqual([6, 4, 30]);
    await page.screenshot({ path: path.join(SHOTS, 'reports-schedule-fa.png') });
    await dialog.getByRole('button', { name: 'حذف' }).click();
    await expect.poll(() => listed.count()).toBe(0);
    expect((await api('GET', `/reports/${reportId}/schedules`)).data).toEqual([]);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  }, 120_000);

  it('shows the same buttons and dialog left to right in English', async () => {
    await api('PATCH', '/me', { locale: 'en', calendar: 'gregory', digits: 'latn' });
    await page.goto(`${base}/reports/${reportId}`);
    await expect.poll(() => page.locator('html').getAttribute('dir')).toBe('ltr');
    await page.getByRole('button', { name: 'Export PDF' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'reports-pdf-buttons-en.png') });
    await page.getByRole('button', { name: 'Schedule' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    expect(await dialog.getByTestId('schedule-words').textContent()).toBe(
      'every Saturday at 08:00 (Asia/Tehran)',
    );
    await page.screenshot({ path: path.join(SHOTS, 'reports-schedule-en.png') });
  }, 120_000);
});
