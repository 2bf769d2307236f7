/// <reference lib="dom" />
// Browser test in Persian, as an agent (the built-in agent role): on a Persian ticket, `/` at the start of the
// composer opens the canned replies, the keyboard finds one by its shortcut and puts it in rendered for the ticket
// (the requester's name and the ticket's number merged, the text right to left); it is sent; then the "Apply macro"
// menu on the ticket's page sets the status and priority and adds an internal note, all of it seen without a
// reload. No serious accessibility problems on the ticket's page at each step, nor on the replies' settings.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { apiCaller, signUp, type TestApp } from '../test/harness.ts';
import { actUntilShown, chooseFromMenu, launchBrowser } from './browser.ts';
import { newDeskPage, seriousAxeViolations, serveTestApp } from './desk.ts';

const r = fa.replies;
const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');

describe('canned replies and macros on a ticket in the browser, in Persian', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  let page: Page;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let ticket: { id: string; number: number };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const made = async (method: 'POST' | 'GET', url: string, body?: unknown) => {
    const response = await call(method, url, body);
    expect(response.statusCode, `${method} ${url}: ${response.body}`).toBeLessThan(300);
    return response.json();
  };
  /** axe-core on the page: no serious or critical violations. */
  const axe = () => seriousAxeViolations(page);

  beforeAll(async () => {
    ({ t, base } = await serveTestApp({ RABITA_OPEN_SIGNUP: 'true' }));
    admin = await signUp(t.app, { name: 'سارا رضایی' });

    // The admin's shared reply and macro, and a Persian ticket from زهرا.
    const person = await made('POST', '/objects/people', { firstName: 'زهرا', lastName: 'کریمی' });
    ticket = await made('POST', '/objects/tickets', {
      subject: 'کالای ارسالی آسیب دیده است',
      requester: person.id,
      language: 'fa',
    });
    await made('POST', '/service/canned-replies', {
      name: 'دریافت درخواست',
      shortcut: 'salam',
      folder: 'خوشامد',
      bodies: {
        fa: '{{ requester.firstName }} عزیز، درخواست شمارهٔ {{ ticket.number }} دریافت شد و در حال بررسی است.',
        en: 'Dear {{ requester.firstName }}, we received request {{ ticket.number }}.',
      },
      shared: true,
    });
    await made('POST', '/service/canned-replies', {
      name: 'پیگیری ارسال',
      shortcut: 'ersal',
      bodies: { fa: 'بسته شما فردا ارسال می‌شود.' },
      shared: true,
    });
    await made('POST', '/service/macros', {
      name: 'منتظر عکس کالا',
      changes: { status: 'pending_customer', priority: 'high' },
      note: 'از {{ requester.firstName }} عکس کالای آسیب‌دیده خواسته شد.',
    });

    // The agent joins by invitation in the browser's own context, and works in Persian.
    browser = await launchBrowser();
    page = await newDeskPage(browser);
    const invited = await made('POST', '/invitations', {
      email: `agent.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'agent',
    });
    const accepted = await page.request.post(`${base}/api/v1/auth/accept-invitation`, {
      data: { token: invited.token, name: 'علی احمدی', password: 'correct horse battery' },
    });
    expect(accepted.status(), await accepted.text()).toBe(200);
    const prefs = await page.request.patch(`${base}/api/v1/me`, {
      data: { locale: 'fa', calendar: 'persian', digits: 'arabext', timeZone: 'Asia/Tehran' },
    });
    expect(prefs.status(), await prefs.text()).toBe(200);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('puts a Persian canned reply into the composer with / and the keyboard, right to left, and sends it', async () => {
    await page.goto(`${base}/o/tickets/${ticket.id}`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    const composer = page.getByTestId('ticket-composer');
    const body = composer.getByRole('textbox');
    // The search box takes the keys: the shortcut, then Enter takes the best match. (The panels above the composer
    // load one by one on a busy machine; the `/` is typed again into an empty composer if the list did not open.)
    const search = page.getByRole('textbox', { name: r.search });
    await actUntilShown(async () => {
      await body.fill('');
      await body.click();
      await page.keyboard.type('/');
    }, search);
    await expect.poll(() => search.evaluate((e) => e === document.activeElement)).toBe(true);
    await page.keyboard.type('salam');
    await page.getByRole('option', { name: /دریافت درخواست/ }).waitFor();
    await expect.poll(() => page.getByRole('option').count()).toBe(1);
    await page.keyboard.press('Enter');

    const expected = `زهرا عزیز، درخواست شمارهٔ ${ticket.number} دریافت شد و در حال بررسی است.`;
    // The merged values come isolated (FSI … PDI); the `/` that opened the list is gone.
    const typed = async () => (await body.inputValue()).replace(/[\u2068\u2069]/g, '');
    await expect.poll(typed).toBe(expected);
    expect(await body.getAttribute('dir')).toBe('rtl');
    expect(await axe()).toEqual([]);

    // The button opens the same list; Escape closes it and leaves the text as it was.
    await actUntilShown(() => composer.getByRole('button', { name: r.pick }).click(), search);
    expect(await page.getByRole('option').count()).toBe(2);
    await page.keyboard.press('Escape');
    await search.waitFor({ state: 'hidden' });
    expect(await typed()).toBe(expected);

    const messages = page.getByTestId('ticket-messages');
    const send = composer.getByRole('button', { name: fa.service.send, exact: true });
    await actUntilShown(
      async () => {
        // Clicked again only while the text is still there and not being sent (the button is disabled meanwhile).
        if ((await body.inputValue()) !== '' && (await send.isEnabled())) await send.click();
      },
      messages.getByText('دریافت شد و در حال بررسی است', { exact: false }),
    );
    await expect.poll(() => body.inputValue()).toBe('');
    const [sent] = (await made('GET', `/tickets/${ticket.id}/messages`)).data;
    expect(sent.kind).toBe('reply');
    expect(sent.body.replace(/[\u2068\u2069]/g, '')).toBe(expected);
  }, 120_000);

  it('applies a macro from the ticket’s page: status and priority set, an internal note added', async () => {
    await chooseFromMenu(
      page.getByRole('button', { name: r.applyMacro }),
      page.getByRole('menuitem', { name: 'منتظر عکس کالا' }),
    );
    await page
      .getByTestId('ticket-messages')
      .getByText('عکس کالای آسیب‌دیده خواسته شد', { exact: false })
      .waitFor();
    await expect
      .poll(async () => {
        const now = await made('GET', `/objects/tickets/${ticket.id}`);
        return [now.status, now.priority];
      })
      .toEqual(['pending_customer', 'high']);
    const [note] = (await made('GET', `/tickets/${ticket.id}/messages`)).data;
    expect(note.kind).toBe('note');
    // The page shows the new status without a reload.
    await page.getByText('در انتظار مشتری').first().waitFor();
    expect(await axe()).toEqual([]);
    await fs.mkdir(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, 'service-replies.png'), fullPage: true });
  }, 120_000);

  it('lists the replies in settings, shared ones marked, with no accessibility problems', async () => {
    await page.goto(`${base}/settings?tab=canned-replies`);
    await page.getByTestId('canned-reply').filter({ hasText: 'دریافت درخواست' }).waitFor();
    expect(await page.getByTestId('canned-reply').count()).toBe(2);
    // An agent keeps personal replies: the form has no "share" choice for them.
    expect(await page.getByLabel(r.shareLabel).count()).toBe(0);
    expect(await axe()).toEqual([]);
    await page.goto(`${base}/settings?tab=macros`);
    await page.getByTestId('macro').filter({ hasText: 'منتظر عکس کالا' }).waitFor();
    expect(await axe()).toEqual([]);
  }, 120_000);
});
