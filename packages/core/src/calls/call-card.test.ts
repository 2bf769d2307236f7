import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, countStatements, type TestApp } from '../../../../test/harness.ts';
import {
  type Account,
  callEventSender,
  callsTestApp,
  createRecord,
  joinAs,
  type Member,
  makeConnection,
} from './calls.test-kit.ts';

describe('the call card', () => {
  let t: TestApp;
  let admin: Account;
  let other: Account;
  let agent: Member;
  let key: string;
  let theirKey: string;
  let person: string;
  let company: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const send = callEventSender(() => t.app, { to: '100', extension: '100' });
  let n = 0;
  /** Rings a call from this number at the agent's extension; answers the call's id. */
  const ring = (from: string, bearer = key) => send(bearer, `card-${++n}`, 'ringing', { from });
  const card = async (id: string, cookie = agent.cookie) => {
    const r = await call('GET', `/calls/${id}/card`, undefined, cookie);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const create = (object: string, body: Record<string, unknown>) => createRecord(call, object, body);

  beforeAll(async () => {
    ({ t, admin, other } = await callsTestApp());
    agent = await joinAs(t.app, admin.cookie, 'agent', 'Card agent');
    key = (
      await makeConnection(call, { name: 'Desk PBX', extensions: { '100': agent.userId }, country: 'IR' })
    ).apiKey;
    theirKey = (await makeConnection(call, { name: 'B' }, other.cookie)).apiKey;
    company = await create('companies', { name: 'Parsian Trading' });
    person = await create('people', {
      firstName: 'Maryam',
      lastName: 'Karimi',
      phones: ['+۹۸ ۹۱۲ ۳۳۳ ۴۴۵۵'],
      company,
      flags: ['wheelchair', 'vip'],
    });
    await create('tickets', { subject: 'Broken lift', requester: person, status: 'open' });
    await create('tickets', { subject: 'Old question', requester: person, status: 'closed' });
    await create('deals', { name: 'Ramp install', primaryPerson: person });
    await create('deals', { name: 'Won before', primaryPerson: person, status: 'won' });
    await call('PATCH', `/objects/people/${person}`, { jobTitle: 'Engineer' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows a matched caller: name, company, flags, open tickets and deals, the last entries', async () => {
    const id = await ring('+989123334455');
    const c = await card(id);
    expect(c.call).toMatchObject({ id, state: 'ringing', from: '+989123334455', agentUserId: agent.userId });
    expect(c.record).toMatchObject({
      object: 'people',
      id: person,
      title: 'Maryam Karimi',
      how: 'exact',
      company: { id: company, title: 'Parsian Trading' },
      flags: ['wheelchair', 'vip'],
    });
    expect(c.record.openTickets.map((x: { subject: string }) => x.subject)).toEqual(['Broken lift']);
    expect(c.record.openDeals.map((x: { name: string }) => x.name)).toEqual(['Ramp install']);
    expect(c.record.recent.length).toBeGreaterThan(0);
    expect(c.record.recent.length).toBeLessThanOrEqual(5);
    expect(c.candidates).toEqual([]);
    expect(c.newPerson).toBeNull();
    expect(c.canWrapUp).toBe(true);
    // The admin reads it too (calls.read), but the wrap-up is the agent's or a calls.manage holder's.
    expect((await card(id, admin.cookie)).canWrapUp).toBe(true);
  });

  it('offers a pick list when several records share the number, and the number alone when none does', async () => {
    await create('people', { firstName: 'Ali', phones: ['+989125550000'] });
    await create('people', { firstName: 'Sara', phones: ['+989125550000'], flags: ['hearing_impaired'] });
    const several = await card(await ring('09125550000'));
    expect(several.record).toBeNull();
    expect(several.candidates.map((p: { title: string }) => p.title).sort()).toEqual(['Ali', 'Sara']);
    expect(several.candidates.find((p: { title: string }) => p.title === 'Sara').flags).toEqual([
      'hearing_impaired',
    ]);
    const none = await card(await ring('0912 000 1111'));
    expect(none).toMatchObject({ record: null, candidates: [], newPerson: { phone: '+989120001111' } });
  });

  it('reads in a fixed number of statements, however many records matched', async () => {
    const statements = countStatements(t.handle.pool, /./);
    const count = async (id: string) => {
      const before = statements.count;
      await card(id);
      return statements.count - before;
    };
    for (let i = 0; i < 2; i++) await create('people', { firstName: `Two ${i}`, phones: ['+989127770000'] });
    for (let i = 0; i < 8; i++)
      await create('people', { firstName: `Eight ${i}`, phones: ['+989128880000'] });
    const two = await ring('+989127770000');
    const eight = await ring('+989128880000');
    await count(two); // warm caches
    expect(await count(eight)).toBe(await count(two));
    // A person with more tickets and deals costs no more statements either.
    const busy = await create('people', { firstName: 'Busy', phones: ['+989126660000'] });
    const quiet = await create('people', { firstName: 'Quiet', phones: ['+989126660001'] });
    for (let i = 0; i < 6; i++) {
      await create('tickets', { subject: `T${i}`, requester: busy });
      await create('deals', { name: `D${i}`, primaryPerson: busy });
    }
    const busyCall = await ring('+989126660000');
    const quietCall = await ring('+989126660001');
    await count(quietCall);
    expect((await card(busyCall)).record.openTickets).toHaveLength(5);
    expect(await count(busyCall)).toBe(await count(quietCall));
    expect(quiet).toBeTruthy();
  });

  it('names the queue the call went through, in the same number of statements as a call of no queue', async () => {
    const made = await call('POST', '/calls/queues', { name: 'Card support', keys: ['card-support'] });
    expect(made.statusCode, made.body).toBe(201);
    const queue = made.json() as { id: string; name: string };
    const statements = countStatements(t.handle.pool, /./);
    const count = async (id: string) => {
      const before = statements.count;
      const c = await card(id);
      return { c, count: statements.count - before };
    };
    const plain = await ring('+989123334455');
    const queued = await send(key, `card-${++n}`, 'ringing', {
      from: '+989123334455',
      extension: undefined,
      queue: 'Card-Support',
    });
    await count(plain); // warm caches
    const withoutQueue = await count(plain);
    const withQueue = await count(queued);
    expect(withoutQueue.c.call.queue).toBeNull();
    expect(withQueue.c.call.queue).toEqual({ id: queue.id, name: 'Card support' });
    expect(withQueue.count).toBe(withoutQueue.count);
    // A member without calls.manage reads it too: queues are workspace settings.
    expect((await card(queued, agent.cookie)).call.queue).toMatchObject({ name: 'Card support' });
    // A queue removed since is still the one the call went through.
    expect((await call('DELETE', `/calls/queues/${queue.id}`)).statusCode).toBe(204);
    expect((await card(queued)).call.queue).toEqual({ id: queue.id, name: 'Card support' });
  });

  it('leaves out the flags for a role that hides them, and the whole match for one that hides phones', async () => {
    const all = { read: true, create: true, update: true, delete: true };
    for (const [roleKey, hidden] of [
      ['no_flags', ['flags']],
      ['no_phones', ['phones']],
    ] as const) {
      const r = await call('POST', '/roles', {
        key: roleKey,
        name: roleKey,
        permissions: {
          actions: ['calls.read'],
          objects: { '*': all, people: { ...all, hiddenFields: hidden } },
        },
      });
      expect(r.statusCode, r.body).toBe(201);
    }
    const noFlags = await joinAs(t.app, admin.cookie, 'no_flags', 'No flags');
    const noPhones = await joinAs(t.app, admin.cookie, 'no_phones', 'No phones');
    const id = await ring('+989123334455');
    const r = await call('GET', `/calls/${id}/card`, undefined, noFlags.cookie);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().record).toMatchObject({ id: person, title: 'Maryam Karimi' });
    expect(r.json().record).not.toHaveProperty('flags');
    expect(r.body).not.toContain('wheelchair');
    expect(r.json().canWrapUp).toBe(false);
    const p = await call('GET', `/calls/${id}/card`, undefined, noPhones.cookie);
    expect(p.statusCode, p.body).toBe(200);
    expect(p.json()).toMatchObject({ record: null, candidates: [] });
    expect(p.body).not.toContain('Maryam');
    expect(p.body).not.toContain(person);
  });

  it('answers another workspace’s call, a hostile id or a reader without calls.read as not found or refused', async () => {
    const theirs = await ring('+989123334455', theirKey);
    expect((await call('GET', `/calls/${theirs}/card`)).statusCode).toBe(404);
    const b = await call('GET', `/calls/${theirs}/card`, undefined, other.cookie);
    expect(b.statusCode).toBe(200);
    expect(b.body).not.toContain('Maryam');
    for (const bad of [
      'not-a-uuid',
      "1' or '1'='1",
      '%00',
      '%ED%A0%80',
      'x'.repeat(65),
      crypto.randomUUID(),
    ]) {
      const r = await call('GET', `/calls/${bad}/card`);
      expect([400, 404], `${bad}: ${r.body}`).toContain(r.statusCode);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
    const viewer = await joinAs(t.app, admin.cookie, 'viewer', 'Viewer');
    const id = await ring('+989123334455');
    expect((await call('GET', `/calls/${id}/card`, undefined, viewer.cookie)).statusCode).toBe(403);
  });
});
