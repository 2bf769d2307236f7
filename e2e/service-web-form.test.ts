/// <reference lib="dom" />
// Browser test in Persian: the admin makes a ticket form in Settings → Web forms (what it makes: a ticket); a
// visitor in a fresh browser context opens its hosted page (right to left), fills it in Persian and sends it, the
// proof of work solved in the page; the agent then sees the ticket from the web form with its requester, the
// customer's first message and its SLA panel running. No serious accessibility problem on any of the three pages.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { seriousAxeViolations as axe, openSignedInDesk, type SignedInDesk } from './desk.ts';

const SHOTS = process.env.RABITA_SCREENSHOTS;
const description =
  'سلام، سفارش شمارهٔ ۴۵۱۲ را ده روز پیش ثبت کردم و هنوز نرسیده است. لطفاً وضعیت ارسال را بررسی کنید.';

describe('a Persian ticket form in the browser', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let publicId: string;
  let ticketId: string;
  const api = (method: string, url: string, body?: unknown) => desk.api(method, url, body);
  /** Picks an option of a Mantine select or multi-select named `name`. */
  const choose = async (name: string, option: string) => {
    await page.getByLabel(name, { exact: true }).and(page.locator('input:not([type=hidden])')).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };
  const shot = async (p: Page, name: string) => {
    if (SHOTS) await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  };

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا رضایی', {
      locale: 'fa',
      calendar: 'persian',
      digits: 'arabext',
      timeZone: 'Asia/Tehran',
    });
    ({ base, page } = desk);
    // Every ticket answered within four hours, around the clock.
    await api('POST', '/service/sla-policies', {
      name: 'همهٔ تیکت‌ها',
      businessTime: false,
      targets: { normal: { first_response: 240, resolution: 2880 } },
    });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('creates a Persian ticket form in the settings, asking the requester, the request and a phone', async () => {
    await page.goto(`${base}/settings?tab=web-forms`);
    const editor = page.getByTestId('web-form-editor');
    await editor.waitFor();
    await expect
      .poll(() => page.evaluate(() => document.documentElement.dir), { timeout: 10_000 })
      .toBe('rtl');
    await choose(fa.ticketForms.makes, fa.ticketForms.targetTickets);
    // A ticket form starts with what every ticket needs.
    const fields = editor.getByTestId('web-form-fields');
    await expect
      .poll(() => fields.locator('tbody tr td:first-child').allTextContents())
      .toEqual(['نام شما', 'ایمیل', 'موضوع', 'چه کمکی از ما برمی‌آید؟']);
    await choose(fa.webForms.fields, 'تلفن');
    await page.keyboard.press('Escape');
    // A required input's label ends in an asterisk.
    await editor.getByLabel(new RegExp(`^${fa.webForms.name}\\s*\\*?$`)).fill('فرم پشتیبانی');
    await choose(fa.webForms.language, fa.language.fa);
    await editor.getByLabel(`فارسی: چه کمکی از ما برمی‌آید؟`).fill('شرح درخواست');
    await editor
      .getByLabel(`${fa.webForms.thankYou} (${fa.language.fa})`)
      .fill('درخواست شما ثبت شد؛ به‌زودی پاسخ می‌دهیم.');
    await editor.getByLabel(fa.webForms.minFill).fill('1');
    await editor.getByRole('button', { name: fa.webForms.add }).click();
    const row = page.getByTestId('web-forms').locator('tbody tr').filter({ hasText: 'فرم پشتیبانی' });
    await row.getByText(fa.ticketForms.targetTickets, { exact: true }).waitFor();
    await row.getByText(fa.language.fa, { exact: true }).waitFor();
    const forms = (await api('GET', '/web-forms')).data as {
      publicId: string;
      target: string;
      name: string;
    }[];
    const made = forms.find((f) => f.name === 'فرم پشتیبانی');
    expect(made?.target).toBe('tickets');
    publicId = made?.publicId ?? '';
    await row.getByRole('button', { name: 'فرم پشتیبانی', exact: true }).click();
    await page.getByTestId('web-form-embed').getByText(`/f/${publicId}`).waitFor();
    expect(await axe(page)).toEqual([]);
    await shot(page, 'ticket-form-settings');
  }, 120_000);

  it('takes a Persian ticket on the hosted page, in a fresh browser context, right to left', async () => {
    const visitorContext = await desk.browser.newContext({ viewport: { width: 900, height: 1000 } });
    const visitor = await visitorContext.newPage();
    visitor.setDefaultTimeout(20_000);
    const errors: string[] = [];
    visitor.on('pageerror', (e) => errors.push(e.message));
    await visitor.goto(`${base}/f/${publicId}`);
    expect(
      await visitor.evaluate(() => [document.documentElement.lang, document.documentElement.dir]),
    ).toEqual(['fa', 'rtl']);
    await visitor.getByRole('heading', { name: 'فرم پشتیبانی' }).waitFor();
    // The hidden honeypot does not widen the right-to-left page: nothing to scroll sideways.
    expect(await visitor.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(900);
    expect(await axe(visitor)).toEqual([]);
    await visitor.getByLabel('نام شما').fill('مریم احمدی');
    await visitor.getByLabel('ایمیل').fill('Maryam.Ahmadi@parsdata.ir');
    await visitor.getByLabel('تلفن').fill('+98 912 345 6789');
    await visitor.getByLabel('موضوع').fill('سفارش ۴۵۱۲ هنوز نرسیده است');
    await visitor.getByLabel('شرح درخواست').fill(description);
    await visitor.locator('form[data-solved="true"]').waitFor({ timeout: 30_000 });
    await shot(visitor, 'ticket-form-hosted');
    await visitor.waitForTimeout(1100); // the form's least fill time
    await visitor.getByRole('button', { name: 'ارسال' }).click();
    await visitor.waitForURL(`${base}/f/${publicId}/thanks`);
    await visitor.getByText('درخواست شما ثبت شد؛ به‌زودی پاسخ می‌دهیم.').waitFor();
    expect(await visitor.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(errors).toEqual([]);
    await visitorContext.close();

    const [s] = (await api('GET', '/web-form-submissions?limit=1')).data as {
      status: string;
      target: string;
      recordId: string;
    }[];
    expect(s).toMatchObject({ status: 'accepted', target: 'tickets' });
    ticketId = s?.recordId ?? '';
  }, 120_000);

  it('shows the agent the web-form ticket with its requester, the first message and the SLA running', async () => {
    const ticket = await api('GET', `/objects/tickets/${ticketId}`);
    expect(ticket).toMatchObject({ channel: 'web_form', language: 'fa', slaStatus: 'on_track' });
    const person = await api('GET', `/objects/people/${ticket.requester}`);
    expect(person).toMatchObject({ firstName: 'مریم', lastName: 'احمدی' });

    await page.goto(`${base}/o/tickets/${ticketId}`);
    await page.getByRole('heading', { name: 'سفارش ۴۵۱۲ هنوز نرسیده است' }).waitFor();
    await page.getByText('فرم وب', { exact: true }).first().waitFor();
    await page.getByText('مریم احمدی').first().waitFor();
    const message = page.getByTestId('ticket-messages').getByTestId('ticket-message').first();
    await message.getByText(description).waitFor();
    await message.getByTestId('ticket-message-author').getByText('مریم احمدی').waitFor();
    const firstResponse = page
      .getByTestId('ticket-sla')
      .locator('[data-testid=sla-clock][data-metric=first_response]');
    await firstResponse.waitFor();
    expect(await firstResponse.getAttribute('data-state')).toBe('running');
    const left = (await firstResponse.getByTestId('sla-left').textContent()) ?? '';
    expect(left).toMatch(/[۰-۹]/);
    expect(await axe(page)).toEqual([]);
    await shot(page, 'ticket-from-web-form');
  }, 120_000);
});
