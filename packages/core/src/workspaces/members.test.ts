import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('members and invitations', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const join = (email: string, role: string, name: string) =>
    joinByInvitation(t.app, admin.cookie, { email, role, name });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app, { name: 'Admin' });
    other = await signUp(t.app);
  });
  afterAll(() => t?.close());

  it('lists members with their roles, by name', async () => {
    await join('zahra@example.com', 'agent', 'زهرا');
    const r = await call('GET', '/members');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().data.map((m: { name: string; role: string }) => [m.name, m.role])).toEqual([
      ['Admin', 'admin'],
      ['زهرا', 'agent'],
    ]);
    expect(JSON.stringify(r.json())).not.toContain(other.email);
  });

  it('changes a role, and refuses to leave the workspace without an admin', async () => {
    const sam = await join('sam@example.com', 'viewer', 'Sam');
    const changed = await call('PATCH', `/members/${sam.userId}`, { role: 'manager' });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ userId: sam.userId, role: 'manager' });
    expect((await call('GET', '/me', undefined, sam.cookie)).json().role).toBe('manager');
    const demoteSelf = await call('PATCH', `/members/${admin.userId}`, { role: 'member' });
    expect(demoteSelf.statusCode).toBe(403);
    const key = (await call('POST', '/api-keys', { name: 'admin key', role: 'admin' })).json().token;
    const demote = await call(
      'PATCH',
      `/members/${admin.userId}`,
      { role: 'member' },
      {
        authorization: `Bearer ${key}`,
      },
    );
    expect(demote.statusCode).toBe(409);
    expect((await call('DELETE', `/members/${admin.userId}`)).statusCode).toBe(409);
    expect((await call('PATCH', `/members/${sam.userId}`, { role: 'nonsense' })).statusCode).toBe(400);
    expect((await call('PATCH', `/members/${sam.userId}`, { role: '' })).statusCode).toBe(400);
  });

  it('removes a member, ending their session at once', async () => {
    const kim = await join('kim@example.com', 'member', 'Kim');
    expect((await call('GET', '/me', undefined, kim.cookie)).statusCode).toBe(200);
    expect((await call('DELETE', `/members/${kim.userId}`)).statusCode).toBe(204);
    expect((await call('GET', '/me', undefined, kim.cookie)).statusCode).toBe(401);
    expect((await call('GET', '/members')).json().data.map((m: { name: string }) => m.name)).not.toContain(
      'Kim',
    );
  });

  it('lists pending invitations without their secrets and withdraws one so its link stops working', async () => {
    const invited = await call('POST', '/invitations', { email: 'later@example.com', role: 'member' });
    const { id, token } = invited.json();
    const list = await call('GET', '/invitations');
    expect(list.json().data.map((i: { email: string }) => i.email)).toContain('later@example.com');
    expect(list.body).not.toContain(token);
    expect((await call('DELETE', `/invitations/${id}`)).statusCode).toBe(204);
    const accept = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/accept-invitation',
      payload: { token, name: 'Later', password: 'correct horse battery' },
    });
    expect(accept.statusCode).toBe(410);
    expect((await call('DELETE', `/invitations/${id}`)).statusCode).toBe(404);
  });

  it('treats another workspace’s members and invitations as missing, and checks permissions', async () => {
    const theirs = await call(
      'POST',
      '/invitations',
      { email: 'x@example.com', role: 'member' },
      other.cookie,
    );
    expect((await call('DELETE', `/invitations/${theirs.json().id}`)).statusCode).toBe(404);
    expect((await call('PATCH', `/members/${other.userId}`, { role: 'viewer' })).statusCode).toBe(404);
    expect((await call('DELETE', `/members/${other.userId}`)).statusCode).toBe(404);
    expect((await call('DELETE', '/members/not-a-uuid')).statusCode).toBe(404);
    // An agent names the colleagues holding tickets (the list), and does nothing more; a viewer not even that.
    const agent = await join('agent2@example.com', 'agent', 'Agent Two');
    expect((await call('GET', '/members', undefined, agent.cookie)).statusCode).toBe(200);
    const viewer = await join('viewer2@example.com', 'viewer', 'Viewer Two');
    expect((await call('GET', '/members', undefined, viewer.cookie)).statusCode).toBe(403);
    expect((await call('GET', '/invitations', undefined, agent.cookie)).statusCode).toBe(403);
    expect((await call('DELETE', `/members/${admin.userId}`, undefined, agent.cookie)).statusCode).toBe(403);
  });
});
