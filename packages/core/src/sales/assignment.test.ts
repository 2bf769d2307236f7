import { openDatabase, withWorkspace } from '@rabita/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { principalForMember } from '../auth/members.service.ts';
import { newId } from '../ids.ts';
import { bulkWriteRecords } from '../records/bulk-write-records.ts';
import { createRecord } from '../records/create-record.ts';
import { weightedOrder } from './assignment-pick.ts';

describe('lead assignment rules', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const reps: Record<'sara' | 'reza' | 'mina', { userId: string; cookie: string }> = {} as never;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  /** A rule through the API (asserting it was made). */
  const rule = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/assignment-rules', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  };
  const lead = async (body: Record<string, unknown>, as?: string) => {
    const res = await call('POST', '/objects/leads', body, as);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; owner: string | null };
  };
  const assignment = async (id: string) =>
    (await call('GET', `/leads/${id}/assignment`)).json() as {
      assignment: { ruleId: string; ownerId: string; reason: string; detail: { away: string[] } } | null;
    };
  const clearRules = async () => {
    const list = (await call('GET', '/assignment-rules')).json() as { data: { id: string }[] };
    for (const r of list.data)
      expect((await call('DELETE', `/assignment-rules/${r.id}`)).statusCode).toBe(204);
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    for (const name of ['sara', 'reza', 'mina'] as const)
      reps[name] = await joinByInvitation(t.app, admin.cookie, {
        email: `${name}.${admin.workspaceId.slice(0, 8)}@example.com`,
        role: 'member',
        name: name === 'sara' ? 'Sara' : name === 'reza' ? 'Reza' : 'Mina',
      });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('assigns by the first matching rule, skipping members marked away, and records the reason', async () => {
    await clearRules();
    await rule({
      name: 'Tehran team',
      strategy: 'roundRobin',
      condition: { field: 'source', op: 'eq', value: 'tehran' },
      pool: [{ userId: reps.sara.userId }, { userId: reps.reza.userId }],
    });
    await rule({ name: 'Everyone else', strategy: 'fixed', pool: [{ userId: reps.mina.userId }] });
    // Sara marks herself away (a member may mark only herself).
    expect(
      (await call('PUT', `/assignment-away/${reps.sara.userId}`, { away: true }, reps.sara.cookie))
        .statusCode,
    ).toBe(204);
    expect(
      (await call('PUT', `/assignment-away/${reps.reza.userId}`, { away: true }, reps.sara.cookie))
        .statusCode,
    ).toBe(403);

    const first = await lead({ name: 'علی رضایی', source: 'tehran' });
    const second = await lead({ name: 'مریم احمدی', source: 'tehran' });
    expect(first.owner).toBe(reps.reza.userId);
    expect(second.owner).toBe(reps.reza.userId);
    const a = await assignment(first.id);
    expect(a.assignment?.reason).toBe('round robin in Tehran team; Sara was away');
    expect(a.assignment?.detail.away).toEqual(['Sara']);

    const elsewhere = await lead({ name: 'Omar', source: 'dubai' });
    expect(elsewhere.owner).toBe(reps.mina.userId);
    expect((await assignment(elsewhere.id)).assignment?.reason).toBe('fixed owner in Everyone else');

    // Back from leave: the turn goes on in order.
    expect((await call('PUT', `/assignment-away/${reps.sara.userId}`, { away: false })).statusCode).toBe(204);
    const owners = [];
    for (let i = 0; i < 4; i++) owners.push((await lead({ name: `L${i}`, source: 'tehran' })).owner);
    expect(owners.filter((o) => o === reps.sara.userId)).toHaveLength(2);
    expect(owners.filter((o) => o === reps.reza.userId)).toHaveLength(2);

    // A lead given to someone explicitly keeps its owner, and a leads' GET shows the new owner.
    const chosen = await lead({ name: 'Chosen', source: 'tehran', owner: reps.mina.userId });
    expect(chosen.owner).toBe(reps.mina.userId);
    expect((await assignment(chosen.id)).assignment).toBeNull();
  });

  it('falls through to the next rule when everyone in a pool is away', async () => {
    await clearRules();
    await rule({ name: 'Fixed Reza', strategy: 'fixed', pool: [{ userId: reps.reza.userId }] });
    await rule({ name: 'Backup', strategy: 'leastLoad', pool: [{ userId: reps.mina.userId }] });
    await call('PUT', `/assignment-away/${reps.reza.userId}`, { away: true });
    const l = await lead({ name: 'Someone' });
    expect(l.owner).toBe(reps.mina.userId);
    const a = await assignment(l.id);
    expect(a.assignment?.reason).toBe('least open load in Backup');
    await call('PUT', `/assignment-away/${reps.reza.userId}`, { away: false });
  });

  it('spreads weighted turns smoothly and least load to the emptiest member', async () => {
    const order = weightedOrder([
      { userId: 'a', name: 'A', weight: 3 },
      { userId: 'b', name: 'B', weight: 1 },
    ]).map((m) => m.name);
    expect(order).toEqual(['A', 'A', 'B', 'A']);
    await clearRules();
    await rule({
      name: 'Weighted',
      strategy: 'weighted',
      pool: [
        { userId: reps.sara.userId, weight: 3 },
        { userId: reps.reza.userId, weight: 1 },
      ],
    });
    const weighted = [];
    for (let i = 0; i < 8; i++) weighted.push((await lead({ name: `V${i}` })).owner);
    expect(weighted.filter((o) => o === reps.sara.userId)).toHaveLength(6);
    expect(weighted.filter((o) => o === reps.reza.userId)).toHaveLength(2);
    await clearRules();
    // Three new members with no leads yet: the load spreads evenly.
    const fresh = [];
    for (const name of ['Nima', 'Laleh', 'Hadi'])
      fresh.push(
        await joinByInvitation(t.app, admin.cookie, {
          email: `${name.toLowerCase()}.${admin.workspaceId.slice(0, 8)}@example.com`,
          role: 'member',
          name,
        }),
      );
    await rule({ name: 'Load', strategy: 'leastLoad', pool: fresh.map((m) => ({ userId: m.userId })) });
    const counts = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      const owner = (await lead({ name: `W${i}` })).owner!;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    expect([...counts.values()].sort()).toEqual([2, 2, 2]);
  });

  it('never gives two of 200 leads created over 8 connections the same round-robin turn', async () => {
    await clearRules();
    await rule({
      name: 'Parallel',
      strategy: 'roundRobin',
      pool: [{ userId: reps.sara.userId }, { userId: reps.reza.userId }, { userId: reps.mina.userId }],
    });
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const wide = openDatabase(t.url, { poolSize: 8 });
    try {
      const owners: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          for (let i = 0; i < 25; i++) {
            const view = await createRecord({ db: wide.db, principal }, 'leads', { name: `P${worker}-${i}` });
            owners.push(view.owner as string);
          }
        }),
      );
      expect(owners).toHaveLength(200);
      const counts = [reps.sara, reps.reza, reps.mina].map(
        (r) => owners.filter((o) => o === r.userId).length,
      );
      expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
      expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    } finally {
      await wide.close();
    }
  });

  it('passes over a rule whose condition names a field since removed, and still creates the lead', async () => {
    await clearRules();
    const field = await call('POST', '/metadata/objects/leads/fields', {
      key: 'region',
      type: 'text',
      labels: { en: 'Region' },
    });
    expect(field.statusCode, field.body).toBe(201);
    await rule({
      name: 'By region',
      strategy: 'fixed',
      condition: { field: 'region', op: 'eq', value: 'north' },
      pool: [{ userId: reps.sara.userId }],
    });
    await rule({ name: 'Rest', strategy: 'fixed', pool: [{ userId: reps.reza.userId }] });
    expect((await lead({ name: 'North', region: 'north' })).owner).toBe(reps.sara.userId);
    expect((await call('DELETE', '/metadata/objects/leads/fields/region')).statusCode).toBeLessThan(300);
    const after = await lead({ name: 'After' });
    expect(after.owner).toBe(reps.reza.userId);
  });

  it('leaves a lead restored from an archive with its owner (its own creation time is kept)', async () => {
    await clearRules();
    await rule({ name: 'Everyone', strategy: 'fixed', pool: [{ userId: reps.mina.userId }] });
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const id = newId();
    const [outcome] = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      bulkWriteRecords(
        trx,
        principal,
        'leads',
        [
          {
            index: 0,
            input: { name: 'Restored', owner: admin.userId },
            keep: {
              id,
              createdAt: '2024-03-01T10:00:00Z',
              updatedAt: '2024-03-02T10:00:00Z',
              createdBy: null,
            },
          },
        ],
        { source: 'system', audit: false },
      ),
    );
    expect(outcome).toMatchObject({ id, action: 'created' });
    const restored = (await call('GET', `/objects/leads/${id}`)).json() as { owner: string };
    expect(restored.owner).toBe(admin.userId);
    expect((await assignment(id)).assignment).toBeNull();
    // A lead created now by the same person goes through the rule.
    expect((await lead({ name: 'New' })).owner).toBe(reps.mina.userId);
  });

  it('lets only sales.assignment.manage manage rules, and refuses bad rules with 400', async () => {
    expect((await call('GET', '/assignment-rules', undefined, reps.sara.cookie)).statusCode).toBe(403);
    const denied = await call(
      'POST',
      '/assignment-rules',
      { name: 'x', strategy: 'fixed', pool: [{ userId: reps.sara.userId }] },
      reps.sara.cookie,
    );
    expect(denied.statusCode).toBe(403);
    const bad = await call('POST', '/assignment-rules', {
      name: 'x',
      strategy: 'roundRobin',
      pool: [{ userId: other.userId }],
      condition: { field: 'nope', op: 'eq', value: 1 },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/not a member of this workspace/);
    const badCondition = await call('POST', '/assignment-rules', {
      name: 'x',
      strategy: 'roundRobin',
      pool: [{ userId: reps.sara.userId }],
      condition: { field: 'nope', op: 'eq', value: 1 },
    });
    expect(badCondition.statusCode, badCondition.body).toBe(400);
    expect(badCondition.body).toMatch(/condition/);
    for (const body of [
      { name: 'x', strategy: 'roundRobin', pool: [{ userId: "'; drop table leads; --" }] },
      { name: 'x', strategy: 'magic', pool: [] },
      { name: '', strategy: 'fixed', pool: [] },
      { name: 'x', strategy: 'fixed', pool: [{ userId: reps.sara.userId }, { userId: reps.reza.userId }] },
    ])
      expect((await call('POST', '/assignment-rules', body)).statusCode).toBe(400);
    expect((await call('PATCH', '/assignment-rules/not-a-uuid', { name: 'y' })).statusCode).toBe(400);
    expect((await call('POST', '/assignment-rules/reorder', { ids: [] })).statusCode).toBe(400);
  });

  it('reorders rules, and keeps each workspace’s rules and reasons to itself', async () => {
    await clearRules();
    const a = await rule({ name: 'A', strategy: 'fixed', pool: [{ userId: reps.sara.userId }] });
    const b = await rule({ name: 'B', strategy: 'fixed', pool: [{ userId: reps.reza.userId }] });
    const reordered = await call('POST', '/assignment-rules/reorder', { ids: [b.id, a.id] });
    expect(reordered.statusCode, reordered.body).toBe(200);
    expect((reordered.json() as { data: { name: string }[] }).data.map((r) => r.name)).toEqual(['B', 'A']);
    expect((await lead({ name: 'after reorder' })).owner).toBe(reps.reza.userId);

    const theirs = apiCaller(
      () => t.app,
      () => other.cookie,
    );
    expect(((await theirs('GET', '/assignment-rules')).json() as { data: unknown[] }).data).toEqual([]);
    expect((await theirs('PATCH', `/assignment-rules/${a.id}`, { name: 'stolen' })).statusCode).toBe(404);
    expect((await theirs('DELETE', `/assignment-rules/${a.id}`)).statusCode).toBe(404);
    const mine = await lead({ name: 'private' });
    expect((await theirs('GET', `/leads/${mine.id}/assignment`)).statusCode).toBe(404);
    // Their leads are not assigned by our rules.
    const theirLead = await theirs('POST', '/objects/leads', { name: 'theirs' });
    expect((theirLead.json() as { owner: string }).owner).toBe(other.userId);
  });
});
