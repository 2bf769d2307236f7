/// <reference lib="dom" />
// Browser test: a click on a bar of a dashboard's widget opens the records behind it, in Persian. The widget is a
// report of won deals grouped by the owner's team; the dashboard keeps "this month" as its period (on the deals'
// close date). The team's bar opens the deals list with all three applied — the dashboard's period, the widget's
// "won" and the team's members — and the list counts exactly the three deals the bar counted: not the won deal of
// two years ago (the period), not the lost one (the widget's filter), not the won deal of nobody (another bar).
// Then a report by fiscal year names its buckets "سال مالی ۱۴۰۴", and a schedule that paused itself after failed
// sends says so in the report's Schedule dialog and resumes from there.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ascii, openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk } from './desk.ts';

const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');
const TEAM = 'فروش شمال';

/** A civil date in Tehran, `days` from today. */
const tehranDay = (days = 0) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: 'Asia/Tehran',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(Date.now() + days * 86_400_000));

describe('drill-down from a dashboard’s chart, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let dashboardId: string;
  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا', PERSIAN_IN_TEHRAN, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, page } = desk);
    const me = await api('GET', '/me');
    await api('POST', '/teams', { name: TEAM, members: [me.user.id] });
    const stages = (await api('GET', '/objects/stages?sort=position')).data as { id: string }[];
    for (const [name, status, date, owned] of [
      ['الف', 'won', tehranDay(), true],
      ['ب', 'won', tehranDay(), true],
      ['پ', 'won', tehranDay(), true],
      ['ت', 'won', tehranDay(-730), true],
      ['ث', 'lost', tehranDay(), true],
      ['ج', 'won', tehranDay(), false],
    ] as const) {
      const deal = await api('POST', '/objects/deals', {
        name,
        stage: stages[0]!.id,
        status,
        expectedCloseDate: date,
        amount: { amount: '1000', currency: 'USD' },
      });
      if (!owned) await api('PATCH', `/objects/deals/${deal.id}`, { owner: null });
    }
    const dashboard = await api('POST', '/dashboards', {
      name: 'فروش این ماه',
      filters: { period: 'thisMonth' },
      layout: [
        {
          id: 'teams',
          x: 0,
          y: 0,
          w: 8,
          h: 5,
          kind: 'report',
          title: 'معامله‌های موفق به تفکیک تیم',
          dateField: 'expectedCloseDate',
          definition: {
            object: 'deals',
            filter: { field: 'status', op: 'eq', value: 'won' },
            groupBy: [{ field: 'owner', by: 'team' }],
            measures: [{ fn: 'count' }],
            chart: 'bar',
          },
        },
      ],
    });
    dashboardId = dashboard.id;
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('opens the list of the clicked team’s bar with the dashboard’s period and the widget’s filter', async () => {
    await page.goto(`${base}/dashboards/${dashboardId}`);
    const widget = page.locator('[data-testid="dashboard-widget"][data-widget="teams"]');
    await page.locator('[data-testid="dashboard-widget"][data-widget="teams"][data-state="ok"]').waitFor();
    const chart = widget.getByTestId('report-chart');
    await chart.locator('svg').first().waitFor();
    // The team's bar is named by the team; the deal of nobody stands in the "no team" bar beside it.
    await chart.locator('svg text', { hasText: 'بدون تیم' }).first().waitFor();
    await fs.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'reports-dashboard-drill-fa.png'), fullPage: true });
    // A click on the team's bar (three deals, the taller one): above its axis label, halfway up the plot. The page
    // may still be settling and resize the chart: measure and click again until the click lands on the bar.
    for (let attempt = 1; ; attempt++) {
      const label = await chart.locator('svg text', { hasText: TEAM }).first().boundingBox();
      const box = await chart.boundingBox();
      if (label && box) await page.mouse.click(label.x + label.width / 2, box.y + box.height / 2);
      else if (attempt >= 5) throw new Error('The chart’s team label never had a place on the page.');
      try {
        await page.waitForURL(`${base}/o/deals`, { timeout: 3_000 });
        break;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
    for (const name of ['الف', 'ب', 'پ']) await page.getByText(name, { exact: true }).first().waitFor();
    // Exactly the bar's three: the list says so, and shows none of the others.
    const count = page.getByTestId('record-count');
    await page.waitForFunction(() =>
      /[۳3]$/.test((document.querySelector('[data-testid="record-count"]')?.textContent ?? '').trim()),
    );
    expect(ascii((await count.textContent()) ?? '')).toMatch(/\b3$/);
    expect(await page.getByTestId('record-row').count()).toBe(3);
    for (const name of ['ت', 'ث', 'ج']) expect(await page.getByText(name, { exact: true }).count()).toBe(0);
    await page.screenshot({ path: path.join(SHOTS, 'reports-dashboard-drill-list-fa.png'), fullPage: true });
  });

  it('names fiscal years in Persian, and shows and resumes a paused schedule', async () => {
    await api('PUT', '/sales/forecast/settings', {
      calendar: 'persian',
      startMonth: 1,
      probability: 'stage',
    });
    const report = await api('POST', '/reports', {
      name: 'معامله‌ها به تفکیک سال مالی',
      definition: {
        object: 'deals',
        groupBy: [{ field: 'expectedCloseDate', bucket: 'fiscalYear' }],
        measures: [{ fn: 'count' }],
        chart: 'bar',
      },
    });
    // A schedule of the report that failed five times in a row and paused itself (as the worker leaves it).
    const me = await api('GET', '/me');
    const owner = new pg.Client({ connectionString: desk.t.url });
    await owner.connect();
    try {
      await owner.query(
        `insert into report_schedules (workspace_id, id, report_id, owner_id, mailbox_id, format, recurrence,
           addresses, failures, paused_at, pause_reason)
         select workspace_id, $1, $2, user_id, $3, 'pdf', $4, '{boss@example.com}', 5, now(), 'SMTP refused the login'
         from memberships where user_id = $5`,
        [
          randomUUID(),
          report.id,
          randomUUID(),
          JSON.stringify({ frequency: 'daily', time: '08:00', timeZone: 'Asia/Tehran', calendar: 'persian' }),
          me.user.id,
        ],
      );
    } finally {
      await owner.end();
    }
    await page.goto(`${base}/reports/${report.id}`);
    const table = page.getByTestId('report-table');
    await table.waitFor();
    // The deals close this year (Jalali 1405) and two years ago: every fiscal year between is there, empty ones too.
    const rows = await table.locator('tbody tr').allTextContents();
    expect(rows.length).toBe(3);
    expect(rows[0]).toContain('سال مالی');
    expect(ascii(rows.at(-1)!)).toContain(
      ascii(new Intl.DateTimeFormat('fa-u-ca-persian-nu-arabext', { year: 'numeric' }).format(new Date())),
    );
    await page.getByRole('button', { name: 'زمان‌بندی' }).click();
    const schedule = page.getByTestId('report-schedule');
    await schedule.waitFor();
    expect(await schedule.getAttribute('data-paused')).toBe('true');
    expect(await page.getByTestId('schedule-paused').textContent()).toContain('SMTP refused the login');
    await page.screenshot({ path: path.join(SHOTS, 'reports-schedule-paused-fa.png'), fullPage: true });
    await schedule.getByRole('button', { name: 'از سر گرفتن' }).click();
    await page.locator('[data-testid="report-schedule"][data-paused="false"]').waitFor();
    expect(await page.getByTestId('schedule-paused').count()).toBe(0);
  });
});
