import { openOwnerDatabase, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { runImport } from '../imports/imports.service.ts';
import { grantAuditReadToAdmins } from './audit.migrations.ts';

interface Event {
  id: string;
  at: string;
  kind: string;
  actor: { userId: string | null; apiKeyId: string | null; name: string | null; email: string | null };
  subject: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  userAgent: string | null;
}

describe('security audit log', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let member: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const events = async (query = '', as: string | Record<string, string> = admin.cookie) => {
    const r = await call('GET', `/audit-events${query}`, undefined, as);
    expect(r.statusCode, r.body).toBe(200);
    return r.json() as { data: Event[]; nextCursor: string | null };
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app, { name: 'Auditor' });
    other = await signUp(t.app);
    member = await joinByInvitation(t.app, admin.cookie, {
      email: 'm@example.com',
      role: 'member',
      name: 'M',
    });
  });
  afterAll(() => t?.close());

  it('records role, key, member, invitation, workspace, export and import changes with actor, address and agent', async () => {
    const ua = { cookie: admin.cookie, 'user-agent': 'AuditTest/1.0' };
    const perms = {
      actions: [],
      objects: { '*': { read: true, create: false, update: false, delete: false } },
    };
    expect(
      (await call('POST', '/roles', { key: 'reader', name: 'Reader', permissions: perms }, ua)).statusCode,
    ).toBe(201);
    // A refused change leaves no event.
    expect(
      (await call('POST', '/roles', { key: 'reader', name: 'Again', permissions: perms }, ua)).statusCode,
    ).toBe(409);
    expect((await call('PATCH', '/roles/reader', { name: 'Readers' }, ua)).statusCode).toBe(200);
    const key = (await call('POST', '/api-keys', { name: 'CI', role: 'reader' }, ua)).json();
    expect((await call('DELETE', `/api-keys/${key.id}`, undefined, ua)).statusCode).toBe(204);
    const invitation = (
      await call('POST', '/invitations', { email: 'n@example.com', role: 'viewer' }, ua)
    ).json();
    expect((await call('DELETE', `/invitations/${invitation.id}`, undefined, ua)).statusCode).toBe(204);
    expect((await call('PATCH', `/members/${member.userId}`, { role: 'reader' }, ua)).statusCode).toBe(200);
    expect((await call('PATCH', '/workspace', { name: 'Renamed' }, ua)).statusCode).toBe(200);
    expect((await call('GET', '/objects/people/export?format=csv', undefined, ua)).statusCode).toBe(200);
    expect((await call('DELETE', `/members/${member.userId}`, undefined, ua)).statusCode).toBe(204);

    const { data } = await events('?limit=200');
    const kinds = data.map((e) => e.kind);
    for (const kind of [
      'role.created',
      'role.updated',
      'api_key.created',
      'api_key.revoked',
      'member.invited',
      'invitation.revoked',
      'member.role_changed',
      'workspace.updated',
      'records.exported',
      'member.removed',
    ])
      expect(kinds, kind).toContain(kind);
    expect(kinds.filter((k) => k === 'role.created')).toHaveLength(1);
    // Newest first.
    expect(kinds.indexOf('member.removed')).toBeLessThan(kinds.indexOf('role.created'));
    const changed = data.find((e) => e.kind === 'member.role_changed')!;
    expect(changed).toMatchObject({
      subject: member.userId,
      actor: { userId: admin.userId, name: 'Auditor', email: admin.email },
      details: { from: 'member', to: 'reader' },
      ip: '127.0.0.1',
      userAgent: 'AuditTest/1.0',
    });
    expect(data.find((e) => e.kind === 'api_key.created')).toMatchObject({
      subject: key.id,
      details: { role: 'reader' },
    });
    expect(JSON.stringify(data)).not.toContain(key.token);
    expect(JSON.stringify(data)).not.toContain(invitation.token);
  });

  it('records an import started by an API key and its end, with the key as their actor', async () => {
    const token = (await call('POST', '/api-keys', { name: 'importer', role: 'admin' })).json()
      .token as string;
    const boundary = '----audit';
    const payload = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="object"\r\n\r\npeople\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n\r\nfirst name\nA\n\r\n--${boundary}--\r\n`,
    );
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload,
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        authorization: `Bearer ${token}`,
      },
    });
    expect(r.statusCode, r.body).toBe(202);
    const [started] = (await events('?kind=import.started')).data;
    expect(started).toMatchObject({
      subject: r.json().id,
      actor: { userId: null },
      details: { object: 'people' },
    });
    expect(started?.actor.apiKeyId).toBeTruthy();
    expect(await runImport(t.handle.db, admin.workspaceId, r.json().id)).toBe('done');
    const [finished] = (await events('?kind=import.finished')).data;
    expect(finished).toMatchObject({
      subject: r.json().id,
      actor: { userId: null, apiKeyId: started?.actor.apiKeyId },
      details: { object: 'people', status: 'done', created: 1, rejected: 0 },
    });
  });

  it('filters by kind, actor and time, and pages by keyset without gaps or repeats', async () => {
    expect((await events('?kind=role.created,role.updated')).data.map((e) => e.kind).sort()).toEqual([
      'role.created',
      'role.updated',
    ]);
    const bySomeone = (await events(`?actor=${member.userId}`)).data;
    expect(bySomeone.every((e) => e.actor.userId === member.userId)).toBe(true);
    expect(bySomeone.map((e) => e.kind)).not.toContain('role.created');
    expect((await events(`?actor=${admin.userId}&kind=member.removed`)).data).toHaveLength(1);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await events(`?from=${encodeURIComponent(future)}`)).data).toEqual([]);
    expect((await events(`?to=${encodeURIComponent(future)}`)).data.length).toBeGreaterThan(5);
    expect((await call('GET', '/audit-events?kind=nonsense')).statusCode).toBe(400);
    expect((await call('GET', '/audit-events?cursor=nonsense')).statusCode).toBe(400);

    const all = (await events('?limit=200')).data.map((e) => e.id);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await events(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.data.length).toBeLessThanOrEqual(3);
      paged.push(...page.data.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all);
  });

  it('is for admins only, and never shows another workspace’s events', async () => {
    const viewer = await joinByInvitation(t.app, admin.cookie, {
      email: 'v@example.com',
      role: 'manager',
      name: 'V',
    });
    expect((await call('GET', '/audit-events', undefined, viewer.cookie)).statusCode).toBe(403);
    expect((await call('GET', '/audit-events/export', undefined, viewer.cookie)).statusCode).toBe(403);
    const theirs = await events('', other.cookie);
    expect(JSON.stringify(theirs)).not.toContain(admin.userId);
  });

  it('exports the log as CSV', async () => {
    const r = await call('GET', '/audit-events/export?kind=role.created');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toContain('text/csv');
    const lines = r.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\n');
    expect(lines[0]).toBe('at,kind,actor,actor_email,api_key,subject,ip,user_agent,details');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('role.created');
    expect(lines[1]).toContain(admin.email);
  });

  it('keeps the log append-only for the application', async () => {
    for (const statement of [
      sql`update audit_events set kind = 'x' where workspace_id = ${admin.workspaceId}`,
      sql`delete from audit_events where workspace_id = ${admin.workspaceId}`,
    ]) {
      await expect(
        withWorkspace(t.handle.db, admin.workspaceId, (trx) => statement.execute(trx)),
      ).rejects.toThrow(/permission denied/);
    }
    expect((await events()).data.length).toBeGreaterThan(0);
  });

  it('gives audit.read to the admin role of a workspace that existed before the log', async () => {
    const owner = openOwnerDatabase(t.url);
    try {
      await sql`update roles set permissions = jsonb_set(permissions, '{actions}',
          (permissions -> 'actions') - 'audit.read') where workspace_id = ${admin.workspaceId}`.execute(
        owner,
      );
      const before = (await call('GET', '/roles'))
        .json()
        .data.find((r: { key: string }) => r.key === 'admin');
      expect(before.permissions.actions).not.toContain('audit.read');
      await grantAuditReadToAdmins(owner);
      const after = (await call('GET', '/roles')).json().data;
      expect(after.find((r: { key: string }) => r.key === 'admin').permissions.actions).toContain(
        'audit.read',
      );
      expect(after.find((r: { key: string }) => r.key === 'manager').permissions.actions).not.toContain(
        'audit.read',
      );
    } finally {
      await owner.destroy();
    }
  });
});
