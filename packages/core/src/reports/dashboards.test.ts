import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

interface Run {
  status: string;
  message: string | null;
  asOf: string;
  applied: { period: { from: string; to: string } | null; owner: boolean };
  data: {
    kind: string;
    result?: {
      rows: { keys: (string | null)[]; values: (number | string | null)[] }[];
      buckets: { key: string }[];
    };
    previous?: { rows: { values: (number | string | null)[] }[] } | null;
    records?: Record<string, unknown>[];
  } | null;
}

/** A civil date `days` from today in UTC (the people of this test keep UTC). */
const day = (days = 0) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe('dashboards', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let rep: { userId: string; cookie: string };
  let mate: { userId: string; cookie: string };
  let blind: { userId: string; cookie: string };
  let agent: { userId: string; cookie: string };
  let manager: { userId: string; cookie: string };
  let ownRoleId: string;
  let teamId: string;
  let stageId: string;
  let byStatusId: string;
  let privateReportId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (method: 'POST' | 'PATCH' | 'GET' | 'PUT', url: string, body?: unknown, as?: string) => {
    const r = await call(method, url, body, as);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json();
  };
  const run = async (dashboard: string, widget: string, as?: string, filters?: unknown): Promise<Run> =>
    ok('POST', `/dashboards/${dashboard}/widgets/${widget}/run`, filters ? { filters } : {}, as);
  const count = (r: Run) =>
    (r.data?.result?.rows ?? []).reduce((n, row) => n + Number(row.values[0] ?? 0), 0);
  const place = (id: string, x = 0, y = 0) => ({ id, x, y, w: 4, h: 3 });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    const role = (key: string, deals: Record<string, unknown>) =>
      call('POST', '/roles', {
        key,
        name: key,
        permissions: {
          actions: [],
          objects: { '*': { read: true, create: false, update: false, delete: false }, deals },
        },
      });
    const own = await role('own_deals', {
      read: true,
      create: true,
      update: true,
      delete: false,
      ownRecordsOnly: true,
    });
    expect(own.statusCode, own.body).toBe(201);
    ownRoleId = own.json().id;
    const hidden = await role('no_amounts', {
      read: true,
      create: false,
      update: false,
      delete: false,
      hiddenFields: ['amount'],
    });
    expect(hidden.statusCode, hidden.body).toBe(201);
    const mail = (n: string) => `${n}.${admin.workspaceId.slice(0, 8)}@example.com`;
    rep = await joinByInvitation(t.app, admin.cookie, { email: mail('rep'), role: 'own_deals', name: 'Rep' });
    mate = await joinByInvitation(t.app, admin.cookie, { email: mail('mate'), role: 'member', name: 'Mate' });
    blind = await joinByInvitation(t.app, admin.cookie, {
      email: mail('blind'),
      role: 'no_amounts',
      name: 'Blind',
    });
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: mail('agent'),
      role: 'agent',
      name: 'Agent',
    });
    manager = await joinByInvitation(t.app, admin.cookie, {
      email: mail('mgr'),
      role: 'manager',
      name: 'Mgr',
    });
    teamId = (await ok('POST', '/teams', { name: 'Closers', members: [mate.userId] })).id;
    const pipeline = await ok('POST', '/objects/pipelines', { name: 'P', currency: 'USD' });
    stageId = (await ok('POST', '/objects/stages', { name: 'Open', pipeline: pipeline.id, position: 1 })).id;
    // 8 deals: 2 the rep's, 2 the mate's, 4 the admin's; half closing today, half in two years.
    await ok('POST', '/objects/deals/batch', {
      records: Array.from({ length: 8 }, (_, i) => ({
        name: `D${i}`,
        stage: stageId,
        status: i % 2 ? 'won' : 'open',
        amount: { amount: `${(i + 1) * 100}`, currency: 'USD' },
        expectedCloseDate: i < 4 ? day() : day(730),
        owner: i < 2 ? rep.userId : i < 4 ? mate.userId : admin.userId,
      })),
    });
    byStatusId = (
      await ok('POST', '/reports', {
        name: 'Deals by status',
        definition: {
          object: 'deals',
          groupBy: [{ field: 'status' }],
          measures: [{ fn: 'count' }],
          chart: 'bar',
        },
        shares: [
          { kind: 'role', id: ownRoleId },
          { kind: 'team', id: teamId },
          { kind: 'user', id: blind.userId },
        ],
      })
    ).id;
    privateReportId = (
      await ok('POST', '/reports', {
        name: 'Admin only',
        definition: { object: 'deals', measures: [{ fn: 'count' }] },
      })
    ).id;
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('saves a dashboard and shows it to its owner and whom it is shared with — nobody else', async () => {
    const created = await call('POST', '/dashboards', {
      name: 'Sales',
      layout: [{ ...place('a'), kind: 'report', reportId: byStatusId, title: 'By status' }],
      filters: { period: 'thisMonth' },
      shares: [{ kind: 'team', id: teamId }],
    });
    expect(created.statusCode, created.body).toBe(201);
    const d = created.json();
    expect(d).toMatchObject({ name: 'Sales', ownerId: admin.userId, editable: true, builtIn: null });
    expect(d.layout[0]).toMatchObject({ id: 'a', kind: 'report', reportId: byStatusId });
    expect((await call('GET', `/dashboards/${d.id}`, undefined, mate.cookie)).json()).toMatchObject({
      editable: false,
    });
    for (const cookie of [rep.cookie, other.cookie, agent.cookie]) {
      expect((await call('GET', `/dashboards/${d.id}`, undefined, cookie)).statusCode).toBe(404);
      expect((await call('POST', `/dashboards/${d.id}/widgets/a/run`, {}, cookie)).statusCode).toBe(404);
      expect((await call('PATCH', `/dashboards/${d.id}`, { name: 'x' }, cookie)).statusCode).toBe(404);
      expect((await call('DELETE', `/dashboards/${d.id}`, undefined, cookie)).statusCode).toBe(404);
      const list = (await call('GET', '/dashboards', undefined, cookie)).json().data as { id: string }[];
      expect(list.map((x) => x.id)).not.toContain(d.id);
    }
    // A teammate sees it but may not change it; its owner moves and renames.
    expect((await call('PATCH', `/dashboards/${d.id}`, { name: 'Mine' }, mate.cookie)).statusCode).toBe(403);
    const moved = await ok('PATCH', `/dashboards/${d.id}`, {
      name: 'Sales today',
      layout: [{ ...place('a', 4, 2), kind: 'report', reportId: byStatusId }],
    });
    expect(moved).toMatchObject({ name: 'Sales today', layout: [{ id: 'a', x: 4, y: 2 }] });
    const listed = (await ok('GET', '/dashboards', undefined, mate.cookie)).data as { id: string }[];
    expect(listed.map((x) => x.id)).toContain(d.id);
    expect((await call('DELETE', `/dashboards/${d.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/dashboards/${d.id}`, undefined, mate.cookie)).statusCode).toBe(404);
  });

  it('runs each widget as the viewer: their rights, and “not shared” for a report that is not theirs', async () => {
    const d = await ok('POST', '/dashboards', {
      name: 'Mixed',
      layout: [
        { ...place('shared'), kind: 'report', reportId: byStatusId },
        { ...place('private', 4), kind: 'report', reportId: privateReportId },
        {
          ...place('sum', 8),
          kind: 'kpi',
          kpi: { object: 'deals', measure: { fn: 'sum', field: 'amount' } },
        },
      ],
      shares: [
        { kind: 'role', id: ownRoleId },
        { kind: 'user', id: blind.userId },
      ],
    });
    // The admin sees all 8; the rep (own records only) their 2 through the same widget.
    expect(count(await run(d.id, 'shared'))).toBe(8);
    const asRep = await run(d.id, 'shared', rep.cookie);
    expect(asRep.status).toBe('ok');
    expect(count(asRep)).toBe(2);
    expect(Date.parse(asRep.asOf)).toBeGreaterThan(Date.now() - 60_000);
    // The admin's private report is theirs alone: the rep's widget says so, the rest of the dashboard still runs.
    const notShared = await run(d.id, 'private', rep.cookie);
    expect(notShared).toMatchObject({ status: 'notShared', data: null });
    expect((await run(d.id, 'private')).status).toBe('ok');
    // A sum over a field hidden from the viewer is refused for that widget only, and shows no amount.
    const admins = await run(d.id, 'sum');
    expect(admins.data?.result?.rows[0]?.values[0]).toBe('3600');
    const blinds = await call('POST', `/dashboards/${d.id}/widgets/sum/run`, {}, blind.cookie);
    expect(blinds.statusCode, blinds.body).toBe(200);
    expect(blinds.json()).toMatchObject({ status: 'refused', data: null });
    expect(blinds.body).not.toContain('3600');
    expect((await run(d.id, 'shared', blind.cookie)).status).toBe('ok');
    // Nobody may save a widget over a field hidden from them.
    const saving = await call(
      'POST',
      '/dashboards',
      {
        name: 'Blind',
        layout: [
          { ...place('x'), kind: 'kpi', kpi: { object: 'deals', measure: { fn: 'sum', field: 'amount' } } },
        ],
      },
      blind.cookie,
    );
    expect(saving.statusCode, saving.body).toBe(400);
    expect(saving.json().errors[0].field).toMatch(/^body\.layout\.0\.kpi/);
    // Nor a widget of a report they may not run.
    const notTheirs = await call(
      'POST',
      '/dashboards',
      { name: 'Taken', layout: [{ ...place('x'), kind: 'report', reportId: privateReportId }] },
      rep.cookie,
    );
    expect(notTheirs.statusCode, notTheirs.body).toBe(400);
  });

  it('narrows every widget by the owner, team and period filters and never widens a widget', async () => {
    const d = await ok('POST', '/dashboards', {
      name: 'Filtered',
      layout: [
        { ...place('status'), kind: 'report', reportId: byStatusId },
        {
          ...place('open', 4),
          kind: 'kpi',
          kpi: {
            object: 'deals',
            measure: { fn: 'count' },
            filter: { field: 'status', op: 'eq', value: 'open' },
            dateField: 'expectedCloseDate',
            compare: true,
          },
        },
        {
          ...place('byMonth', 8),
          kind: 'report',
          definition: {
            object: 'deals',
            groupBy: [{ field: 'expectedCloseDate', bucket: 'month' }],
            measures: [{ fn: 'count' }],
            range: { from: day(-400), to: day(1000) },
          },
        },
        { ...place('list', 0, 3), kind: 'list', list: { object: 'deals', fields: ['name'], limit: 50 } },
      ],
      shares: [{ kind: 'role', id: ownRoleId }],
    });
    expect(count(await run(d.id, 'status', undefined, { owner: mate.userId }))).toBe(2);
    expect(count(await run(d.id, 'status', undefined, { team: teamId }))).toBe(2);
    expect(count(await run(d.id, 'status', undefined, { owner: 'me' }))).toBe(4);
    const mine = await run(d.id, 'list', undefined, { owner: 'me' });
    expect(mine.applied.owner).toBe(true);
    expect(mine.data?.records?.map((r) => r.name).sort()).toEqual(['D4', 'D5', 'D6', 'D7']);
    // The owner filter narrows the rep's own-records rule, never widens it: asking for the admin's deals gives none.
    expect(count(await run(d.id, 'status', rep.cookie, { owner: admin.userId }))).toBe(0);
    expect(count(await run(d.id, 'status', rep.cookie, { owner: null }))).toBe(2);
    // The KPI's own filter (open deals) and the period both apply: open deals closing this month, and last month's.
    const kpi = await run(d.id, 'open', undefined, { period: 'thisMonth' });
    expect(kpi.data?.result?.rows[0]?.values[0]).toBe(2);
    expect(kpi.applied.period?.from.slice(0, 8)).toBe(day().slice(0, 8));
    expect(kpi.data?.previous?.rows[0]?.values[0]).toBe(0);
    expect((await run(d.id, 'open')).data?.result?.rows[0]?.values[0]).toBe(4);
    // The period cuts a report's own range to the days both keep: only this month's bucket remains.
    const months = await run(d.id, 'byMonth', undefined, { period: 'thisMonth' });
    expect(months.data?.result?.buckets).toHaveLength(1);
    expect(count(months)).toBe(4);
    // A period outside the report's own range counts nothing rather than reaching past it.
    const outside = await run(d.id, 'byMonth', undefined, {
      period: { from: '2000-01-01', to: '2000-12-31' },
    });
    expect(count(outside)).toBe(0);
    // A saved period is the default; a run may replace it, or clear it with null.
    const patched = await ok('PATCH', `/dashboards/${d.id}`, {
      filters: { period: 'thisMonth', owner: 'me' },
    });
    expect(patched.filters).toEqual({ period: 'thisMonth', owner: 'me' });
    // (The admin's own open deals close in two years: none this month, two once the period is cleared.)
    expect((await run(d.id, 'open')).data?.result?.rows[0]?.values[0]).toBe(0);
    expect((await run(d.id, 'open', undefined, { period: null })).data?.result?.rows[0]?.values[0]).toBe(2);
    expect(
      (await run(d.id, 'open', undefined, { period: null, owner: null })).data?.result?.rows[0]?.values[0],
    ).toBe(4);
    // Filters naming nobody of the workspace are refused.
    const stranger = await call('PATCH', `/dashboards/${d.id}`, { filters: { owner: other.userId } });
    expect(stranger.statusCode).toBe(400);
    const strangeTeam = await call('POST', `/dashboards/${d.id}/widgets/status/run`, {
      filters: { period: { from: '2025-02-01', to: '2025-01-01' } },
    });
    expect(strangeTeam.statusCode).toBe(400);
  });

  it('gives each role its built-in home until an admin chooses one, and lands there when asked', async () => {
    const homes: Record<string, string> = {};
    for (const [who, cookie] of [
      ['member', mate.cookie],
      ['manager', manager.cookie],
      ['agent', agent.cookie],
      ['admin', admin.cookie],
    ] as const) {
      const home = await ok('GET', '/dashboards/home', undefined, cookie);
      expect(home.landing).toBe(false);
      homes[who] = home.dashboard.builtIn;
      // Every built-in widget runs for its role (data, or a refusal of that widget alone).
      for (const w of home.dashboard.layout as { id: string }[]) {
        const r = await run('home', w.id, cookie);
        expect(r.status, `${who} ${w.id}: ${r.message}`).toBe('ok');
      }
    }
    expect(homes).toEqual({ member: 'rep', manager: 'manager', agent: 'agent', admin: 'manager' });
    // The rep's "deals closing this period" counts their own open deals closing this month.
    const closing = await run('home', 'deals-closing', mate.cookie);
    expect(closing.data?.result?.rows[0]?.values[0]).toBe(1);
    const d = await ok('POST', '/dashboards', {
      name: 'Team home',
      layout: [{ ...place('status'), kind: 'report', reportId: byStatusId }],
    });
    // Only admins choose homes.
    const refused = await call(
      'PUT',
      '/dashboards/home/member',
      { dashboardId: d.id, landing: true },
      mate.cookie,
    );
    expect(refused.statusCode).toBe(403);
    expect(await ok('PUT', '/dashboards/home/member', { dashboardId: d.id, landing: true })).toMatchObject({
      roleKey: 'member',
      dashboardId: d.id,
      landing: true,
    });
    expect(
      (await call('PUT', '/dashboards/home/nobody', { dashboardId: null, landing: false })).statusCode,
    ).toBe(404);
    expect(
      (
        await call('PUT', '/dashboards/home/member', {
          dashboardId: '00000000-0000-4000-8000-000000000000',
          landing: true,
        })
      ).statusCode,
    ).toBe(400);
    // The member now opens it (not shared with them otherwise) and runs its widget as themselves.
    const home = await ok('GET', '/dashboards/home', undefined, mate.cookie);
    expect(home).toMatchObject({ landing: true, dashboard: { id: d.id, builtIn: null, editable: false } });
    expect((await call('GET', `/dashboards/${d.id}`, undefined, mate.cookie)).statusCode).toBe(200);
    expect(count(await run('home', 'status', mate.cookie))).toBe(8);
    expect((await call('GET', `/dashboards/${d.id}`, undefined, agent.cookie)).statusCode).toBe(404);
    const all = (await ok('GET', '/dashboards/homes')).data as {
      roleKey: string;
      dashboardId: string | null;
    }[];
    expect(all.find((h) => h.roleKey === 'member')?.dashboardId).toBe(d.id);
    // Deleting it gives the role the built-in home again.
    expect((await call('DELETE', `/dashboards/${d.id}`)).statusCode).toBe(204);
    expect((await ok('GET', '/dashboards/home', undefined, mate.cookie)).dashboard.builtIn).toBe('rep');
  });

  it('answers another workspace’s dashboards as not found', async () => {
    const d = await ok('POST', '/dashboards', {
      name: 'B only',
      layout: [{ ...place('a'), kind: 'report', reportId: byStatusId }],
    });
    for (const [method, url] of [
      ['GET', `/dashboards/${d.id}`],
      ['PATCH', `/dashboards/${d.id}`],
      ['DELETE', `/dashboards/${d.id}`],
      ['POST', `/dashboards/${d.id}/widgets/a/run`],
    ] as const) {
      const r = await call(
        method,
        url,
        method === 'PATCH' ? { name: 'x' } : method === 'POST' ? {} : undefined,
        other.cookie,
      );
      expect(r.statusCode, `${method} ${url}`).toBe(404);
      expect(r.body).not.toContain('B only');
    }
    const put = await call(
      'PUT',
      `/dashboards/home/${ownRoleId}`,
      { dashboardId: d.id, landing: true },
      other.cookie,
    );
    expect(put.statusCode).toBe(404);
    const setOther = await call(
      'PUT',
      '/dashboards/home/member',
      { dashboardId: d.id, landing: true },
      other.cookie,
    );
    expect(setOther.statusCode).toBe(400);
  });

  it('refuses hostile layouts: too many widgets, NUL, lone surrogates, overlaps of the grid, repeated ids', async () => {
    const widget = (i: number) => ({ ...place(`w${i}`, 0, i), kind: 'report', reportId: byStatusId });
    const many = await call('POST', '/dashboards', {
      name: 'Many',
      layout: Array.from({ length: 49 }, (_, i) => widget(i)),
    });
    expect(many.statusCode, many.body).toBe(400);
    expect(
      (
        await call('POST', '/dashboards', {
          name: 'Max',
          layout: Array.from({ length: 48 }, (_, i) => widget(i)),
        })
      ).statusCode,
    ).toBe(201);
    const bad: unknown[] = [
      { name: 'a\u0000b' },
      { name: 'a\uD800b' },
      { name: '' },
      { name: 'x'.repeat(201) },
      { name: 'ok', layout: [{ ...widget(1), title: 'x\u0000' }] },
      { name: 'ok', layout: [{ ...widget(1), id: 'a b' }] },
      { name: 'ok', layout: [{ ...widget(1), x: 10, w: 4 }] },
      { name: 'ok', layout: [{ ...widget(1), h: 1e9 }] },
      { name: 'ok', layout: [widget(1), widget(1)] },
      {
        name: 'ok',
        layout: [
          {
            ...place('k'),
            kind: 'kpi',
            kpi: {
              object: 'deals',
              measure: { fn: 'count' },
              filter: { field: 'name', op: 'eq', value: 'x\u0000' },
            },
          },
        ],
      },
      {
        name: 'ok',
        layout: [
          {
            ...place('k'),
            kind: 'kpi',
            kpi: {
              object: 'deals',
              measure: { fn: 'count' },
              filter: { field: 'name', op: 'eq', value: 'x\uDC00' },
            },
          },
        ],
      },
      {
        name: 'ok',
        layout: [{ ...place('k'), kind: 'list', list: { object: 'deals', sort: 'name\u0000' } }],
      },
      { name: 'ok', layout: [{ ...place('k'), kind: 'report' }] },
      { name: 'ok', layout: [{ ...place('k'), kind: 'chart' }] },
      { name: 'ok', layout: 'x'.repeat(100_000) },
      { name: 'ok', filters: { period: 'forever' } },
      { name: 'ok', filters: { owner: 'someone' } },
      { name: 'ok', filters: { team: '\u0000' } },
      { name: 'ok', shares: [{ kind: 'user', id: other.userId }] },
    ];
    for (const body of bad) {
      const r = await call('POST', '/dashboards', body);
      expect(r.statusCode, `${JSON.stringify(body).slice(0, 200)}: ${r.body}`).toBe(400);
      expect(r.json().type).toBeDefined();
    }
    expect((await call('GET', '/dashboards/not-an-id')).statusCode).toBe(404);
    expect((await call('POST', '/dashboards/home/widgets/nothing/run', {})).statusCode).toBe(404);
    expect(
      (await call('POST', '/dashboards/home/widgets/x/run', { filters: { period: 'x\u0000' } })).statusCode,
    ).toBe(400);
    expect((await call('GET', '/dashboards?after=%00')).statusCode).toBe(400);
  });
});
