import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('saved views', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  let outsider: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const state = {
    columns: ['firstName', 'jobTitle'],
    sort: '-createdAt',
    filter: { join: 'and', conditions: [] },
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: 'a@example.com',
      role: 'agent',
      name: 'Agent',
    });
    outsider = await joinByInvitation(t.app, admin.cookie, {
      email: 'o@example.com',
      role: 'agent',
      name: 'Other agent',
    });
  });
  afterAll(() => t?.close());

  it('keeps a view to its owner, shares one with a team, and one with everyone', async () => {
    const team = (await call('POST', '/teams', { name: 'Support', members: [agent.userId] })).json();
    const mine = await call('POST', '/views', { object: 'people', name: 'VIPs', state }, agent.cookie);
    expect(mine.statusCode, mine.body).toBe(201);
    const teamView = await call(
      'POST',
      '/views',
      { object: 'people', name: 'Support queue', teamId: team.id, state },
      agent.cookie,
    );
    expect(teamView.statusCode, teamView.body).toBe(201);
    const everyone = await call('POST', '/views', {
      object: 'people',
      name: 'All Tehran',
      shared: true,
      state,
    });
    expect(everyone.statusCode, everyone.body).toBe(201);
    const names = async (cookie: string) =>
      (await call('GET', '/views?object=people', undefined, cookie))
        .json()
        .data.map((v: { name: string }) => v.name);
    expect(await names(agent.cookie)).toEqual(['All Tehran', 'Support queue', 'VIPs']);
    expect(await names(outsider.cookie)).toEqual(['All Tehran']);
    expect(await names(other.cookie)).toEqual([]);
    expect((await call('GET', '/views?object=people', undefined, agent.cookie)).json().data[2].state).toEqual(
      state,
    );
  });

  it('lets only the owner (or an admin) change or remove a view; others see 404', async () => {
    const view = (
      await call('POST', '/views', { object: 'companies', name: 'Mine', state }, agent.cookie)
    ).json();
    expect(
      (await call('PATCH', `/views/${view.id}`, { name: 'Theirs now' }, outsider.cookie)).statusCode,
    ).toBe(404);
    expect((await call('DELETE', `/views/${view.id}`, undefined, other.cookie)).statusCode).toBe(404);
    const renamed = await call(
      'PATCH',
      `/views/${view.id}`,
      { name: 'Renamed', state: { columns: ['name'] } },
      agent.cookie,
    );
    expect(renamed.json()).toMatchObject({ name: 'Renamed', state: { columns: ['name'] } });
    expect((await call('DELETE', `/views/${view.id}`)).statusCode).toBe(204);
  });

  it('refuses sharing with a team one is not in, sharing with everyone without the right, and bad input', async () => {
    const team = (await call('POST', '/teams', { name: 'Sales' })).json();
    const r = await call(
      'POST',
      '/views',
      { object: 'people', name: 'x', teamId: team.id, state },
      agent.cookie,
    );
    expect(r.statusCode).toBe(400);
    expect(r.json().errors[0].field).toBe('body.teamId');
    expect(
      (await call('POST', '/views', { object: 'people', name: 'x', shared: true, state }, agent.cookie))
        .statusCode,
    ).toBe(403);
    expect((await call('POST', '/views', { object: 'nothing', name: 'x', state })).statusCode).toBe(400);
    expect((await call('POST', '/views', { object: 'people', name: '', state })).statusCode).toBe(400);
    expect(
      (await call('POST', '/views', { object: 'people', name: 'big', state: { blob: 'x'.repeat(70_000) } }))
        .statusCode,
    ).toBe(400);
    expect((await call('GET', '/views')).statusCode).toBe(400);
  });
});
