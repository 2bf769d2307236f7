/// <reference lib="dom" />
// Browser test in Persian, as the workspace's admin: a business calendar "تهران" in Asia/Tehran with Saturday to
// Wednesday open 08:00–12:00 and 13:00–16:00 and this year's Nowruz added (shown in the Jalali calendar); an SLA
// policy for urgent tickets (the lists' filter builder) with a resolution target in hours and minutes; an urgent
// ticket's page shows its SLA panel above the conversation with the resolution clock and the time left, and
// "paused" once the ticket waits on the customer (a pause status of the policy). No serious accessibility problems
// on the two settings screens or the ticket's page.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { clockFormatter } from '../apps/web/src/modules/email/utils/send-time.ts';
import { chooseFromMenu } from './browser.ts';
import { openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk, seriousAxeViolations } from './desk.ts';

const s = fa.service;
const clock = clockFormatter({ locale: 'fa', digits: 'arabext' });
const weekday = (iso: number) =>
  new Intl.DateTimeFormat('fa', { weekday: 'long', timeZone: 'UTC' }).format(
    new Date(Date.UTC(2024, 0, iso)),
  );
const persianNumber = (n: number) => new Intl.NumberFormat('fa-u-nu-arabext').format(n);
/** Saturday to Wednesday, as ISO weekdays. */
const OPEN_DAYS = [6, 7, 1, 2, 3];
const RANGES = [
  ['08:00', '12:00'],
  ['13:00', '16:00'],
] as const;

describe('SLA settings and a ticket’s SLA in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  /** axe-core on the page: no serious or critical violations. */
  const axe = () => seriousAxeViolations(page);
  /** Picks an option of a (searchable) select named `name`. */
  const choose = async (name: string, option: string, exact = true) => {
    const input = page.getByLabel(name, { exact }).and(page.locator('input:not([type=hidden])'));
    await input.click();
    await page.getByRole('option', { name: option, exact: true }).click();
  };

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا رضایی', PERSIAN_IN_TEHRAN);
    ({ base, page } = desk);
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('creates the calendar تهران with two ranges Saturday to Wednesday and adds this year’s Nowruz', async () => {
    await page.goto(`${base}/settings?tab=business-calendars`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('tab', { name: s.calendarsTab }).waitFor();
    const form = page.getByTestId('calendar-form');
    await form.getByLabel(s.calendarName).fill('تهران');
    const zone = page.getByLabel(s.timeZone, { exact: true }).and(page.locator('input:not([type=hidden])'));
    await zone.click();
    await zone.fill('Asia/Tehran');
    await page.getByRole('option', { name: 'Asia/Tehran', exact: true }).click();

    for (const day of OPEN_DAYS) {
      const name = weekday(day);
      for (const [n, [from, to]] of RANGES.entries()) {
        await page.getByRole('button', { name: fa.service.addRangeTo.replace('{{day}}', name) }).click();
        await choose(
          s.rangeFrom.replace('{{day}}', name).replace('{{n}}', persianNumber(n + 1)),
          clock(from),
        );
        await choose(s.rangeTo.replace('{{day}}', name).replace('{{n}}', persianNumber(n + 1)), clock(to));
      }
    }
    // A closing time before the opening one is a night shift, and its row says so.
    const saturday = weekday(6);
    await choose(s.rangeTo.replace('{{day}}', saturday).replace('{{n}}', persianNumber(2)), clock('02:00'));
    await page.locator('[data-day="6"]').getByTestId('overnight').getByText(s.overnight).waitFor();
    await choose(s.rangeTo.replace('{{day}}', saturday).replace('{{n}}', persianNumber(2)), clock('16:00'));
    expect(await page.getByTestId('overnight').count()).toBe(0);

    await page.getByRole('button', { name: s.createCalendar }).click();
    await page.getByTestId('sla-calendar').filter({ hasText: 'تهران' }).waitFor();
    const [calendar] = (await api('GET', '/service/calendars')).data;
    expect(calendar.name).toBe('تهران');
    expect(calendar.definition.timeZone).toBe('Asia/Tehran');
    for (const day of OPEN_DAYS)
      expect(calendar.definition.hours[String(day)]).toEqual([
        { from: '08:00', to: '12:00' },
        { from: '13:00', to: '16:00' },
      ]);
    expect(calendar.definition.hours['4'] ?? []).toEqual([]);

    // The saved calendar stays open with its holidays: Nowruz for this year, in the Jalali calendar.
    await page.getByRole('button', { name: s.addHolidays }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel(s.gregorianYear).fill('2026');
    await dialog.getByRole('button', { name: s.add, exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByTestId('holiday').count()).toBeGreaterThanOrEqual(4);
    const first = page.getByTestId('holiday').first();
    expect(await first.getAttribute('data-date')).toBe('2026-03-21');
    expect(await first.textContent()).toContain('فروردین');
    expect(await first.textContent()).toMatch(/[۰-۹]/);
    expect(await first.textContent()).toContain('نوروز');
    const stored = (await api('GET', `/service/calendars/${calendar.id}`)).definition.holidays as string[];
    expect(stored).toEqual(expect.arrayContaining(['2026-03-21', '2026-03-22', '2026-03-23', '2026-03-24']));
    // The names are kept with the calendar (the list shows what the saved calendar holds).
    const saved = (await api('GET', `/service/calendars/${calendar.id}`)).definition.holidayNotes;
    expect(saved['2026-03-21']).toMatchObject({ name: { fa: 'نوروز' } });

    // Arafat (a Hijri day) comes as an estimate, confirmed by the admin once the moon is sighted.
    await page.getByRole('button', { name: s.addHolidays }).click();
    await dialog.getByLabel(s.gregorianYear).fill('2026');
    await dialog.getByLabel(s.holiday.nowruz).uncheck();
    await dialog.getByLabel(s.holiday.arafat).check();
    await dialog.getByRole('button', { name: s.add, exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const arafat = page.getByTestId('holiday').filter({ hasText: s.estimated });
    await arafat.waitFor();
    const date = (await arafat.getAttribute('data-date')) ?? '';
    await arafat.getByRole('button', { name: s.confirm }).click();
    await expect.poll(() => page.getByTestId('holiday').filter({ hasText: s.estimated }).count()).toBe(0);
    const notes = (await api('GET', `/service/calendars/${calendar.id}`)).definition.holidayNotes;
    expect(notes[date]).toMatchObject({ estimated: false });
    expect(await axe()).toEqual([]);
  }, 180_000);

  it('creates an SLA policy for urgent tickets with a resolution target and pending customer as a pause', async () => {
    await page.goto(`${base}/settings?tab=sla-policies`);
    const form = page.getByTestId('policy-form');
    await form.getByLabel(s.policyName).fill('تیکت‌های فوری');
    // The condition, with the lists' filter builder: priority is urgent.
    await form.getByRole('button', { name: fa.list.filter }).click();
    await page.getByRole('button', { name: fa.list.addCondition }).click();
    const field = page
      .getByLabel(fa.list.field, { exact: true })
      .and(page.locator('input:not([type=hidden])'));
    await field.click();
    await page.getByRole('option', { name: 'اولویت', exact: true }).click();
    const value = page
      .getByLabel(fa.list.value, { exact: true })
      .and(page.locator('input:not([type=hidden])'));
    await value.click();
    await page.getByRole('option', { name: 'فوری', exact: true }).click();
    await page.getByRole('button', { name: fa.list.apply }).click();

    // Required: its label ends in a star.
    await choose(s.calendar, 'تهران', false);
    const what = `فوری · ${s.metric.resolution}`;
    await form.getByLabel(s.targetHours.replace('{{what}}', what)).fill('4');
    await form.getByLabel(s.targetMinutes.replace('{{what}}', what)).fill('30');
    const pause = page
      .getByLabel(s.pauseStatuses, { exact: true })
      .and(page.locator('input:not([type=hidden])'));
    // The multi-select's input sits inside its pills' box, which takes the click.
    await pause.click({ force: true });
    await page.getByRole('option', { name: 'در انتظار مشتری', exact: true }).click();
    await page.keyboard.press('Escape');
    await form.getByRole('button', { name: s.createPolicy }).click();

    await page.getByTestId('sla-policy').filter({ hasText: 'تیکت‌های فوری' }).waitFor();
    const [policy] = (await api('GET', '/service/sla-policies')).data;
    expect(policy.condition).toEqual({ field: 'priority', op: 'eq', value: 'urgent' });
    expect(policy.businessTime).toBe(true);
    expect(policy.targets.urgent).toEqual({ resolution: 270 });
    expect(policy.pauseStatuses).toEqual(['pending_customer']);
    expect(await axe()).toEqual([]);

    // A second policy, placed last, moved above the first: the matching order follows.
    await api('POST', '/service/sla-policies', {
      name: 'همهٔ تیکت‌ها',
      businessTime: false,
      targets: { normal: { first_response: 60 } },
      enabled: false,
    });
    await page.reload();
    await page.getByTestId('sla-policy').filter({ hasText: 'همهٔ تیکت‌ها' }).waitFor();
    await page.getByRole('button', { name: s.moveUp.replace('{{name}}', 'همهٔ تیکت‌ها') }).click();
    const order = async () =>
      ((await api('GET', '/service/sla-policies')).data as { name: string }[]).map((p) => p.name);
    await expect.poll(order).toEqual(['همهٔ تیکت‌ها', 'تیکت‌های فوری']);
    await expect
      .poll(() =>
        page.getByTestId('sla-policy').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name'))),
      )
      .toEqual(['همهٔ تیکت‌ها', 'تیکت‌های فوری']);
    await page.getByRole('button', { name: s.moveDown.replace('{{name}}', 'همهٔ تیکت‌ها') }).click();
    await expect.poll(order).toEqual(['تیکت‌های فوری', 'همهٔ تیکت‌ها']);
  }, 120_000);

  it('shows an urgent ticket’s resolution clock with the time left, and paused once it waits on the customer', async () => {
    const { id } = await api('POST', '/objects/tickets', {
      subject: 'سامانه از کار افتاده است',
      priority: 'urgent',
    });
    await page.goto(`${base}/o/tickets/${id}`);
    const panel = page.getByTestId('ticket-sla');
    const resolution = panel.locator('[data-testid=sla-clock][data-metric=resolution]');
    await resolution.getByText(s.metric.resolution).waitFor();
    expect(await resolution.getAttribute('data-state')).toBe('running');
    const left = (await resolution.getByTestId('sla-left').textContent()) ?? '';
    expect(left).toContain('مانده');
    expect(left).toMatch(/[۰-۹]/);
    expect(left).not.toMatch(/[0-9]/);
    // Above the conversation.
    const [slaTop, conversationTop] = await Promise.all([
      panel.evaluate((e) => e.getBoundingClientRect().top),
      page.getByTestId('ticket-conversation').evaluate((e) => e.getBoundingClientRect().top),
    ]);
    expect(slaTop).toBeLessThan(conversationTop);
    expect(await axe()).toEqual([]);

    // A reply that sets pending customer, one of the policy's pause statuses: the ticket is read again, and its
    // SLA with it (no reload), now paused.
    const composer = page.getByTestId('ticket-composer');
    await composer.getByRole('textbox').fill('سلام، لطفاً شمارهٔ سفارش را بفرستید.');
    await chooseFromMenu(
      composer.getByRole('button', { name: s.sendAndSet }),
      page.getByRole('menuitem', { name: 'در انتظار مشتری' }),
    );
    await expect.poll(() => resolution.getAttribute('data-state')).toBe('paused');
    await resolution.getByText(s.paused, { exact: true }).waitFor();
    expect(await axe()).toEqual([]);

    // A normal ticket meets no policy: one quiet line.
    const other = await api('POST', '/objects/tickets', {
      subject: 'پرسش دربارهٔ صورتحساب',
      priority: 'normal',
    });
    await page.goto(`${base}/o/tickets/${other.id}`);
    await page.getByTestId('sla-none').getByText(s.noPolicyApplies).waitFor();
  }, 120_000);
});
