/// <reference lib="dom" />
// Browser test: lead scoring in Arabic with Arabic-Indic digits on the real server and the built web app — an
// activity rule with a half-life added in the settings tab, a lead's score as a badge in the leads list, and the
// popover listing the reasons (rule names and points in the user's digits), right to left and checked by axe.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedInDesk, type SignedInDesk, seriousAxeViolations } from './desk.ts';

describe('lead scoring in the browser, in Arabic', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  const axe = (selector: string) => seriousAxeViolations(page, selector);

  beforeAll(async () => {
    // RABITA_TEST_WEB_DIST: a web build of one's own (as `vite build apps/web --outDir …` makes), else apps/web/dist.
    const webDist = process.env.RABITA_TEST_WEB_DIST;
    desk = await openSignedInDesk(
      'ليلى',
      { locale: 'ar', digits: 'arab' },
      {},
      { viewport: { width: 1300, height: 900 }, ...(webDist ? { webDist } : {}) },
    );
    ({ base, page } = desk);
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('adds an activity rule in settings, then shows a lead’s score as a badge whose popover lists the reasons', async () => {
    await api('POST', '/scoring-rules', {
      name: 'من نموذج الموقع',
      kind: 'field',
      condition: { field: 'source', op: 'eq', value: 'web' },
      points: 10,
    });

    await page.goto(`${base}/settings?tab=scoring`);
    await expect
      .poll(() => page.evaluate(() => document.documentElement.dir), { timeout: 15_000 })
      .toBe('rtl');
    const table = page.getByTestId('scoring-rules');
    await table.getByText('من نموذج الموقع').waitFor();
    await page.getByRole('textbox', { name: 'الاسم' }).fill('المكالمات');
    await page.getByRole('tabpanel').getByText('الأنشطة', { exact: true }).click();
    await page.getByLabel('نوع النشاط', { exact: true }).and(page.locator('input')).click();
    await page.getByRole('option', { name: 'مكالمة' }).click();
    await page.getByLabel('عمر النصف بالأيام', { exact: true }).fill('7');
    await page.getByLabel('النقاط', { exact: true }).fill('15');
    await page.getByRole('button', { name: 'أضف القاعدة' }).click();
    await table.getByText('المكالمات').waitFor();
    // The half-life in the user's digits.
    await table.getByText('تتناقص إلى النصف كل ٧ يوماً', { exact: false }).waitFor();
    expect(await axe('[data-testid=scoring-rules]')).toEqual([]);
    const rules = (await api('GET', '/scoring-rules')).data as Record<string, unknown>[];
    expect(rules.find((r) => r.name === 'المكالمات')).toMatchObject({
      kind: 'activity',
      activityType: 'call',
      points: 15,
      halfLifeDays: 7,
    });

    const lead = await api('POST', '/objects/leads', { name: 'خالد العتيبي', source: 'web' });
    await api('POST', '/objects/activities', { type: 'call', subject: 'مكالمة أولى', leads: [lead.id] });
    expect((await api('GET', `/objects/leads/${lead.id}`)).score).toBe(25);

    await page.goto(`${base}/o/leads`);
    // The score column added from the columns menu.
    await page.getByRole('button', { name: 'الأعمدة' }).click();
    await page.getByRole('checkbox', { name: 'التقييم' }).check();
    await page.keyboard.press('Escape');
    const badge = page.getByTestId('lead-score').filter({ hasText: '٢٥' });
    await badge.waitFor();
    await badge.click();
    const reasons = page.getByTestId('score-reasons');
    await reasons.getByText('التقييم ٢٥، بسبب').waitFor();
    await reasons.getByText('من نموذج الموقع').waitFor();
    await reasons.getByText('+١٠').waitFor();
    await reasons.getByText('المكالمات · مكالمة').waitFor();
    await reasons.getByText('+١٥').waitFor();
    expect(await reasons.evaluate((e) => getComputedStyle(e).direction)).toBe('rtl');
    expect(await axe('[data-testid=score-reasons]')).toEqual([]);
  });
});
