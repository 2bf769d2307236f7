/// <reference lib="dom" />
// Browser test: the record's page focused on a call. A call pops its card on another page and is answered; the
// caller's name on the card opens the record's page with the call named in the address: the call's timeline entry is
// in view, highlighted, with the wrap-up form under it (starting from a note typed in the card and not saved), and
// the card keeps to its heading without a form of its own. A note saved there shows on the timeline. For a person, a
// company, and (in Persian, right to left) a lead.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../apps/web/src/i18n/en.ts';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { connectMyExtension, openWithStream, phoneSystem } from './calls-desk.ts';
import {
  seriousAxeViolations as axe,
  openSignedInDesk,
  PERSIAN_IN_TEHRAN,
  type SignedInDesk,
} from './desk.ts';

const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');

describe('the record’s page focused on a call', () => {
  let desk: SignedInDesk;
  let page: Page;
  let base: string;
  let apiKey: string;
  const records: Record<'person' | 'company' | 'lead', string> = { person: '', company: '', lead: '' };
  const api = (method: string, url: string, body?: unknown) => desk.api(method, url, body);
  const phoneSays = phoneSystem(
    () => base,
    () => apiKey,
    { to: '200', extension: '200' },
  );

  /**
   * A call from `from` rings and is answered on another page; `typed` is written in the card's notes (not saved),
   * `meanwhile` done; the card's name is clicked. Answers the card.
   */
  const answerAndOpen = async (
    callId: string,
    from: string,
    [object, id]: [string, string],
    { typed, meanwhile }: { typed?: string; meanwhile?: () => Promise<void> } = {},
  ) => {
    await openWithStream(page, base, '/o/deals');
    await phoneSays(callId, 'ringing', { from });
    await phoneSays(callId, 'answered', { from });
    const card = page.getByTestId('call-card');
    await expect.poll(() => card.getAttribute('data-call-state'), { timeout: 15_000 }).toBe('answered');
    if (typed) await card.getByTestId('wrap-up-form').locator('textarea').first().fill(typed);
    await meanwhile?.();
    await card.getByTestId('call-card-name').getByRole('link').click();
    await page.waitForURL((url) => url.pathname === `/o/${object}/${id}` && url.searchParams.has('call'));
    return card;
  };

  /** The focused entry: in view, highlighted, the wrap-up form in it; the card without a form of its own. */
  const expectFocused = async (card: Locator, onPage: string) => {
    const focused = page.getByTestId('focused-call');
    await focused.getByTestId('wrap-up-form').waitFor();
    expect(await focused.getAttribute('aria-current')).toBe('true');
    expect(await focused.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');
    await expect
      .poll(() =>
        focused.evaluate((el) => {
          const box = el.getBoundingClientRect();
          return box.top >= 56 && box.top < window.innerHeight / 2;
        }),
      )
      .toBe(true);
    await card.getByTestId('call-card-on-page').getByText(onPage).waitFor();
    expect(await card.getByTestId('wrap-up-form').count()).toBe(0);
    return focused;
  };

  /**
   * Saves a note in the focused entry's form (`typed`: already there, from the card); the note then shows in the
   * entry as the timeline reads it.
   */
  const saveNote = async (focused: Locator, labels: typeof en.callCard, note: string, typed = false) => {
    const form = focused.getByTestId('wrap-up-form');
    if (typed) expect(await form.getByLabel(labels.notes).inputValue()).toBe(note);
    else await form.getByLabel(labels.notes).fill(note);
    await form.getByRole('button', { name: labels.saveWrapUp }).click();
    await form.getByText(labels.saved).waitFor();
    await focused.getByTestId('timeline-call').getByText(note).waitFor();
  };

  const closeCards = async (label: string) => {
    const cards = page.getByTestId('call-card');
    while ((await cards.count()) > 0) {
      await cards.first().getByRole('button', { name: label }).click();
      await page.waitForTimeout(100);
    }
  };

  beforeAll(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    desk = await openSignedInDesk('Nadia Agent', { locale: 'en' });
    ({ page, base } = desk);
    apiKey = await connectMyExtension(desk, '200', { name: 'Office PBX', country: 'IR' });
    await api('PUT', '/calls/wrap-up-codes', { codes: [{ code: 'billing', label: 'Billing question' }] });
    records.person = (
      await api('POST', '/objects/people', {
        firstName: 'Zahra',
        lastName: 'Ahmadi',
        phones: ['+98 912 123 4567'],
      })
    ).id as string;
    records.company = (
      await api('POST', '/objects/companies', { name: 'Arya Tiles', phones: ['+98 21 8888 1234'] })
    ).id as string;
    records.lead = (await api('POST', '/objects/leads', { name: 'Kaveh Rad', phone: '+98 935 555 0101' }))
      .id as string;
  }, 120_000);
  afterAll(() => desk?.close());

  it('opens a person’s page on the call with the note typed in the card, and the note saved there shows on the timeline', async () => {
    const note = 'Asked about the invoice of March';
    const card = await answerAndOpen('focus-1', '+989121234567', ['people', records.person], { typed: note });
    const focused = await expectFocused(card, en.callFocus.onPage);
    await focused.getByText(en.callFocus.thisCall).waitFor();
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(SHOTS, 'call-focus-person.png') });
    expect(await axe(page, '[data-testid="focused-call"]')).toEqual([]);
    await saveNote(focused, en.callCard, note, true);
    const saved = (await api('GET', `/calls/${new URL(page.url()).searchParams.get('call')}/card`)) as {
      call: { wrapUp: { notes: string | null } };
    };
    expect(saved.call.wrapUp.notes).toBe(note);
    // The rest of the card on demand (the caller, the extras), still without a second form.
    await card.getByRole('button', { name: en.callFocus.showCard }).click();
    await card.getByText(en.callCard.openTickets).waitFor();
    expect(await card.getByTestId('wrap-up-form').count()).toBe(0);
    await card.getByRole('button', { name: en.callFocus.hideCard }).click();
    await card.getByText(en.callCard.openTickets).waitFor({ state: 'hidden' });
    await closeCards(en.callCard.close);
  });

  it('opens a company’s page on the call, scrolled down to it under newer entries', async () => {
    // Entries newer than the call, made during it, put it below the fold.
    const meanwhile = async () => {
      for (let i = 1; i <= 14; i++)
        await api('POST', '/objects/tasks', {
          title: `Check tile stock ${i}`,
          linkedObject: 'companies',
          linkedRecord: records.company,
        });
    };
    const card = await answerAndOpen('focus-2', '+982188881234', ['companies', records.company], {
      meanwhile,
    });
    const focused = await expectFocused(card, en.callFocus.onPage);
    // The entry was below the fold: the page scrolled to it.
    expect(await page.evaluate(() => window.scrollY)).toBeGreaterThan(400);
    await page.screenshot({ path: path.join(SHOTS, 'call-focus-company.png') });
    await saveNote(focused, en.callCard, 'Wants a quote for 200 tiles');
    await closeCards(en.callCard.close);
  });

  it('opens the page on a call 40 entries down the timeline, carrying the code, outcome, notes and task there and back', async () => {
    const person = (
      await api('POST', '/objects/people', {
        firstName: 'Sara',
        lastName: 'Moradi',
        phones: ['+98 912 555 6677'],
      })
    ).id as string;
    const labels = en.callCard;
    /** The wrap-up form's values as the agent sees them. */
    const valuesOf = async (form: Locator) => ({
      notes: await form.getByLabel(labels.notes).inputValue(),
      code: await form
        .getByLabel(labels.wrapUpCode)
        .and(page.locator('input:not([type=hidden])'))
        .inputValue(),
      outcome: await form
        .getByLabel(labels.outcome)
        .and(page.locator('input:not([type=hidden])'))
        .inputValue(),
      task: await form.getByLabel(labels.taskTitleLabel).inputValue(),
    });
    const entered = {
      notes: 'Card payment failed twice',
      code: 'Billing question',
      outcome: labels.outcomes.voicemail,
      task: 'Call Sara back about the card',
    };
    // During the call, 40 newer entries (the person's changes) push it off the timeline's first page of 30; the
    // agent fills the whole form on the card, saving nothing.
    const meanwhile = async () => {
      for (let i = 1; i <= 40; i++)
        await api('PATCH', `/objects/people/${person}`, { jobTitle: `Step ${i}` });
      const form = page.getByTestId('call-card').getByTestId('wrap-up-form');
      await form.getByLabel(labels.notes).fill(entered.notes);
      await form.getByLabel(labels.wrapUpCode).and(page.locator('input:not([type=hidden])')).click();
      await page.getByRole('option', { name: entered.code, exact: true }).click();
      await form.getByLabel(labels.outcome).and(page.locator('input:not([type=hidden])')).click();
      await page.getByRole('option', { name: entered.outcome, exact: true }).click();
      await page.getByTestId('call-card').getByLabel(labels.taskTitleLabel).fill(entered.task);
    };
    const card = await answerAndOpen('focus-far', '+989125556677', ['people', person], { meanwhile });
    const callId = new URL(page.url()).searchParams.get('call')!;
    // The timeline's first page does not hold the call: the page shows its entry on its own, above the timeline.
    const first = (await api('GET', `/objects/people/${person}/timeline?limit=30`)) as {
      data: { id: string }[];
    };
    expect(first.data.some((e) => e.id === callId)).toBe(false);
    const panel = page.getByTestId('focused-call-panel');
    await panel.waitFor();
    const focused = await expectFocused(card, en.callFocus.onPage);
    expect(await panel.getByTestId('focused-call').count()).toBe(1);
    const pageForm = focused.getByTestId('wrap-up-form');
    expect(await valuesOf(pageForm)).toEqual(entered);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(SHOTS, 'call-focus-far.png') });
    expect(await axe(page, '[data-testid="focused-call-panel"]')).toEqual([]);
    // And back: changed on the page, still unsaved, then the agent leaves the page; the card's form has it.
    await pageForm.getByLabel(labels.notes).fill(`${entered.notes}; asked for a new card`);
    await page.evaluate(() => window.history.back());
    await page.waitForURL((url) => url.pathname === '/o/deals');
    const cardForm = card.getByTestId('wrap-up-form');
    await cardForm.waitFor();
    expect(await valuesOf(cardForm)).toEqual({ ...entered, notes: `${entered.notes}; asked for a new card` });
    // Saved from the card: the call's entry has it all, the code by its label.
    await cardForm.getByRole('button', { name: labels.saveWrapUp }).click();
    await cardForm.getByText(labels.saved).waitFor();
    const entry = (await api(
      'GET',
      `/calls/${callId}/timeline-entry?object=people&recordId=${person}`,
    )) as Record<string, unknown>;
    expect(entry).toMatchObject({
      notes: `${entered.notes}; asked for a new card`,
      wrapUpCode: 'billing',
      wrapUpLabel: 'Billing question',
      outcome: 'voicemail',
    });
    await closeCards(en.callCard.close);
  });

  it('opens a lead’s page on the call, right to left in Persian', async () => {
    await api('PATCH', '/me', PERSIAN_IN_TEHRAN);
    const card = await answerAndOpen('focus-3', '+989355550101', ['leads', records.lead]);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    const focused = await expectFocused(card, fa.callFocus.onPage);
    await focused.getByText(fa.callFocus.thisCall).waitFor();
    // The highlight's edge is at the start of the reading direction: the right, right to left.
    const edges = await focused.evaluate((el) => {
      const style = getComputedStyle(el);
      return { right: style.borderRightWidth, left: style.borderLeftWidth };
    });
    expect(edges).toEqual({ right: '3px', left: '0px' });
    await page.mouse.move(0, 0);
    await page.screenshot({ path: path.join(SHOTS, 'call-focus-lead-fa.png') });
    expect(await axe(page, '[data-testid="focused-call"]')).toEqual([]);
    await saveNote(focused, fa.callCard, 'می‌خواهد فردا تماس بگیریم');
    await closeCards(fa.callCard.close);
  });
});
