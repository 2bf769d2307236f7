import { compileListQuery, principalForMember } from '@rabita/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { planOf } from '../../../../test/plan.ts';

// A sort by a person's last name breaks its ties by first name, then id — the order `people_name_idx` keeps — so
// both ends of the list are read from the index in order, however many people share the last surname.
describe('sorting by last name', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  type Row = { id: string; firstName: string | null; lastName: string };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
    const people = [
      ...['مریم', 'علی', 'زهرا', 'Amir', 'بهرام', 'علی'].map((firstName) => ({
        firstName,
        lastName: 'کریمی',
      })),
      { firstName: null, lastName: 'کریمی' },
      { firstName: 'Sara', lastName: 'Ahmadi' },
      { firstName: 'Omid', lastName: 'Ahmadi' },
    ];
    const res = await call('POST', '/objects/people/batch', { records: people });
    expect(res.statusCode, res.body).toBe(200);
  });
  afterAll(() => t?.close());

  /** Every page of `size` through the list, following its cursors. */
  const walk = async (query: string, size: number) => {
    const seen: Row[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 20; i++) {
      const res = await call(
        'GET',
        `/objects/people?${query}&limit=${size}&fields=firstName,lastName${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(res.statusCode, res.body).toBe(200);
      const page = res.json() as { data: Row[]; nextCursor: string | null };
      seen.push(...page.data);
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    return seen;
  };

  it('orders ties by first name (empty last) then id, page after page, from either end', async () => {
    const all = await walk('sort=lastName', 50);
    expect(all).toHaveLength(9);
    // Within each surname, first names in the database's order, the empty one last.
    const karimi = all.filter((p) => p.lastName === 'کریمی');
    expect(karimi.at(-1)!.firstName).toBeNull();
    const firsts = karimi.slice(0, -1).map((p) => p.firstName!);
    expect(firsts).toEqual([...firsts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // The two named «علی» keep an order by id.
    const alis = karimi.filter((p) => p.firstName === 'علی').map((p) => p.id);
    expect(alis).toEqual([...alis].sort());
    // Pages of 2 walk the same order; the end read in reverse is that order backwards.
    expect(await walk('sort=lastName', 2)).toEqual(all);
    expect(await walk('sort=lastName&reverse=true', 2)).toEqual([...all].reverse());
    // Descending, an empty first name still comes last (empty values sort last whatever the direction).
    const desc = await walk('sort=-lastName', 3);
    const named = [...all].reverse().filter((p) => p.firstName !== null);
    expect(desc.filter((p) => p.firstName !== null)).toEqual(named);
    const karimiDesc = desc.filter((p) => p.lastName === 'کریمی');
    expect(karimiDesc.at(-1)!.firstName).toBeNull();
  });

  it('reads both ends from people_name_idx in order, with no sort of a surname’s group', async () => {
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    for (const reverse of [false, true]) {
      const compiled = await compileListQuery({ db: t.handle.db, principal }, 'people', {
        sort: 'lastName',
        limit: 50,
        reverse,
      });
      const nodes = await planOf(t.handle, admin.workspaceId, compiled);
      expect(nodes.some((n) => n['Index Name'] === 'people_name_idx')).toBe(true);
      expect(nodes.map((n) => n['Node Type'])).not.toContain('Sort');
      expect(nodes.map((n) => n['Node Type'])).not.toContain('Incremental Sort');
    }
  });
});
