/// <reference lib="dom" />
// Browser test: the metrics catalogue in Persian — the reports page lists the modules' metrics with their formulas,
// a metric opens as a new report already run (the win rate as a Persian percentage per Jalali month), named after
// the metric, ready to save as the reader's own.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ascii, openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk } from './desk.ts';

const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');

describe('the metrics catalogue in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);

  beforeAll(async () => {
    desk = await openSignedInDesk('نگار', PERSIAN_IN_TEHRAN, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, page } = desk);
    const stages = (await api('GET', '/objects/stages?sort=position')).data as { id: string }[];
    // Azar 1405 (from 2026-11-22): three won of four closed; an open deal does not count.
    for (const [name, date, status] of [
      ['یک', '2026-11-25', 'won'],
      ['دو', '2026-12-01', 'won'],
      ['سه', '2026-12-10', 'won'],
      ['چهار', '2026-12-12', 'lost'],
      ['پنج', '2026-12-13', 'open'],
    ])
      await api('POST', '/objects/deals', {
        name,
        stage: stages[0]!.id,
        status,
        expectedCloseDate: date,
        amount: { amount: '1000', currency: 'USD' },
      });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('lists the metrics with their formulas and opens the win rate as a report in Persian percentages', async () => {
    await page.goto(`${base}/reports`);
    const catalogue = page.getByTestId('metrics-catalogue');
    await catalogue.waitFor();
    expect(await catalogue.textContent()).toContain('معامله‌های موفق ÷ معامله‌های بسته‌شده');
    expect(await catalogue.textContent()).toContain('پایبندی به SLA');
    await catalogue.getByRole('link', { name: 'نرخ موفقیت بر اساس ماه بسته شدن' }).click();
    await page.waitForURL(/\/reports\/new\?metric=sales\.winRate/);
    const table = page.getByTestId('report-table');
    await table.waitFor();
    const azar = table.locator('tbody tr', { hasText: 'آذر' });
    await azar.waitFor();
    const text = (await azar.textContent()) ?? '';
    expect(text).toContain('٪');
    expect(ascii(text)).toContain('75');
    expect(ascii(text)).toContain('4');
    // Named after the metric, to save as one's own.
    expect(await page.getByRole('textbox', { name: 'نام', exact: true }).inputValue()).toBe(
      'نرخ موفقیت بر اساس ماه بسته شدن',
    );
    await fs.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'reports-metric-win-rate-fa.png'), fullPage: true });
  });

  it('opens the sales velocity as a KPI named in Persian, and answers a changed formula at once', async () => {
    await page.goto(`${base}/reports/new?metric=sales.velocity`);
    const formula = page.getByTestId('report-formula-0');
    await formula.waitFor();
    expect(await formula.inputValue()).toBe('m1 * (m2 / m1) * m3 / m4');
    // Each measure named in the reader's language, as the copy will be saved.
    const names = page.getByRole('textbox', { name: 'نام سنجه' });
    expect(await names.nth(0).inputValue()).toBe('سرعت در روز');
    expect(await names.nth(4).inputValue()).toBe('روزهای رسیدن به موفقیت');
    // Days to win are counted from the deal's creation, which the builder names.
    expect(await page.locator('input[aria-label="روزها از"]').inputValue()).not.toBe('');
    // A count and a formula carry no currency; the average won amount does.
    expect(await page.getByTestId('report-kpi').nth(1).textContent()).not.toContain('USD');
    expect(await page.getByTestId('report-kpi').nth(3).textContent()).toContain('USD');
    const kpi = page.getByTestId('report-kpi').first();
    await kpi.waitFor();
    expect(await kpi.textContent()).toContain('سرعت در روز');
    // Azar 1405: three won of four closed — the formula's new answer, in Persian digits.
    await formula.fill('m2 / m1 * 100');
    await expect
      .poll(async () => ascii((await page.getByTestId('report-kpi').first().textContent()) ?? ''), {
        timeout: 15_000,
      })
      .toMatch(/(^|[^\d.,])75$/);
    expect((await page.getByTestId('report-kpi').first().textContent()) ?? '').toContain('۷۵');
    await page.screenshot({ path: path.join(SHOTS, 'reports-metric-velocity-fa.png'), fullPage: true });
  });

  it('draws the lead funnel in Persian, a stage for each measure', async () => {
    for (const [name, status] of [
      ['نرگس', 'new'],
      ['پویا', 'contacted'],
      ['سینا', 'qualified'],
      ['رها', 'converted'],
    ])
      await api('POST', '/objects/leads', { name, status, source: 'اینستاگرام' });
    await page.goto(`${base}/reports/new?metric=sales.leadFunnel`);
    const chart = page.getByTestId('report-chart');
    await chart.waitFor();
    await expect
      .poll(async () => (await chart.textContent()) ?? '', { timeout: 15_000 })
      .toContain('تبدیل‌شده');
    const text = (await chart.textContent()) ?? '';
    for (const stage of ['سرنخ‌ها', 'تماس‌گرفته یا جلوتر', 'واجد شرایط یا جلوتر'])
      expect(text).toContain(stage);
    await page.screenshot({ path: path.join(SHOTS, 'reports-metric-lead-funnel-fa.png'), fullPage: true });
  });

  it('draws the customer cohorts as a matrix of Jalali months and ages, named in Persian', async () => {
    const stages = (await api('GET', '/objects/stages?sort=position')).data as { id: string }[];
    const company = async (name: string) => (await api('POST', '/objects/companies', { name })).id as string;
    const alborz = await company('البرز');
    const zagros = await company('زاگرس');
    // Alborz first won on 4 Azar 1405 and again on 5 Bahman, two Jalali months later; Zagros on 19 Azar.
    for (const [name, at, date] of [
      ['البرز یک', alborz, '2026-11-25'],
      ['البرز دو', alborz, '2027-01-25'],
      ['زاگرس یک', zagros, '2026-12-10'],
    ] as const)
      await api('POST', '/objects/deals', {
        name,
        company: at,
        stage: stages[0]!.id,
        status: 'won',
        expectedCloseDate: date,
        amount: { amount: '1000', currency: 'USD' },
      });
    await page.goto(`${base}/reports/new?metric=sales.cohorts`);
    const table = page.getByTestId('report-table');
    await table.waitFor();
    const azar = table.locator('tbody tr', { hasText: 'آذر' });
    await azar.waitFor();
    // Ages as columns in their order, in Persian words and digits.
    const header = ((await table.locator('thead').textContent()) ?? '').replace(/[\u2066-\u2069]/g, '');
    expect(header.indexOf('ماه ۰')).toBeGreaterThanOrEqual(0);
    expect(header.indexOf('ماه ۲')).toBeGreaterThan(header.indexOf('ماه ۰'));
    // Azar's cohort: two customers in its first month, one two months later.
    const cells = (await azar.locator('td').allTextContents()).map(ascii);
    expect(cells.slice(1)).toEqual(['2', '1']);
    // The builder says what the ages count from.
    expect(await page.getByTestId('report-since-1').inputValue()).toBe('مشتری از');
    await page.screenshot({ path: path.join(SHOTS, 'reports-metric-cohorts-fa.png'), fullPage: true });
  });
});
