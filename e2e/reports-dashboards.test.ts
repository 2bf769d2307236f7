/// <reference lib="dom" />
// Browser test: a dashboard made in Persian on the real server and the built web app — two saved reports and a KPI
// added through the page, one widget dragged to another place (the grid mirrors right to left, so a drag to the left
// moves it toward the end of the line) and still there after a reload, the owner filter narrowing every widget, each
// widget saying when its data was read in Jalali dates and Persian digits; English mirrors the grid back left to
// right; the print view marks itself ready once every widget has its data. Screenshots of both directions.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardDrawnMs, twelveWidgets } from '../bench/reports-dashboard.ts';
import {
  ascii,
  openSignedInDesk,
  PERSIAN_IN_TEHRAN,
  type SignedInDesk,
  seriousAxeViolations,
} from './desk.ts';

const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');

describe('dashboards in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let dashboardId = '';
  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);

  /** A widget's box on the grid by its title, and where the grid has it. */
  const box = (title: string) =>
    page.locator('[data-box]').filter({ has: page.getByTestId('widget-title').filter({ hasText: title }) });
  const placeOf = async (title: string) => ({
    x: Number(await box(title).getAttribute('data-x')),
    y: Number(await box(title).getAttribute('data-y')),
  });
  const kpiValue = async () => ascii((await page.getByTestId('widget-kpi-value').textContent()) ?? '');
  const allReady = () =>
    page.waitForFunction(() => {
      const widgets = [...document.querySelectorAll('[data-testid="dashboard-widget"]')];
      return widgets.length > 0 && widgets.every((w) => w.getAttribute('data-state') === 'ok');
    });

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا', PERSIAN_IN_TEHRAN, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, page } = desk);
    const stages = (await api('GET', '/objects/stages?sort=position')).data as { id: string }[];
    // Three deals of Sara's and one of nobody's: the owner filter "me" counts three of four.
    for (const [name, status, owned] of [
      ['الف', 'open', true],
      ['ب', 'won', true],
      ['پ', 'open', true],
      ['ت', 'lost', false],
    ] as const) {
      const deal = await api('POST', '/objects/deals', {
        name,
        stage: stages[0]!.id,
        status,
        amount: { amount: '1000', currency: 'USD' },
      });
      if (!owned) await api('PATCH', `/objects/deals/${deal.id}`, { owner: null });
    }
    for (const [name, field] of [
      ['معامله‌ها به تفکیک وضعیت', 'status'],
      ['معامله‌ها به تفکیک مرحله', 'stage'],
    ])
      await api('POST', '/reports', {
        name,
        definition: { object: 'deals', groupBy: [{ field }], measures: [{ fn: 'count' }], chart: 'bar' },
      });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('makes a dashboard of two reports and a KPI, right to left, each widget with its time in Jalali', async () => {
    await page.goto(`${base}/dashboards`);
    await page.getByTestId('new-dashboard-name').fill('داشبورد فروش');
    await page.getByRole('button', { name: 'داشبورد تازه' }).click();
    await page.waitForURL(/\/dashboards\/[0-9a-f-]{36}$/);
    dashboardId = page.url().split('/').at(-1)!;
    await page.getByTestId('dashboard-edit').click();
    const addReport = async (name: string) => {
      await page.getByTestId('dashboard-add').click();
      await page.getByTestId('widget-report').click();
      await page.getByRole('option', { name }).click();
      const saved = page.waitForResponse(
        (r) => r.url().includes(`/dashboards/${dashboardId}`) && r.request().method() === 'PATCH',
      );
      await page.getByTestId('widget-add').click();
      expect((await saved).status()).toBe(200);
    };
    await addReport('معامله‌ها به تفکیک وضعیت');
    await addReport('معامله‌ها به تفکیک مرحله');
    // A KPI: the count of deals.
    await page.getByTestId('dashboard-add').click();
    await page.getByRole('dialog').locator('label', { hasText: 'عدد (KPI)' }).click();
    await page.getByTestId('widget-object').click();
    await page.getByRole('option', { name: 'معاملات', exact: true }).click();
    await page.getByRole('dialog').getByLabel('عنوان').fill('همهٔ معامله‌ها');
    const saved = page.waitForResponse(
      (r) => r.url().includes(`/dashboards/${dashboardId}`) && r.request().method() === 'PATCH',
    );
    await page.getByTestId('widget-add').click();
    expect((await saved).status()).toBe(200);
    await page.getByTestId('dashboard-edit').click();
    await allReady();
    expect(await page.getByTestId('dashboard-widget').count()).toBe(3);
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(await kpiValue()).toBe('4');
    // Each widget says when its data was read, in the Jalali calendar with Persian digits.
    const asOf = (await page.getByTestId('widget-as-of').first().textContent()) ?? '';
    expect(asOf).toContain('داده‌ها تا');
    expect(asOf).toMatch(/[۰-۹]/);
    expect(asOf).toContain(
      new Intl.DateTimeFormat('fa-u-ca-persian', { month: 'long', timeZone: 'Asia/Tehran' }).format(
        new Date(),
      ),
    );
    // The first widget sits at the start of the line: on the right in Persian.
    const grid = (await page.getByTestId('dashboard-grid').boundingBox())!;
    const first = (await box('معامله‌ها به تفکیک وضعیت').boundingBox())!;
    expect(first.x + first.width).toBeGreaterThan(grid.x + grid.width - 20);
    expect(await seriousAxeViolations(page, '[data-testid="dashboard"]')).toEqual([]);
    await fs.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'reports-dashboard-fa.png'), fullPage: true });
  });

  it('keeps a widget where it was dragged after a reload', async () => {
    await page.getByTestId('dashboard-edit').click();
    const kpi = await placeOf('همهٔ معامله‌ها');
    const handle = box('همهٔ معامله‌ها').getByTestId('widget-move');
    const start = (await handle.boundingBox())!;
    const grid = (await page.getByTestId('dashboard-grid').boundingBox())!;
    const column = grid.width / 12;
    // Three columns to the left and four rows down: in Persian, left is toward the end of the line.
    await page.mouse.move(start.x + start.width / 2, start.y + start.height / 2);
    await page.mouse.down();
    await page.mouse.move(start.x - column * 1.5, start.y + 2 * 84, { steps: 5 });
    await page.mouse.move(start.x - column * 3 + start.width / 2, start.y + 4 * 84 + start.height / 2, {
      steps: 5,
    });
    await page.getByTestId('widget-landing').waitFor();
    const saved = page.waitForResponse(
      (r) => r.url().includes(`/dashboards/${dashboardId}`) && r.request().method() === 'PATCH',
    );
    await page.mouse.up();
    expect((await saved).status()).toBe(200);
    const moved = await placeOf('همهٔ معامله‌ها');
    expect(moved.x).toBe(Math.min(kpi.x + 3, 12 - 3));
    expect(moved.x).not.toBe(kpi.x);
    await page.reload();
    await allReady();
    expect(await placeOf('همهٔ معامله‌ها')).toEqual(moved);
    const stored = await api('GET', `/dashboards/${dashboardId}`);
    expect(stored.layout.find((w: { title?: string }) => w.title === 'همهٔ معامله‌ها')).toMatchObject(moved);
  });

  it('narrows every widget by the owner filter', async () => {
    const tableText = async () => ascii((await box('معامله‌ها به تفکیک وضعیت').textContent()) ?? '');
    expect(await kpiValue()).toBe('4');
    const before = await tableText();
    await page.getByTestId('filter-owner').click();
    await page.getByRole('option', { name: 'من' }).click();
    await page.waitForFunction(() => {
      const value = document.querySelector('[data-testid="widget-kpi-value"]')?.textContent ?? '';
      return value.includes('۳');
    });
    expect(await kpiValue()).toBe('3');
    await allReady();
    expect(await tableText()).not.toBe(before);
    await page.screenshot({ path: path.join(SHOTS, 'reports-dashboard-owner-fa.png'), fullPage: true });
  });

  it('mirrors the grid back left to right in English, and marks the print view ready', async () => {
    await api('PATCH', '/me', { locale: 'en', digits: 'latn', calendar: 'gregory' });
    await page.goto(`${base}/dashboards/${dashboardId}`);
    await allReady();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
    const grid = (await page.getByTestId('dashboard-grid').boundingBox())!;
    const first = (await box('معامله‌ها به تفکیک وضعیت').boundingBox())!;
    expect(first.x).toBeLessThan(grid.x + 20);
    expect(await page.getByTestId('widget-as-of').first().textContent()).toContain('Data as of');
    await page.screenshot({ path: path.join(SHOTS, 'reports-dashboard-en.png'), fullPage: true });
    await page.goto(`${base}/dashboards/${dashboardId}?print=1`);
    await page.waitForURL(`**/print/dashboards/${dashboardId}`);
    await page.locator('[data-testid="dashboard"][data-ready="true"]').waitFor();
    expect(await page.getByTestId('dashboard-widget').count()).toBe(3);
    expect(await page.locator('nav').count()).toBe(0);
    await api('PATCH', '/me', PERSIAN_IN_TEHRAN);
  });

  it('lands on the home dashboard after sign-in only when an admin chose that for the role', async () => {
    await page.goto(`${base}/`);
    await page.waitForURL('**/o/people');
    await page.goto(`${base}/home`);
    await page.getByTestId('dashboard').waitFor();
    expect(await page.getByRole('heading', { level: 2 }).first().textContent()).toBe('قیف فروش');
    await api('PUT', '/dashboards/home/admin', { dashboardId, landing: true });
    await page.goto(`${base}/`);
    await page.waitForURL('**/home');
    await page.locator(`[data-dashboard="${dashboardId}"]`).waitFor();
    await allReady();
    await api('PUT', '/dashboards/home/admin', { dashboardId: null, landing: false });
  });

  it('draws a dashboard of twelve widgets (the bench’s figure, printed)', async () => {
    const twelve = await api('POST', '/dashboards', { name: 'دوازده', layout: twelveWidgets() });
    const { median, all } = await dashboardDrawnMs(page, `${base}/dashboards/${twelve.id}`);
    console.log(`dashboard of 12 widgets drawn in ${median} ms (runs: ${all.join(', ')})`);
    const states = await page
      .getByTestId('dashboard-widget')
      .evaluateAll((ws) => ws.map((w) => w.getAttribute('data-state')));
    expect(states).toEqual(new Array(12).fill('ok'));
    // A loose bound on a shared machine; the target (3 s) is for the bench on a quiet one.
    expect(median).toBeLessThan(15_000);
  });
});
