/// <reference lib="dom" />
// Browser test: the sales forecast in Persian with the Jalali calendar, on the real server and the built web app — a
// Jalali fiscal year from Farvardin, two reps in a team, deals in SAR at the day's rate and quotas in USD: the screen
// names the quarter "سه‌ماهه ۳ ۱۴۰۵" with its Jalali days, adds each rep's and the team's numbers in Persian digits
// (a deal of the next quarter left out, a deal lacking its rate named), shows attainment, drills down to exactly
// the deals behind a number, saves a manager's adjustment with its note and shows it beside the rep's number; the
// settings tab names the fiscal months in Jalali; no serious axe violations; at 375 px only the table scrolls.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { refreshForecastRows } from '../packages/core/src/sales/forecast-rows.service.ts';
import { actUntilShown, chooseFromMenu } from './browser.ts';
import {
  ascii,
  openSignedInDesk,
  PERSIAN_IN_TEHRAN,
  type SignedInDesk,
  seriousAxeViolations,
} from './desk.ts';

const s = fa.forecast;
const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');
/** Q3 1405 in the Jalali fiscal year from Farvardin: 1 Mehr (2026-09-23) to 30 Azar 1405 (2026-12-21). */
const PERIOD = '1405-Q3';

describe('the sales forecast in the browser, in Persian with Jalali quarters', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let teamId: string;
  const reps = { reza: { id: '', name: 'رضا احمدی' }, mina: { id: '', name: 'مینا کریمی' } };
  /** رضا's own browser context, signed in as him. */
  let rezaContext: BrowserContext;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  const axe = (selector: string) => seriousAxeViolations(page, selector);
  const row = (kind: string, id: string) =>
    page.locator(`[data-testid=forecast-row][data-kind=${kind}][data-id="${id}"]`);
  const cell = (kind: string, id: string, column: string) => row(kind, id).locator(`[data-column=${column}]`);
  const openForecast = async () => {
    await page.goto(`${base}/sales/forecast?period=${PERIOD}&team=${teamId}`);
    await row('total', 'total').waitFor();
  };

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا', PERSIAN_IN_TEHRAN, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, page } = desk);
    const me = (await api('GET', '/me')).user.id as string;
    for (const [key, rep] of Object.entries(reps)) {
      const invited = await api('POST', '/invitations', {
        email: `${key}.${me.slice(0, 8)}@example.com`,
        role: 'member',
      });
      // Each rep joins in a browser context of their own; رضا's is kept to see the screen as a rep.
      const context = await desk.browser.newContext({ reducedMotion: 'reduce' });
      const accepted = await context.request.post(`${base}/api/v1/auth/accept-invitation`, {
        data: { token: invited.token, name: rep.name, password: 'correct horse battery' },
      });
      expect(accepted.status(), await accepted.text()).toBe(200);
      rep.id = (await accepted.json()).user.id;
      if (key === 'reza') {
        rezaContext = context;
        const prefs = await context.request.patch(`${base}/api/v1/me`, { data: PERSIAN_IN_TEHRAN });
        expect(prefs.status(), await prefs.text()).toBeLessThan(300);
      } else await context.close();
    }
    teamId = (await api('POST', '/teams', { name: 'فروش ریاض', members: [reps.reza.id, reps.mina.id] })).id;
    await api('PUT', '/sales/forecast/settings', {
      calendar: 'persian',
      startMonth: 1,
      probability: 'stage',
    });
    // 1 SAR = 0.25 USD from before the quarter; AED has no rate.
    await api('PUT', '/exchange-rates', { currency: 'SAR', date: '2026-09-01', rate: '0.25' });
    const stages = (await api('GET', '/objects/stages?sort=position')).data as { id: string }[];
    const deal = (name: string, owner: string, amount: string, currency: string, date: string, extra = {}) =>
      api('POST', '/objects/deals', {
        name,
        owner,
        stage: stages[0]!.id,
        amount: { amount, currency },
        expectedCloseDate: date,
        ...extra,
      });
    // رضا: won 4,000 SAR (1,000 USD) in Mehr, commit 2,000 SAR (500 USD) in Aban; a won deal of Dey (Q4) is not counted.
    await deal('قرارداد جده', reps.reza.id, '4000', 'SAR', '2026-10-10', { status: 'won' });
    await deal('تمدید جده', reps.reza.id, '2000', 'SAR', '2026-11-15', { forecastCategory: 'commit' });
    await deal('قرارداد دی', reps.reza.id, '40000', 'SAR', '2026-12-25', { status: 'won' });
    // مینا: won 8,000 SAR (2,000 USD) in Aban, an open pipeline deal in Azar, and one in AED that has no rate.
    await deal('قرارداد ریاض', reps.mina.id, '8000', 'SAR', '2026-11-01', { status: 'won' });
    await deal('فرصت دمام', reps.mina.id, '4000', 'SAR', '2026-12-01', { forecastCategory: 'pipeline' });
    await deal('قرارداد دبی', reps.mina.id, '1000', 'AED', '2026-12-05', { forecastCategory: 'pipeline' });
    for (const [subjectKind, subjectId, amount] of [
      ['user', reps.reza.id, 2000],
      ['user', reps.mina.id, 8000],
      ['team', teamId, 10000],
    ] as const)
      await api('PUT', '/sales/forecast/quotas', { period: PERIOD, subjectKind, subjectId, amount });
  }, 180_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('names the Jalali quarter and adds each rep’s and the team’s numbers in Persian digits', async () => {
    await openForecast();
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await expect.poll(() => page.getByTestId('forecast-period').inputValue()).toBe('سه‌ماهه ۳ ۱۴۰۵');
    expect(await page.getByTestId('forecast-span').textContent()).toBe('۱ مهر ۱۴۰۵ – ۳۰ آذر ۱۴۰۵');
    const text = async (kind: string, id: string, column: string) =>
      (await cell(kind, id, column).textContent()) ?? '';
    // Closed won: رضا 1,000, مینا 2,000, the team and the total 3,000 (the Dey deal is next quarter's).
    expect(await text('user', reps.reza.id, 'closedWon')).toContain('۱٬۰۰۰');
    expect(ascii(await text('user', reps.mina.id, 'closedWon'))).toContain('2000');
    expect(await text('team', teamId, 'closedWon')).toContain('۳٬۰۰۰');
    expect(await text('total', 'total', 'closedWon')).toContain('۳٬۰۰۰');
    // Commit includes closed: رضا 1,500. The team's pipeline holds the open deals, رضا's committed one (500) and
    // مینا's in SAR (1,000), not the one in AED.
    expect(ascii(await text('user', reps.reza.id, 'commit'))).toContain('1500');
    expect(ascii(await text('team', teamId, 'pipeline'))).toContain('1500');
    // Quotas and attainment: رضا 1,000 of 2,000, مینا 2,000 of 8,000, the team 3,000 of 10,000.
    expect(ascii(await text('user', reps.reza.id, 'quota'))).toContain('2000');
    expect(await text('user', reps.reza.id, 'attainment')).toContain('۵۰٪');
    expect(await text('user', reps.mina.id, 'attainment')).toContain('۲۵٪');
    expect(await text('team', teamId, 'attainment')).toContain('۳۰٪');
    expect(
      await cell('user', reps.reza.id, 'attainment').getByRole('progressbar').getAttribute('aria-valuenow'),
    ).toBe('50');
    // The members sit under their team, indented.
    const indent = (kind: string, id: string) =>
      row(kind, id)
        .locator('th')
        .evaluate((e) => Number.parseFloat(getComputedStyle(e).paddingInlineStart));
    expect(await indent('user', reps.reza.id)).toBeGreaterThan(await indent('team', teamId));
    // The AED deal is named, with its date, rather than left out silently.
    const missing = page.getByTestId('forecast-missing-rates');
    await missing.getByText('AED', { exact: false }).waitFor();
    expect(await missing.textContent()).toContain('آذر ۱۴۰۵');
    expect(await axe('main')).toEqual([]);
    await fs.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'sales-forecast-fa.png'), fullPage: true });
  });

  it('draws the catalogue’s forecast against quota from the kept forecast, in Persian', async () => {
    // The refresh the worker runs a minute after the changes, run here.
    const workspaceId = (await api('GET', '/me')).workspace as { id: string };
    await refreshForecastRows(desk.t.handle.db, { workspaceId: workspaceId.id });
    await page.goto(`${base}/reports/new?metric=sales.forecastVsQuota`);
    const table = page.getByTestId('report-rows');
    await table.waitFor();
    // رضا's row of the quarter: his quota (2000) and the attainment beside it, in Persian digits.
    const reza = table.locator('tbody tr', { hasText: reps.reza.name });
    await reza.waitFor();
    const text = ascii((await reza.textContent()) ?? '');
    expect(text).toContain('2000');
    expect((await reza.textContent()) ?? '').toMatch(/۲[٬,]?۰۰۰/);
    expect((await table.locator('thead').textContent()) ?? '').toContain('میزان تحقق');
    await page.screenshot({ path: path.join(SHOTS, 'reports-forecast-vs-quota-fa.png'), fullPage: true });
  });

  it('drills down from a number to exactly the deals behind it, each linking to its page', async () => {
    await openForecast();
    const drawer = page.getByTestId('forecast-deals');
    await actUntilShown(
      () => cell('team', teamId, 'closedWon').getByRole('button').click(),
      drawer.getByTestId('forecast-deal').first(),
    );
    await expect
      .poll(async () => (await drawer.getByTestId('forecast-deal').allTextContents()).length)
      .toBe(2);
    const titles = await drawer.getByRole('link').allTextContents();
    expect(titles.sort()).toEqual(['قرارداد جده', 'قرارداد ریاض']);
    const jeddah = drawer.getByRole('link', { name: 'قرارداد جده' });
    expect(await jeddah.getAttribute('href')).toMatch(/^\/o\/deals\/[0-9a-f-]{36}$/);
    expect(await axe('[role=dialog]')).toEqual([]);
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'detached' });
    // رضا's commit: his won deal and his committed one, not the Dey deal.
    await actUntilShown(
      () => cell('user', reps.reza.id, 'commit').getByRole('button').click(),
      drawer.getByTestId('forecast-deal').first(),
    );
    await expect
      .poll(async () => (await drawer.getByRole('link').allTextContents()).sort())
      .toEqual(['تمدید جده', 'قرارداد جده']);
    await page.keyboard.press('Escape');
  });

  it('saves a manager’s adjustment with a note and shows it beside the rep’s number', async () => {
    await openForecast();
    await chooseFromMenu(
      page.getByRole('button', { name: s.rowActions.replace('{{name}}', reps.reza.name) }),
      page.getByRole('menuitem', { name: s.adjust }),
    );
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('radio', { name: s.categories.commit }).check();
    // Typed in Persian digits.
    await dialog.getByRole('textbox', { name: s.amount }).fill('۱۸۰۰');
    await dialog.getByRole('textbox', { name: s.note }).fill('با تأیید مشتری در جلسهٔ آبان');
    expect(await axe('[role=dialog]')).toEqual([]);
    await dialog.getByRole('button', { name: s.save }).click();
    await dialog.waitFor({ state: 'detached' });
    const adjustment = cell('user', reps.reza.id, 'adjustment');
    await expect.poll(async () => ascii((await adjustment.textContent()) ?? '')).toContain('1800');
    expect(await adjustment.textContent()).toContain(s.categories.commit);
    await actUntilShown(
      () => adjustment.getByTestId('forecast-adjustment').click(),
      page.getByTestId('forecast-adjustment-note'),
    );
    expect(await page.getByTestId('forecast-adjustment-note').textContent()).toBe(
      'با تأیید مشتری در جلسهٔ آبان',
    );
    const rows = (await api('GET', `/sales/forecast?period=${PERIOD}&team=${teamId}`)).rows as {
      kind: string;
      id: string;
      adjustment: unknown;
    }[];
    expect(rows.find((r) => r.kind === 'user' && r.id === reps.reza.id)?.adjustment).toMatchObject({
      category: 'commit',
      amount: 1800,
      note: 'با تأیید مشتری در جلسهٔ آبان',
    });
  });

  it('keeps a rep’s submission with its time', async () => {
    await openForecast();
    await actUntilShown(() => page.getByRole('button', { name: s.submit }).click(), page.getByRole('dialog'));
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: s.commitAmount }).fill('۵۰۰');
    await dialog.getByRole('textbox', { name: s.bestCaseAmount }).fill('۹۰۰');
    await dialog.getByRole('button', { name: s.send }).click();
    await dialog.waitFor({ state: 'detached' });
    const me = (await api('GET', '/me')).user.id as string;
    const submitted = (await api('GET', `/sales/forecast/submissions?period=${PERIOD}&userId=${me}`)).data;
    expect(submitted).toMatchObject([{ commit: 500, bestCase: 900 }]);
  });

  it('shows accuracy and velocity on the second tab', async () => {
    await openForecast();
    await actUntilShown(
      () => page.getByRole('tab', { name: s.tabAccuracy }).click(),
      page.getByTestId('forecast-velocity'),
    );
    // The period's velocity: the default pipeline over all reps, then each rep with deals in it.
    const velocity = page.getByTestId('forecast-velocity');
    await velocity.getByText(s.allReps).waitFor();
    await velocity.getByText(reps.mina.name).waitFor();
    await page.getByText(s.accuracyTitle).waitFor();
    expect(await axe('main')).toEqual([]);
  });

  it('names the fiscal year’s months in Jalali in the settings tab', async () => {
    await page.goto(`${base}/settings?tab=forecast`);
    const form = page.getByTestId('forecast-settings');
    await form.waitFor();
    const select = (label: string) =>
      form.getByLabel(label, { exact: true }).and(page.locator('input:not([type=hidden])'));
    await expect.poll(() => select(s.calendar).inputValue()).toBe(s.calendars.persian);
    expect(await select(s.startMonth).inputValue()).toBe('فروردین');
    expect(await axe('main')).toEqual([]);
  });

  it('offers a rep their submission but no manager’s actions, and no forecast settings', async () => {
    const rep = await rezaContext.newPage();
    rep.setDefaultTimeout(20_000);
    try {
      await rep.goto(`${base}/sales/forecast?period=${PERIOD}&team=${teamId}`);
      await rep.locator('[data-testid=forecast-row][data-kind=total]').waitFor();
      await rep.getByRole('button', { name: s.submit }).waitFor();
      expect(
        await rep.getByRole('button', { name: s.rowActions.replace('{{name}}', reps.reza.name) }).count(),
      ).toBe(0);
      await rep.goto(`${base}/settings?tab=preferences`);
      await rep.getByRole('tab').first().waitFor();
      expect(await rep.getByRole('tab', { name: s.settingsTab }).count()).toBe(0);
    } finally {
      await rep.close();
    }
  });

  it('fits a 375-pixel phone: the table scrolls in its own box, the page does not', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    await openForecast();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    const table = page.getByTestId('forecast-table');
    // The nearest box around the table that scrolls sideways is wider inside than it shows.
    const box = await table.evaluate((t) => {
      let e: HTMLElement | null = t.parentElement;
      while (e && !['auto', 'scroll'].includes(getComputedStyle(e).overflowX)) e = e.parentElement;
      return e && { tag: e.tagName, scroll: e.scrollWidth, client: e.clientWidth };
    });
    expect(box?.tag).toBe('DIV');
    expect(box!.scroll).toBeGreaterThan(box!.client);
    expect(await axe('main')).toEqual([]);
    await page.screenshot({ path: path.join(SHOTS, 'sales-forecast-fa-phone.png'), fullPage: true });
  });
});
