import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('tickets', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const person = async (firstName: string, lastName: string) => {
    const res = await call('POST', '/objects/people', { firstName, lastName });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('numbers tickets per workspace, one after another, even when created at once', async () => {
    const requester = await person('مریم', 'حسینی');
    const created = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call('POST', '/objects/tickets', {
          subject: `سفارش ${i} هنوز نرسیده است`,
          requester,
          channel: 'web_form',
          language: 'fa',
        }),
      ),
    );
    for (const res of created) expect(res.statusCode, res.body).toBe(201);
    const numbers = created.map((r) => Number(r.json().number)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const first = created[0]!.json();
    expect(first).toMatchObject({ status: 'new', priority: 'normal', channel: 'web_form', queue: 'general' });

    // Another workspace starts at 1 of its own, and cannot read these.
    const theirs = await call('POST', '/objects/tickets', { subject: 'Invoice question' }, other.cookie);
    expect(theirs.statusCode, theirs.body).toBe(201);
    expect(Number(theirs.json().number)).toBe(1);
    expect((await call('GET', `/objects/tickets/${first.id}`, undefined, other.cookie)).statusCode).toBe(404);
  });

  it('keeps the number read-only and refuses a ticket without a subject', async () => {
    const forged = await call('POST', '/objects/tickets', { subject: 'Forged', number: 999 });
    expect(forged.statusCode).toBe(400);
    const empty = await call('POST', '/objects/tickets', { description: 'no subject' });
    expect(empty.statusCode).toBe(400);
    const hostile = await call('POST', '/objects/tickets', { subject: 'a\u0000b' });
    expect(hostile.statusCode).toBe(400);
  });

  it('stamps resolution and closing, and counts a reopening', async () => {
    const res = await call('POST', '/objects/tickets', { subject: 'الطلب لم يصل', language: 'ar' });
    const id = res.json().id as string;
    expect(res.json().resolvedAt ?? null).toBeNull();

    const resolved = (await call('PATCH', `/objects/tickets/${id}`, { status: 'resolved' })).json();
    expect(resolved.resolvedAt).toBeTruthy();
    expect(resolved.closedAt ?? null).toBeNull();

    const closed = (await call('PATCH', `/objects/tickets/${id}`, { status: 'closed' })).json();
    expect(closed.closedAt).toBeTruthy();
    expect(closed.resolvedAt).toBe(resolved.resolvedAt);

    const reopened = (await call('PATCH', `/objects/tickets/${id}`, { status: 'open' })).json();
    expect(reopened.resolvedAt ?? null).toBeNull();
    expect(reopened.closedAt ?? null).toBeNull();
    expect(Number(reopened.reopenCount)).toBe(1);

    // Another field changing leaves the stamps alone; a stamp cannot be written by a caller.
    const renamed = await call('PATCH', `/objects/tickets/${id}`, { priority: 'urgent' });
    expect(Number(renamed.json().reopenCount)).toBe(1);
    expect(
      (await call('PATCH', `/objects/tickets/${id}`, { resolvedAt: new Date().toISOString() })).statusCode,
    ).toBe(400);
  });

  it('lists a person’s tickets through the requester relation and finds them by subject', async () => {
    const requester = await person('Omar', 'Haddad');
    const created = await call('POST', '/objects/tickets', {
      subject: 'Refund for order 4471',
      requester,
      priority: 'high',
      type: 'return',
    });
    expect(created.statusCode, created.body).toBe(201);
    const listed = await call('POST', '/objects/tickets/query', {
      filter: { field: 'requester', op: 'eq', value: requester },
    });
    expect(listed.statusCode, listed.body).toBe(200);
    expect(listed.json().data.map((r: { id: string }) => r.id)).toEqual([created.json().id]);

    const found = await call('GET', `/search?q=${encodeURIComponent('Refund 4471')}`);
    expect(found.statusCode, found.body).toBe(200);
    expect(JSON.stringify(found.json())).toContain(created.json().id);
  });

  it('shows an agent limited to their own records only the tickets assigned to them', async () => {
    const role = await call('POST', '/roles', {
      key: 'desk_agent',
      name: 'Desk agent',
      permissions: {
        actions: [],
        objects: { '*': { read: true, create: true, update: true, delete: false, ownRecordsOnly: true } },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const agent = await joinByInvitation(t.app, admin.cookie, {
      email: `agent.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'desk_agent',
      name: 'Agent',
    });
    const mine = await call('POST', '/objects/tickets', {
      subject: 'Assigned to the agent',
      owner: agent.userId,
    });
    const theirs = await call('POST', '/objects/tickets', { subject: 'Assigned to nobody' });
    expect(mine.statusCode, mine.body).toBe(201);
    const seen = await call('POST', '/objects/tickets/query', { limit: 200 }, agent.cookie);
    expect(seen.statusCode, seen.body).toBe(200);
    expect(seen.json().data.map((r: { id: string }) => r.id)).toEqual([mine.json().id]);
    expect(
      (await call('GET', `/objects/tickets/${theirs.json().id}`, undefined, agent.cookie)).statusCode,
    ).toBe(404);
  });
});
