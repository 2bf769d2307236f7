/// <reference lib="dom" />
// Browser test: issue 12's journey, end to end on the real server and the built web app. A visitor sends the public
// form in Arabic (its proof of work solved in the browser); the lead is assigned round robin, and its page says so
// in Persian; the rep converts it to a person, a company and a deal; a product priced in SAR goes on the deal as a
// line item; and the forecast for the Jalali quarter, open before, shows the deal's amount after.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { ascii, openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk } from './desk.ts';

/** Q3 1405 of a Jalali fiscal year from Farvardin: 1 Mehr (2026-09-23) to 30 Azar 1405 (2026-12-21). */
const PERIOD = '1405-Q3';
const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');

describe('a lead from the Arabic web form to the Jalali forecast', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let form: { id: string; publicId: string };
  const rule = 'تیم ریاض';

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  const pipelineTotal = async () => {
    await page.goto(`${base}/sales/forecast?period=${PERIOD}`);
    const cell = page.locator(
      '[data-testid=forecast-row][data-kind=total][data-id="total"] [data-column=pipeline]',
    );
    await cell.waitFor();
    await expect.poll(() => page.getByTestId('forecast-period').inputValue()).toBe('سه‌ماهه ۳ ۱۴۰۵');
    return ascii((await cell.textContent()) ?? '');
  };

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا', PERSIAN_IN_TEHRAN, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, page } = desk);
    const me = (await api('GET', '/me')).user.id as string;
    await api('PATCH', '/workspace', { defaultCurrency: 'SAR', defaultCountry: 'SA' });
    await api('PUT', '/sales/forecast/settings', {
      calendar: 'persian',
      startMonth: 1,
      probability: 'stage',
    });
    await api('POST', '/assignment-rules', { name: rule, strategy: 'roundRobin', pool: [{ userId: me }] });
    const product = await api('POST', '/products', { name: { ar: 'خادم', fa: 'سرور' }, sku: 'SRV-1' });
    await api('POST', '/price-books', {
      name: 'الأسعار',
      isDefault: true,
      prices: [{ productId: product.id, currency: 'SAR', price: '5000' }],
    });
    form = await api('POST', '/web-forms', {
      name: 'اتصل بنا',
      locale: 'ar',
      fields: [
        { key: 'name', required: true, labels: { ar: 'الاسم الكامل' } },
        { key: 'email', required: true, labels: { ar: 'البريد الإلكتروني' } },
        { key: 'companyName', labels: { ar: 'الشركة' } },
      ],
      thankYou: { ar: 'شكرًا لتواصلك معنا' },
      minFillSeconds: 1,
    });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('captures, assigns, converts, prices in SAR and moves the forecast', async () => {
    // 1. A visitor sends the hosted form in Arabic.
    const visitor = await desk.browser.newPage();
    await visitor.goto(`${base}/f/${form.publicId}?utm_source=google`);
    await visitor.getByLabel('الاسم الكامل').fill('خالد العتيبي');
    await visitor.getByLabel('البريد الإلكتروني').fill('khalid@alnoor.sa');
    await visitor.getByLabel('الشركة').fill('شركة النور');
    await visitor.locator('form[data-solved="true"]').waitFor({ timeout: 30_000 });
    await visitor.waitForTimeout(1100);
    await visitor.getByRole('button', { name: 'إرسال' }).click();
    await visitor.getByText('شكرًا لتواصلك معنا').waitFor();
    await visitor.close();
    const [submission] = (await api('GET', '/web-form-submissions?limit=1')).data;
    expect(submission).toMatchObject({ status: 'accepted' });
    const leadId = submission.leadId as string;

    // 2. The lead is assigned round robin, and its page says by which rule, in Persian.
    await page.goto(`${base}/o/leads/${leadId}`);
    const panel = page.getByTestId('lead-panel');
    await panel.getByText(`${fa.leads.strategies.roundRobin} در ${rule}`).waitFor();
    await fs.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'sales-journey-lead.png') });

    // 3. Converted in one step to a person, a company and a deal.
    await panel.getByRole('button', { name: 'تبدیل' }).click();
    const dialog = page.getByRole('dialog', { name: 'تبدیل سرنخ' });
    expect(await dialog.getByRole('checkbox', { name: 'ساختن معامله' }).isChecked()).toBe(true);
    await dialog.getByRole('button', { name: 'تبدیل' }).click();
    await dialog.waitFor({ state: 'detached' });
    await panel.getByText('تبدیل شد به').waitFor();
    const conversion = (await api('GET', `/leads/${leadId}/conversion`)).conversion;
    expect(conversion.personId && conversion.companyId && conversion.dealId).toBeTruthy();
    const person = await api('GET', `/objects/people/${conversion.personId}`);
    expect(person).toMatchObject({ firstName: 'خالد', lastName: 'العتيبي' });
    expect((await api('GET', `/objects/companies/${conversion.companyId}`)).name).toBe('شركة النور');
    // The rep expects to close it in Azar 1405.
    await api('PATCH', `/objects/deals/${conversion.dealId}`, { expectedCloseDate: '2026-12-15' });

    // 4. The quarter's forecast before the deal has an amount.
    expect(await pipelineTotal()).not.toContain('10000');

    // 5. Two servers at the price book's SAR price go on the deal; its amount follows.
    await page.goto(`${base}/o/deals/${conversion.dealId}`);
    const lines = page.getByTestId('line-items');
    await lines.getByText('اقلام معامله').waitFor();
    await lines.getByLabel('محصول', { exact: true }).click();
    await page.getByRole('option', { name: 'سرور' }).click();
    await lines.getByRole('textbox', { name: 'تعداد' }).fill('2');
    await lines.getByRole('button', { name: 'افزودن قلم' }).click();
    await lines.getByTestId('line-item').waitFor();
    await expect
      .poll(async () => ascii((await lines.getByTestId('lines-amount').textContent()) ?? ''))
      .toContain('10000');
    await lines.screenshot({ path: path.join(SHOTS, 'sales-journey-deal.png') });
    expect((await api('GET', `/objects/deals/${conversion.dealId}`)).amount).toEqual({
      amount: '10000.00',
      currency: 'SAR',
    });

    // 6. The Jalali quarter's pipeline now holds it.
    await expect.poll(pipelineTotal, { timeout: 20_000 }).toContain('10000');
    await page.screenshot({ path: path.join(SHOTS, 'sales-journey-forecast.png') });
  });
});
