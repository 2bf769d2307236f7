// A report grouped by the owner's team: a record counts under each team of its owner (a member of two teams in
// both), records without an owner or of an owner in no team in the "no team" group; each team's count is the count
// of the list filtered by its members (the drill-down), the viewer's rules apply (own records, a hidden owner
// refused), team names only for a viewer who may list members, and no other workspace's team is ever joined.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

interface Result {
  dimensions: { field: string; by: string | null }[];
  buckets: { key: string }[];
  rows: { keys: (string | null)[]; others: boolean[]; values: (number | string | null)[] }[];
  labels: Record<string, string | null>;
}

describe('reports grouped by the owner’s team', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let mate: { userId: string; cookie: string };
  let loner: { userId: string; cookie: string };
  let rep: { userId: string; cookie: string };
  let blind: { userId: string; cookie: string };
  let nameless: { userId: string; cookie: string };
  let north: { id: string; members: string[] };
  let south: { id: string; members: string[] };
  let otherTeam: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (method: 'POST' | 'GET' | 'PATCH', url: string, body?: unknown, as?: string) => {
    const r = await call(method, url, body, as);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json();
  };
  const byTeam = (extra: Record<string, unknown> = {}) => ({
    object: 'deals',
    groupBy: [{ field: 'owner', by: 'team' }],
    measures: [{ fn: 'count' }, { fn: 'sum', field: 'amount' }],
    ...extra,
  });
  const countOf = (r: Result, key: string | null, measure = 0) =>
    r.rows.filter((row) => row.keys[0] === key).map((row) => row.values[measure])[0] ?? null;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    const mail = (n: string) => `${n}.${admin.workspaceId.slice(0, 8)}@example.com`;
    const role = async (key: string, deals: Record<string, unknown>, actions: string[] = []) => {
      const r = await call('POST', '/roles', {
        key,
        name: key,
        permissions: {
          actions,
          objects: { '*': { read: true, create: false, update: false, delete: false }, deals },
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    };
    await role('own_deals', { read: true, create: true, update: true, delete: false, ownRecordsOnly: true }, [
      'members.read',
    ]);
    await role(
      'no_owner',
      { read: true, create: false, update: false, delete: false, hiddenFields: ['owner'] },
      ['members.read'],
    );
    await role('no_members', { read: true, create: false, update: false, delete: false });
    mate = await joinByInvitation(t.app, admin.cookie, { email: mail('mate'), role: 'member', name: 'Mate' });
    loner = await joinByInvitation(t.app, admin.cookie, {
      email: mail('loner'),
      role: 'member',
      name: 'Loner',
    });
    rep = await joinByInvitation(t.app, admin.cookie, { email: mail('rep'), role: 'own_deals', name: 'Rep' });
    blind = await joinByInvitation(t.app, admin.cookie, {
      email: mail('blind'),
      role: 'no_owner',
      name: 'B',
    });
    nameless = await joinByInvitation(t.app, admin.cookie, {
      email: mail('nameless'),
      role: 'no_members',
      name: 'N',
    });
    // North: the admin and the mate; South: the mate and the rep. The mate is in both, the loner in none.
    north = await ok('POST', '/teams', { name: 'North', members: [admin.userId, mate.userId] });
    south = await ok('POST', '/teams', { name: 'South', members: [mate.userId, rep.userId] });
    otherTeam = (await ok('POST', '/teams', { name: 'Elsewhere', members: [other.userId] }, other.cookie)).id;
    const pipeline = await ok('POST', '/objects/pipelines', { name: 'P', currency: 'USD' });
    const stage = await ok('POST', '/objects/stages', { name: 'Open', pipeline: pipeline.id, position: 1 });
    // 3 of the admin's (100 each), 2 of the mate's (200), 1 of the rep's (300), 1 of the loner's (400), 1 of nobody's.
    const owners = [admin, admin, admin, mate, mate, rep, loner, null];
    const amounts = [100, 100, 100, 200, 200, 300, 400, 500];
    await ok('POST', '/objects/deals/batch', {
      records: owners.map((o, i) => ({
        name: `T${i}`,
        stage: stage.id,
        amount: { amount: String(amounts[i]), currency: 'USD' },
        expectedCloseDate: i % 2 ? '2025-01-15' : '2025-02-15',
        owner: o?.userId ?? null,
      })),
    });
    // The other workspace has a deal of its own, owned by its team's member.
    await ok('POST', '/objects/pipelines', { name: 'P', currency: 'USD' }, other.cookie);
    await ok('POST', '/objects/deals', { name: 'Other deal' }, other.cookie);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('counts a record under each team of its owner, and the rest under “no team”', async () => {
    const r = (await ok('POST', '/reports/run', byTeam())) as Result;
    expect(r.dimensions[0]).toMatchObject({ field: 'owner', by: 'team' });
    // North: the admin's 3 and the mate's 2; South: the mate's 2 and the rep's 1; no team: the loner's and nobody's.
    expect(countOf(r, north.id)).toBe(5);
    expect(countOf(r, south.id)).toBe(3);
    expect(countOf(r, null)).toBe(2);
    expect(Number(countOf(r, north.id, 1))).toBe(700);
    expect(Number(countOf(r, south.id, 1))).toBe(700);
    expect(Number(countOf(r, null, 1))).toBe(900);
    expect(r.labels).toMatchObject({ [north.id]: 'North', [south.id]: 'South' });
    expect(r.rows).toHaveLength(3);
    expect(JSON.stringify(r)).not.toContain(otherTeam);
  });

  it('gives each team bar exactly the records of the list filtered by its members (the drill-down)', async () => {
    const r = (await ok('POST', '/reports/run', byTeam())) as Result;
    const listed = async (filter: unknown) =>
      (await ok('POST', '/objects/deals/query', { filter, limit: 100 })).data.length as number;
    for (const team of [north, south])
      expect(await listed({ field: 'owner', op: 'in', value: team.members }), team.id).toBe(
        countOf(r, team.id),
      );
    // "No team": an owner in none of the teams, or none at all.
    const everyMember = [...new Set([...north.members, ...south.members])];
    expect(await listed({ field: 'owner', op: 'nin', value: everyMember })).toBe(countOf(r, null));
  });

  it('groups by team and month in one report, and never folds teams into “others”', async () => {
    const r = (await ok(
      'POST',
      '/reports/run',
      byTeam({
        groupBy: [
          { field: 'expectedCloseDate', bucket: 'month' },
          { field: 'owner', by: 'team' },
        ],
        measures: [{ fn: 'count' }],
        calendar: 'gregory',
        limit: 1,
      }),
    )) as Result;
    expect(r.buckets.map((b) => b.key)).toEqual(['2025-01-01', '2025-02-01']);
    const cell = (month: string, team: string | null) =>
      r.rows.find((row) => row.keys[0] === month && row.keys[1] === team)?.values[0] ?? 0;
    // T0, T2, T4, T6 in February; T1, T3, T5, T7 in January.
    expect(cell('2025-02-01', north.id)).toBe(3);
    expect(cell('2025-01-01', north.id)).toBe(2);
    expect(cell('2025-01-01', south.id)).toBe(2);
    expect(cell('2025-02-01', south.id)).toBe(1);
    expect(cell('2025-01-01', null)).toBe(1);
    expect(cell('2025-02-01', null)).toBe(1);
    expect(r.rows.some((row) => row.others.some(Boolean))).toBe(false);
  });

  it('applies the viewer’s rules: own records only, a hidden owner refused, names only with members.read', async () => {
    const asRep = (await ok('POST', '/reports/run', byTeam(), rep.cookie)) as Result;
    expect(asRep.rows.map((row) => [row.keys[0], row.values[0]])).toEqual([[south.id, 1]]);
    const refused = await call('POST', '/reports/run', byTeam(), blind.cookie);
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().errors[0].field).toBe('body.groupBy.0.field');
    const unnamed = (await ok('POST', '/reports/run', byTeam(), nameless.cookie)) as Result;
    expect(countOf(unnamed, north.id)).toBe(5);
    expect(unnamed.labels[north.id]).toBeNull();
    expect(JSON.stringify(unnamed)).not.toContain('North');
  });

  it('answers another workspace with its own teams only', async () => {
    // Its one deal is its creator's, a member of its own team.
    const r = (await ok('POST', '/reports/run', byTeam(), other.cookie)) as Result;
    expect(r.rows.map((row) => [row.keys[0], row.values[0]])).toEqual([[otherTeam, 1]]);
    expect(r.labels[otherTeam]).toBe('Elsewhere');
    expect(JSON.stringify(r)).not.toContain(north.id);
    expect(JSON.stringify(r)).not.toContain('North');
  });

  it('refuses a team grouping of a field that is not a person, and writes team names in CSV', async () => {
    for (const groupBy of [
      [{ field: 'name', by: 'team' }],
      [{ field: 'owner', by: 'team', bucket: 'month' }],
      [{ field: 'owner', by: 'teams' }],
      [{ field: 'owner', by: 'team\u0000' }],
    ]) {
      const r = await call('POST', '/reports/run', byTeam({ groupBy }));
      expect(r.statusCode, `${JSON.stringify(groupBy)}: ${r.body}`).toBe(400);
    }
    const saved = await ok('POST', '/reports', { name: 'By team', definition: byTeam() });
    const csv = await call('GET', `/reports/${saved.id}/export.csv`);
    expect(csv.statusCode, csv.body).toBe(200);
    const lines = csv.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toBe('owner (team),owner (team) id,currency,count,sum:amount');
    expect(lines.find((l) => l.startsWith('North,'))).toMatch(
      new RegExp(`^North,${north.id},USD,5,700(\\.0+)?$`),
    );
    // The "no team" group: no name, no id.
    expect(lines.find((l) => l.startsWith(',,'))).toMatch(/^,,USD,2,900/);
  });
});
