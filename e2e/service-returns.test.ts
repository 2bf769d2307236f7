/// <reference lib="dom" />
// Browser test in Persian, with the Jalali calendar and Persian digits, as the workspace's admin: a return ticket's
// page shows its return panel; the agent adds an item with a reason from the desk's list, then moves the return
// through approved (awaiting the item: the ticket's SLA paused) → received → inspected → refunded, seeing each
// state and the history; the settings tab shows the lists. No serious accessibility problems on either screen.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { seriousAxeViolations as axe, openSignedInDesk, type SignedInDesk } from './desk.ts';

const c = fa.cases;
const SHOTS = process.env.RABITA_SCREENSHOTS;
const persianNumber = (n: number) => new Intl.NumberFormat('fa-u-nu-arabext').format(n);

describe('a return ticket in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let id: string;
  const api = (method: string, url: string, body?: unknown) => desk.api(method, url, body);
  const shot = async (name: string) => {
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  };

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا رضایی', {
      locale: 'fa',
      calendar: 'persian',
      digits: 'arabext',
      timeZone: 'Asia/Tehran',
    });
    ({ base, page } = desk);
    const settings = await api('GET', '/service/cases/settings');
    await api('PUT', '/service/cases/settings', {
      ...settings,
      timeZone: 'Asia/Tehran',
      reasonCodes: ['آسیب‌دیده', 'کالای اشتباه', 'مطابق توضیحات نیست'],
    });
    // A policy on every ticket, so the panel's "awaiting the item" shows in the ticket's SLA too.
    await api('POST', '/service/sla-policies', {
      name: 'همهٔ تیکت‌ها',
      businessTime: false,
      targets: { normal: { resolution: 24 * 60 } },
    });
    const ticket = await api('POST', '/objects/tickets', {
      subject: 'مرجوعی کتری برقی سفارش ۴۵۱۲',
      type: 'return',
      language: 'fa',
    });
    id = ticket.id as string;
  }, 120_000);
  afterAll(() => desk?.close());

  it('adds an item with a reason and moves the return from approved to refunded, seeing each state', async () => {
    await page.goto(`${base}/o/tickets/${id}`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    const panel = page.getByTestId('ticket-return');
    await panel.getByTestId('return-state').getByText(c.state.requested).waitFor();
    await panel.getByText(c.noLines).waitFor();

    const form = panel.getByTestId('return-line-form');
    await form.getByLabel(c.product).fill('کتری برقی');
    await form.getByLabel(c.orderRef).fill('SO-4512');
    await form.getByLabel(c.quantity).fill('2');
    await form.getByLabel(c.reason).and(page.locator('input:not([type=hidden])')).click();
    await page.getByRole('option', { name: 'آسیب‌دیده', exact: true }).click();
    await form.getByRole('button', { name: c.addLine }).click();
    const line = panel.getByTestId('return-line');
    await line.getByText('کتری برقی').waitFor();
    await line.getByTestId('return-line-reason').getByText('آسیب‌دیده').waitFor();
    await line.getByText(c.quantityOf.replace('{{n}}', persianNumber(2))).waitFor();
    await shot('return-requested');
    expect(await axe(page)).toEqual([]);

    await panel.getByLabel(c.moveNote).fill('برچسب ارسال برای مشتری فرستاده شد');
    await panel.getByRole('button', { name: c.moveTo.approved }).click();
    await panel.getByTestId('return-state').getByText(c.state.approved).waitFor();
    await panel.getByText(c.awaitingItem).waitFor();
    // The ticket's SLA is paused while the item is awaited.
    await page.getByTestId('ticket-sla').locator('[data-state="paused"]').first().waitFor();
    // Lines are fixed once approved: no form, no remove button.
    expect(await panel.getByTestId('return-line-form').count()).toBe(0);

    for (const to of ['received', 'inspected', 'refunded'] as const) {
      await panel.getByRole('button', { name: c.moveTo[to] }).click();
      await panel.getByTestId('return-state').getByText(c.state[to]).waitFor();
    }
    await expect.poll(() => panel.getByTestId('return-history').count()).toBe(4);
    await panel.getByText('برچسب ارسال برای مشتری فرستاده شد').waitFor();
    // An ending offers no further move.
    expect(await panel.getByRole('button', { name: c.moveTo.rejected }).count()).toBe(0);
    await shot('return-refunded');
    const stored = await api('GET', `/tickets/${id}/return`);
    expect(stored.state).toBe('refunded');
    expect(await axe(page)).toEqual([]);
  });

  it('shows a complaint’s deadlines and keeps its category and compensation', async () => {
    const settings = await api('GET', '/service/cases/settings');
    await api('PUT', '/service/cases/settings', {
      ...settings,
      categories: ['تأخیر در ارسال', 'کیفیت کالا'],
      // Calendar days counted on Tehran's clock, the agent's own.
      timeZone: 'Asia/Tehran',
    });
    const complaint = await api('POST', '/objects/tickets', {
      subject: 'شکایت از تأخیر ارسال',
      type: 'complaint',
      language: 'fa',
    });
    await page.goto(`${base}/o/tickets/${String(complaint.id)}`);
    const panel = page.getByTestId('ticket-complaint');
    await panel.getByText(c.acknowledgement).waitFor();
    await expect.poll(() => panel.locator('[data-state="pending"]').count()).toBe(2);
    // Acknowledgement within 2 calendar days: due at the midnight that ends the day after tomorrow, read as the end
    // of that day in the Jalali calendar.
    const dayAfterTomorrow = new Intl.DateTimeFormat('fa-u-ca-persian-nu-arabext', {
      timeZone: 'Asia/Tehran',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
    }).format(new Date(Date.now() + 2 * 86_400_000));
    expect(await panel.getByTestId('complaint-due').first().textContent()).toBe(
      c.dueEndOf.replace('{{day}}', dayAfterTomorrow),
    );
    await panel.getByLabel(c.category).and(page.locator('input:not([type=hidden])')).click();
    await page.getByRole('option', { name: 'کیفیت کالا', exact: true }).click();
    await panel.getByLabel(c.compensationAmount).fill('1500000');
    await panel.getByLabel(c.compensationCurrency).fill('irr');
    await panel.getByRole('button', { name: fa.record.save }).click();
    await expect
      .poll(async () => (await api('GET', `/tickets/${String(complaint.id)}/complaint`)).compensationCurrency)
      .toBe('IRR');
    await shot('complaint');
    expect(await axe(page)).toEqual([]);
  });

  it('shows the lists and deadline days in Settings → Complaints and returns', async () => {
    await page.goto(`${base}/settings?tab=complaints-returns`);
    const settings = page.getByTestId('case-settings');
    await settings.waitFor();
    await expect.poll(() => settings.getByLabel(c.reasonCodes).inputValue()).toContain('کالای اشتباه');
    expect(await settings.getByLabel(c.ackDays).inputValue()).toBe('2');
    await shot('case-settings');
    expect(await axe(page)).toEqual([]);
  });
});
