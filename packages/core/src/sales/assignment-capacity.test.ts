import { openDatabase, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { principalForMember } from '../auth/members.service.ts';
import { countByOwnerQuery } from '../records/count-by-owner.ts';
import { createRecord } from '../records/create-record.ts';
import { openScope } from '../records/scope.ts';
import { CLOSED_LEAD_STATUSES } from './assignment-capacity.ts';
import { runReassignJob } from './assignment-reassign.ts';

// Capacity: members holding as many open leads as their limit (the rule's own for them, else their default) are
// skipped by every strategy and by re-assignment, and named in the reason. Through the API on real PostgreSQL.

type Member = { userId: string; cookie: string; name: string };
type Assignment = { ownerId: string; reason: string; detail: Record<string, unknown> };

describe('lead assignment capacity', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let joined = 0;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  /** New members of the admin's workspace, so each test counts open leads of its own. */
  const members = async (...names: string[]): Promise<Member[]> => {
    const made: Member[] = [];
    for (const name of names) {
      const m = await joinByInvitation(t.app, admin.cookie, {
        email: `cap${joined++}.${admin.workspaceId.slice(0, 8)}@example.com`,
        role: 'member',
        name,
      });
      made.push({ ...m, name });
    }
    return made;
  };
  const rule = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/assignment-rules', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  };
  const lead = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/objects/leads', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; owner: string | null };
  };
  /** Leads given to `m` by hand (a lead created for someone else keeps its owner): their open load. */
  const give = async (m: Member, n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await lead({ name: `${m.name} ${i}`, owner: m.userId })).id);
    return ids;
  };
  const assignment = async (id: string) => {
    const res = await call('GET', `/leads/${id}/assignment`);
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as { assignment: Assignment | null }).assignment;
  };
  const clearRules = async () => {
    const list = (await call('GET', '/assignment-rules')).json() as { data: { id: string }[] };
    for (const r of list.data)
      expect((await call('DELETE', `/assignment-rules/${r.id}`)).statusCode).toBe(204);
  };
  const setAway = async (m: Member, away: boolean) =>
    expect((await call('PUT', `/assignment-away/${m.userId}`, { away })).statusCode).toBe(204);
  const setDefault = async (m: Member, capacity: number | null) => {
    const res = await call('PUT', `/assignment-capacity/${m.userId}`, { capacity });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { userId: string; capacity: number | null; openLeads: number };
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('skips a member at the rule’s limit in round robin, names them with those away, and takes them back once a lead closes', async () => {
    await clearRules();
    const [sara, reza, omid] = await members('Sara', 'Reza', 'Omid');
    await rule({
      name: 'Tehran team',
      strategy: 'roundRobin',
      pool: [{ userId: omid!.userId }, { userId: sara!.userId, capacity: 2 }, { userId: reza!.userId }],
    });
    const saraLeads = await give(sara!, 2);
    await setAway(omid!, true);
    const first = await lead({ name: 'First' });
    expect(first.owner).toBe(reza!.userId);
    const a = await assignment(first.id);
    expect(a?.reason).toBe('round robin in Tehran team; Omid was away; Sara was at capacity');
    expect(a?.detail).toMatchObject({ away: ['Omid'], atCapacity: ['Sara'] });
    await setAway(omid!, false);

    // A disqualified lead is no longer open work: Sara has room for one more, then is full again.
    const disqualified = await call('PATCH', `/objects/leads/${saraLeads[0]}`, { status: 'disqualified' });
    expect(disqualified.statusCode, disqualified.body).toBe(200);
    const owners: (string | null)[] = [];
    for (let i = 0; i < 4; i++) owners.push((await lead({ name: `Next ${i}` })).owner);
    // The turn goes on after Reza: Omid, Sara (her one free place), Reza, then Omid again as Sara is full.
    expect(owners).toEqual([omid!.userId, sara!.userId, reza!.userId, omid!.userId]);
    const skipped = await lead({ name: 'Skips Sara again' });
    expect(skipped.owner).toBe(reza!.userId);
    expect((await assignment(skipped.id))?.reason).toBe('round robin in Tehran team; Sara was at capacity');
    // A deleted lead does not count either.
    expect((await call('DELETE', `/objects/leads/${saraLeads[1]}`)).statusCode).toBeLessThan(300);
    const after = await lead({ name: 'After delete' });
    expect(after.owner).toBe(omid!.userId);
    expect((await lead({ name: 'Sara again' })).owner).toBe(sara!.userId);
  });

  it('applies a member’s own default in every rule unless the rule names a limit of its own', async () => {
    await clearRules();
    const [laleh, hadi] = await members('Laleh', 'Hadi');
    await give(laleh!, 1);
    expect(await setDefault(laleh!, 1)).toEqual({ userId: laleh!.userId, capacity: 1, openLeads: 1 });
    const r = await rule({
      name: 'Default applies',
      strategy: 'roundRobin',
      pool: [{ userId: laleh!.userId }, { userId: hadi!.userId }],
    });
    const l = await lead({ name: 'By default' });
    expect(l.owner).toBe(hadi!.userId);
    expect((await assignment(l.id))?.reason).toBe('round robin in Default applies; Laleh was at capacity');
    // The rule's own limit wins over the default, higher as well as lower.
    const raised = await call('PATCH', `/assignment-rules/${r.id}`, {
      pool: [{ userId: laleh!.userId, capacity: 5 }, { userId: hadi!.userId }],
    });
    expect(raised.statusCode, raised.body).toBe(200);
    expect((raised.json() as { pool: { capacity?: number }[] }).pool[0]?.capacity).toBe(5);
    const turns = [(await lead({ name: 'R1' })).owner, (await lead({ name: 'R2' })).owner];
    expect(turns).toContain(laleh!.userId);
    // Removing the default lifts the limit in rules that name none.
    await call('PATCH', `/assignment-rules/${r.id}`, {
      pool: [{ userId: laleh!.userId, capacity: null }, { userId: hadi!.userId }],
    });
    await setDefault(laleh!, null);
    const listed = (await call('GET', '/assignment-capacity')).json() as {
      data: { userId: string; capacity: number | null; openLeads: number }[];
    };
    expect(listed.data.find((c) => c.userId === laleh!.userId)).toEqual({
      userId: laleh!.userId,
      capacity: null,
      openLeads: 2,
    });
    expect(listed.data.find((c) => c.userId === admin.userId)).toMatchObject({ capacity: null });
  });

  it('lets a fixed owner at capacity fall through to the next rule, saying why', async () => {
    await clearRules();
    const [nima, mina] = await members('Nima', 'Mina');
    await rule({ name: 'Nima only', strategy: 'fixed', pool: [{ userId: nima!.userId, capacity: 1 }] });
    await rule({ name: 'Backup', strategy: 'fixed', pool: [{ userId: mina!.userId }] });
    const first = await lead({ name: 'To Nima' });
    expect(first.owner).toBe(nima!.userId);
    expect((await assignment(first.id))?.reason).toBe('fixed owner in Nima only');
    const second = await lead({ name: 'Past Nima' });
    expect(second.owner).toBe(mina!.userId);
    const a = await assignment(second.id);
    expect(a?.reason).toBe('fixed owner in Backup');
    expect(a?.detail.passed).toEqual(['Nima only: everyone away or at capacity (Nima at capacity)']);
  });

  it('skips members at capacity under weighted, least open load and territory rules', async () => {
    await clearRules();
    const [ali, bita, cyrus] = await members('Ali', 'Bita', 'Cyrus');
    await give(ali!, 1);
    const weighted = await rule({
      name: 'Weighted',
      strategy: 'weighted',
      pool: [
        { userId: ali!.userId, weight: 3, capacity: 1 },
        { userId: bita!.userId, weight: 1 },
      ],
    });
    const w = await lead({ name: 'Weighted lead' });
    expect(w.owner).toBe(bita!.userId);
    expect((await assignment(w.id))?.reason).toBe('weighted round robin in Weighted; Ali was at capacity');
    expect((await call('DELETE', `/assignment-rules/${weighted.id}`)).statusCode).toBe(204);

    // Least open load counts every open lead a member owns, given by hand too: Cyrus (none) first, then whoever
    // has fewest, never Ali at his limit.
    await rule({
      name: 'Load',
      strategy: 'leastLoad',
      pool: [{ userId: ali!.userId, capacity: 1 }, { userId: bita!.userId }, { userId: cyrus!.userId }],
    });
    const loads = [];
    for (let i = 0; i < 3; i++) loads.push((await lead({ name: `Load ${i}` })).owner);
    expect(loads).toEqual([cyrus!.userId, bita!.userId, cyrus!.userId]);
    await clearRules();

    await rule({
      name: 'Iran team',
      strategy: 'territory',
      pool: [
        { userId: ali!.userId, capacity: 1, territory: { cities: ['Tehran'] } },
        { userId: bita!.userId, territory: { countries: ['IR'] } },
      ],
    });
    const tehran = await lead({ name: 'In Tehran', address: { city: 'Tehran', country: 'IR' } });
    expect(tehran.owner).toBe(bita!.userId);
    const a = await assignment(tehran.id);
    expect(a?.reason).toBe('territory IR (country) in Iran team; Ali was at capacity');
    expect(a?.detail).toMatchObject({ territory: { level: 'country', value: 'IR' }, atCapacity: ['Ali'] });
  });

  it('does not count the lead being assigned against its creator', async () => {
    await clearRules();
    // The record engine makes the creator the owner of a lead created without one, before the rules run.
    await rule({
      name: 'Admin desk',
      strategy: 'roundRobin',
      pool: [{ userId: admin.userId, capacity: 1 }],
    });
    const mine = await lead({ name: 'Mine' });
    expect(mine.owner).toBe(admin.userId);
    expect((await assignment(mine.id))?.reason).toBe('round robin in Admin desk');
    const full = await lead({ name: 'Admin is full' });
    expect(await assignment(full.id)).toBeNull();
  });

  it('re-assigns an untouched lead past a member at capacity', async () => {
    await clearRules();
    const [dara, elham, farid] = await members('Dara', 'Elham', 'Farid');
    await give(elham!, 1);
    await rule({
      name: 'Quick',
      strategy: 'roundRobin',
      reassignAfterHours: 1,
      pool: [{ userId: dara!.userId }, { userId: elham!.userId, capacity: 1 }, { userId: farid!.userId }],
    });
    const l = await lead({ name: 'Waiting' });
    expect(l.owner).toBe(dara!.userId);
    const moved = await runReassignJob(
      t.handle.db,
      { workspaceId: admin.workspaceId, leadId: l.id },
      new Date(Date.now() + 2 * 3_600_000),
    );
    expect(moved).toBe(true);
    const a = await assignment(l.id);
    expect(a?.ownerId).toBe(farid!.userId);
    expect(a?.reason).toBe('re-assigned: untouched for 1 hour; round robin in Quick; Elham was at capacity');
    expect(a?.detail.atCapacity).toEqual(['Elham']);
  });

  it('never gives a member more than their limit when 40 leads are created over 8 connections', async () => {
    await clearRules();
    const team = await members('Gol', 'Hamid', 'Iman');
    const [backup] = await members('Jaleh');
    await rule({
      name: 'Limited',
      strategy: 'roundRobin',
      pool: team.map((m) => ({ userId: m.userId, capacity: 10 })),
    });
    await rule({ name: 'Overflow', strategy: 'fixed', pool: [{ userId: backup!.userId }] });
    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const wide = openDatabase(t.url, { poolSize: 8 });
    try {
      const owners: string[] = [];
      await Promise.all(
        Array.from({ length: 8 }, async (_, worker) => {
          for (let i = 0; i < 5; i++) {
            const view = await createRecord({ db: wide.db, principal }, 'leads', { name: `C${worker}-${i}` });
            owners.push(view.owner as string);
          }
        }),
      );
      expect(owners).toHaveLength(40);
      expect(team.map((m) => owners.filter((o) => o === m.userId).length)).toEqual([10, 10, 10]);
      expect(owners.filter((o) => o === backup!.userId)).toHaveLength(10);
    } finally {
      await wide.close();
    }
  });

  it('counts open leads from the partial index on leads by owner', async () => {
    const reader = {
      userId: null,
      role: {
        permissions: {
          actions: [],
          objects: { leads: { read: true, create: false, update: false, delete: false } },
        },
      },
    };
    const plan = await withWorkspace(t.handle.db, admin.workspaceId, async (trx) => {
      // With sequential scans priced out, the planner shows which index can answer the count at all.
      await sql`set local enable_seqscan = off`.execute(trx);
      const s = await openScope(trx, admin.workspaceId, 'leads');
      const query = countByOwnerQuery(s, reader, [admin.userId], {
        except: { field: 'status', values: CLOSED_LEAD_STATUSES },
        excludeIds: ['00000000-0000-4000-8000-000000000001'],
      });
      const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${query}`.execute(s.raw);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).toMatch(/Index (Only )?Scan using leads_open_owner_idx/);
    // The closed statuses are the index's own predicate: closed leads are never read, not even to be filtered.
    expect(plan).not.toContain('status');
  });

  it('lets only sales.assignment.manage set limits, refuses bad ones with 400, and keeps workspaces apart', async () => {
    const [kian] = await members('Kian');
    expect((await call('GET', '/assignment-capacity', undefined, kian!.cookie)).statusCode).toBe(403);
    expect(
      (await call('PUT', `/assignment-capacity/${kian!.userId}`, { capacity: 100 }, kian!.cookie)).statusCode,
    ).toBe(403);
    for (const body of [
      { capacity: -1 },
      { capacity: 10_001 },
      { capacity: 1.5 },
      { capacity: '5' },
      { capacity: '\u0000' },
      {},
      { capacity: 3, extra: true },
    ]) {
      const res = await call('PUT', `/assignment-capacity/${kian!.userId}`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await call('PUT', '/assignment-capacity/not-a-uuid', { capacity: 1 })).statusCode).toBe(400);
    for (const capacity of [-1, 10_001, 2.5, '3'])
      expect(
        (
          await call('POST', '/assignment-rules', {
            name: 'Bad',
            strategy: 'roundRobin',
            pool: [{ userId: kian!.userId, capacity }],
          })
        ).statusCode,
      ).toBe(400);
    // Another workspace's member, and their own calls, see nothing of ours.
    expect((await call('PUT', `/assignment-capacity/${other.userId}`, { capacity: 1 })).statusCode).toBe(404);
    const theirs = apiCaller(
      () => t.app,
      () => other.cookie,
    );
    expect((await theirs('PUT', `/assignment-capacity/${kian!.userId}`, { capacity: 1 })).statusCode).toBe(
      404,
    );
    const theirList = (await theirs('GET', '/assignment-capacity')).json() as { data: { userId: string }[] };
    expect(theirList.data.map((c) => c.userId)).toEqual([other.userId]);
    expect(await setDefault(kian!, 0)).toMatchObject({ capacity: 0, openLeads: 0 });
  });
});
