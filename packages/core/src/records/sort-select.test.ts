import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';

// A select sorts by its options' order (as the user arranged them), not by the text of its values: the cursors hold
// an option's position, and seeks and `/keys` speak in option values.

interface Company {
  id: string;
  name: string;
  tier: string | null;
}
interface Page {
  data: Company[];
  nextCursor: string | null;
  backCursor: string | null;
}

describe('sorting by a select follows its options’ order', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  // Not alphabetical: alphabetically these are high, low, normal, urgent.
  const OPTIONS = ['low', 'normal', 'high', 'urgent'];
  const filter = { field: 'name', op: 'startsWith', value: 'Tier ' };
  const tiers = ['high', 'low', 'urgent', 'normal', null, 'high', 'urgent', 'low', null, 'normal', 'high'];

  const query = async (body: Record<string, unknown>): Promise<Page> => {
    const response = await call('POST', '/objects/companies/query', { filter, ...body });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  /** Every row from the first page on, `limit` at a time, following nextCursor. */
  const walk = async (body: Record<string, unknown>, limit: number) => {
    const rows: Company[] = [];
    let page = await query({ ...body, limit });
    rows.push(...page.data);
    let pages = 1;
    while (page.nextCursor) {
      const { seek: _, ...rest } = body;
      page = await query({ ...rest, limit, cursor: page.nextCursor });
      rows.push(...page.data);
      pages++;
    }
    return { rows, pages };
  };
  /** A tier's place in the given order; empty last. */
  const rankIn = (order: string[]) => (tier: string | null) =>
    tier === null ? Number.POSITIVE_INFINITY : order.indexOf(tier);

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    const field = await call('POST', '/metadata/objects/companies/fields', {
      key: 'tier',
      type: 'select',
      labels: { en: 'Tier', ar: 'الفئة', fa: 'رده' },
      options: OPTIONS.map((value) => ({ value, labels: { en: value } })),
    });
    expect(field.statusCode, field.body).toBe(201);
    const batch = await call('POST', '/objects/companies/batch', {
      records: tiers.map((tier, i) => ({ name: `Tier ${String(i).padStart(2, '0')}`, tier })),
    });
    expect(batch.statusCode, batch.body).toBe(200);
  });
  afterAll(() => t?.close());

  it('lists in the options’ order both ways, nulls last, the same through pages of 1 and 2', async () => {
    const rank = rankIn(OPTIONS);
    for (const limit of [1, 2]) {
      const up = await walk({ sort: 'tier' }, limit);
      expect(up.pages).toBeGreaterThan(5);
      expect(up.rows).toHaveLength(tiers.length);
      expect(new Set(up.rows.map((r) => r.id)).size).toBe(tiers.length);
      expect(up.rows.map((r) => r.tier)).toEqual([
        'low',
        'low',
        'normal',
        'normal',
        'high',
        'high',
        'high',
        'urgent',
        'urgent',
        null,
        null,
      ]);
      const down = await walk({ sort: '-tier' }, limit);
      expect(down.rows.map((r) => r.tier)).toEqual([
        'urgent',
        'urgent',
        'high',
        'high',
        'high',
        'normal',
        'normal',
        'low',
        'low',
        null,
        null,
      ]);
      // Ties broken by the second key.
      const byName = await walk({ sort: 'tier,-name' }, limit);
      const expected = [...byName.rows].sort(
        (a, b) => rank(a.tier) - rank(b.tier) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
      );
      expect(byName.rows.map((r) => r.name)).toEqual(expected.map((r) => r.name));
    }
  });

  it('reads the same order from its end with reverse=true, page by page', async () => {
    for (const sort of ['tier', '-tier', 'tier,-name', '-tier,name']) {
      const forward = (await walk({ sort }, 2)).rows.map((r) => r.name);
      for (const limit of [1, 2]) {
        const backward = (await walk({ sort, reverse: true }, limit)).rows.map((r) => r.name);
        expect(backward, `${sort} by ${limit}`).toEqual([...forward].reverse());
      }
    }
  });

  it('seeks to an option and answers /keys with an option, refusing values that are not options', async () => {
    const all = (await walk({ sort: 'tier' }, 4)).rows;
    const fromHigh = (await walk({ sort: 'tier', seek: 'high' }, 2)).rows;
    expect(fromHigh.map((r) => r.name)).toEqual(
      all.slice(all.findIndex((r) => r.tier === 'high')).map((r) => r.name),
    );
    const downFromNormal = (await walk({ sort: '-tier', seek: 'normal' }, 2)).rows;
    expect(downFromNormal.map((r) => r.tier)).toEqual(['normal', 'normal', 'low', 'low', null, null]);
    for (const seek of ['bogus', 3, true]) {
      const response = await call('POST', '/objects/companies/query', { filter, sort: 'tier', seek });
      expect(response.statusCode, JSON.stringify(seek)).toBe(400);
      expect(response.json().errors[0].field).toBe('body.seek');
    }
    const key = await call(
      'GET',
      `/objects/companies/keys?sort=tier&at=0.5&filter=${encodeURIComponent(JSON.stringify(filter))}`,
    );
    expect(key.statusCode, key.body).toBe(200);
    // Row 5 of 11 in the options' order is the second "high".
    expect(key.json()).toMatchObject({ value: 'high', exact: true, count: 11 });
    const end = await call(
      'GET',
      `/objects/companies/keys?sort=-tier&at=0.7&filter=${encodeURIComponent(JSON.stringify(filter))}`,
    );
    expect(end.json().value).toBe('low');
  });

  it('refuses forged cursors of either direction with a 400 on the cursor', async () => {
    const page = await query({ sort: 'tier', limit: 2 });
    const id = page.data[0]!.id;
    const forge = (s: string, v: unknown[]) => Buffer.from(JSON.stringify({ s, v })).toString('base64url');
    const cases: Record<string, unknown>[] = [
      { sort: 'tier', cursor: forge('tier,id', [99_999, id]) },
      { sort: 'tier', cursor: forge('tier,id', ['high', id]) },
      { sort: 'tier', cursor: forge('tier,id', [1.5, id]) },
      { sort: 'tier', reverse: true, cursor: forge('~tier,id', ['x', id]) },
      { sort: 'tier', reverse: true, cursor: forge('~tier,id', [2, 'not an id']) },
    ];
    for (const body of cases) {
      const response = await call('POST', '/objects/companies/query', { filter, ...body });
      expect(response.statusCode, JSON.stringify(body)).toBe(400);
      expect(response.json().errors[0].field).toBe('body.cursor');
    }
  });

  it('follows the options as they are rearranged, and sorts a value no longer an option with the empty ones', async () => {
    const rearranged = ['urgent', 'low', 'high', 'normal'];
    const patch = await call('PATCH', '/metadata/objects/companies/fields/tier', {
      options: rearranged.map((value) => ({ value, labels: { en: value } })),
    });
    expect(patch.statusCode, patch.body).toBe(200);
    const rows = (await walk({ sort: 'tier' }, 3)).rows;
    const rank = rankIn(rearranged);
    expect(rows.map((r) => r.tier)).toEqual(
      [...rows].sort((a, b) => rank(a.tier) - rank(b.tier)).map((r) => r.tier),
    );
    expect(rows[0]!.tier).toBe('urgent');

    const dropped = await call('PATCH', '/metadata/objects/companies/fields/tier', {
      options: ['low', 'high', 'normal'].map((value) => ({ value, labels: { en: value } })),
    });
    expect(dropped.statusCode, dropped.body).toBe(200);
    const after = (await walk({ sort: 'tier' }, 2)).rows.map((r) => r.tier);
    expect(after.slice(0, 7)).toEqual(['low', 'low', 'high', 'high', 'high', 'normal', 'normal']);
    // The two "urgent" companies and the two empty ones, in any order among themselves.
    expect([...after.slice(7)].sort()).toEqual(['urgent', 'urgent', null, null].sort());
    const reversed = (await walk({ sort: 'tier', reverse: true }, 2)).rows.map((r) => r.tier);
    expect(reversed).toEqual([...after].reverse());
  });
});
