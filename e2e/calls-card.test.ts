/// <reference lib="dom" />
// Browser test: the call card. An extension mapped to the signed-in agent; a person whose phone is written in Persian
// digits and who uses a wheelchair; the phone system posts a ringing call from the number with a trunk prefix while
// the agent is on another page, and the card pops there with the name and the flag (icon and text). The call is
// answered and ends; the card stays with the wrap-up: notes, code, outcome, a ticket opened from the card. The
// person's page shows the call with its notes and the ticket on the timeline. Then again in Persian, right to left,
// through a queue whose name the card shows.
// No serious accessibility problems.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../apps/web/src/i18n/en.ts';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { connectMyExtension, openWithStream as openPage, phoneSystem } from './calls-desk.ts';
import {
  seriousAxeViolations as axe,
  openSignedInDesk,
  PERSIAN_IN_TEHRAN,
  type SignedInDesk,
} from './desk.ts';

const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');

describe('the call card pops on any page and takes the wrap-up', () => {
  let desk: SignedInDesk;
  let page: Page;
  let base: string;
  let apiKey: string;
  let person: string;
  const api = (method: string, url: string, body?: unknown) => desk.api(method, url, body);
  const shot = async (name: string) => {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  /** What the phone system posts: one event of a call, from the number with the trunk's `9` before it. */
  const phoneSays = phoneSystem(
    () => base,
    () => apiKey,
    { from: '909121234567', to: '200', extension: '200' },
  );
  /** Opens a page and waits until its event stream is connected. */
  const openWithStream = (to: string) => openPage(page, base, to);

  beforeAll(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    desk = await openSignedInDesk('Nadia Agent', { locale: 'en' });
    ({ page, base } = desk);
    apiKey = await connectMyExtension(desk, '200', {
      name: 'Office PBX',
      stripPrefixes: ['9'],
      country: 'IR',
    });
    await api('PUT', '/calls/wrap-up-codes', {
      codes: [
        { code: 'billing', label: 'Billing question' },
        { code: 'complaint', label: 'Complaint' },
      ],
    });
    person = (
      await api('POST', '/objects/people', {
        firstName: 'Zahra',
        lastName: 'Ahmadi',
        phones: ['+۹۸ ۹۱۲ ۱۲۳ ۴۵۶۷'],
        flags: ['wheelchair'],
      })
    ).id as string;
    // The queue the Persian call comes through.
    await api('POST', '/calls/queues', { name: 'پشتیبانی ویژه', keys: ['vip-support'] });
  }, 120_000);
  afterAll(() => desk?.close());

  it('pops the card with the caller’s name and flag on another page, and keeps it for the wrap-up', async () => {
    await openWithStream('/o/companies');
    await phoneSays('e2e-1', 'ringing');
    const card = page.getByTestId('call-card');
    await card.waitFor();
    await expect.poll(() => card.getByTestId('call-card-name').textContent()).toBe('Zahra Ahmadi');
    const flags = card.getByTestId('call-card-flags');
    await flags.getByText('Wheelchair user').waitFor();
    expect(await flags.locator('svg').count()).toBeGreaterThan(0);
    expect(page.url()).toContain('/o/companies');
    // A call of no queue shows no queue.
    expect(await card.getByTestId('call-card-queue').count()).toBe(0);
    await shot('call-card-ringing');
    expect(await axe(page, '[data-testid="call-card"]')).toEqual([]);

    await phoneSays('e2e-1', 'answered');
    await phoneSays('e2e-1', 'ended', { cause: 'normal', duration: 95 });
    await expect.poll(() => card.getAttribute('data-call-state')).toBe('ended');
    const form = card.getByTestId('wrap-up-form');
    await form.getByLabel(en.callCard.notes).fill('Needs a ramp at the branch entrance');
    await form.getByLabel(en.callCard.wrapUpCode).and(page.locator('input:not([type=hidden])')).click();
    await page.getByRole('option', { name: 'Complaint', exact: true }).click();
    await form.getByRole('button', { name: en.callCard.saveWrapUp }).click();
    await form.getByText(en.callCard.saved).waitFor();
    await form.getByLabel(en.callCard.ticketSubjectLabel).fill('No ramp at the branch');
    await form.getByRole('button', { name: en.callCard.openTicket }).click();
    await form.getByRole('link', { name: en.callCard.ticketOpened }).waitFor();
    await shot('call-card-wrap-up');
    expect(await axe(page, '[data-testid="call-card"]')).toEqual([]);

    const tickets = (await api('GET', '/objects/tickets')) as { data: Record<string, unknown>[] };
    expect(tickets.data.find((t) => t.subject === 'No ramp at the branch')).toMatchObject({
      requester: person,
      channel: 'phone',
    });
  });

  it('opens the person’s page from the card, with the call, its notes and the ticket on the timeline', async () => {
    await page.getByTestId('call-card-name').getByRole('link').click();
    // Focused on the call (the page shows the call's entry highlighted; see calls-focus.test.ts).
    await page.waitForURL(`**/o/people/${person}?call=*`);
    const entry = page.getByTestId('timeline-call').first();
    await entry.getByText('Needs a ramp at the branch entrance').waitFor();
    await entry.getByText(/Complaint/).waitFor();
    await entry.getByRole('link', { name: /No ramp at the branch/ }).waitFor();
    // The agent closes the card: the page under it is whole again.
    await page.getByTestId('call-card').getByRole('button', { name: en.callCard.close }).click();
    await page.getByTestId('call-card').waitFor({ state: 'detached' });
    await entry.getByText(en.callCard.kinds.callIn).waitFor();
    await shot('call-card-timeline');
  });

  it('opens a complaint from the answered call’s card and sends a self-service link by SMS', async () => {
    await api('PUT', '/calls/self-service-url', { url: 'https://help.example.com/self-service' });
    await openWithStream('/o/companies');
    await phoneSays('e2e-3', 'ringing');
    await phoneSays('e2e-3', 'answered');
    const card = page.getByTestId('call-card');
    await expect.poll(() => card.getAttribute('data-call-state'), { timeout: 15_000 }).toBe('answered');
    const report = card.getByTestId('call-report');
    await report.getByText(en.callExtras.complaint, { exact: true }).click();
    await report.getByRole('button', { name: en.callExtras.openReport }).click();
    await report.getByRole('link', { name: /^Report ticket/ }).waitFor();
    const selfService = card.getByTestId('call-self-service');
    await selfService.getByText(en.callExtras.sms, { exact: true }).click();
    await selfService.getByRole('button', { name: en.callExtras.sendLink }).click();
    await selfService.getByText(en.callExtras.sent, { exact: true }).waitFor();
    // The pointer off the button it pressed (a hovered light button is paler).
    await page.mouse.move(0, 0);
    await shot('call-card-extras');
    expect(await axe(page, '[data-testid="call-card"]')).toEqual([]);

    const tickets = (await api('GET', '/objects/tickets')) as { data: Record<string, unknown>[] };
    expect(tickets.data.find((t) => t.type === 'complaint')).toMatchObject({
      requester: person,
      channel: 'phone',
    });
    await page.getByTestId('call-card').getByRole('button', { name: en.callCard.close }).click();
    await page.getByTestId('call-card').waitFor({ state: 'detached' });
  });

  it('says a call is incoming, never from an unknown caller, while its card cannot be read, and names the caller once it can', async () => {
    await openWithStream('/o/companies');
    // The server too busy to answer the card's reads (as at saturation): they fail until it recovers.
    let busy = true;
    let refused = 0;
    await page.route('**/api/v1/calls/*/card', async (route) => {
      if (!busy) return route.continue();
      refused += 1;
      await route.fulfill({
        status: 503,
        contentType: 'application/problem+json',
        body: JSON.stringify({ status: 503, code: 'unavailable', detail: 'Busy.' }),
      });
    });
    try {
      await phoneSays('e2e-busy', 'ringing');
      const card = page.getByTestId('call-card');
      await card.getByTestId('call-card-read-failed').waitFor();
      expect(await card.getByTestId('call-card-name').textContent()).toBe(en.callCard.incoming);
      expect(await card.textContent()).not.toContain(en.callCard.unknownCaller);
      expect(refused).toBeGreaterThanOrEqual(2);
      await shot('call-card-read-failed');
      // The server answers again: the card reads itself again by itself, and names the caller.
      busy = false;
      await expect
        .poll(() => card.getByTestId('call-card-name').textContent(), { timeout: 15_000 })
        .toBe('Zahra Ahmadi');
      expect(await card.getByTestId('call-card-read-failed').count()).toBe(0);
      await phoneSays('e2e-busy', 'answered', { extension: '999' });
      await card.waitFor({ state: 'detached' });
    } finally {
      await page.unroute('**/api/v1/calls/*/card');
    }
  });

  it('pops the card right to left in Persian', async () => {
    await api('PATCH', '/me', PERSIAN_IN_TEHRAN);
    await openWithStream('/o/deals');
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    // The call comes through a queue: its name shows beside the state, and is read out as the queue's.
    await phoneSays('e2e-2', 'ringing', { queue: 'VIP-Support' });
    const card = page.getByTestId('call-card');
    await card.getByTestId('call-card-flags').getByText('کاربر ویلچر').waitFor();
    const queue = card.getByTestId('call-card-queue');
    await expect.poll(() => queue.getAttribute('title')).toBe('صف: پشتیبانی ویژه');
    expect(await queue.textContent()).toContain(fa.callCard.queue.replace('{{name}}', 'پشتیبانی ویژه'));
    // Under the state, their ends lined up: on the left, right to left.
    const [queueBox, stateBox] = [
      (await queue.boundingBox())!,
      (await card.getByTestId('call-card-state').boundingBox())!,
    ];
    expect(queueBox.y).toBeGreaterThan(stateBox.y);
    expect(Math.abs(queueBox.x - stateBox.x)).toBeLessThan(2);
    await card.getByText(fa.callCard.openTickets).waitFor();
    // The caller's number reads left to right inside the right-to-left card: its plus first, on the left.
    const number = card.getByTestId('call-card-number');
    expect(await number.textContent()).toBe('+989121234567');
    expect(await number.evaluate((el) => getComputedStyle(el).direction)).toBe('ltr');
    // At the end of the reading direction: the left side, right to left.
    const box = (await card.boundingBox())!;
    expect(box.x).toBeLessThan(100);
    await shot('call-card-ringing-fa');
    // On a phone's width the state is still written whole: no box of it narrower than its words.
    const wide = page.viewportSize();
    await page.setViewportSize({ width: 360, height: 740 });
    const state = card.getByTestId('call-card-state');
    await expect
      .poll(() =>
        state.evaluate((el) =>
          [el, ...el.querySelectorAll('*')]
            .filter((n) => n instanceof HTMLElement)
            .every((n) => n.scrollWidth <= Math.ceil(n.getBoundingClientRect().width) + 1),
        ),
      )
      .toBe(true);
    expect(await state.textContent()).toBe(fa.callCard.states.ringing);
    await shot('call-card-ringing-fa-narrow');
    if (wide) await page.setViewportSize(wide);
    expect(await axe(page, '[data-testid="call-card"]')).toEqual([]);
    // Answered at another agent's extension: the card closes here.
    await phoneSays('e2e-2', 'answered', { extension: '999' });
    await card.waitFor({ state: 'detached' });
  });
});
