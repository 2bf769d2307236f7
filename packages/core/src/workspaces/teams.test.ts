import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('teams', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: 'agent@example.com',
      role: 'agent',
      name: 'Agent',
    });
  });
  afterAll(() => t?.close());

  it('creates, renames, staffs and removes a team', async () => {
    const created = await call('POST', '/teams', { name: 'فروش تهران', members: [admin.userId] });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    expect(created.json()).toMatchObject({ name: 'فروش تهران', members: [admin.userId] });
    const patched = await call('PATCH', `/teams/${id}`, {
      name: 'Tehran sales',
      members: [agent.userId, admin.userId],
    });
    expect(patched.statusCode, patched.body).toBe(200);
    expect(patched.json().members.sort()).toEqual([admin.userId, agent.userId].sort());
    // Agents may list teams and members (they name who holds a ticket), not change them.
    const list = await call('GET', '/teams', undefined, agent.cookie);
    expect(list.statusCode).toBe(200);
    expect((await call('GET', '/teams')).json().data.map((x: { name: string }) => x.name)).toEqual([
      'Tehran sales',
    ]);
    expect((await call('DELETE', `/teams/${id}`)).statusCode).toBe(204);
    expect((await call('GET', '/teams')).json().data).toEqual([]);
  });

  it('refuses duplicate names, non-members and bad input by field', async () => {
    await call('POST', '/teams', { name: 'Support' });
    expect((await call('POST', '/teams', { name: 'Support' })).statusCode).toBe(409);
    const stranger = await call('POST', '/teams', { name: 'Mixed', members: [other.userId, 'nonsense'] });
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json().errors[0].field).toBe('body.members');
    expect((await call('POST', '/teams', { name: '' })).statusCode).toBe(400);
    expect((await call('POST', '/teams', { name: 'x'.repeat(101) })).statusCode).toBe(400);
    expect((await call('POST', '/teams', { name: 'Bad', extra: 1 })).statusCode).toBe(400);
  });

  it('treats another workspace’s team as missing, and lets only admins manage teams', async () => {
    const theirs = (await call('POST', '/teams', { name: 'Theirs' }, other.cookie)).json().id;
    expect((await call('PATCH', `/teams/${theirs}`, { name: 'Mine now' })).statusCode).toBe(404);
    expect((await call('DELETE', `/teams/${theirs}`)).statusCode).toBe(404);
    expect((await call('POST', '/teams', { name: 'By agent' }, agent.cookie)).statusCode).toBe(403);
  });

  it('drops a removed member from their teams', async () => {
    const team = (await call('POST', '/teams', { name: 'Field', members: [agent.userId] })).json();
    expect((await call('DELETE', `/members/${agent.userId}`)).statusCode).toBe(204);
    const after = (await call('GET', '/teams')).json().data.find((x: { id: string }) => x.id === team.id);
    expect(after.members).toEqual([]);
  });
});
