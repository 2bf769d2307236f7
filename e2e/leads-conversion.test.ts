/// <reference lib="dom" />
// Browser test: a lead's conversion dialog in Persian on the real server and the built web app — the matching
// person found for a Persian name spelt in Arabic is offered and chosen, a company and a deal are created, and the
// lead's page then shows what it became; the assignment reason shows in Persian too.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSignedInDesk, type SignedInDesk, seriousAxeViolations } from './desk.ts';

describe('lead conversion in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;

  /** The API as the signed-in browser user (same cookies). */
  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);

  beforeAll(async () => {
    // No preferences yet: the test sets the workspace's country, then the language.
    desk = await openSignedInDesk('سارا', {}, {}, { viewport: { width: 1300, height: 900 } });
    ({ base, page } = desk);
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('offers the matching person, converts, and shows what the lead became', async () => {
    await api('PATCH', '/workspace', { defaultCountry: 'IR' });
    await api('PATCH', '/me', { locale: 'fa' });
    const me = await api('GET', '/me');
    await api('POST', '/assignment-rules', {
      name: 'تیم تهران',
      strategy: 'fixed',
      pool: [{ userId: me.user?.id ?? me.id }],
    });
    const person = await api('POST', '/objects/people', {
      firstName: 'علی',
      lastName: 'رضایی',
      phones: ['+98 912 123 4567'],
    });
    const lead = await api('POST', '/objects/leads', {
      name: 'علي رضايي',
      companyName: 'پارس‌داده',
      phone: '۰۹۱۲ ۱۲۳ ۴۵۶۷',
    });

    await page.goto(`${base}/o/leads/${lead.id}`);
    await expect
      .poll(() => page.evaluate(() => document.documentElement.dir), { timeout: 15_000 })
      .toBe('rtl');
    const panel = page.getByTestId('lead-panel');
    // The assignment reason, in Persian.
    await panel.getByText('مسئول ثابت در تیم تهران').waitFor();
    await panel.getByRole('button', { name: 'تبدیل' }).click();

    const dialog = page.getByRole('dialog', { name: 'تبدیل سرنخ' });
    await dialog.getByText('این رکوردهای موجود با سرنخ مطابقت دارند', { exact: false }).waitFor();
    // The existing person is offered (matched by name and phone) and chosen first.
    const attach = dialog.getByRole('radio', { name: 'وصل به علی رضایی' });
    await attach.waitFor();
    expect(await attach.isChecked()).toBe(true);
    await dialog.getByText('مطابقت با', { exact: false }).first().waitFor();
    expect(await dialog.getByRole('radio', { name: 'ساختن رکورد جدید' }).count()).toBe(2);
    expect(await dialog.getByRole('checkbox', { name: 'ساختن معامله' }).isChecked()).toBe(true);
    expect(await dialog.evaluate((e) => getComputedStyle(e).direction)).toBe('rtl');

    expect(await seriousAxeViolations(page, '[role=dialog]')).toEqual([]);

    await dialog.getByRole('button', { name: 'تبدیل' }).click();
    await dialog.waitFor({ state: 'detached' });
    await panel.getByText('تبدیل شد به').waitFor();
    await panel.getByText('سرنخ تبدیل‌شده فقط‌خواندنی است.').waitFor();
    await panel.getByRole('link', { name: 'علی رضایی' }).waitFor();

    const conversion = (await api('GET', `/leads/${lead.id}/conversion`)).conversion;
    expect(conversion.personId).toBe(person.id);
    expect(conversion.companyId).toBeTruthy();
    expect(conversion.dealId).toBeTruthy();
    const deal = await api('GET', `/objects/deals/${conversion.dealId}`);
    expect(deal).toMatchObject({ name: 'پارس‌داده', primaryPerson: person.id, company: conversion.companyId });
  });
  it('adds, changes and moves assignment rules and marks a member away, in Persian', async () => {
    await page.goto(`${base}/settings?tab=assignment`);
    const table = page.getByTestId('assignment-rules');
    await table.getByText('تیم تهران').waitFor();
    await page.getByRole('textbox', { name: 'نام' }).fill('تیم شیراز');
    await page.getByLabel('اعضا', { exact: true }).and(page.locator('input')).click();
    await page.getByRole('option', { name: 'سارا' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'افزودن قانون' }).click();
    await table.getByText('تیم شیراز').waitFor();
    let rules = (await api('GET', '/assignment-rules')).data as { name: string; strategy: string }[];
    expect(rules.map((r) => [r.name, r.strategy])).toEqual([
      ['تیم تهران', 'fixed'],
      ['تیم شیراز', 'roundRobin'],
    ]);
    // Move the new rule first, then rename it through its form.
    await table.getByRole('button', { name: 'بالا بردن' }).nth(1).click();
    await expect
      .poll(
        async () => ((await api('GET', '/assignment-rules')).data as { name: string }[]).map((r) => r.name),
        { timeout: 15_000 },
      )
      .toEqual(['تیم شیراز', 'تیم تهران']);
    await table.getByRole('button', { name: 'ویرایش قانون تیم شیراز' }).click();
    await page.getByRole('textbox', { name: 'نام' }).fill('تیم شیراز و اصفهان');
    await page.getByRole('button', { name: 'ذخیره' }).click();
    await table.getByText('تیم شیراز و اصفهان').waitFor();
    rules = (await api('GET', '/assignment-rules')).data;
    expect(rules[0]?.name).toBe('تیم شیراز و اصفهان');
    // Away: the switch marks the member, and every rule skips them.
    await page.getByRole('switch', { name: 'سارا' }).click();
    await expect
      .poll(async () => ((await api('GET', '/assignment-away')).data as unknown[]).length, {
        timeout: 15_000,
      })
      .toBe(1);
    expect(await page.evaluate(() => getComputedStyle(document.body).direction)).toBe('rtl');
  });
});
