/// <reference lib="dom" />
// Browser test: one event stream per browser, shared by its tabs. Two tabs of one browser, signed in as the same
// agent: the server sees one event stream; a ringing call pops its card in both tabs and its end closes it in both.
// The leading tab closes: the other tab opens the stream itself and the next call still pops there.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMyExtension, openWithStream, phoneSystem } from './calls-desk.ts';
import { openSignedInDesk, type SignedInDesk } from './desk.ts';

const EVENTS = '/api/v1/events';

describe('one event stream per browser, shared by its tabs', () => {
  let desk: SignedInDesk;
  let context: BrowserContext;
  let first: Page;
  let second: Page;
  let base: string;
  let apiKey: string;
  /** Event streams the server holds open now and has been asked for in all, and how many each tab asked for. */
  let open = 0;
  let served = 0;
  const asked = new Map<Page, number>();
  const phoneSays = phoneSystem(
    () => base,
    () => apiKey,
    { from: '+989121234567', to: '200', extension: '200' },
  );

  beforeAll(async () => {
    desk = await openSignedInDesk('Nadia Agent', { locale: 'en' });
    ({ page: first, base } = desk);
    context = first.context();
    // What the server sees: every request for the event stream, open until its response closes.
    desk.t.app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      if (!request.url?.startsWith(EVENTS)) return;
      open += 1;
      served += 1;
      response.on('close', () => {
        open -= 1;
      });
    });
    // What the browser asks for, by tab.
    context.on('request', (request) => {
      if (!new URL(request.url()).pathname.startsWith(EVENTS)) return;
      const page = request.frame().page();
      asked.set(page, (asked.get(page) ?? 0) + 1);
    });
    apiKey = await connectMyExtension(desk, '200', { name: 'Office PBX', country: 'IR' });
    await desk.api('POST', '/objects/people', {
      firstName: 'Zahra',
      lastName: 'Ahmadi',
      phones: ['+98 912 123 4567'],
    });
  }, 120_000);
  afterAll(() => desk?.close());

  it('opens one stream for two tabs, and a call pops and closes in both', async () => {
    await openWithStream(first, base, '/o/companies');
    second = await context.newPage();
    second.setDefaultTimeout(20_000);
    await second.goto(`${base}/o/deals`);
    await second.getByRole('banner').waitFor();
    // Time for a second stream to show, were the tab to open one.
    await second.waitForTimeout(1_500);
    expect(open).toBe(1);
    expect(served).toBe(1);
    expect(asked.get(first)).toBe(1);
    expect(asked.get(second) ?? 0).toBe(0);

    await phoneSays('tabs-1', 'ringing');
    for (const tab of [first, second]) {
      const card = tab.getByTestId('call-card');
      await card.waitFor();
      await expect.poll(() => card.getByTestId('call-card-name').textContent()).toBe('Zahra Ahmadi');
    }
    // Nobody answered: the card closes in both tabs.
    await phoneSays('tabs-1', 'ended', { cause: 'no_answer' });
    for (const tab of [first, second]) await tab.getByTestId('call-card').waitFor({ state: 'detached' });
    expect(open).toBe(1);
  });

  it('hands the stream to the other tab when the leading one closes', async () => {
    await first.close();
    // The browser drops the closed tab's lock; the other tab opens the stream and checks whose it is.
    await expect.poll(() => asked.get(second) ?? 0, { timeout: 15_000 }).toBe(1);
    await expect.poll(() => [served, open], { timeout: 15_000 }).toEqual([2, 1]);
    await second.waitForTimeout(500);

    await phoneSays('tabs-2', 'ringing');
    const card = second.getByTestId('call-card');
    await card.waitFor();
    await expect.poll(() => card.getByTestId('call-card-name').textContent()).toBe('Zahra Ahmadi');
    await expect.poll(() => card.getAttribute('data-call-state')).toBe('ringing');
    expect(open).toBe(1);
  });
});
