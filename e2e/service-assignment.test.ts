/// <reference lib="dom" />
// Browser test in Arabic, as the workspace's admin: Settings → Ticket assignment, a round-robin rule among two
// agents (ليلى first, then عمر) made with the form, and their skills set in the agents' list (ليلى speaks Arabic and
// English, عمر English only). A ticket in Arabic lands on ليلى, the one Arabic speaker, though the turn was hers
// anyway; an English one goes to عمر by turn; then ليلى, signed in in her own browser, switches herself away from
// the header, and the next English ticket — her turn — goes to عمر. The ticket's page shows its assignee. No
// serious accessibility problems on the settings screen, the ticket's page or the agent's header.
import fs from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ar } from '../apps/web/src/i18n/ar.ts';
import { newDeskPage, openSignedInDesk, type SignedInDesk, seriousAxeViolations } from './desk.ts';

const s = ar.deskAssign;

describe('ticket assignment in the browser, in Arabic', () => {
  let desk: SignedInDesk;
  let base: string;
  let browser: Browser;
  let page: Page;
  let agentPage: Page;
  const people = {} as Record<'layla' | 'omar', { userId: string; name: string }>;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  /** axe-core on a page: no serious or critical violations. */
  const axe = (on: Page) => seriousAxeViolations(on);
  const newPage = () => newDeskPage(browser);
  /** A ticket made through the API as the admin, its owner left to the rules; answers its id and owner. */
  const ticket = async (subject: string, language: string, extra: Record<string, unknown> = {}) =>
    (await api('POST', '/objects/tickets', { subject, language, ...extra })) as {
      id: string;
      owner: string | null;
    };

  beforeAll(async () => {
    desk = await openSignedInDesk('مريم العلي', {
      locale: 'ar',
      calendar: 'islamic-umalqura',
      digits: 'arab',
      timeZone: 'Asia/Riyadh',
    });
    ({ base, browser, page } = desk);
    const me = (await api('GET', '/me')).user.id as string;
    for (const [key, name] of [
      ['layla', 'ليلى حسن'],
      ['omar', 'عمر خالد'],
    ] as const) {
      const invited = await api('POST', '/invitations', {
        email: `${key}.${me.slice(0, 8)}@example.com`,
        role: 'member',
      });
      // ليلى keeps her session in a browser context of her own; عمر only accepts, in a context then left alone.
      const own = await newPage();
      if (key === 'layla') agentPage = own;
      const accepted = await own.request.post(`${base}/api/v1/auth/accept-invitation`, {
        data: { token: invited.token, name, password: 'correct horse battery' },
      });
      expect(accepted.status(), await accepted.text()).toBe(200);
      people[key] = { userId: (await accepted.json()).user.id, name };
    }
    const agentPrefs = await agentPage.request.patch(`${base}/api/v1/me`, {
      data: { locale: 'ar', digits: 'arab' },
    });
    expect(agentPrefs.status(), await agentPrefs.text()).toBeLessThan(300);
  }, 180_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('sets up a round-robin rule between two agents and their languages, right to left', async () => {
    await page.goto(`${base}/settings?tab=ticket-assignment`);
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.getByRole('tab', { name: s.tab }).waitFor();
    await page.getByText(s.noRules).waitFor();

    const form = page.getByTestId('desk-rule-form');
    await form.getByLabel(s.ruleName).fill('مكتب الدعم');
    const members = form.getByLabel(s.members, { exact: true }).and(page.locator('input:not([type=hidden])'));
    for (const who of [people.layla, people.omar]) {
      // The multi-select's input sits inside its pills' box, which takes the click.
      await members.click({ force: true });
      await page.getByRole('option', { name: who.name, exact: true }).click();
      await page.keyboard.press('Escape');
    }
    await page.getByRole('button', { name: s.addRule }).click();
    await page.getByTestId('desk-assignment-rules').getByText('مكتب الدعم').waitFor();
    const [rule] = (await api('GET', '/service/assignment-rules')).data;
    expect(rule).toMatchObject({
      name: 'مكتب الدعم',
      strategy: 'roundRobin',
      members: [people.layla.userId, people.omar.userId],
      teamId: null,
      enabled: true,
    });

    // Skills: ليلى Arabic and English, عمر English.
    for (const [who, languages] of [
      [people.layla, [ar.deskAssign.languageNames.ar, ar.deskAssign.languageNames.en]],
      [people.omar, [ar.deskAssign.languageNames.en]],
    ] as const) {
      const editor = page.getByRole('group', { name: who.name });
      const input = editor
        .getByLabel(s.languages, { exact: true })
        .and(page.locator('input:not([type=hidden])'));
      for (const language of languages) {
        await input.click({ force: true });
        await page.getByRole('option', { name: language, exact: true }).click();
        await page.keyboard.press('Escape');
      }
      await editor.getByLabel(s.capacity).fill('5');
      await editor.getByRole('button', { name: s.saveAgent.replace('{{name}}', who.name) }).click();
      await expect
        .poll(async () =>
          (
            (await api('GET', '/service/agents')).data as {
              userId: string;
              languages: string[];
              capacity: number;
            }[]
          ).find((a) => a.userId === who.userId),
        )
        .toMatchObject({ capacity: 5, languages: languages.length === 2 ? ['ar', 'en'] : ['en'] });
    }
    expect(await axe(page)).toEqual([]);
    await fs.mkdir('test-results/screenshots', { recursive: true });
    await page.screenshot({
      path: 'test-results/screenshots/service-assignment-settings-ar.png',
      fullPage: true,
    });
  }, 180_000);

  it('gives an Arabic ticket to the Arabic speaker and, once she is away, her turn to the other agent', async () => {
    const arabic = await ticket('لم يصل طلبي رقم ٤٥١٢ حتى الآن', 'ar');
    expect(arabic.owner).toBe(people.layla.userId);
    await page.goto(`${base}/o/tickets/${arabic.id}`);
    await page.getByText(people.layla.name).first().waitFor();
    expect(await axe(page)).toEqual([]);
    await page.screenshot({
      path: 'test-results/screenshots/service-assignment-ticket-ar.png',
      fullPage: true,
    });

    // By turn, the next English ticket is عمر's.
    expect((await ticket('My invoice shows the wrong amount', 'en')).owner).toBe(people.omar.userId);

    // ليلى marks herself away from the header of her own app.
    await agentPage.goto(`${base}/`);
    await expect.poll(() => agentPage.evaluate(() => document.documentElement.dir)).toBe('rtl');
    const toggle = agentPage.getByRole('switch', { name: s.myAvailability });
    await toggle.waitFor();
    expect(await toggle.isChecked()).toBe(true);
    await toggle.click({ force: true });
    await agentPage.getByText(s.away, { exact: true }).waitFor();
    await expect
      .poll(
        async () =>
          ((await api('GET', '/service/agents')).data as { userId: string; available: boolean }[]).find(
            (a) => a.userId === people.layla.userId,
          )?.available,
      )
      .toBe(false);
    expect(await axe(agentPage)).toEqual([]);
    await agentPage.screenshot({ path: 'test-results/screenshots/service-assignment-away-ar.png' });

    // Her turn now, but she is away: the ticket goes to عمر.
    const next = await ticket('The app will not open on my phone', 'en');
    expect(next.owner).toBe(people.omar.userId);
    // An Arabic ticket that came in with no owner (as from a customer's mail), with no Arabic speaker available,
    // stays unassigned.
    const waiting = await ticket('أريد استرجاع المبلغ', 'ar', { owner: null });
    expect(waiting.owner).toBe(null);
  }, 180_000);
});
