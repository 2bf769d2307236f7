/// <reference lib="dom" />
// Browser test: call queues. The admin makes a queue in Settings → Phone systems with the form — its name in the phone
// system and two members, herself and a colleague — then, on another page, the phone system posts a call waiting in
// that queue at nobody's extension: the card pops for her, a member. The colleague's extension answers it: her card
// closes. The wall shows the queue by name with its answered call. Then the queue's form in Arabic, right to left, with
// the code's Arabic label, which the caller's timeline then shows to her in Arabic (and the default label in
// English); and the workspace's own wrap-up codes with labels per language. No serious accessibility problems.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ar } from '../apps/web/src/i18n/ar.ts';
import { en } from '../apps/web/src/i18n/en.ts';
import { openWithStream as openPage, phoneSystem } from './calls-desk.ts';
import {
  ascii,
  seriousAxeViolations as axe,
  newDeskPage,
  openSignedInDesk,
  type SignedInDesk,
} from './desk.ts';

const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');

describe('a call queue pops for its members and closes when one answers', () => {
  let desk: SignedInDesk;
  let page: Page;
  let base: string;
  let apiKey = '';
  let colleague: { userId: string; name: string };
  /** The caller whose timeline shows the queue's call with its wrap-up code. */
  let person = '';
  const api = (method: string, url: string, body?: unknown) => desk.api(method, url, body);
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  /** What the phone system posts: one event of a call to the support number, now. */
  const phoneSays = phoneSystem(
    () => base,
    () => apiKey,
    { from: '+966501112233', to: '920001234' },
  );

  beforeAll(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    desk = await openSignedInDesk('Nadia Supervisor', { locale: 'en' });
    ({ page, base } = desk);
    const me = ((await api('GET', '/me')).user as { id: string }).id;
    // The colleague accepts an invitation in a browser context of her own, then is left alone.
    const invited = await api('POST', '/invitations', {
      email: `omar.${me.slice(0, 8)}@example.com`,
      role: 'agent',
    });
    const own = await newDeskPage(desk.browser);
    const accepted = await own.request.post(`${base}/api/v1/auth/accept-invitation`, {
      data: { token: invited.token, name: 'Omar Colleague', password: 'correct horse battery' },
    });
    expect(accepted.status(), await accepted.text()).toBe(200);
    colleague = { userId: (await accepted.json()).user.id, name: 'Omar Colleague' };
    const connection = await api('POST', '/calls/connections', {
      name: 'Office PBX',
      type: 'generic',
      country: 'SA',
      extensions: { '201': me, '202': colleague.userId },
    });
    apiKey = connection.apiKey as string;
  }, 120_000);
  afterAll(() => desk?.close());

  it('makes a queue with its name in the phone system and two members, in the settings', async () => {
    const s = en.callQueues;
    await page.goto(`${base}/settings?tab=phone-systems`);
    const section = page.getByTestId('call-queues');
    await section.getByText(s.none).waitFor();
    await page.getByTestId('call-queue-new').click();
    const form = page.getByTestId('call-queue-form');
    await form.getByRole('textbox', { name: s.name, exact: true }).fill('Customer support');
    const keys = form.getByLabel(s.keys);
    await keys.fill('support');
    await keys.press('Enter');
    const members = form.getByLabel(s.members, { exact: true }).and(page.locator('input:not([type=hidden])'));
    for (const who of ['Nadia Supervisor', colleague.name]) {
      await members.click();
      await page.getByRole('option', { name: who }).click();
    }
    await form.getByTestId('call-queue-add-code').click();
    await form.getByLabel(s.codeN.replace('{{n}}', '1'), { exact: true }).fill('fixed');
    await form.getByLabel(s.labelN.replace('{{n}}', '1'), { exact: true }).fill('Fixed on the call');
    // A service-level target: 90% of calls answered within 60 s, abandoned calls counted against it.
    await form.getByLabel(s.serviceLevel).check();
    await form.getByLabel(s.slPercent).fill('90');
    await form.getByLabel(s.slSeconds).fill('60');
    expect(await axe(page, '[data-testid="call-queue-form"]')).toEqual([]);
    await form.getByTestId('call-queue-save').click();
    await form.waitFor({ state: 'detached' });
    const row = page.getByTestId('call-queue-list').getByRole('row', { name: /Customer support/ });
    await row.waitFor();
    await row.getByText('support', { exact: true }).waitFor();
    await row.getByText('Fixed on the call').waitFor();
    await row.getByText(s.slTarget.replace('{{percent}}', '90').replace('{{seconds}}', '60')).waitFor();
    expect(await axe(page)).toEqual([]);
    await shot('calls-queues-settings');
    const [queue] = (await api('GET', '/calls/queues')).data as {
      keys: string[];
      members: string[];
      serviceLevel: unknown;
    }[];
    expect(queue?.keys).toEqual(['support']);
    expect(queue?.members).toHaveLength(2);
    expect(queue?.serviceLevel).toEqual({ seconds: 60, percent: 90, abandoned: 'counted' });
  });

  it('pops the waiting call for her on another page, and closes it when the colleague answers', async () => {
    await openPage(page, base, '/o/companies');
    await phoneSays('queue-1', 'ringing', { queue: 'support' });
    const card = page.getByTestId('call-card');
    await card.waitFor();
    await expect.poll(() => card.getAttribute('data-call-state')).toBe('ringing');
    expect(page.url()).toContain('/o/companies');
    await shot('calls-queues-pop');
    // The queue rings both members' phones; the colleague's answers.
    await phoneSays('queue-1', 'ringing', { queue: 'support', extension: '202' });
    await phoneSays('queue-1', 'answered', { queue: 'support', extension: '202' });
    await card.waitFor({ state: 'detached', timeout: 15_000 });
  });

  it('shows the queue on the wall with its answered call, by name', async () => {
    await phoneSays('queue-1', 'ended', { queue: 'support', cause: 'normal', duration: 42 });
    await openPage(page, base, '/calls/wall');
    const [queue] = (await api('GET', '/calls/queues')).data as { id: string }[];
    const answered = page.getByTestId(`wall-queue-${queue!.id}-answered`);
    await expect.poll(async () => ascii((await answered.textContent()) ?? ''), { timeout: 15_000 }).toBe('1');
    await page.getByTestId('wall-queues').getByText('Customer support').waitFor();
    await page.getByTestId('wall-total-firstContactResolution').waitFor();
    // Answered as it rang: one call of one in time, against the target of 90% in 60 s.
    const level = page.getByTestId(`wall-queue-${queue!.id}-serviceLevel`);
    await expect
      .poll(async () => ascii((await level.getByTestId('wall-service-level').textContent()) ?? ''))
      .toMatch(/^100\s?%$/);
    await level.getByText(en.callWall.slMet).waitFor();
    await level.getByText(en.callWall.slCounts.replace('{{met}}', '1').replace('{{offered}}', '1')).waitFor();
    expect(await axe(page)).toEqual([]);
    await shot('calls-queues-wall-service-level');
  });

  it('names the call’s wrap-up code by the queue’s own label on the caller’s timeline', async () => {
    person = (
      await api('POST', '/objects/people', {
        firstName: 'Huda',
        lastName: 'Salem',
        phones: ['+966 50 111 2233'],
      })
    ).id as string;
    // The number is matched again on the call's next event.
    await phoneSays('queue-2', 'answered', { queue: 'support', extension: '202' });
    await phoneSays('queue-2', 'ended', { queue: 'support', cause: 'normal' });
    const calls = (await api('GET', `/calls?object=people&recordId=${person}`)).data as {
      id: string;
      providerCallId: string;
    }[];
    const id = calls.find((c) => c.providerCallId === 'queue-2')!.id;
    await api('PATCH', `/calls/${id}`, { wrapUpCode: 'fixed' });
    await page.goto(`${base}/o/people/${person}`);
    const entry = page.getByTestId('timeline-call');
    await entry.getByTestId('timeline-call-code').getByText('Fixed on the call', { exact: true }).waitFor();
    expect(await entry.getByText('fixed', { exact: true }).count()).toBe(0);
  });

  it('edits the queue right to left in Arabic', async () => {
    await api('PATCH', '/me', { locale: 'ar', digits: 'arab' });
    const s = ar.callQueues;
    await page.goto(`${base}/settings?tab=phone-systems`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('button', { name: s.editOf.replace('{{name}}', 'Customer support') }).click();
    const form = page.getByTestId('call-queue-form');
    await form.getByLabel(s.ownWrapUp).check();
    await form.getByLabel(s.wrapUp).fill('90');
    // The code's label in Arabic, beside its default one.
    const arabicLabel = form.getByLabel(
      s.labelInN.replace('{{n}}', '1').replace('{{language}}', ar.language.ar),
      { exact: true },
    );
    const direction = (label: string) =>
      form
        .getByLabel(s.labelInN.replace('{{n}}', '1').replace('{{language}}', label), { exact: true })
        .evaluate((el) => getComputedStyle(el).direction);
    // Each language's label is written in its own direction, English left to right on this right-to-left page.
    expect(await direction(ar.language.ar)).toBe('rtl');
    expect(await direction(ar.language.en)).toBe('ltr');
    await arabicLabel.fill('  حُلّت في المكالمة ');
    expect(await axe(page, '[data-testid="call-queue-form"]')).toEqual([]);
    await shot('calls-queues-form-ar-rtl');
    await form.getByTestId('call-queue-save').click();
    await form.waitFor({ state: 'detached' });
    const [queue] = (await api('GET', '/calls/queues')).data as {
      wrapUpSeconds: number;
      wrapUpCodes: unknown[];
    }[];
    expect(queue?.wrapUpSeconds).toBe(90);
    expect(queue?.wrapUpCodes).toEqual([
      { code: 'fixed', label: 'Fixed on the call', labels: { ar: 'حُلّت في المكالمة' } },
    ]);
    // The list names the code in Arabic too.
    const row = page.getByTestId('call-queue-list').getByRole('row', { name: /Customer support/ });
    await row.getByText('حُلّت في المكالمة').waitFor();
  });

  it('names the wrap-up code in Arabic on the caller’s timeline for an agent reading Arabic', async () => {
    await page.goto(`${base}/o/people/${person}`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    const code = page.getByTestId('timeline-call').getByTestId('timeline-call-code');
    await code.getByText('حُلّت في المكالمة', { exact: true }).waitFor();
    expect(await page.getByTestId('timeline-call').getByText('Fixed on the call').count()).toBe(0);
    // Read in English, the same entry shows the default label (it has none in English).
    await api('PATCH', '/me', { locale: 'en', digits: 'latn' });
    await page.reload();
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('ltr');
    await code.getByText('Fixed on the call', { exact: true }).waitFor();
    await api('PATCH', '/me', { locale: 'ar', digits: 'arab' });
    // A call of the queue she took herself: the page on it has her wrap-up form, whose picker names the code in
    // Arabic too.
    await phoneSays('queue-3', 'answered', { queue: 'support', extension: '201' });
    await phoneSays('queue-3', 'ended', { queue: 'support', cause: 'normal' });
    const calls = (await api('GET', `/calls?object=people&recordId=${person}`)).data as {
      id: string;
      providerCallId: string;
    }[];
    const mine = calls.find((c) => c.providerCallId === 'queue-3')!.id;
    await api('PATCH', `/calls/${mine}`, { wrapUpCode: 'fixed' });
    await page.goto(`${base}/o/people/${person}?call=${mine}`);
    const picker = page
      .getByTestId('wrap-up-form')
      .getByLabel(ar.callCard.wrapUpCode)
      .and(page.locator('input:not([type=hidden])'));
    await expect.poll(() => picker.inputValue()).toBe('حُلّت في المكالمة');
    await picker.click();
    await page.getByRole('option', { name: 'حُلّت في المكالمة' }).waitFor();
    await page.keyboard.press('Escape');
  });

  it('keeps the workspace’s wrap-up codes with a label per language, in Arabic', async () => {
    const w = ar.callWrapUpCodes;
    await page.goto(`${base}/settings?tab=phone-systems`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    const section = page.getByTestId('wrap-up-code-settings');
    await section.getByText(w.none).waitFor();
    await section.getByTestId('wrap-up-add-code').click();
    const q = ar.callQueues;
    await section.getByLabel(q.codeN.replace('{{n}}', '1'), { exact: true }).fill('callback');
    await section.getByLabel(q.labelN.replace('{{n}}', '1'), { exact: true }).fill('Call back');
    const inLanguage = (language: 'en' | 'ar' | 'fa') =>
      section.getByLabel(q.labelInN.replace('{{n}}', '1').replace('{{language}}', ar.language[language]), {
        exact: true,
      });
    await inLanguage('ar').fill('معاودة الاتصال');
    await inLanguage('fa').fill('تماس دوباره');
    expect(await axe(page, '[data-testid="wrap-up-code-settings"]')).toEqual([]);
    await section.getByTestId('wrap-up-codes-save').click();
    await section.getByText(w.saved).waitFor();
    expect((await api('GET', '/calls/wrap-up-codes')).codes).toEqual([
      { code: 'callback', label: 'Call back', labels: { ar: 'معاودة الاتصال', fa: 'تماس دوباره' } },
    ]);
    await shot('calls-wrap-up-codes-ar-rtl');
  });
});
