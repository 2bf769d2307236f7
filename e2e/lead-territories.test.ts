/// <reference lib="dom" />
// Browser test in Persian, as the workspace's admin: Settings → Assignment, a territory rule made with the form —
// امید covers the city تهران, رضا the country Iran. A lead in Tehran goes to امید and one in Shiraz to رضا, and
// each lead's page shows its owner and why. Then امید's limit of open leads is set to ۱ (typed in Persian digits)
// in the same form (and رضا's own limit to ۵ in the members' list), and the next Tehran lead skips امید for رضا,
// its page saying امید was at capacity. Right to left, with no serious accessibility problems on the rules editor
// and the lead's panel.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fa } from '../apps/web/src/i18n/fa.ts';
import { openSignedInDesk, PERSIAN_IN_TEHRAN, type SignedInDesk, seriousAxeViolations } from './desk.ts';

const s = fa.leads;
/** A string of the dictionary with its `{{placeholders}}` filled, as i18next fills them. */
const say = (text: string, values: Record<string, string>) =>
  text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');

describe('lead territories and capacity in the browser, in Persian', () => {
  let desk: SignedInDesk;
  let base: string;
  let page: Page;
  const people = {} as Record<'omid' | 'reza', { userId: string; name: string }>;

  const api = (method: string, url: string, body?: unknown): Promise<any> => desk.api(method, url, body);
  /** A lead made through the API as the admin (its owner left to the rules); its id and owner. */
  const lead = async (name: string, city: string) =>
    (await api('POST', '/objects/leads', { name, address: { city, country: 'IR' } })) as {
      id: string;
      owner: string;
    };
  /** The lead's page shows `owner` as its owner and `reason` as why. */
  const showsOwnerAndReason = async (id: string, owner: string, reason: string) => {
    await page.goto(`${base}/o/leads/${id}`);
    await page.getByTestId('assignment-reason').getByText(reason, { exact: true }).waitFor();
    await page.locator('[data-field=owner]').getByText(owner, { exact: true }).waitFor();
  };

  beforeAll(async () => {
    const webDist = process.env.RABITA_TEST_WEB_DIST;
    desk = await openSignedInDesk('سارا', PERSIAN_IN_TEHRAN, {}, webDist ? { webDist } : {});
    ({ base, page } = desk);
    const me = (await api('GET', '/me')).user.id as string;
    for (const [key, name] of [
      ['omid', 'امید'],
      ['reza', 'رضا'],
    ] as const) {
      const invited = await api('POST', '/invitations', {
        email: `${key}.${me.slice(0, 8)}@example.com`,
        role: 'member',
      });
      // Accepted on the server, so the admin's browser keeps its own session.
      const accepted = await desk.t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/accept-invitation',
        payload: { token: invited.token, name, password: 'correct horse battery' },
      });
      expect(accepted.statusCode, accepted.body).toBe(200);
      people[key] = { userId: accepted.json().user.id, name };
    }
  }, 180_000);
  afterAll(async () => {
    await desk?.close();
  });

  it('makes a territory rule in the editor, and each lead’s page shows its owner and the reason', async () => {
    await page.goto(`${base}/settings?tab=assignment`);
    await expect
      .poll(() => page.evaluate(() => document.documentElement.dir), { timeout: 15_000 })
      .toBe('rtl');
    const table = page.getByTestId('assignment-rules');
    await table.waitFor();
    await page.getByRole('textbox', { name: s.ruleName, exact: true }).fill('تیم ایران');
    await page.getByLabel(s.strategy, { exact: true }).and(page.locator('input')).click();
    await page.getByRole('option', { name: s.strategies.territory, exact: true }).click();
    await page.getByLabel(s.pool, { exact: true }).and(page.locator('input')).click();
    for (const who of [people.omid, people.reza])
      await page.getByRole('option', { name: who.name, exact: true }).click();
    await page.keyboard.press('Escape');
    const cities = page.getByLabel(`${s.territoryLevels.cities} — ${people.omid.name}`, { exact: true });
    await cities.fill('تهران');
    await cities.press('Enter');
    const countries = page.getByLabel(`${s.territoryLevels.countries} — ${people.reza.name}`, {
      exact: true,
    });
    await countries.fill('IR');
    await countries.press('Enter');
    expect(await seriousAxeViolations(page, '[role=tabpanel]')).toEqual([]);
    await page.getByRole('button', { name: s.addRule, exact: true }).click();
    await table.getByText('تیم ایران').waitFor();
    const [rule] = (await api('GET', '/assignment-rules')).data as {
      strategy: string;
      pool: { userId: string; territory?: unknown }[];
    }[];
    expect(rule).toMatchObject({
      strategy: 'territory',
      pool: [
        { userId: people.omid.userId, territory: { cities: ['تهران'] } },
        { userId: people.reza.userId, territory: { countries: ['IR'] } },
      ],
    });

    const tehran = await lead('علی رضایی', 'تهران');
    const shiraz = await lead('مریم احمدی', 'شیراز');
    expect(tehran.owner).toBe(people.omid.userId);
    expect(shiraz.owner).toBe(people.reza.userId);
    const inTehran = say(s.reasonTerritory, { value: 'تهران', level: s.levels.city, rule: 'تیم ایران' });
    await showsOwnerAndReason(tehran.id, people.omid.name, inTehran);
    expect(await page.getByTestId('lead-panel').evaluate((e) => getComputedStyle(e).direction)).toBe('rtl');
    expect(await seriousAxeViolations(page, '[data-testid=lead-panel]')).toEqual([]);
    await showsOwnerAndReason(
      shiraz.id,
      people.reza.name,
      say(s.reasonTerritory, { value: 'IR', level: s.levels.country, rule: 'تیم ایران' }),
    );
  });

  it('sets a member’s capacity in the editor in Persian digits, and the next lead skips him saying why', async () => {
    await page.goto(`${base}/settings?tab=assignment`);
    const table = page.getByTestId('assignment-rules');
    await table.getByRole('button', { name: say(s.editRule, { name: 'تیم ایران' }), exact: true }).click();
    const limit = page.getByLabel(say(s.capacityOf, { name: people.omid.name }), { exact: true });
    await limit.fill('۱');
    await page.getByRole('button', { name: fa.record.save, exact: true }).click();
    // The rules table says the limit in the reader's digits.
    await table
      .getByText(say(s.withCapacity, { member: people.omid.name, n: '۱' }), { exact: false })
      .waitFor();
    const [rule] = (await api('GET', '/assignment-rules')).data as { pool: { capacity?: number }[] }[];
    expect(rule?.pool.map((m) => m.capacity)).toEqual([1, undefined]);
    // رضا's own limit for every rule, in the members' list: saved when the field is left.
    const own = page.getByLabel(say(s.defaultCapacityOf, { name: people.reza.name }), { exact: true });
    await own.fill('۵');
    await own.press('Tab');
    await expect
      .poll(
        async () =>
          (
            (await api('GET', '/assignment-capacity')).data as { userId: string; capacity: number | null }[]
          ).find((c) => c.userId === people.reza.userId)?.capacity,
        { timeout: 15_000 },
      )
      .toBe(5);
    expect(await seriousAxeViolations(page, '[role=tabpanel]')).toEqual([]);

    // امید holds one open lead (the first Tehran lead): the next Tehran lead goes to رضا, who covers Iran.
    const next = await lead('حسین کریمی', 'تهران');
    expect(next.owner).toBe(people.reza.userId);
    const reason =
      say(s.reasonTerritory, { value: 'IR', level: s.levels.country, rule: 'تیم ایران' }) +
      say(s.reasonAtCapacity, { names: people.omid.name });
    await showsOwnerAndReason(next.id, people.reza.name, reason);
    expect((await api('GET', `/leads/${next.id}/assignment`)).assignment.detail.atCapacity).toEqual([
      people.omid.name,
    ]);
  });
});
