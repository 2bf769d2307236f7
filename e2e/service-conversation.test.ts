/// <reference lib="dom" />
// Browser test in Persian: a person and a ticket made through the forms, then the ticket's conversation — an
// internal note sent with Ctrl+Enter and a reply sent with "set pending customer" — shown oldest first, the note
// marked, the reply's Persian paragraph right to left and its English one left to right, times in the Jalali
// calendar and Persian digits; the ticket's status and first response refresh on its page. A body the server
// refuses is said under the composer and stays typed. A long conversation brings its earlier messages in on
// scrolling up. No serious accessibility problems.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { chooseFromMenu } from './browser.ts';
import { openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk, seriousAxeViolations } from './desk.ts';

const s = fa.service;
const NOTE = 'مشتری VIP است؛ با احترام و سریع پاسخ دهید.';
const REPLY_FA = 'سلام مریم جان، سفارش شما بررسی شد و عکس‌ها را دریافت کردیم.';
const REPLY_EN = 'Your order 4471 ships on Monday from the Tehran warehouse.';

describe('a ticket’s conversation in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let ticketId: string;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  /** axe-core on a part of the screen: no serious or critical violations. */
  const axe = (selector: string) => seriousAxeViolations(page, selector);
  const messages = () => page.getByTestId('ticket-message');
  const composer = () => page.getByTestId('ticket-composer');
  const body = () => composer().getByRole('textbox');

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا رضایی', PERSIAN_IN_TEHRAN);
    ({ base, page } = desk);
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('creates a person and a ticket for them through the forms', async () => {
    await page.goto(`${base}/o/people`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('button', { name: fa.list.new, exact: true }).click();
    await page.locator('[data-field=firstName] input').fill('مریم');
    await page.locator('[data-field=lastName] input').fill('احمدی');
    await page.getByRole('button', { name: fa.record.save, exact: true }).click();
    await page.waitForURL(/\/o\/people\/[0-9a-f-]{36}$/);

    await page.goto(`${base}/o/tickets`);
    await page.getByRole('button', { name: fa.list.new, exact: true }).click();
    await page.locator('[data-field=subject] input').fill('کالای ارسالی آسیب دیده است');
    await page.getByRole('combobox', { name: 'درخواست‌کننده' }).fill('مریم');
    await page.getByRole('option', { name: 'مریم احمدی' }).click();
    await page.getByRole('button', { name: fa.record.save, exact: true }).click();
    await page.waitForURL(/\/o\/tickets\/[0-9a-f-]{36}$/);
    ticketId = page.url().split('/').pop()!;
    await expect
      .poll(() => page.getByTestId('record-title').textContent())
      .toBe('کالای ارسالی آسیب دیده است');
    await page.getByTestId('ticket-conversation').getByText(s.noMessages).waitFor();
  }, 60_000);

  it('sends an internal note and a reply that sets pending customer, shown in order with the note marked', async () => {
    // The note, sent from the keyboard.
    await page.getByTestId('ticket-kind').getByText(s.kind.note, { exact: true }).click();
    await body().fill(NOTE);
    await body().press('Control+Enter');
    await expect.poll(() => messages().count()).toBe(1);
    await expect.poll(() => body().inputValue()).toBe('');

    // The reply, in two paragraphs, moving the ticket to pending customer.
    await page.getByTestId('ticket-kind').getByText(s.kind.reply, { exact: true }).click();
    await body().fill(`${REPLY_FA}\n\n${REPLY_EN}`);
    await chooseFromMenu(
      composer().getByRole('button', { name: s.sendAndSet }),
      page.getByRole('menuitem', { name: 'در انتظار مشتری' }),
    );
    await expect.poll(() => messages().count()).toBe(2);
    await expect.poll(() => body().inputValue()).toBe('');

    // Oldest at the top: the note, marked and set apart, then the reply.
    const [note, reply] = [messages().nth(0), messages().nth(1)];
    expect(await note.getAttribute('data-kind')).toBe('note');
    expect(await reply.getAttribute('data-kind')).toBe('reply');
    await note.getByText(s.noteBadge, { exact: true }).waitFor();
    expect(await reply.getByText(s.noteBadge, { exact: true }).count()).toBe(0);
    const background = (l: typeof note) => l.evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(await background(note)).not.toBe(await background(reply));
    expect(await note.getByTestId('ticket-message-body').textContent()).toBe(NOTE);
    for (const m of [note, reply]) {
      expect(await m.getByTestId('ticket-message-author').textContent()).toBe('سارا رضایی');
      // When, in the Jalali calendar and Persian digits.
      const when = (await m.locator('time').textContent()) ?? '';
      expect(when).toMatch(/[۰-۹]/);
      expect(when).not.toMatch(/[0-9]/);
    }

    // Each paragraph takes its own direction: the Persian one right to left, the English one left to right.
    const paragraph = (text: string) => reply.locator('p', { hasText: text });
    const direction = (text: string) => paragraph(text).evaluate((e) => getComputedStyle(e).direction);
    expect(await direction(REPLY_FA)).toBe('rtl');
    expect(await direction(REPLY_EN)).toBe('ltr');

    // The ticket's page read it again: pending customer, with its first response stamped.
    await expect.poll(() => page.getByTestId('record-subtitle').textContent()).toContain('در انتظار مشتری');
    await expect
      .poll(async () => ((await page.locator('[data-field=firstResponseAt]').textContent()) ?? '').trim())
      .toMatch(/[۰-۹]/);
    const ticket = await api('GET', `/objects/tickets/${ticketId}`);
    expect(ticket.status).toBe('pending_customer');
    expect(ticket.firstResponseAt).toBeTruthy();
    const stored = (await api('GET', `/tickets/${ticketId}/messages`)).data as { kind: string }[];
    expect(stored.map((m) => m.kind)).toEqual(['reply', 'note']);

    expect(await page.evaluate(() => getComputedStyle(document.body).direction)).toBe('rtl');
    expect(await axe('body')).toEqual([]);
  }, 60_000);

  it('says under the composer why the server refused a message and keeps what was typed', async () => {
    // One character over the server's limit, without a trailing space it would trim away.
    const tooLong = 'پیام '.repeat(20_001).trim();
    expect(tooLong.length).toBeGreaterThan(100_000);
    await body().fill(tooLong);
    await composer().getByRole('button', { name: s.send, exact: true }).click();
    await composer()
      .getByRole('alert')
      .getByText(/100000/)
      .waitFor();
    expect(await body().getAttribute('aria-invalid')).toBe('true');
    expect((await body().inputValue()).length).toBe(tooLong.length);
    expect(await messages().count()).toBe(2);
    await body().fill('');
  }, 60_000);

  it('brings earlier messages in when the conversation is scrolled up', async () => {
    const { id } = await api('POST', '/objects/tickets', { subject: 'گفت‌وگوی طولانی' });
    for (let i = 1; i <= 35; i += 1)
      await api('POST', `/tickets/${id}/messages`, {
        kind: i % 2 ? 'customer' : 'reply',
        body: `پیام شماره ${i}`,
      });
    await page.goto(`${base}/o/tickets/${id}`);
    // The ticket page loads its panels one by one; on a loaded machine the conversation comes last.
    await expect.poll(() => messages().count(), { timeout: 20_000 }).toBe(30);
    // The newest at the bottom, in view.
    await messages().last().getByText('پیام شماره 35').waitFor();
    await page.getByTestId('ticket-messages').evaluate((e) => {
      e.scrollTop = 0;
    });
    await expect.poll(() => messages().count()).toBe(35);
    await messages().first().getByText('پیام شماره 1', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: s.loadEarlier }).count()).toBe(0);
    // A customer's message without a requester is said to be the customer's.
    expect(await messages().first().getByTestId('ticket-message-author').textContent()).toBe(s.customer);
  }, 60_000);
});
