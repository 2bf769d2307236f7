/// <reference lib="dom" />
// Browser test: lead capture web forms on the real server. The hosted page in Arabic is filled and sent as a plain
// HTML form, its proof of work solved by the embed script in the browser; the same form embedded on a page of
// another origin is filled and sent as JSON (CORS for that origin only); an admin then releases a submission held
// in quarantine from the settings screen, in Arabic.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedInDesk, type SignedInDesk, seriousAxeViolations } from './desk.ts';

describe('web forms in the browser, in Arabic', () => {
  let desk: SignedInDesk;
  let base: string;
  let browser: Browser;
  let page: Page;
  let site: http.Server;
  let siteOrigin: string;
  let form: { id: string; publicId: string };

  /** The API as the signed-in browser user (same cookies). */
  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  const submissions = async () =>
    (await api('GET', '/web-form-submissions?limit=10')).data as {
      id: string;
      status: string;
      reasons: string[];
      leadId: string | null;
      utm: { source: string | null; campaign: string | null };
      referrer: string | null;
    }[];

  beforeAll(async () => {
    desk = await openSignedInDesk('ليلى', { locale: 'ar' }, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, browser, page } = desk);
    // Another origin (another port): a shop's page that embeds the form with the snippet the settings show.
    site = http.createServer((_request, response) => {
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end(`<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8"><title>متجر</title></head>
<body><h1>متجر النور</h1><div data-rabita-form-id="${form.publicId}"></div>
<script src="${base}/api/v1/public/web-forms/embed.js" defer></script></body></html>`);
    });
    await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
    siteOrigin = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    form = await api('POST', '/web-forms', {
      name: 'اتصل بنا',
      locale: 'ar',
      fields: [
        { key: 'name', required: true, labels: { ar: 'الاسم الكامل' } },
        { key: 'email', required: true, labels: { ar: 'البريد الإلكتروني' } },
        { key: 'companyName', labels: { ar: 'الشركة' } },
      ],
      thankYou: { ar: 'شكرًا لتواصلك معنا' },
      allowedOrigins: [siteOrigin],
      minFillSeconds: 1,
    });
  }, 120_000);
  afterAll(async () => {
    await new Promise((resolve) => site?.close(resolve));
    await desk?.close();
  });

  it('fills the hosted page in Arabic, solving the proof of work in the browser, and makes a lead with its UTM values', async () => {
    const visitor = await browser.newPage();
    await visitor.goto(`${base}/f/${form.publicId}?utm_source=instagram&utm_campaign=ramadan`);
    expect(
      await visitor.evaluate(() => [document.documentElement.lang, document.documentElement.dir]),
    ).toEqual(['ar', 'rtl']);
    // No serious or critical accessibility problem on the hosted page.
    expect(await seriousAxeViolations(visitor, 'html')).toEqual([]);
    await visitor.getByLabel('الاسم الكامل').fill('فاطمة الزهراء');
    await visitor.getByLabel('البريد الإلكتروني').fill('fatima@example.com');
    await visitor.getByLabel('الشركة').fill('شركة النور');
    // The embed script has solved the challenge in the page (SHA-256 in the browser) before the form is sent.
    await visitor.locator('form[data-solved="true"]').waitFor({ timeout: 30_000 });
    await visitor.waitForTimeout(1100); // the form's minimum fill time
    await visitor.getByRole('button', { name: 'إرسال' }).click();
    await visitor.waitForURL(`${base}/f/${form.publicId}/thanks`);
    await visitor.getByText('شكرًا لتواصلك معنا').waitFor();
    await visitor.close();

    const [s] = await submissions();
    expect(s).toMatchObject({
      status: 'accepted',
      reasons: [],
      utm: { source: 'instagram', campaign: 'ramadan' },
    });
    const lead = await api('GET', `/objects/leads/${s?.leadId}`);
    expect(lead).toMatchObject({ name: 'فاطمة الزهراء', email: 'fatima@example.com', source: 'instagram' });
    // The lead's page says where it came from, in Arabic.
    await page.goto(`${base}/o/leads/${s?.leadId}`);
    const panel = page.getByTestId('lead-web-form');
    await panel.getByText('من نموذج الويب اتصل بنا').waitFor();
    await panel.getByText('instagram / ramadan', { exact: false }).waitFor();
  });

  it('renders the form on another site’s page with the embed script and sends it as JSON', async () => {
    const visitor = await browser.newPage();
    const errors: string[] = [];
    visitor.on('pageerror', (e) => errors.push(e.message));
    await visitor.goto(`${siteOrigin}/?utm_source=newsletter`);
    await visitor.getByLabel('الاسم الكامل *').fill('يوسف');
    await visitor.getByLabel('البريد الإلكتروني *').fill('yusuf@example.org');
    await visitor.waitForTimeout(1100); // the form's minimum fill time
    await visitor.getByRole('button', { name: 'إرسال' }).click();
    await visitor.getByText('شكرًا لتواصلك معنا').waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await visitor.close();
    const [s] = await submissions();
    expect(s).toMatchObject({
      status: 'accepted',
      utm: { source: 'newsletter' },
      referrer: `${siteOrigin}/?utm_source=newsletter`,
    });
    expect(await api('GET', `/objects/leads/${s?.leadId}`)).toMatchObject({
      name: 'يوسف',
      source: 'newsletter',
    });
  });

  it('shows a held submission with its reasons in settings, in Arabic, and releases it into a lead', async () => {
    // Sent without the page (no proof of work, no stamp): held.
    const held = await page.request.post(`${base}/api/v1/public/web-forms/${form.publicId}/submissions`, {
      data: { fields: { name: 'حسن علي', email: 'hasan@example.com' } },
    });
    expect(held.status()).toBe(200);
    await page.goto(`${base}/settings?tab=web-forms`);
    await page.getByTestId('web-forms').getByText('اتصل بنا').waitFor();
    const quarantine = page.getByTestId('web-form-quarantine');
    await quarantine.getByText('حسن علي').waitFor();
    await quarantine.getByText('لا يوجد إثبات عمل').waitFor();
    expect(await page.evaluate(() => getComputedStyle(document.body).direction)).toBe('rtl');
    expect(await seriousAxeViolations(page, 'main')).toEqual([]);
    // The embed code for the form.
    await page.getByTestId('web-forms').getByRole('button', { name: 'اتصل بنا', exact: true }).click();
    await page
      .getByTestId('web-form-embed')
      .getByText(`data-rabita-form-id="${form.publicId}"`, { exact: false })
      .waitFor();
    // A new form made in the builder (the lead's name is on it from the start), labelled in Persian too.
    const editor = page.getByTestId('web-form-editor');
    await editor.getByRole('textbox', { name: 'الاسم', exact: true }).fill('نموذج المعرض');
    await editor.getByRole('textbox', { name: 'فارسی: الاسم', exact: false }).fill('نام و نام خانوادگی');
    await editor.getByRole('button', { name: 'إنشاء النموذج' }).click();
    await page.getByTestId('web-forms').getByText('نموذج المعرض').waitFor();
    const made = ((await api('GET', '/web-forms')).data as { name: string; fields: unknown[] }[]).find(
      (f) => f.name === 'نموذج المعرض',
    );
    expect(made?.fields).toEqual([{ key: 'name', required: true, labels: { fa: 'نام و نام خانوادگی' } }]);
    await quarantine.getByRole('button', { name: 'إفراج' }).click();
    await page.getByText('لا يوجد شيء محجوز.').waitFor();
    const [s] = await submissions();
    expect(s).toMatchObject({ status: 'accepted', reasons: ['timestamp_missing', 'altcha_missing'] });
    expect(await api('GET', `/objects/leads/${s?.leadId}`)).toMatchObject({ name: 'حسن علي' });
  });
});
