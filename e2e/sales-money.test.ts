/// <reference lib="dom" />
// Browser test: sales money in Persian on the real server and the built web app — the board's column totals a USD
// and a SAR deal in the workspace's currency at the day's rate and names a missing rate, a deal's line items panel
// computes the amount (3 × 33.33 with 9% tax), and the products and exchange rates settings work right to left.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ascii, openSignedInDesk, type SignedInDesk, seriousAxeViolations } from './desk.ts';

describe('sales money in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  const axe = (selector: string) => seriousAxeViolations(page, selector);

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا', { locale: 'fa' }, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, page } = desk);
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('totals a USD and a SAR deal on the board at the day’s rate, and names a missing rate', async () => {
    await api('PUT', '/exchange-rates', { currency: 'SAR', date: '2026-11-01', rate: '0.2666' });
    const stages = (await api('GET', '/objects/stages?sort=position')).data as { id: string; name: string }[];
    const [first, second] = stages;
    const deal = (name: string, stage: string, amount: string, currency: string) =>
      api('POST', '/objects/deals', {
        name,
        stage,
        amount: { amount, currency },
        expectedCloseDate: '2026-11-20',
      });
    await deal('قرارداد ریاض', first!.id, '100', 'SAR');
    await deal('قرارداد نیویورک', first!.id, '100', 'USD');
    await deal('قرارداد دبی', second!.id, '500', 'AED');
    await page.goto(`${base}/pipeline`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    const total = page.locator(`[data-stage="${first!.name}"] [data-testid=stage-total]`);
    await expect.poll(async () => ascii((await total.textContent()) ?? '')).toContain('126.66');
    // The other column has no total but its AED figure and the rate it lacks, in Persian.
    const other = page.locator(`[data-stage="${second!.name}"]`);
    await other.getByText('بدون جمع: نرخی کم است').waitFor();
    await other.getByText('نرخ AED', { exact: false }).waitFor();
    expect(ascii((await other.getByTestId('stage-currencies').textContent()) ?? '')).toContain('500');
    // Per-currency figures on demand.
    await page.getByRole('switch', { name: 'به تفکیک ارز' }).check();
    await page.locator(`[data-stage="${first!.name}"] [data-testid=stage-currencies]`).waitFor();
    expect(await axe('main')).toEqual([]);
  });

  it('adds a line item on a deal’s page and the amount follows, exactly', async () => {
    const deal = await api('POST', '/objects/deals', {
      name: 'مجوزها',
      amount: { amount: '1', currency: 'SAR' },
    });
    await page.goto(`${base}/o/deals/${deal.id}`);
    const panel = page.getByTestId('line-items');
    await panel.getByText('اقلام معامله').waitFor();
    await panel.getByText('هنوز قلمی نیست', { exact: false }).waitFor();
    await panel.getByRole('textbox', { name: 'تعداد' }).fill('3');
    await panel.getByRole('textbox', { name: 'قیمت واحد' }).fill('33.33');
    await panel.getByRole('textbox', { name: 'مالیات ٪' }).fill('9');
    await panel.getByRole('button', { name: 'افزودن قلم' }).click();
    await panel.getByTestId('line-item').waitFor();
    await expect
      .poll(async () => ascii((await panel.getByTestId('lines-amount').textContent()) ?? ''))
      .toContain('108.99');
    expect((await api('GET', `/objects/deals/${deal.id}`)).amount).toEqual({
      amount: '108.99',
      currency: 'SAR',
    });
    expect(await panel.evaluate((e) => getComputedStyle(e).direction)).toBe('rtl');
  });

  it('adds a product and lists exchange rates in settings, right to left', async () => {
    await page.goto(`${base}/settings?tab=products`);
    await page.getByRole('textbox', { name: 'نام (فارسی)' }).fill('صندلی');
    await page.getByRole('textbox', { name: 'کد کالا' }).fill('SEAT-1');
    await page.getByRole('button', { name: 'افزودن محصول' }).click();
    await page.getByTestId('products').getByText('صندلی').waitFor();
    const products = (await api('GET', '/products')).data;
    expect(products).toMatchObject([{ name: { fa: 'صندلی' }, sku: 'SEAT-1', active: true }]);
    await page.goto(`${base}/settings?tab=exchange-rates`);
    const table = page.getByTestId('exchange-rates');
    await table.getByText('SAR').waitFor();
    expect(ascii((await table.textContent()) ?? '')).toContain('0.2666');
    expect(await page.evaluate(() => getComputedStyle(document.body).direction)).toBe('rtl');
    expect(await axe('main')).toEqual([]);
  });
});
