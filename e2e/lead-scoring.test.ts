/// <reference lib="dom" />
// Browser test: lead scoring in Arabic with Arabic-Indic digits on the real server and the built web app — an
// activity rule with a half-life added in the settings tab, a lead's score as a badge in the leads list, and the
// popover listing the reasons (rule names and points in the user's digits), right to left and checked by axe.
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSignUp, createTestApp, type TestApp } from '../test/harness.ts';
import { launchBrowser } from './browser.ts';

const AXE = await fs.readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

describe('lead scoring in the browser, in Arabic', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;

  const api = async (method: string, url: string, body?: unknown) => {
    const response = await page.request.fetch(`${base}/api/v1${url}`, {
      method,
      ...(body === undefined ? {} : { data: body }),
    });
    expect(response.status(), `${method} ${url}: ${await response.text()}`).toBeLessThan(300);
    return response.status() === 204 ? null : response.json();
  };
  const axe = async (selector: string) => {
    await page.evaluate(AXE);
    const result = (await page.evaluate(
      (s) =>
        (window as unknown as { axe: { run: (c: string, o: object) => Promise<unknown> } }).axe.run(s, {
          resultTypes: ['violations'],
        }),
      selector,
    )) as { violations: { id: string; impact: string }[] };
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => v.id);
  };

  beforeAll(async () => {
    // RABITA_TEST_WEB_DIST: a web build of one's own (as `vite build apps/web --outDir …` makes), else apps/web/dist.
    const webDist = process.env.RABITA_TEST_WEB_DIST;
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' }, webDist ? { webDist } : {});
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
    const context = await browser.newContext({
      viewport: { width: 1300, height: 900 },
      reducedMotion: 'reduce',
    });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const signedUp = await page.request.post(`${base}/api/v1/auth/sign-up`, {
      data: buildSignUp({ name: 'ليلى' }),
    });
    expect(signedUp.status()).toBe(201);
    await api('PATCH', '/me', { locale: 'ar', digits: 'arab' });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
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
