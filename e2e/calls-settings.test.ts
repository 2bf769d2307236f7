/// <reference lib="dom" />
// Browser test in Persian, right to left, as the workspace's admin: Settings → Phone systems, a connection made with
// the form (country, a trunk prefix to strip, extension 100 mapped to herself), its API key shown once and copied
// with the button (read back from the clipboard), the exact address the phone system must call. Then the phone
// system posts with that key: on the supervisor wall the call is counted live (active, then answered today) and
// the header's presence turns "on a call", then "wrap-up", and the agent sets herself away; her row on the wall writes
// her state in words, whole even at a phone's width. Then the same screens
// in English, left to right, and a Twilio-style connection's settings with its auth token, which stays write-only.
// Screenshots of both; no serious accessibility problems.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../apps/web/src/i18n/en.ts';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { openWithStream as openPage, phoneSystem } from './calls-desk.ts';
import {
  ascii,
  seriousAxeViolations as axe,
  openSignedInDesk,
  PERSIAN_IN_TEHRAN,
  type SignedInDesk,
} from './desk.ts';

const SHOTS = path.resolve(import.meta.dirname, '../test-results/screenshots');
const NAME = 'زهرا احمدی';

describe('phone systems, presence and the supervisor wall in the browser', () => {
  let desk: SignedInDesk;
  let page: Page;
  let base: string;
  let apiKey = '';
  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  /** What the phone system posts with the copied key: one event of a call at extension 100, now. */
  const phoneSays = phoneSystem(
    () => base,
    () => apiKey,
    { from: '909121234567', to: '100', extension: '100' },
  );
  /** Opens a page and waits until its event stream is connected. */
  const openWithStream = (to: string) => openPage(page, base, to);
  const figure = (key: string) => page.getByTestId(`wall-total-${key}`);
  const figureIs = (key: string, n: number) =>
    expect
      .poll(async () => ascii((await figure(key).textContent()) ?? ''), { timeout: 15_000 })
      .toBe(String(n));

  beforeAll(async () => {
    await fs.mkdir(SHOTS, { recursive: true });
    desk = await openSignedInDesk(NAME, PERSIAN_IN_TEHRAN);
    ({ page, base } = desk);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  }, 120_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('connects a phone system in Persian, maps an extension to herself and copies the key shown once', async () => {
    const s = fa.phoneSystems;
    await page.goto(`${base}/settings?tab=phone-systems`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('tab', { name: s.tab }).waitFor();
    await page.getByText(s.none).waitFor();
    await page.getByTestId('phone-connection-new').click();
    const form = page.getByTestId('phone-connection-form');
    await form.getByLabel(s.name).fill('مرکز تلفن دفتر');
    await form.getByLabel(s.country).fill('ir');
    const prefixes = form.getByLabel(s.prefixes);
    await prefixes.fill('9');
    await prefixes.press('Enter');
    await form.getByTestId('phone-connection-add-extension').click();
    await form.getByLabel(s.extensionN.replace('{{n}}', '1'), { exact: true }).fill('100');
    await form.getByLabel(s.memberN.replace('{{n}}', '1'), { exact: true }).click();
    await page.getByRole('option', { name: NAME }).click();
    expect(await axe(page)).toEqual([]);
    await shot('calls-settings-form-fa-rtl');
    await form.getByTestId('phone-connection-save').click();

    const secret = page.getByTestId('phone-connection-secret');
    await secret.waitFor();
    apiKey = ((await page.getByTestId('phone-connection-key').textContent()) ?? '').trim();
    expect(apiKey).toMatch(/^rbp_/);
    expect(await page.getByTestId('phone-connection-url').textContent()).toContain(
      `POST ${base}/api/v1/calls/events`,
    );
    await expect.poll(() => secret.textContent()).toContain(`Authorization: Bearer ${apiKey}`);
    await page.getByTestId('phone-connection-key-copy').click();
    await page.getByTestId('phone-connection-key-copy').getByText(s.copied).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(apiKey);
    // The list shows the connection by its key's start, never the key.
    const row = page.getByTestId('phone-connections').getByRole('row', { name: /مرکز تلفن دفتر/ });
    await row.waitFor();
    expect(await row.textContent()).toContain(apiKey.slice(0, 10));
    expect(await axe(page)).toEqual([]);
    await shot('calls-settings-fa-rtl');
    await page.getByRole('button', { name: s.done }).click();
    await secret.waitFor({ state: 'detached' });
    // Stored as the form said.
    const listed = (await desk.api('GET', '/calls/connections')).data as {
      country: string;
      stripPrefixes: string[];
      extensions: Record<string, string>;
    }[];
    const me = ((await desk.api('GET', '/me')).user as { id: string }).id;
    expect(listed[0]).toMatchObject({ country: 'IR', stripPrefixes: ['9'], extensions: { '100': me } });
  });

  it('counts the call on the wall and turns her presence “on a call” as the phone system posts, live', async () => {
    const w = fa.callWall;
    const states = fa.presence.states;
    await openWithStream('/calls/wall');
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('heading', { name: w.title }).waitFor();
    await figureIs('active', 0);
    const control = page.getByTestId('presence-control');
    await expect.poll(() => control.getAttribute('data-state')).toBe('available');
    await expect.poll(() => control.textContent()).toContain(states.available);

    await phoneSays('wall-1', 'ringing');
    await figureIs('ringing', 1);
    await phoneSays('wall-1', 'answered');
    await figureIs('active', 1);
    await figureIs('ringing', 0);
    await expect.poll(() => control.getAttribute('data-state'), { timeout: 15_000 }).toBe('on_call');
    await expect.poll(() => control.textContent()).toContain(states.on_call);
    await expect
      .poll(async () => ascii((await page.getByTestId('wall-agents-on_call').textContent()) ?? ''))
      .toBe('1');
    const myRow = page.getByTestId('wall-agents').getByRole('row', { name: new RegExp(NAME) });
    await expect.poll(() => myRow.textContent()).toContain(states.on_call);
    // Her state is written in Persian, as the cell's accessible name, and shown whole (not a colour alone, not cut
    // to an ellipsis) even on a phone's width.
    await myRow.getByRole('cell', { name: states.on_call, exact: true }).waitFor();
    const state = myRow.getByTestId('presence-state');
    expect(await state.getAttribute('data-state')).toBe('on_call');
    // Shown, and no box of it cuts its words (an ellipsis or a clipped label is a box narrower than its content).
    const shownWhole = () =>
      state.evaluate((el) => {
        const box = el.getBoundingClientRect();
        const boxes = [el, ...el.querySelectorAll('*')].filter((n) => n instanceof HTMLElement);
        return (
          box.width > 0 &&
          box.height > 0 &&
          boxes.every((n) => n.scrollWidth <= Math.ceil(n.getBoundingClientRect().width) + 1)
        );
      });
    expect(await shownWhole()).toBe(true);
    const wide = page.viewportSize();
    await page.setViewportSize({ width: 360, height: 740 });
    await myRow.getByRole('cell', { name: states.on_call, exact: true }).waitFor();
    expect(await shownWhole()).toBe(true);
    expect(await state.isVisible()).toBe(true);
    await shot('calls-wall-fa-rtl-narrow');
    if (wide) await page.setViewportSize(wide);
    await page.keyboard.press('Escape');
    expect(await axe(page)).toEqual([]);
    await shot('calls-wall-fa-rtl');

    await phoneSays('wall-1', 'ended', { duration: 65, cause: 'normal' });
    await figureIs('active', 0);
    await figureIs('answered', 1);
    expect(ascii((await figure('averageHandleSeconds').textContent()) ?? '')).toBe('1:05');
    await expect.poll(() => control.getAttribute('data-state'), { timeout: 15_000 }).toBe('wrap_up');
    // Her own choice ends the wrap-up: away.
    await control.click();
    await page.getByTestId('presence-choose-away').click();
    await expect.poll(() => control.getAttribute('data-state')).toBe('away');
    await expect
      .poll(async () => ascii((await page.getByTestId('wall-agents-away').textContent()) ?? ''))
      .toBe('1');
  });

  it('shows the same screens in English, left to right', async () => {
    await desk.api('PATCH', '/me', { locale: 'en', digits: 'latn', calendar: 'gregory' });
    await page.goto(`${base}/settings?tab=phone-systems`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('ltr');
    await page.getByRole('tab', { name: en.phoneSystems.tab }).waitFor();
    await page
      .getByRole('button', { name: en.phoneSystems.editOf.replace('{{name}}', 'مرکز تلفن دفتر') })
      .click();
    const form = page.getByTestId('phone-connection-form');
    await form.getByLabel(en.phoneSystems.wrapUp).fill('45');
    await form.getByTestId('phone-connection-save').click();
    await form.waitFor({ state: 'detached' });
    expect(
      ((await desk.api('GET', '/calls/connections')).data as { wrapUpSeconds: number }[])[0]?.wrapUpSeconds,
    ).toBe(45);
    expect(await axe(page)).toEqual([]);
    await shot('calls-settings-en-ltr');
    await page.goto(`${base}/calls/wall`);
    await page.getByRole('heading', { name: en.callWall.title }).waitFor();
    await figureIs('answered', 1);
    await expect
      .poll(() => page.getByTestId('presence-control').textContent())
      .toContain(en.presence.states.away);
    // Her row on the wall says it in English.
    await page
      .getByTestId('wall-agents')
      .getByRole('row', { name: new RegExp(NAME) })
      .getByRole('cell', { name: en.presence.states.away, exact: true })
      .waitFor();
    expect(await axe(page)).toEqual([]);
    await shot('calls-wall-en-ltr');
    // Deleting asks first.
    await page.goto(`${base}/settings?tab=phone-systems`);
    await page
      .getByRole('button', { name: en.phoneSystems.deleteOf.replace('{{name}}', 'مرکز تلفن دفتر') })
      .click();
    await page.getByRole('dialog').getByRole('button', { name: en.record.delete }).click();
    await page.getByText(en.phoneSystems.none).waitFor();
  });
  it('takes a Twilio-style connection’s settings and its auth token, which stays write-only', async () => {
    const s = en.phoneSystems;
    const a = s.adapter;
    await page.goto(`${base}/settings?tab=phone-systems`);
    await page.getByTestId('phone-connection-new').click();
    const form = page.getByTestId('phone-connection-form');
    await form.getByLabel(s.name).fill('Cloud phones');
    await form.getByLabel(s.type, { exact: true }).click();
    await page.getByRole('option', { name: s.types.twilio }).click();
    await form.getByLabel(a.accountSid).fill(`AC${'b'.repeat(32)}`);
    await form.getByLabel(a.callerId).fill('+442071234567');
    await form.getByLabel(a.authToken).fill('tw-secret-token');
    expect(await axe(page)).toEqual([]);
    await form.getByTestId('phone-connection-save').click();
    await page.getByRole('button', { name: s.done }).click();
    const stored = async () =>
      ((await desk.api('GET', '/calls/connections')).data as Record<string, unknown>[]).find(
        (c) => c.name === 'Cloud phones',
      )!;
    expect(await stored()).toMatchObject({
      type: 'twilio',
      settings: { accountSid: `AC${'b'.repeat(32)}`, callerId: '+442071234567' },
      hasAdapterSecret: true,
    });
    expect(JSON.stringify(await stored())).not.toContain('tw-secret-token');
    // Editing shows the token as set, never its value; left empty, it is kept.
    await page.getByRole('button', { name: s.editOf.replace('{{name}}', 'Cloud phones') }).click();
    const edit = page.getByTestId('phone-connection-form');
    await edit.getByText(a.keepSecret).waitFor();
    expect(await edit.getByLabel(a.authToken).inputValue()).toBe('');
    expect(await edit.getByLabel(a.accountSid).inputValue()).toBe(`AC${'b'.repeat(32)}`);
    await edit.getByLabel(a.callerId).fill('+442079999999');
    await edit.getByTestId('phone-connection-save').click();
    await edit.waitFor({ state: 'detached' });
    expect(await stored()).toMatchObject({
      settings: { callerId: '+442079999999' },
      hasAdapterSecret: true,
    });
  });
});
