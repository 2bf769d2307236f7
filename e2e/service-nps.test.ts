/// <reference lib="dom" />
// Browser test in Arabic, as the workspace's admin: Settings → NPS surveys, a relationship campaign made with the
// form; its run (the job, run here as the worker would) emails سلمى her survey in Arabic; she opens the link for
// 3 (the page, right to left, has 3 chosen and records nothing), then sends it (the POST records it). Her score
// shows on her record with its follow-up task, the report counts a detractor (NPS −100), and the follow-up task
// exists for her owner. No serious accessibility problems on the survey page, the person's page or the report.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ar } from '../apps/web/src/i18n/ar.ts';
import { lazySecretBox } from '../packages/core/src/auth/secret-box.ts';
import { workspaceRows } from '../packages/core/src/email/mail-fixture.ts';
import { addPausedDeskMailbox } from '../packages/core/src/service/desk-mailbox-fixture.ts';
import { runNpsCampaignPage } from '../packages/core/src/service/nps.service.ts';
import { buildSignUp, createTestApp, type TestApp } from '../test/harness.ts';
import { launchBrowser } from './browser.ts';
import { seriousAxeViolations } from './desk.ts';

const KEY = randomBytes(32);
const s = ar.nps;

describe('NPS surveys in the browser, in Arabic', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let me: { userId: string; workspaceId: string };
  let person: { id: string };

  const api = async (method: string, url: string, body?: unknown) => {
    const response = await page.request.fetch(`${base}/api/v1${url}`, {
      method,
      ...(body === undefined ? {} : { data: body }),
    });
    expect(response.status(), `${method} ${url}: ${await response.text()}`).toBeLessThan(300);
    return response.status() === 204 ? null : response.json();
  };
  const rows = workspaceRows(
    () => t.handle.db,
    () => me.workspaceId,
  );

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true', RABITA_SECRET_KEY: KEY.toString('hex') });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: 1300, height: 950 },
      reducedMotion: 'reduce',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const signedUp = await page.request.post(`${base}/api/v1/auth/sign-up`, {
      data: buildSignUp({ name: 'مريم العلي' }),
    });
    expect(signedUp.status()).toBe(201);
    const json = await signedUp.json();
    me = { userId: json.user.id, workspaceId: json.workspace.id };
    await api('PATCH', '/me', {
      locale: 'ar',
      calendar: 'islamic-umalqura',
      digits: 'arab',
      timeZone: 'Asia/Riyadh',
    });
    await addPausedDeskMailbox(t.handle.db, me.workspaceId);
    person = await api('POST', '/objects/people', {
      firstName: 'سلمى',
      lastName: 'الحربي',
      emails: ['salma@customer.example'],
      preferredLanguage: 'ar',
      owner: me.userId,
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('makes a campaign, takes سلمى’s 3 by the public page, and shows it on her record and in the report', async () => {
    await page.goto(`${base}/settings?tab=nps-surveys`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('tab', { name: s.tab }).waitFor();
    await page.getByText(s.noCampaigns).waitFor();
    const form = page.getByTestId('nps-campaign-form');
    await form.getByLabel(s.name).fill('استبيان الربع الأول');
    await form.getByRole('button', { name: s.create }).click();
    await page.getByTestId('nps-campaigns').getByText('استبيان الربع الأول').waitFor();
    const [campaign] = (await api('GET', '/service/surveys/nps/campaigns')).data;
    expect(campaign).toMatchObject({ name: 'استبيان الربع الأول', repeatMonths: 6, active: true });

    // The campaign's run, as the worker runs it when its time comes.
    await runNpsCampaignPage(
      t.handle.db,
      { workspaceId: me.workspaceId, campaignId: campaign.id, runAt: campaign.firstRunAt },
      { secrets: lazySecretBox(async () => KEY), publicUrl: base },
    );
    const [mail] = await rows<{ input: { subject: string; text: string } }>(
      `select input from email_outbox where input->'to' ? 'salma@customer.example'`,
    );
    expect(mail!.input.subject).toBe('هل تنصح بنا؟');
    const link = new RegExp(`(${base}/s/nps/\\S+\\?rating=3)\\b`).exec(mail!.input.text)?.[1];
    expect(link).toBeDefined();

    // سلمى opens the link for 3: the page, in Arabic, has 3 chosen; nothing is recorded until she sends it.
    const customer = await (await browser.newContext({ reducedMotion: 'reduce' })).newPage();
    await customer.goto(link!);
    expect(await customer.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await expect.poll(() => customer.getByRole('radio', { name: '٣', exact: true }).isChecked()).toBe(true);
    expect((await api('GET', `/people/${person.id}/nps`)).data[0]).toMatchObject({
      status: 'sent',
      score: null,
    });
    expect(await seriousAxeViolations(customer)).toEqual([]);
    await customer.getByLabel('هل تريد إضافة شيء؟ (اختياري)').fill('التوصيل تأخر كثيرًا');
    await customer.getByRole('button', { name: 'إرسال' }).click();
    await customer.getByRole('status').getByText('شكرًا على إجابتك.').waitFor();
    await customer.screenshot({ path: 'test-results/service-nps-page.png' });

    // On her record: her 3 (a detractor), her comment, and the follow-up task.
    await page.goto(`${base}/o/people/${person.id}`);
    const panel = page.getByTestId('person-nps');
    await panel.getByTestId('person-nps-score').getByText(`٣ من ١٠ · ${s.groups.detractor}`).waitFor();
    await panel.getByText('التوصيل تأخر كثيرًا').waitFor();
    await panel.getByRole('link', { name: s.followUp }).waitFor();
    await page.screenshot({ path: 'test-results/service-nps-person-ar.png' });
    expect(await seriousAxeViolations(page)).toEqual([]);
    const [survey] = (await api('GET', `/people/${person.id}/nps`)).data;
    expect(survey).toMatchObject({ kind: 'relationship', status: 'answered', score: 3 });
    const task = await api('GET', `/objects/tasks/${survey.followUpTaskId}`);
    expect(task).toMatchObject({ linkedObject: 'people', linkedRecord: person.id, assignee: me.userId });

    // In the report: one detractor of one answer, NPS −100, every survey answered.
    await page.goto(`${base}/settings?tab=nps-surveys`);
    const report = page.getByTestId('nps-report-relationship');
    await expect
      .poll(async () => (await report.getByTestId('nps-score').textContent())?.replace(/\p{Cf}/gu, ''))
      .toBe('-١٠٠');
    await report.getByText(`${s.detractors}: ١`).waitFor();
    expect(await seriousAxeViolations(page)).toEqual([]);
    await page.screenshot({ path: 'test-results/service-nps-report-ar.png' });
  }, 120_000);

  it('lists the surveys as records the desk keeps, and draws the catalogue’s NPS in Arabic', async () => {
    // The surveys' list: سلمى's answer is there to read and filter, and nothing offers to create, edit or delete.
    await page.goto(`${base}/o/npsSurveys`);
    const row = page
      .locator('[data-testid="record-row"], tbody tr', { hasText: 'التوصيل تأخر كثيرًا' })
      .first();
    await row.waitFor();
    expect(await page.getByRole('button', { name: ar.list.new, exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: ar.import.action, exact: true }).count()).toBe(0);
    await page.screenshot({ path: 'test-results/service-nps-list-ar.png' });
    // The catalogue's NPS: one detractor of one answer, −100 for this month.
    await page.goto(`${base}/reports/new?metric=service.nps`);
    const table = page.getByTestId('report-table');
    await table.waitFor();
    await expect
      .poll(async () => ((await table.locator('tbody').textContent()) ?? '').replace(/\p{Cf}/gu, ''))
      .toContain('-١٠٠');
    expect(await table.locator('thead').textContent()).toContain('المنتقدون (0–6)');
    await page.screenshot({ path: 'test-results/service-nps-metric-ar.png', fullPage: true });
  }, 60_000);
});
