/// <reference lib="dom" />
// Browser test in Persian: an agent opens the inbox, sees its views with their counts (no "My team's": she is in
// no team), the unassigned tickets by time left to breach, moves with j and k, takes the most urgent with a (it
// leaves "Unassigned" and joins "Mine"), finds it first in "Mine" and opens it with Enter. A second agent opens the
// same ticket in another browser context: each sees that the other has it open, and the first sees the second
// writing a reply. Ordered by priority instead of time left, an urgent question with a longer deadline comes first,
// and the choice stays after a reload. No serious accessibility problem on the inbox or the ticket page.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { seriousAxeViolations as axe, openSignedInDesk, type SignedInDesk } from './desk.ts';

const SHOTS = process.env.RABITA_SCREENSHOTS;
const s = fa.inbox;
const PERSIAN_DIGITS = '۰۱۲۳۴۵۶۷۸۹';
const persian = (n: number) => String(n).replace(/\d/g, (d) => PERSIAN_DIGITS[Number(d)]!);

describe('the agents’ inbox in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  let other: Page;
  let me: string;
  const ids: Record<string, string> = {};
  const api = (method: string, url: string, body?: unknown) => desk.api(method, url, body);
  const shot = async (p: Page, name: string) => {
    if (SHOTS) await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  };
  const count = (view: string) => page.getByTestId(`inbox-count-${view}`).textContent();
  const rowIds = () =>
    page.getByTestId('inbox-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ticket-id')));
  const selectedId = () =>
    page.locator('[data-testid="inbox-row"][aria-selected="true"]').getAttribute('data-ticket-id');

  beforeAll(async () => {
    desk = await openSignedInDesk('سارا رضایی', {
      locale: 'fa',
      calendar: 'persian',
      digits: 'arabext',
      timeZone: 'Asia/Tehran',
    });
    ({ base, page } = desk);
    me = ((await api('GET', '/me')).user as { id: string }).id;
    // Around the clock: an urgent ticket is due in 30 minutes, a high one in 45, a normal one in 4 hours.
    await api('POST', '/service/sla-policies', {
      name: 'همهٔ تیکت‌ها',
      businessTime: false,
      targets: {
        urgent: { first_response: 30, resolution: 240 },
        high: { first_response: 45, resolution: 480 },
        normal: { first_response: 240, resolution: 2880 },
        low: { first_response: 1440, resolution: 10080 },
      },
    });
    const requester = (await api('POST', '/objects/people', { firstName: 'زهرا', lastName: 'کریمی' })).id;
    // Tickets made through the API are their maker's unless said otherwise: the unassigned ones say so.
    const tickets: [string, string, Record<string, unknown>][] = [
      ['low', 'درخواست فاکتور رسمی برای سفارش ۳۳۰۱', { priority: 'low', owner: null }],
      ['normal', 'تغییر نشانی ارسال سفارش ۳۳۰۲', { priority: 'normal', owner: null, requester }],
      [
        'urgent',
        'درگاه پرداخت فروشگاه از دسترس خارج شده است',
        { priority: 'urgent', owner: null, requester },
      ],
      ['high', 'مبلغ سفارش ۳۳۰۴ دو بار کسر شده', { priority: 'high', owner: me }],
      ['pending', 'منتظر رسید بانکی مشتری', { priority: 'normal', owner: me, status: 'pending_customer' }],
      ['closed', 'سفارش ۳۲۰۰ تحویل شد', { priority: 'urgent', status: 'closed', owner: null }],
    ];
    for (const [key, subject, extra] of tickets)
      ids[key] = (await api('POST', '/objects/tickets', { subject, language: 'fa', ...extra })).id as string;
    // The SLA desk has set the deadlines the inbox sorts by.
    for (const key of ['low', 'normal', 'urgent', 'high']) {
      for (let i = 0; !(await api('GET', `/objects/tickets/${ids[key]}`)).slaDueAt; i++) {
        if (i > 50) throw new Error(`no SLA deadline on the ${key} ticket`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    // A second agent, signed in in a browser context of their own, with a role that may list the members (the
    // warning names them; without `members.read` it says "a team member").
    const invited = await api('POST', '/invitations', {
      email: `ali.${me.slice(0, 8)}@example.com`,
      role: 'member',
    });
    const context = await desk.browser.newContext({
      viewport: { width: 1300, height: 950 },
      reducedMotion: 'reduce',
    });
    other = await context.newPage();
    other.setDefaultTimeout(20_000);
    const accepted = await other.request.post(`${base}/api/v1/auth/accept-invitation`, {
      data: { token: invited.token, name: 'علی احمدی', password: 'correct horse battery' },
    });
    expect(accepted.status(), await accepted.text()).toBe(200);
    const prefs = await other.request.patch(`${base}/api/v1/me`, {
      data: { locale: 'fa', calendar: 'persian', digits: 'arabext', timeZone: 'Asia/Tehran' },
    });
    expect(prefs.status(), await prefs.text()).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('shows the views with their counts in Persian digits, and the unassigned tickets by time left', async () => {
    await page.goto(`${base}/service/inbox`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('link', { name: s.title }).waitFor();
    await page.getByRole('heading', { name: s.title }).waitFor();
    const views = page.getByRole('tablist', { name: s.viewsLabel }).getByRole('tab');
    await expect
      .poll(() => views.allTextContents())
      .toEqual([
        `${s.views.mine}${persian(2)}`,
        `${s.views.unassigned}${persian(3)}`,
        `${s.views.breaching}${persian(2)}`,
        `${s.views.pending}${persian(1)}`,
        `${s.views.open}${persian(5)}`,
      ]);
    // Mine first: the high ticket (45 minutes) before the pending one (4 hours).
    await expect.poll(rowIds).toEqual([ids.high, ids.pending]);

    await page.getByRole('tab', { name: new RegExp(s.views.unassigned) }).click();
    await expect.poll(rowIds).toEqual([ids.urgent, ids.normal, ids.low]);
    const first = page.getByTestId('inbox-row').first();
    await first.getByText('درگاه پرداخت فروشگاه از دسترس خارج شده است').waitFor();
    expect(await first.getByText('درگاه پرداخت').getAttribute('dir')).toBe('auto');
    // Time left in Persian words and digits: "۲۹ دقیقه" or "۳۰ دقیقه".
    await expect.poll(() => first.locator('td').last().textContent()).toMatch(/^[۲۳][۰۹] دقیقه$/);
    expect(await first.locator('td').first().textContent()).toMatch(/^#[۰-۹]+$/);
    await shot(page, 'inbox-unassigned');
    expect(await axe(page)).toEqual([]);
  });

  it('moves with j and k, takes the most urgent ticket with a, and opens it from Mine with Enter', async () => {
    await page.getByRole('heading', { name: s.title }).click();
    await page.keyboard.press('j');
    await expect.poll(selectedId).toBe(ids.urgent);
    await page.keyboard.press('j');
    await expect.poll(selectedId).toBe(ids.normal);
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await expect.poll(selectedId).toBe(ids.low);
    await page.keyboard.press('k');
    await page.keyboard.press('k');
    await expect.poll(selectedId).toBe(ids.urgent);

    // The shortcuts' list, on ?.
    await page.keyboard.press('Shift+Slash');
    const help = page.getByRole('dialog', { name: s.shortcuts });
    await help.getByText(s.keys.assign).waitFor();
    expect(await axe(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'hidden' });

    await page.keyboard.press('a');
    await page
      .getByTestId('inbox-said')
      .getByText(/به شما سپرده شد/)
      .waitFor();
    expect((await api('GET', `/objects/tickets/${ids.urgent}`)).owner).toBe(me);
    await expect.poll(rowIds).toEqual([ids.normal, ids.low]);
    await expect.poll(() => count('unassigned')).toBe(persian(2));
    await expect.poll(() => count('mine')).toBe(persian(3));

    await page.getByRole('tab', { name: new RegExp(s.views.mine) }).click();
    await expect.poll(rowIds).toEqual([ids.urgent, ids.high, ids.pending]);
    await page.getByRole('heading', { name: s.title }).click();
    await page.keyboard.press('j');
    await expect.poll(selectedId).toBe(ids.urgent);
    await shot(page, 'inbox-mine');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${base}/o/tickets/${ids.urgent}`);
    await page.getByTestId('ticket-composer').waitFor();
  });

  it('warns each agent that the other has the ticket open, and that the other is writing a reply', async () => {
    await other.goto(`${base}/o/tickets/${ids.urgent}`);
    const theirs = other.getByTestId('ticket-presence');
    await theirs.getByText(s.alsoViewing.replace('{{names}}', 'سارا رضایی')).waitFor();

    // The first agent's page asks every 10 seconds.
    const mine = page.getByTestId('ticket-presence');
    await mine.getByText(s.alsoViewing.replace('{{names}}', 'علی احمدی')).waitFor({ timeout: 25_000 });
    await other.getByTestId('ticket-composer').getByRole('textbox').fill('سلام، در حال بررسی درگاه هستیم.');
    await mine.getByText(s.replying.replace('{{name}}', 'علی احمدی')).waitFor({ timeout: 25_000 });
    await shot(page, 'inbox-collision');
    expect(await axe(page)).toEqual([]);

    // n on the ticket page: the composer in note mode, the caret in it.
    await page.getByTestId('ticket-presence').click();
    await page.keyboard.press('n');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('ticket-composer-body');
    expect(await page.locator('[data-testid="ticket-kind"] input[value="note"]').isChecked()).toBe(true);
  });

  it('orders a view by priority, then time left, when the agent asks, and keeps that order', async () => {
    // Questions have a policy of their own, matched first: an urgent question is due in ten hours, later than the
    // normal ticket's four.
    const policies = (await api('GET', '/service/sla-policies')).data as { id: string; name: string }[];
    await api('POST', '/service/sla-policies', {
      name: 'پرسش‌ها',
      businessTime: false,
      condition: { field: 'type', op: 'eq', value: 'question' },
      targets: { urgent: { first_response: 600, resolution: 2880 } },
    });
    const everyTicket = policies.find((p) => p.name === 'همهٔ تیکت‌ها')!;
    await api('PATCH', `/service/sla-policies/${everyTicket.id}`, { position: 10 });
    ids.question = (
      await api('POST', '/objects/tickets', {
        subject: 'آیا فاکتور رسمی برای شرکت صادر می‌شود؟',
        language: 'fa',
        type: 'question',
        priority: 'urgent',
        owner: null,
      })
    ).id as string;
    for (let i = 0; !(await api('GET', `/objects/tickets/${ids.question}`)).slaDueAt; i++) {
      if (i > 50) throw new Error('no SLA deadline on the question');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    await page.goto(`${base}/service/inbox`);
    await page.getByRole('tab', { name: new RegExp(s.views.unassigned) }).click();
    await expect.poll(rowIds).toEqual([ids.normal, ids.question, ids.low]);
    await page.getByTestId('inbox-order').getByText(s.orders.priority, { exact: true }).click();
    await expect.poll(rowIds).toEqual([ids.question, ids.normal, ids.low]);
    await shot(page, 'inbox-by-priority');
    expect(await axe(page)).toEqual([]);

    // The choice is the agent's, kept in this browser.
    await page.reload();
    await page.getByRole('tab', { name: new RegExp(s.views.unassigned) }).click();
    await expect.poll(rowIds).toEqual([ids.question, ids.normal, ids.low]);
    await page.getByTestId('inbox-order').getByText(s.orders.timeLeft, { exact: true }).click();
    await expect.poll(rowIds).toEqual([ids.normal, ids.question, ids.low]);
  });
});
