// Home dashboards per team and per person, beside the roles' ones: a person's own home wins over their team's, a
// team's over their role's, the role's over the built-in one; of several teams the first by name that has a home.
// Admins (`reports.manage`) choose teams' and people's homes; a person may choose their own among the dashboards
// they may open. Another workspace's teams and people are not found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('home dashboards per team and per person', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let mate: { userId: string; cookie: string };
  let loner: { userId: string; cookie: string };
  let twice: { userId: string; cookie: string };
  let north: string;
  let alpha: string;
  let beta: string;
  const dashboards: Record<string, string> = {};
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (method: 'POST' | 'GET' | 'PUT' | 'DELETE', url: string, body?: unknown, as?: string) => {
    const r = await call(method, url, body, as);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.statusCode === 204 ? null : r.json();
  };
  const homeOf = async (cookie: string) =>
    (await ok('GET', '/dashboards/home', undefined, cookie)) as {
      dashboard: { id: string; builtIn: string | null };
      landing: boolean;
      source: string;
    };
  const dashboard = async (name: string, as?: string) =>
    (
      await ok(
        'POST',
        '/dashboards',
        {
          name,
          layout: [
            {
              id: 'n',
              x: 0,
              y: 0,
              w: 3,
              h: 2,
              kind: 'kpi',
              kpi: { object: 'deals', measure: { fn: 'count' } },
            },
          ],
        },
        as,
      )
    ).id as string;

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    const mail = (n: string) => `${n}.${admin.workspaceId.slice(0, 8)}@example.com`;
    mate = await joinByInvitation(t.app, admin.cookie, { email: mail('mate'), role: 'member', name: 'Mate' });
    loner = await joinByInvitation(t.app, admin.cookie, { email: mail('loner'), role: 'member', name: 'L' });
    twice = await joinByInvitation(t.app, admin.cookie, { email: mail('twice'), role: 'member', name: 'T' });
    north = (await ok('POST', '/teams', { name: 'North', members: [mate.userId] })).id;
    // Named so that "Beta" was made first but "Alpha" comes first by name.
    beta = (await ok('POST', '/teams', { name: 'Beta', members: [twice.userId] })).id;
    alpha = (await ok('POST', '/teams', { name: 'Alpha', members: [twice.userId] })).id;
    for (const name of ['role', 'team', 'person', 'alpha', 'beta', 'private'])
      dashboards[name] = await dashboard(name);
    dashboards.mine = await dashboard('mine', mate.cookie);
    dashboards.others = await dashboard('others', other.cookie);
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  it('takes the person’s home over the team’s, the team’s over the role’s, the role’s over the built-in', async () => {
    expect(await homeOf(mate.cookie)).toMatchObject({ source: 'builtIn', dashboard: { builtIn: 'rep' } });
    await ok('PUT', '/dashboards/home/member', { dashboardId: dashboards.role, landing: false });
    expect(await homeOf(mate.cookie)).toMatchObject({ source: 'role', dashboard: { id: dashboards.role } });
    const team = await ok('PUT', `/dashboards/homes/teams/${north}`, {
      dashboardId: dashboards.team,
      landing: true,
    });
    expect(team).toEqual({ id: north, dashboardId: dashboards.team, landing: true });
    expect(await homeOf(mate.cookie)).toMatchObject({
      source: 'team',
      landing: true,
      dashboard: { id: dashboards.team },
    });
    // Someone in no team keeps the role's.
    expect(await homeOf(loner.cookie)).toMatchObject({ source: 'role', dashboard: { id: dashboards.role } });
    await ok('PUT', `/dashboards/homes/people/${mate.userId}`, {
      dashboardId: dashboards.person,
      landing: false,
    });
    const home = await homeOf(mate.cookie);
    expect(home).toMatchObject({ source: 'person', landing: false, dashboard: { id: dashboards.person } });
    // A home is theirs to open and run, shared with them or not.
    expect((await call('GET', `/dashboards/${dashboards.person}`, undefined, mate.cookie)).statusCode).toBe(
      200,
    );
    const ran = await ok('POST', '/dashboards/home/widgets/n/run', {}, mate.cookie);
    expect(ran.status).toBe('ok');
    expect((await call('GET', `/dashboards/${dashboards.person}`, undefined, loner.cookie)).statusCode).toBe(
      404,
    );
    const listed = await ok('GET', '/dashboards/homes');
    expect(listed.teams).toEqual([{ id: north, dashboardId: dashboards.team, landing: true }]);
    expect(listed.people).toEqual([{ id: mate.userId, dashboardId: dashboards.person, landing: false }]);
    // Clearing the person's choice falls back to the team's; a deleted dashboard to the next one down.
    await ok('PUT', `/dashboards/homes/people/${mate.userId}`, { dashboardId: null, landing: false });
    expect((await homeOf(mate.cookie)).source).toBe('team');
    const spare = await dashboard('spare');
    await ok('PUT', `/dashboards/homes/teams/${north}`, { dashboardId: spare, landing: true });
    await ok('DELETE', `/dashboards/${spare}`);
    expect(await homeOf(mate.cookie)).toMatchObject({ source: 'role', dashboard: { id: dashboards.role } });
  });

  it('takes the first of a person’s teams by name that has a home', async () => {
    await ok('PUT', `/dashboards/homes/teams/${beta}`, { dashboardId: dashboards.beta, landing: false });
    expect((await homeOf(twice.cookie)).dashboard.id).toBe(dashboards.beta);
    await ok('PUT', `/dashboards/homes/teams/${alpha}`, { dashboardId: dashboards.alpha, landing: false });
    expect((await homeOf(twice.cookie)).dashboard.id).toBe(dashboards.alpha);
    // A team's home goes with the team.
    await ok('DELETE', `/teams/${alpha}`);
    expect((await homeOf(twice.cookie)).dashboard.id).toBe(dashboards.beta);
  });

  it('lets a person choose their own home among the dashboards they may open — and nothing more', async () => {
    const mine = await ok(
      'PUT',
      '/dashboards/my-home',
      { dashboardId: dashboards.mine, landing: true },
      mate.cookie,
    );
    expect(mine).toEqual({ id: mate.userId, dashboardId: dashboards.mine, landing: true });
    expect(await homeOf(mate.cookie)).toMatchObject({ source: 'person', dashboard: { id: dashboards.mine } });
    // Not a dashboard they may open (the admin's own, another workspace's, no dashboard at all).
    for (const id of [
      dashboards.private,
      dashboards.others,
      '00000000-0000-4000-8000-000000000000',
      'x\u0000',
    ]) {
      const r = await call('PUT', '/dashboards/my-home', { dashboardId: id, landing: false }, mate.cookie);
      expect(r.statusCode, `${id}: ${r.body}`).toBe(400);
      expect(r.body).not.toContain('private');
    }
    // Only admins choose for teams and other people (or for themselves through the admin route).
    for (const url of [`/dashboards/homes/teams/${north}`, `/dashboards/homes/people/${loner.userId}`]) {
      const r = await call('PUT', url, { dashboardId: dashboards.mine, landing: false }, mate.cookie);
      expect(r.statusCode, url).toBe(403);
    }
    expect((await call('GET', '/dashboards/homes', undefined, mate.cookie)).statusCode).toBe(403);
    await ok('PUT', '/dashboards/my-home', { dashboardId: null, landing: false }, mate.cookie);
    expect((await homeOf(mate.cookie)).source).toBe('role');
  });

  it('answers another workspace’s teams and people as not found, and refuses hostile bodies', async () => {
    const theirTeam = (await ok('POST', '/teams', { name: 'Theirs', members: [other.userId] }, other.cookie))
      .id;
    for (const url of [
      `/dashboards/homes/teams/${theirTeam}`,
      `/dashboards/homes/people/${other.userId}`,
      '/dashboards/homes/teams/not-a-team',
    ]) {
      const r = await call('PUT', url, { dashboardId: dashboards.role, landing: false });
      expect(r.statusCode, `${url}: ${r.body}`).toBe(404);
    }
    // A NUL in the path is refused at the edge, naming it.
    const nul = await call('PUT', '/dashboards/homes/teams/%00', {
      dashboardId: dashboards.role,
      landing: false,
    });
    expect(nul.statusCode).toBe(400);
    expect(nul.json().errors[0].field).toBe('params.teamId');
    // Nor may the other workspace's admin name ours, or give our team their dashboard.
    for (const url of [`/dashboards/homes/teams/${north}`, `/dashboards/homes/people/${mate.userId}`]) {
      const r = await call('PUT', url, { dashboardId: dashboards.others, landing: true }, other.cookie);
      expect(r.statusCode, url).toBe(404);
      expect(r.body).not.toContain('North');
    }
    const theirs = await call(
      'PUT',
      `/dashboards/homes/teams/${theirTeam}`,
      { dashboardId: dashboards.role, landing: true },
      other.cookie,
    );
    expect(theirs.statusCode, theirs.body).toBe(400);
    for (const body of [
      { dashboardId: dashboards.role, landing: 'yes' },
      { dashboardId: dashboards.role, landing: false, extra: 1 },
      { dashboardId: 'x'.repeat(65), landing: false },
      { landing: true },
    ]) {
      const r = await call('PUT', `/dashboards/homes/teams/${north}`, body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
    }
    // Our teams' homes are as we left them: Beta's (Alpha is gone, North's dashboard deleted).
    expect((await ok('GET', '/dashboards/homes')).teams).toEqual([
      { id: beta, dashboardId: dashboards.beta, landing: false },
    ]);
  });
});
