// The role walk: every role (the built-in ones and two custom ones) × every route the app registers. A caller
// whose role lacks a route's declared permission is refused (403) as a person and as an API key; a caller whose
// role lacks an object action gets no record written by any record route; and nobody hands out more than their
// own role holds (API keys, invitations, roles, member roles). Routes join the walk by being registered: a new
// route's declared permission is walked at once, and a new record write route fails the walk until it is named
// here with the object action it needs.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, joinByInvitation, signUp, type TestApp } from '../../../test/harness.ts';

interface Rule {
  read: boolean;
  create: boolean;
  update: boolean;
  delete: boolean;
}
interface Role {
  key: string;
  permissions: { actions: string[]; objects: Record<string, Rule> };
}
type Caller = string | Record<string, string>;

const READ_ONLY = { read: true, create: false, update: false, delete: false };
const CUSTOM = [
  {
    key: 'narrow',
    name: 'Narrow',
    permissions: {
      actions: ['members.read'],
      objects: { '*': READ_ONLY, people: { read: true, create: true, update: false, delete: false } },
    },
  },
  {
    key: 'delegate',
    name: 'Delegate',
    permissions: {
      actions: ['apiKeys.manage', 'members.invite', 'members.read', 'roles.manage'],
      objects: { '*': READ_ONLY },
    },
  },
];

// Record routes that write, with the object action each needs; POST routes that only read.
const RECORD_WRITES: Record<string, keyof Rule> = {
  'POST /api/v1/objects/:object': 'create',
  'POST /api/v1/objects/:object/batch': 'create',
  'PATCH /api/v1/objects/:object/:id': 'update',
  'DELETE /api/v1/objects/:object/:id': 'delete',
  'POST /api/v1/objects/:object/:id/restore': 'delete',
};
const RECORD_READS = new Set([
  'POST /api/v1/objects/:object/query',
  'POST /api/v1/objects/:object/aggregate',
]);

describe('role walk', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let roles: Role[];
  const callers = new Map<string, { userId: string; session: Caller; key: Caller }>();
  const ids: { person: string; deleted: string } = { person: '', deleted: '' };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ruleOf = (role: Role, object: string): Rule =>
    role.permissions.objects[object] ??
    role.permissions.objects['*'] ?? { read: false, create: false, update: false, delete: false };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
    for (const role of CUSTOM) expect((await call('POST', '/roles', role)).statusCode).toBe(201);
    roles = (await call('GET', '/roles')).json().data;
    for (const role of roles) {
      if (role.key === 'admin') continue;
      const person = await joinByInvitation(t.app, admin.cookie, {
        email: `${role.key}@walk.example.com`,
        role: role.key,
        name: role.key,
      });
      const key = await call('POST', '/api-keys', { name: role.key, role: role.key });
      expect(key.statusCode, key.body).toBe(201);
      callers.set(role.key, {
        userId: person.userId,
        session: person.cookie,
        key: { authorization: `Bearer ${key.json().token}` },
      });
    }
    ids.person = (await call('POST', '/objects/people', { firstName: 'Walked' })).json().id;
    ids.deleted = (await call('POST', '/objects/people', { firstName: 'Deleted' })).json().id;
    expect((await call('DELETE', `/objects/people/${ids.deleted}`)).statusCode).toBe(204);
  });
  afterAll(() => t?.close());

  const fill = (url: string, victim: string) =>
    url
      .replace('/api/v1', '')
      .replace(':object', 'people')
      .replace(':userId', victim)
      .replace(':key', 'narrow')
      .replace(':field', 'walkField')
      .replace(/:[a-zA-Z]+/g, () => randomUUID());

  it('refuses every route whose declared permission the role lacks, to people and API keys alike', async () => {
    const walked = new Set<string>();
    const victim = callers.get('viewer')!.userId;
    for (const route of t.app.apiRoutes) {
      if (!route.permission || route.method === 'HEAD') continue;
      for (const role of roles) {
        if (role.key === 'admin' || role.permissions.actions.includes(route.permission)) continue;
        const who = callers.get(role.key)!;
        const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
        for (const as of [who.session, who.key]) {
          const r = await call(route.method as 'GET', fill(route.url, victim), payload, as);
          expect(r.statusCode, `${role.key} ${route.method} ${route.url}: ${r.body}`).toBe(403);
        }
        walked.add(`${route.method} ${route.url}`);
      }
    }
    // The admin routes of every module are in the walk (members, roles, keys, metadata, workspace, audit…).
    for (const route of [
      'POST /api/v1/api-keys',
      'PATCH /api/v1/members/:userId',
      'POST /api/v1/roles',
      'GET /api/v1/audit-events',
    ])
      expect([...walked]).toContain(route);
    expect((await call('GET', '/members')).json().data).toHaveLength(roles.length);
  });

  it('writes no record for a role that lacks the object action, through any record route', async () => {
    const seen = new Set<string>();
    for (const route of t.app.apiRoutes) {
      const name = `${route.method} ${route.url}`;
      if (
        !route.url.startsWith('/api/v1/objects/:object') ||
        route.method === 'GET' ||
        route.method === 'HEAD'
      )
        continue;
      if (RECORD_READS.has(name)) continue;
      const action = RECORD_WRITES[name];
      expect(
        action,
        `${name} writes records: name the object action it needs in RECORD_WRITES`,
      ).toBeDefined();
      seen.add(name);
      for (const role of roles) {
        if (role.key === 'admin' || ruleOf(role, 'people')[action!]) continue;
        const who = callers.get(role.key)!;
        for (const as of [who.session, who.key]) {
          const url = route.url
            .replace('/api/v1', '')
            .replace(':object', 'people')
            .replace(':id', name.endsWith('/restore') ? ids.deleted : ids.person);
          const payload =
            route.method === 'DELETE'
              ? undefined
              : name.endsWith('/batch')
                ? { records: [{ firstName: `By ${role.key}` }] }
                : name.endsWith('/restore')
                  ? {}
                  : { firstName: `By ${role.key}` };
          const r = await call(route.method as 'POST', url, payload, as);
          if (name.endsWith('/batch')) {
            expect(r.statusCode, r.body).toBeLessThan(500);
            for (const row of r.statusCode === 200 ? r.json().data : [])
              expect(row.id, `${role.key} ${name}: ${r.body}`).toBeUndefined();
          } else {
            expect([403, 404], `${role.key} ${name}: ${r.statusCode} ${r.body}`).toContain(r.statusCode);
          }
        }
      }
    }
    expect(seen.size).toBe(Object.keys(RECORD_WRITES).length);
    const people = (await call('GET', '/objects/people?limit=200')).json().data as { firstName: string }[];
    expect(people.map((p) => p.firstName).filter((n) => n.startsWith('By '))).toEqual([]);
    expect((await call('GET', `/objects/people/${ids.person}`)).json().firstName).toBe('Walked');
    expect((await call('GET', `/objects/people/${ids.deleted}`)).statusCode).toBe(404);
  });

  it('refuses every grant beyond the granter’s own role', async () => {
    for (const role of roles) {
      if (role.key === 'admin') continue;
      const who = callers.get(role.key)!;
      const holds = (action: string) => role.permissions.actions.includes(action);
      for (const as of [who.session, who.key]) {
        const key = await call('POST', '/api-keys', { name: 'up', role: 'admin' }, as);
        const invite = await call(
          'POST',
          '/invitations',
          { email: `up-${role.key}@walk.example.com`, role: 'admin' },
          as,
        );
        const wider = await call(
          'POST',
          '/roles',
          { key: `up_${role.key}`, name: 'Up', permissions: { actions: ['workspace.update'], objects: {} } },
          as,
        );
        const promote = await call('PATCH', `/members/${who.userId}`, { role: 'admin' }, as);
        const demote = await call('PATCH', `/members/${admin.userId}`, { role: role.key }, as);
        const remove = await call('DELETE', `/members/${admin.userId}`, undefined, as);
        for (const [what, r, action] of [
          ['API key', key, 'apiKeys.manage'],
          ['invitation', invite, 'members.invite'],
          ['role', wider, 'roles.manage'],
          ['own promotion', promote, 'members.invite'],
          ['admin demotion', demote, 'members.invite'],
          ['admin removal', remove, 'members.invite'],
        ] as const)
          expect(r.statusCode, `${role.key} ${what} (holds ${action}: ${holds(action)}): ${r.body}`).toBe(
            403,
          );
      }
    }
    const members = (await call('GET', '/members')).json().data as { userId: string; role: string }[];
    expect(members.filter((m) => m.role === 'admin').map((m) => m.userId)).toEqual([admin.userId]);
    expect((await call('GET', '/roles')).json().data.map((r: Role) => r.key)).not.toContain('up_delegate');
  });
});
