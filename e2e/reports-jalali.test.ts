/// <reference lib="dom" />
// Browser test: "won deals by Jalali month" in Persian on the real server and the built web app — the report's
// chart reads right to left with Persian month names and digits, its table counts each month's won deals (an empty
// month as zero), a click on a month's bar opens the deals list filtered to exactly that month, a KPI compares the
// latest month with the one before, English mirrors it back left to right (axe: no serious violations), and the
// builder previews a new report.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk, seriousAxeViolations } from './desk.ts';

/** Text with Persian or Arabic digits read back as ASCII. */
const ascii = (text: string) =>
  text
    .replace(/[٠-٩]/g, (d) => String(d.charCodeAt(0) - 0x660))
    .replace(/[۰-۹]/g, (d) => String(d.charCodeAt(0) - 0x6f0));
const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');

describe('reports in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let reportId: string;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا', PERSIAN_IN_TEHRAN, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, page } = desk);
    const stages = (await api('GET', '/objects/stages?sort=position')).data as { id: string }[];
    // Esfand 1403: two won deals (one on its last day); Farvardin 1404: none; Ordibehesht 1404: one; and a lost one.
    const deals = [
      ['اسفند یک', '2025-03-01', 'won'],
      ['اسفند دو', '2025-03-20', 'won'],
      ['اردیبهشت', '2025-04-25', 'won'],
      ['باخته', '2025-03-25', 'lost'],
    ];
    for (const [name, date, status] of deals)
      await api('POST', '/objects/deals', {
        name,
        stage: stages[0]!.id,
        status,
        expectedCloseDate: date,
        amount: { amount: '1000', currency: 'USD' },
      });
    const saved = await api('POST', '/reports', {
      name: 'معامله‌های موفق به تفکیک ماه',
      definition: {
        object: 'deals',
        filter: { field: 'status', op: 'eq', value: 'won' },
        groupBy: [{ field: 'expectedCloseDate', bucket: 'month' }],
        measures: [{ fn: 'count' }],
        chart: 'bar',
      },
    });
    reportId = saved.id;
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('draws won deals by Jalali month right to left, in Persian months and digits', async () => {
    await page.goto(`${base}/reports/${reportId}`);
    const chart = page.getByTestId('report-chart');
    await chart.locator('svg').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(await chart.getAttribute('data-direction')).toBe('rtl');
    const table = page.getByTestId('report-table');
    await table.waitFor();
    const rows = await table.locator('tbody tr').allTextContents();
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('اسفند');
    expect(rows[0]).toContain('۱۴۰۳');
    expect(ascii(rows[0]!)).toContain('2');
    expect(rows[1]).toContain('فروردین');
    expect(ascii(rows[1]!)).toContain('0');
    expect(rows[2]).toContain('اردیبهشت');
    // The category axis runs from the right: Esfand's label stands right of Ordibehesht's.
    const labelX = async (month: string) =>
      chart
        .locator('svg text', { hasText: month })
        .first()
        .evaluate((el) => el.getBoundingClientRect().x);
    expect(await labelX('اسفند')).toBeGreaterThan(await labelX('اردیبهشت'));
    // The page links the spreadsheet, which the server answers as the reader's (right to left for Persian).
    const href = await page.getByRole('link', { name: 'دریافت XLSX' }).getAttribute('href');
    expect(href).toBe(`/api/v1/reports/${reportId}/export.xlsx`);
    const xlsx = await page.request.get(`${base}${href}`);
    expect(xlsx.status()).toBe(200);
    expect(xlsx.headers()['content-type']).toContain('spreadsheetml');
    await fs.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'reports-jalali-month-fa.png'), fullPage: true });
  });

  it('opens the deals of a clicked month, exactly that month', async () => {
    await page.goto(`${base}/reports/${reportId}`);
    // A click on Esfand's bar (the tallest, two deals): halfway up the plot, above its axis label.
    const chart = page.getByTestId('report-chart');
    await chart.locator('svg').first().waitFor();
    // The page's header and navigation may still be settling and resize the chart: measure and click again until
    // the click lands on the bar.
    for (let attempt = 1; ; attempt++) {
      const esfand = chart.locator('svg text', { hasText: 'اسفند' }).first();
      await esfand.waitFor();
      const label = await esfand.boundingBox();
      const box = await chart.boundingBox();
      if (label && box) await page.mouse.click(label.x + label.width / 2, box.y + box.height / 2);
      else if (attempt >= 5) throw new Error('The chart’s Esfand label never had a place on the page.');
      try {
        await page.waitForURL(`${base}/o/deals`, { timeout: 3_000 });
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
    await page.getByText('اسفند یک').waitFor();
    await page.getByText('اسفند دو').waitFor();
    expect(await page.getByText('اردیبهشت', { exact: true }).count()).toBe(0);
    expect(await page.getByText('باخته', { exact: true }).count()).toBe(0);
  });

  it('shows the latest Jalali month as a KPI beside the month before it', async () => {
    const kpi = await api('POST', '/reports', {
      name: 'این ماه',
      definition: {
        object: 'deals',
        filter: { field: 'status', op: 'eq', value: 'won' },
        groupBy: [{ field: 'expectedCloseDate', bucket: 'month' }],
        measures: [{ fn: 'count' }],
        chart: 'kpi',
      },
    });
    await page.goto(`${base}/reports/${kpi.id}`);
    const card = page.getByTestId('report-kpi').first();
    await card.waitFor();
    const text = (await card.textContent()) ?? '';
    // Ordibehesht 1404 holds one won deal; Farvardin before it none.
    expect(text).toContain('اردیبهشت');
    expect(text).toContain('فروردین');
    expect(ascii(text)).toContain('1');
  });

  it('reads left to right in English (Jalali months in Latin digits) and passes an accessibility check', async () => {
    await api('PATCH', '/me', { locale: 'en', digits: 'latn' });
    // The reader goes back to Persian whatever happens here: the next test reads the builder in Persian.
    try {
      await page.goto(`${base}/reports/${reportId}`);
      const chart = page.getByTestId('report-chart');
      await chart.locator('svg').first().waitFor();
      expect(await chart.getAttribute('data-direction')).toBe('ltr');
      const labelX = async (month: string) =>
        chart
          .locator('svg text', { hasText: month })
          .first()
          .evaluate((el) => el.getBoundingClientRect().x);
      // Still the Persian calendar (the reader's), named in English: Esfand left of Ordibehesht now. Polled: the
      // chart lays its labels out after the SVG appears (a clean-clone CI run read one still at x = 0).
      await expect
        .poll(async () => {
          const [esfand, ordibehesht] = [await labelX('Esfand'), await labelX('Ordibehesht')];
          return esfand > 0 && esfand < ordibehesht;
        })
        .toBe(true);
      expect(await seriousAxeViolations(page, 'main')).toEqual([]);
    } finally {
      await api('PATCH', '/me', { locale: 'fa', digits: 'arabext' });
    }
  });

  it('orders the groups as saved, smallest first, and largest first when the builder says so', async () => {
    const saved = await api('POST', '/reports', {
      name: 'معامله‌ها به تفکیک وضعیت',
      definition: {
        object: 'deals',
        groupBy: [{ field: 'status' }],
        measures: [{ fn: 'count' }],
        sort: { measure: 0, direction: 'asc' },
        chart: 'bar',
      },
    });
    await page.goto(`${base}/reports/${saved.id}`);
    const table = page.getByTestId('report-table');
    await table.waitFor();
    const counts = async () =>
      (await table.locator('tbody tr').allTextContents()).map((row) =>
        ascii(row).replace(/\D+/g, ' ').trim(),
      );
    // One lost deal, three won: the smaller group first.
    expect(await counts()).toEqual(['1', '3']);
    await page.getByRole('button', { name: fa.reports.edit }).click();
    const order = page.getByTestId('report-sort');
    const largest = fa.reports.sortLargest.replace('{{measure}}', fa.reports.fn.count);
    const smallest = fa.reports.sortSmallest.replace('{{measure}}', fa.reports.fn.count);
    expect(await order.inputValue()).toBe(smallest);
    await order.click();
    await page.getByRole('option', { name: largest }).click();
    await expect.poll(counts).toEqual(['3', '1']);
    await page.screenshot({ path: path.join(SHOTS, 'reports-order-fa.png'), fullPage: true });
  });

  it('previews a new report as it is built', async () => {
    await page.goto(`${base}/reports/new`);
    await page.getByLabel('رکوردهای').first().waitFor();
    // A count of every deal the builder starts with, as one figure.
    const kpi = page.getByTestId('report-kpi').first();
    await kpi.waitFor();
    expect(ascii((await kpi.textContent()) ?? '')).toContain('4');
    await page.screenshot({ path: path.join(SHOTS, 'reports-builder-fa.png'), fullPage: true });
  });
});
