import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

// Who else has a ticket open (the inbox's collision warning), through the API against real PostgreSQL.

describe('ticket presence', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  let outsider: { userId: string; cookie: string };
  let ownOnly: { userId: string; cookie: string };
  let stranger: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ticket = async (extra: Record<string, unknown> = {}) => {
    const res = await call('POST', '/objects/tickets', { subject: 'بستهٔ سفارش ۷۷۱۲ باز شده رسید', ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const beat = (id: string, cookie: string, body: unknown = { replying: false }) =>
    call('POST', `/tickets/${id}/presence`, body, cookie);
  const viewers = async (id: string, cookie: string) => {
    const res = await call('GET', `/tickets/${id}/presence`, undefined, cookie);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().data as { userId: string; replying: boolean; seenAt: string }[];
  };
  /** Runs SQL as the database's owner (ageing rows as a page that stopped beating would leave them). */
  const asOwner = async (text: string, values: unknown[]) => {
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      return await owner.query(text, values);
    } finally {
      await owner.end();
    }
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    stranger = await signUp(t.app);
    const tag = admin.workspaceId.slice(0, 8);
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: `agent.${tag}@example.com`,
      role: 'member',
      name: 'Agent',
    });
    const roles: [string, Record<string, unknown>][] = [
      ['no_tickets', { people: { read: true, create: false, update: false, delete: false } }],
      [
        'own_tickets',
        { tickets: { read: true, create: true, update: true, delete: false, ownRecordsOnly: true } },
      ],
    ];
    for (const [key, objects] of roles) {
      const role = await call('POST', '/roles', { key, name: key, permissions: { actions: [], objects } });
      expect(role.statusCode, role.body).toBe(201);
    }
    outsider = await joinByInvitation(t.app, admin.cookie, {
      email: `outsider.${tag}@example.com`,
      role: 'no_tickets',
      name: 'Outsider',
    });
    ownOnly = await joinByInvitation(t.app, admin.cookie, {
      email: `own.${tag}@example.com`,
      role: 'own_tickets',
      name: 'Own',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows each of two agents the other on the same ticket, and whether they are replying', async () => {
    const id = await ticket();
    const first = await beat(id, admin.cookie);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data).toEqual([]);

    const second = await beat(id, agent.cookie, { replying: true });
    expect(second.statusCode, second.body).toBe(200);
    expect(second.json().data).toEqual([
      { userId: admin.userId, replying: false, seenAt: expect.any(String) },
    ]);

    // Each sees the other, never themselves.
    expect(await viewers(id, admin.cookie)).toEqual([
      { userId: agent.userId, replying: true, seenAt: expect.any(String) },
    ]);
    expect((await viewers(id, agent.cookie)).map((v) => v.userId)).toEqual([admin.userId]);

    // A heartbeat is an upsert: the agent stops typing, still one row.
    await beat(id, agent.cookie, { replying: false });
    expect(await viewers(id, admin.cookie)).toEqual([
      { userId: agent.userId, replying: false, seenAt: expect.any(String) },
    ]);
    const rows = await asOwner('select count(*)::int as n from ticket_presence where ticket_id = $1', [id]);
    expect(rows.rows[0].n).toBe(2);

    // Another ticket is another room.
    const other = await ticket();
    expect(await viewers(other, admin.cookie)).toEqual([]);
  });

  it('answers 404 to a caller who may not read the ticket, and neither shows nor records them', async () => {
    const id = await ticket();
    await beat(id, admin.cookie, { replying: true });
    for (const cookie of [outsider.cookie, stranger.cookie]) {
      const write = await beat(id, cookie);
      expect(write.statusCode, write.body).toBe(404);
      const read = await call('GET', `/tickets/${id}/presence`, undefined, cookie);
      expect(read.statusCode, read.body).toBe(404);
      expect(read.body).not.toContain(admin.userId);
    }
    // Own records only: not the admin's ticket, but one assigned to them.
    expect((await beat(id, ownOnly.cookie)).statusCode).toBe(404);
    const theirs = await ticket({ owner: ownOnly.userId });
    await beat(theirs, admin.cookie);
    const mine = await beat(theirs, ownOnly.cookie);
    expect(mine.statusCode, mine.body).toBe(200);
    expect(mine.json().data.map((v: { userId: string }) => v.userId)).toEqual([admin.userId]);

    const rows = await asOwner('select user_id from ticket_presence where ticket_id = $1', [id]);
    expect(rows.rows.map((r) => r.user_id)).toEqual([admin.userId]);
  });

  it('ignores a page not heard from in 45 seconds and prunes rows older than a few minutes', async () => {
    const id = await ticket();
    const other = await ticket();
    await beat(id, admin.cookie);
    await beat(id, agent.cookie);
    await beat(other, agent.cookie);
    await asOwner(
      `update ticket_presence set seen_at = now() - interval '50 seconds' where ticket_id = $1 and user_id = $2`,
      [id, agent.userId],
    );
    expect(await viewers(id, admin.cookie)).toEqual([]);
    // Heard from again, shown again.
    await beat(id, agent.cookie);
    expect((await viewers(id, admin.cookie)).map((v) => v.userId)).toEqual([agent.userId]);

    // A page closed long ago (on any ticket of the workspace) is deleted by the next heartbeat.
    await asOwner(`update ticket_presence set seen_at = now() - interval '10 minutes' where ticket_id = $1`, [
      other,
    ]);
    await beat(id, admin.cookie);
    const left = await asOwner('select count(*)::int as n from ticket_presence where ticket_id = $1', [
      other,
    ]);
    expect(left.rows[0].n).toBe(0);
  });

  it('refuses hostile input with a clear 400 and stores nothing', async () => {
    const id = await ticket();
    const bodies: unknown[] = [
      { replying: 'yes' },
      { replying: 1 },
      { replying: null },
      { replying: false, userId: agent.userId },
      { replying: false, extra: 'x'.repeat(200_000) },
      { replying: '\u0000' },
      { replying: '\ud800' },
      [],
    ];
    for (const body of bodies) {
      const res = await beat(id, admin.cookie, body);
      expect(res.statusCode, `${JSON.stringify(body).slice(0, 60)}: ${res.body}`).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    for (const bad of ['not-a-uuid', '%00', '%ED%A0%80']) {
      const got = await call('GET', `/tickets/${bad}/presence`);
      expect(got.statusCode, `${bad.slice(0, 20)}: ${got.body}`).toBe(400);
      expect((await beat(bad, admin.cookie)).statusCode).toBe(400);
    }
    // A ticket id that exists nowhere is simply not found.
    expect((await beat('00000000-0000-4000-8000-000000000000', admin.cookie)).statusCode).toBe(404);
    const rows = await asOwner('select count(*)::int as n from ticket_presence where ticket_id = $1', [id]);
    expect(rows.rows[0].n).toBe(0);
  });

  it('keeps no presence for an API key, which may still read who is there', async () => {
    const id = await ticket();
    await beat(id, agent.cookie);
    const key = await call('POST', '/api-keys', { name: 'Desk bot', role: 'admin' });
    expect(key.statusCode, key.body).toBe(201);
    const bearer = { authorization: `Bearer ${key.json().token}` };
    const write = await call('POST', `/tickets/${id}/presence`, { replying: false }, bearer);
    expect(write.statusCode, write.body).toBe(403);
    expect(write.json().detail).toMatch(/API key/);
    const read = await call('GET', `/tickets/${id}/presence`, undefined, bearer);
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json().data.map((v: { userId: string }) => v.userId)).toEqual([agent.userId]);
  });

  it('requires a signed-in caller', async () => {
    const id = await ticket();
    expect((await call('GET', `/tickets/${id}/presence`, undefined, '')).statusCode).toBe(401);
    expect((await beat(id, '')).statusCode).toBe(401);
  });
});
