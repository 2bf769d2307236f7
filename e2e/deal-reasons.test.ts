/// <reference lib="dom" />
// Browser test in Persian: moving a deal to the lost column on the board opens the dialog asking for the loss
// reason the workspace requires; confirming without one is refused and said under the field; with one, the
// competitor's name and its company chosen among the companies, the deal is lost; its page then shows its history
// — the stage it left, how long it stayed, in the Jalali calendar and Persian digits — right to left and without
// serious accessibility problems.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk, seriousAxeViolations } from './desk.ts';

describe('the won/lost dialog and a deal’s history in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  const axe = (selector: string) => seriousAxeViolations(page, selector);

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا', PERSIAN_IN_TEHRAN, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, page } = desk);
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('asks for the required loss reason when a deal is moved to lost, then shows its history', async () => {
    const reason = await api('POST', '/sales/reasons', {
      kind: 'lost',
      label: { fa: 'قیمت بالا', en: 'Price' },
    });
    await api('PATCH', '/sales/settings', { requireLostReason: true });
    const stages = (await api('GET', '/objects/stages?sort=position')).data as {
      id: string;
      name: string;
      kind: string;
    }[];
    const lostStage = stages.find((s) => s.kind === 'lost')!;
    const deal = await api('POST', '/objects/deals', { name: 'قرارداد شیراز' });
    const rival = await api('POST', '/objects/companies', { name: 'پارس رقیب' });

    await page.goto(`${base}/pipeline`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('button', { name: 'انتقال قرارداد شیراز به ستونی دیگر' }).click();
    await page.getByRole('menuitem', { name: 'ناموفق' }).click();
    const dialog = page.getByRole('dialog', { name: 'علامت زدن «قرارداد شیراز» به‌عنوان ناموفق' });
    await dialog.waitFor();
    expect(await dialog.evaluate((e) => getComputedStyle(e).direction)).toBe('rtl');
    await dialog.getByText('فضای کاری شما ذکر دلیل را الزامی کرده است.').waitFor();
    expect(await axe('[role=dialog]')).toEqual([]);

    // Without a reason the server refuses, and the dialog says so under the field; the deal has not moved.
    await dialog.getByRole('button', { name: 'ناموفق شد' }).click();
    await dialog.getByText('یک دلیل انتخاب کنید: فضای کاری شما آن را الزامی کرده است.').waitFor();
    expect((await api('GET', `/objects/deals/${deal.id}`)).status).toBe('open');

    // With the reason and the competitor it is lost.
    await dialog.getByRole('combobox', { name: 'چرا از دست رفت؟' }).click();
    await page.getByRole('option', { name: 'قیمت بالا' }).click();
    await dialog.getByRole('textbox', { name: 'به نفع کدام رقیب از دست رفت' }).fill('شرکت رقیب');
    await dialog.getByRole('combobox', { name: 'شرکت رقیب' }).fill('پارس');
    await page.getByRole('option', { name: 'پارس رقیب' }).click();
    await dialog.getByRole('button', { name: 'ناموفق شد' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator(`[data-stage="${lostStage.name}"] [data-deal="قرارداد شیراز"]`).waitFor();
    expect(await api('GET', `/objects/deals/${deal.id}`)).toMatchObject({
      status: 'lost',
      closeReason: reason.id,
      competitor: 'شرکت رقیب',
      competitorCompany: rival.id,
      forecastCategory: 'omitted',
    });

    // The deal's page: its history, right to left, in the Jalali calendar and Persian digits.
    await page.goto(`${base}/o/deals/${deal.id}`);
    // The reason shows by its Persian label, not its id.
    await page.getByTestId('close-reason-view').getByText('قیمت بالا').first().waitFor();
    // Edited by its label too: the form offers the reasons by name, the deal's own chosen.
    await page.getByRole('button', { name: 'ویرایش', exact: true }).click();
    const form = page.getByRole('dialog');
    const reasonInput = form.getByRole('combobox', { name: 'دلیل موفقیت یا شکست' });
    await expect.poll(() => reasonInput.inputValue()).toBe('قیمت بالا');
    await page.keyboard.press('Escape');
    await form.waitFor({ state: 'detached' });
    const panel = page.getByTestId('deal-history');
    await panel.getByRole('heading', { name: 'تاریخچه' }).waitFor();
    const times = panel.getByTestId('deal-stage-times');
    await times.getByText('ارزیابی', { exact: false }).waitFor();
    await times.getByText('ناموفق', { exact: false }).waitFor();
    const text = (await times.textContent()) ?? '';
    // The Jalali year (1405 for late 2026) in Persian digits, never Latin ones.
    expect(text).toContain('۱۴۰۵');
    expect(text).not.toMatch(/[0-9]/);
    await panel.getByText('مرحله: ارزیابی ← ناموفق').waitFor();
    expect(await panel.evaluate((e) => getComputedStyle(e).direction)).toBe('rtl');
    expect(await axe('[data-testid=deal-history]')).toEqual([]);
  }, 90_000);
});
