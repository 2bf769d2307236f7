import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

// Ticket assignment through the API against real PostgreSQL: each rule of the desk (availability, capacity,
// language, sticky, least load weighted by time left, round robin under parallel creations, no candidate),
// permissions, and hostile input.

type Agent = { userId: string; cookie: string };

describe('ticket assignment', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  const agents = {} as Record<'layla' | 'dariush' | 'sam', Agent>;
  let viewer: Agent;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (
    method: 'POST' | 'PATCH' | 'PUT' | 'GET' | 'DELETE',
    url: string,
    body?: unknown,
    as?: string,
  ) => {
    const res = await call(method, url, body, as);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.statusCode === 204 ? undefined : res.json();
  };
  const rule = (body: Record<string, unknown>) =>
    ok('POST', '/service/assignment-rules', { name: 'Desk', strategy: 'roundRobin', ...body });
  /** A ticket created without an owner; answers its id and the owner the rules gave it. */
  const ticket = async (extra: Record<string, unknown> = {}) => {
    const res = await call('POST', '/objects/tickets', {
      subject: 'لم يصل طلبي رقم ٤٥١٢ حتى الآن',
      owner: null,
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; owner: string | null };
  };
  const agent = (userId: string, patch: Record<string, unknown>) =>
    ok('PATCH', `/service/agents/${userId}`, patch);
  const inDb = <T>(steps: (trx: Parameters<Parameters<typeof withWorkspace>[2]>[0]) => Promise<T>) =>
    withWorkspace(t.handle.db, admin.workspaceId, steps);

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    const suffix = admin.workspaceId.slice(0, 8);
    for (const [key, name] of [
      ['layla', 'ليلى'],
      ['dariush', 'داریوش'],
      ['sam', 'Sam'],
    ] as const)
      agents[key] = await joinByInvitation(t.app, admin.cookie, {
        email: `${key}.${suffix}@example.com`,
        role: 'member',
        name,
      });
    viewer = await joinByInvitation(t.app, admin.cookie, {
      email: `viewer.${suffix}@example.com`,
      role: 'viewer',
      name: 'Viewer',
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    // Each test starts from no rules, every agent available with room, every ticket done.
    for (const r of (await ok('GET', '/service/assignment-rules')).data as { id: string }[])
      await ok('DELETE', `/service/assignment-rules/${r.id}`);
    for (const a of Object.values(agents))
      await agent(a.userId, {
        available: true,
        capacity: 20,
        languages: ['ar', 'fa', 'en'],
        products: [],
        tiers: [],
      });
    await inDb((trx) =>
      sql`update tickets set status = 'closed' where workspace_id = ${admin.workspaceId}`.execute(trx),
    );
  });

  it('lists every member as an agent with defaults, and an agent marks themself away but not others', async () => {
    const list = (await ok('GET', '/service/agents', undefined, viewer.cookie)).data as {
      userId: string;
      available: boolean;
      capacity: number;
    }[];
    expect(list.find((a) => a.userId === viewer.userId)).toMatchObject({ available: true, capacity: 20 });
    const away = await ok(
      'PUT',
      `/service/agents/${agents.layla.userId}/availability`,
      { available: false },
      agents.layla.cookie,
    );
    expect(away).toMatchObject({ userId: agents.layla.userId, available: false });
    const refused = await call(
      'PUT',
      `/service/agents/${agents.sam.userId}/availability`,
      { available: false },
      agents.layla.cookie,
    );
    expect(refused.statusCode).toBe(403);
    // An admin may set anyone's.
    expect(
      await ok('PUT', `/service/agents/${agents.sam.userId}/availability`, { available: false }),
    ).toMatchObject({
      available: false,
    });
  });

  it('skips an agent who is away', async () => {
    await rule({ members: [agents.layla.userId, agents.dariush.userId] });
    await ok(
      'PUT',
      `/service/agents/${agents.layla.userId}/availability`,
      { available: false },
      agents.layla.cookie,
    );
    for (let i = 0; i < 3; i++) expect((await ticket()).owner).toBe(agents.dariush.userId);
    await ok(
      'PUT',
      `/service/agents/${agents.layla.userId}/availability`,
      { available: true },
      agents.layla.cookie,
    );
    const owners = [(await ticket()).owner, (await ticket()).owner];
    expect(owners).toContain(agents.layla.userId);
  });

  it('skips an agent at capacity (open tickets only)', async () => {
    await rule({ members: [agents.layla.userId, agents.dariush.userId] });
    await agent(agents.layla.userId, { capacity: 1 });
    const first = await ticket({ owner: agents.layla.userId });
    expect(first.owner).toBe(agents.layla.userId);
    for (let i = 0; i < 3; i++) expect((await ticket()).owner).toBe(agents.dariush.userId);
    // Resolving her ticket frees her place.
    await ok('PATCH', `/objects/tickets/${first.id}`, { status: 'resolved' });
    const owners = [(await ticket()).owner, (await ticket()).owner];
    expect(owners).toContain(agents.layla.userId);
  });

  it('gives a ticket in a language only to an agent who speaks it; one with no language to anyone', async () => {
    await rule({ members: [agents.layla.userId, agents.dariush.userId, agents.sam.userId] });
    await agent(agents.layla.userId, { languages: ['ar'] });
    await agent(agents.dariush.userId, { languages: ['fa', 'en'] });
    await agent(agents.sam.userId, { languages: ['en'] });
    for (let i = 0; i < 3; i++) expect((await ticket({ language: 'ar' })).owner).toBe(agents.layla.userId);
    for (let i = 0; i < 2; i++)
      expect((await ticket({ subject: 'سفارش من هنوز نرسیده است', language: 'fa' })).owner).toBe(
        agents.dariush.userId,
      );
    const anyone = new Set<string | null>();
    for (let i = 0; i < 3; i++) anyone.add((await ticket()).owner);
    expect(anyone.size).toBe(3);
  });

  it('asks for the product and tier when the rule names their fields', async () => {
    await rule({ members: [agents.layla.userId, agents.sam.userId], productField: 'type' });
    await agent(agents.layla.userId, { products: ['return'] });
    for (let i = 0; i < 2; i++) expect((await ticket({ type: 'return' })).owner).toBe(agents.layla.userId);
    const refused = await call('POST', '/service/assignment-rules', {
      name: 'Bad',
      strategy: 'roundRobin',
      members: [agents.sam.userId],
      tierField: 'nonexistent',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors[0].field).toBe('body.tierField');
  });

  it('is sticky to the agent of the requester’s ticket of the last 7 days, when that agent can take it', async () => {
    const person = (await ok('POST', '/objects/people', { firstName: 'مریم', lastName: 'احمدی' })) as {
      id: string;
    };
    await rule({ members: [agents.layla.userId, agents.dariush.userId, agents.sam.userId], sticky: true });
    const first = await ticket({ requester: person.id });
    for (let i = 0; i < 3; i++) expect((await ticket({ requester: person.id })).owner).toBe(first.owner);
    // Away: the next goes round robin, to someone else.
    await ok('PUT', `/service/agents/${first.owner}/availability`, { available: false });
    const meanwhile = await ticket({ requester: person.id });
    expect(meanwhile.owner).not.toBe(first.owner);
    await ok('PUT', `/service/agents/${first.owner}/availability`, { available: true });
    expect((await ticket({ requester: person.id })).owner).toBe(meanwhile.owner);
    // Eight days later, nothing recent: round robin again.
    await inDb((trx) =>
      sql`update tickets set created_at = now() - interval '8 days'
        where workspace_id = ${admin.workspaceId} and requester_id = ${person.id}`.execute(trx),
    );
    const owners = new Set<string | null>();
    for (let i = 0; i < 3; i++) {
      owners.add((await ticket({ requester: person.id })).owner);
      await inDb((trx) =>
        sql`update tickets set created_at = now() - interval '8 days'
        where workspace_id = ${admin.workspaceId} and requester_id = ${person.id}`.execute(trx),
      );
    }
    expect(owners.size).toBe(3);
  });

  it('least load weighs open tickets by how near their SLA deadline is', async () => {
    await rule({ members: [agents.layla.userId, agents.dariush.userId], strategy: 'leastLoad' });
    // Layla: one ticket due in 30 minutes (weight 1 + 4/1.5 ≈ 3.7). Dariush: two without a deadline (2).
    const due = await ticket({ owner: agents.layla.userId });
    await ticket({ owner: agents.dariush.userId });
    await ticket({ owner: agents.dariush.userId });
    await inDb((trx) =>
      sql`update tickets set sla_due_at = now() + interval '30 minutes'
        where workspace_id = ${admin.workspaceId} and id = ${due.id}`.execute(trx),
    );
    expect((await ticket()).owner).toBe(agents.dariush.userId);
    // With a day left her ticket weighs about 1.2: she now has the least load (1.2 < 3).
    await inDb((trx) =>
      sql`update tickets set sla_due_at = now() + interval '24 hours'
        where workspace_id = ${admin.workspaceId} and id = ${due.id}`.execute(trx),
    );
    expect((await ticket()).owner).toBe(agents.layla.userId);
  });

  it('round robin is fair under 12 parallel creations over 3 agents', async () => {
    await rule({ members: [agents.layla.userId, agents.dariush.userId, agents.sam.userId] });
    const made = await Promise.all(
      Array.from({ length: 12 }, (_, i) => ticket({ subject: `تذكرة ${i + 1}` })),
    );
    const counts = new Map<string | null, number>();
    for (const m of made) counts.set(m.owner, (counts.get(m.owner) ?? 0) + 1);
    expect([...counts.entries()].sort()).toEqual(
      [agents.layla.userId, agents.dariush.userId, agents.sam.userId].map((id) => [id, 4]).sort(),
    );
  });

  it('leaves a ticket unassigned when no agent can take it; the next rule is tried first', async () => {
    await rule({
      name: 'Arabic desk',
      members: [agents.layla.userId],
      condition: { field: 'language', op: 'eq', value: 'ar' },
    });
    await ok('PUT', `/service/agents/${agents.layla.userId}/availability`, { available: false });
    expect((await ticket({ language: 'ar' })).owner).toBeNull();
    await rule({ name: 'Everyone', members: [agents.sam.userId] });
    await agent(agents.sam.userId, { languages: ['en'] });
    expect((await ticket({ language: 'ar' })).owner).toBeNull();
    expect((await ticket({ language: 'en' })).owner).toBe(agents.sam.userId);
    // A ticket an agent creates without naming an owner (the engine makes its creator the owner) is assigned too.
    const plain = await call('POST', '/objects/tickets', { subject: 'Where is my refund?', language: 'en' });
    expect(plain.json().owner).toBe(agents.sam.userId);
    // A ticket created for someone is left with them.
    expect((await ticket({ owner: agents.dariush.userId })).owner).toBe(agents.dariush.userId);
  });

  it('assigns now on demand, through the record engine with cause assignment', async () => {
    const unowned = await ticket();
    expect(unowned.owner).toBeNull();
    const rid = (await rule({ members: [agents.sam.userId] })).id as string;
    const pick = await ok('POST', `/tickets/${unowned.id}/assign`, undefined, agents.layla.cookie);
    expect(pick).toMatchObject({ ownerId: agents.sam.userId, ruleId: rid, how: 'roundRobin' });
    expect((await ok('GET', `/objects/tickets/${unowned.id}`)).owner).toBe(agents.sam.userId);
    const changes = await inDb((trx) =>
      sql<{ cause: { kind: string; runId: string } }>`select cause from record_changes
        where workspace_id = ${admin.workspaceId} and record_id = ${unowned.id} and cause is not null`.execute(
        trx,
      ),
    );
    expect(changes.rows.map((r) => r.cause)).toContainEqual(
      expect.objectContaining({ kind: 'assignment', runId: rid }),
    );
    // "Assign to me" is a PATCH of the owner.
    await ok('PATCH', `/objects/tickets/${unowned.id}`, { owner: agents.layla.userId }, agents.layla.cookie);
    expect((await ok('GET', `/objects/tickets/${unowned.id}`)).owner).toBe(agents.layla.userId);
  });

  it('keeps rules and others’ settings to service.assignment.manage; a viewer may not assign', async () => {
    const someone = agents.layla.cookie;
    expect((await call('GET', '/service/assignment-rules', undefined, someone)).statusCode).toBe(403);
    expect(
      (
        await call(
          'POST',
          '/service/assignment-rules',
          { name: 'x', strategy: 'roundRobin', members: [agents.layla.userId] },
          someone,
        )
      ).statusCode,
    ).toBe(403);
    expect(
      (await call('PATCH', `/service/agents/${agents.layla.userId}`, { capacity: 99 }, someone)).statusCode,
    ).toBe(403);
    const made = await ticket();
    expect((await call('POST', `/tickets/${made.id}/assign`, undefined, viewer.cookie)).statusCode).toBe(403);
    expect((await call('POST', `/tickets/${made.id}/assign`, undefined, '')).statusCode).toBe(401);
    expect((await call('POST', `/tickets/00000000-0000-4000-8000-000000000000/assign`)).statusCode).toBe(404);
    // Another workspace's member is no member here.
    const stranger = await signUp(t.app);
    expect(
      (await call('PUT', `/service/agents/${stranger.userId}/availability`, { available: false })).statusCode,
    ).toBe(404);
    expect(
      (
        await call('POST', '/service/assignment-rules', {
          name: 'x',
          strategy: 'roundRobin',
          members: [stranger.userId],
        })
      ).statusCode,
    ).toBe(400);
  });

  it('refuses hostile input with a 400 and stores nothing', async () => {
    const bodies: unknown[] = [
      { name: 'bad\u0000name', strategy: 'roundRobin', members: [agents.sam.userId] },
      { name: 'bad \ud800 name', strategy: 'roundRobin', members: [agents.sam.userId] },
      { name: 'x'.repeat(100_000), strategy: 'roundRobin', members: [agents.sam.userId] },
      { name: 'x', strategy: 'random', members: [agents.sam.userId] },
      { name: 'x', strategy: 'roundRobin', members: 'everyone' },
      { name: 'x', strategy: 'roundRobin', members: [agents.sam.userId], teamId: 'nope' },
      { name: 'x', strategy: 'roundRobin' },
      {
        name: 'x',
        strategy: 'roundRobin',
        members: [agents.sam.userId],
        condition: { field: 'nope', op: 'eq', value: 1 },
      },
      {
        name: 'x',
        strategy: 'roundRobin',
        members: [agents.sam.userId],
        productField: 'a"; drop table tickets',
      },
    ];
    for (const body of bodies) {
      const res = await call('POST', '/service/assignment-rules', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().detail.length).toBeGreaterThan(0);
    }
    for (const patch of [
      { products: ['ok', 'bad\u0000'] },
      { tiers: ['\udc00'] },
      { languages: ['de'] },
      { capacity: -1 },
      { capacity: 1.5 },
      { capacity: '5' },
      { products: Array.from({ length: 51 }, (_, i) => `p${i}`) },
    ]) {
      const res = await call('PATCH', `/service/agents/${agents.sam.userId}`, patch);
      expect(res.statusCode, res.body).toBe(400);
    }
    expect((await ok('GET', '/service/assignment-rules')).data).toEqual([]);
    const sam = (
      (await ok('GET', '/service/agents')).data as { userId: string; capacity: number; products: string[] }[]
    ).find((a) => a.userId === agents.sam.userId);
    expect(sam).toMatchObject({ capacity: 20, products: [] });
  });
});
