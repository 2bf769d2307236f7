import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

const readOnly = { read: true, create: false, update: false, delete: false };

describe('grants never exceed the granter', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let keymaster: { userId: string; cookie: string };
  let inviter: { userId: string; cookie: string };
  let roleMaker: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const role = async (key: string, actions: string[], objects: object = { '*': readOnly }) => {
    const r = await call('POST', '/roles', { key, name: key, permissions: { actions, objects } });
    expect(r.statusCode, r.body).toBe(201);
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app, { name: 'Founder' });
    await role('keymaster', ['apiKeys.manage']);
    await role('inviter', ['members.invite', 'members.read']);
    await role('role_maker', ['roles.manage', 'members.read'], {
      '*': readOnly,
      people: { ...readOnly, hiddenFields: ['email'] },
    });
    await role('reader', []);
    keymaster = await joinByInvitation(t.app, admin.cookie, {
      email: 'k@example.com',
      role: 'keymaster',
      name: 'K',
    });
    inviter = await joinByInvitation(t.app, admin.cookie, {
      email: 'i@example.com',
      role: 'inviter',
      name: 'I',
    });
    roleMaker = await joinByInvitation(t.app, admin.cookie, {
      email: 'r@example.com',
      role: 'role_maker',
      name: 'R',
    });
  });
  afterAll(() => t?.close());

  it('refuses an API key with a role beyond the creator’s own, and allows one within it', async () => {
    for (const role of ['admin', 'member', 'inviter']) {
      const r = await call('POST', '/api-keys', { name: 'escalate', role }, keymaster.cookie);
      expect(r.statusCode, `${role}: ${r.body}`).toBe(403);
      expect(r.json().errors[0].field).toBe('body.role');
    }
    expect((await call('GET', '/api-keys', undefined, keymaster.cookie)).json().data).toEqual([]);
    const same = await call('POST', '/api-keys', { name: 'mine', role: 'keymaster' }, keymaster.cookie);
    expect(same.statusCode, same.body).toBe(201);
    const narrower = await call('POST', '/api-keys', { name: 'reader', role: 'reader' }, keymaster.cookie);
    expect(narrower.statusCode, narrower.body).toBe(201);
    expect((await call('POST', '/api-keys', { name: 'by admin', role: 'admin' })).statusCode).toBe(201);
  });

  it('refuses invitations and member role changes beyond the caller’s own, and changes to one’s own role', async () => {
    const inviteAdmin = await call(
      'POST',
      '/invitations',
      { email: 'x@example.com', role: 'admin' },
      inviter.cookie,
    );
    expect(inviteAdmin.statusCode, inviteAdmin.body).toBe(403);
    const inviteMember = await call(
      'POST',
      '/invitations',
      { email: 'y@example.com', role: 'member' },
      inviter.cookie,
    );
    expect(inviteMember.statusCode).toBe(403);
    const inviteReader = await call(
      'POST',
      '/invitations',
      { email: 'z@example.com', role: 'reader' },
      inviter.cookie,
    );
    expect(inviteReader.statusCode, inviteReader.body).toBe(201);

    const selfPromote = await call('PATCH', `/members/${inviter.userId}`, { role: 'admin' }, inviter.cookie);
    expect(selfPromote.statusCode).toBe(403);
    const selfSame = await call('PATCH', `/members/${inviter.userId}`, { role: 'reader' }, inviter.cookie);
    expect(selfSame.statusCode).toBe(403);
    const promoteOther = await call(
      'PATCH',
      `/members/${keymaster.userId}`,
      { role: 'admin' },
      inviter.cookie,
    );
    expect(promoteOther.statusCode).toBe(403);
    const demoteFounder = await call('PATCH', `/members/${admin.userId}`, { role: 'reader' }, inviter.cookie);
    expect(demoteFounder.statusCode).toBe(403);
    const removeFounder = await call('DELETE', `/members/${admin.userId}`, undefined, inviter.cookie);
    expect(removeFounder.statusCode).toBe(403);
    // keymaster holds apiKeys.manage, which the inviter does not: they are above the inviter in that.
    const demoteKeymaster = await call(
      'PATCH',
      `/members/${keymaster.userId}`,
      { role: 'reader' },
      inviter.cookie,
    );
    expect(demoteKeymaster.statusCode).toBe(403);

    const members = (await call('GET', '/members')).json().data as { userId: string; role: string }[];
    expect(members.find((m) => m.userId === admin.userId)?.role).toBe('admin');
    expect(members.find((m) => m.userId === inviter.userId)?.role).toBe('inviter');
    expect(members.find((m) => m.userId === keymaster.userId)?.role).toBe('keymaster');

    // An admin may change others, but not themself, and the last admin stays.
    expect((await call('PATCH', `/members/${admin.userId}`, { role: 'reader' })).statusCode).toBe(403);
    expect((await call('DELETE', `/members/${admin.userId}`)).statusCode).toBe(409);
  });

  it('refuses creating or editing a role beyond the caller’s own', async () => {
    const wider = await call(
      'POST',
      '/roles',
      {
        key: 'wider',
        name: 'Wider',
        permissions: { actions: ['workspace.update'], objects: { '*': readOnly } },
      },
      roleMaker.cookie,
    );
    expect(wider.statusCode, wider.body).toBe(403);
    expect(wider.json().errors[0].field).toBe('body.permissions');
    const writes = await call(
      'POST',
      '/roles',
      {
        key: 'writer',
        name: 'Writer',
        permissions: {
          actions: [],
          objects: { '*': { read: true, create: true, update: false, delete: false } },
        },
      },
      roleMaker.cookie,
    );
    expect(writes.statusCode).toBe(403);
    const unhides = await call(
      'POST',
      '/roles',
      { key: 'unhider', name: 'Unhider', permissions: { actions: [], objects: { '*': readOnly } } },
      roleMaker.cookie,
    );
    expect(unhides.statusCode, unhides.body).toBe(403);
    const within = await call(
      'POST',
      '/roles',
      {
        key: 'narrow',
        name: 'Narrow',
        permissions: {
          actions: ['members.read'],
          objects: { '*': { ...readOnly, hiddenFields: ['email'] } },
        },
      },
      roleMaker.cookie,
    );
    expect(within.statusCode, within.body).toBe(201);
    const grow = await call(
      'PATCH',
      '/roles/role_maker',
      {
        permissions: {
          actions: ['roles.manage', 'members.read', 'members.invite'],
          objects: { '*': readOnly },
        },
      },
      roleMaker.cookie,
    );
    expect(grow.statusCode).toBe(403);
    // A role above the caller's cannot be edited by them, not even narrowed.
    const narrowMember = await call(
      'PATCH',
      '/roles/member',
      { permissions: { actions: [], objects: {} } },
      roleMaker.cookie,
    );
    expect(narrowMember.statusCode).toBe(403);
    expect(
      (await call('GET', '/roles')).json().data.find((r: { key: string }) => r.key === 'member').permissions
        .objects,
    ).toEqual({
      '*': { read: true, create: true, update: true, delete: true },
    });
  });
});
