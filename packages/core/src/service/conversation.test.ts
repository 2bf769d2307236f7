import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('a ticket’s conversation', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let viewer: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ticket = async (extra: Record<string, unknown> = {}) => {
    const person = await call('POST', '/objects/people', { firstName: 'زهرا', lastName: 'کریمی' });
    const res = await call('POST', '/objects/tickets', {
      subject: 'کالای ارسالی آسیب دیده است',
      requester: person.json().id,
      language: 'fa',
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return { id: res.json().id as string, requester: person.json().id as string };
  };
  const get = async (id: string) => (await call('GET', `/objects/tickets/${id}`)).json();
  const say = (id: string, body: Record<string, unknown>, as?: string) =>
    call('POST', `/tickets/${id}/messages`, body, as);

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    viewer = await joinByInvitation(t.app, admin.cookie, {
      email: `viewer.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'viewer',
      name: 'Viewer',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stamps the first public reply by a person, not a note or an automatic message, and opens the ticket', async () => {
    const { id } = await ticket();
    expect((await say(id, { kind: 'note', body: 'مشتری VIP است' })).statusCode).toBe(201);
    expect(
      (await say(id, { kind: 'reply', body: 'پیام خودکار: دریافت شد', automatic: true })).statusCode,
    ).toBe(201);
    let now = await get(id);
    expect(now.status).toBe('new');
    expect(now.firstResponseAt ?? null).toBeNull();

    const reply = await say(id, { kind: 'reply', body: 'سلام، عکس آسیب را بفرستید لطفاً.' });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json()).toMatchObject({ kind: 'reply', authorUserId: admin.userId, automatic: false });
    now = await get(id);
    expect(now.status).toBe('open');
    const first = now.firstResponseAt;
    expect(first).toBeTruthy();

    // A later reply keeps the first response time.
    await say(id, { kind: 'reply', body: 'پیگیری' });
    expect((await get(id)).firstResponseAt).toBe(first);
  });

  it('wakes a ticket waiting for the customer or resolved when the customer writes, but not a closed one or on an auto-reply', async () => {
    const { id, requester } = await ticket();
    await say(id, { kind: 'reply', body: 'لطفاً شماره سفارش را بفرستید.', status: 'pending_customer' });
    expect((await get(id)).status).toBe('pending_customer');

    await say(id, { kind: 'customer', body: 'Out of office', automatic: true });
    expect((await get(id)).status).toBe('pending_customer');

    const answer = await say(id, { kind: 'customer', body: 'شماره سفارش ۴۴۷۱ است' });
    expect(answer.json()).toMatchObject({ kind: 'customer', authorPersonId: requester, authorUserId: null });
    expect((await get(id)).status).toBe('open');

    await call('PATCH', `/objects/tickets/${id}`, { status: 'resolved' });
    await say(id, { kind: 'customer', body: 'هنوز درست نشده' });
    const reopened = await get(id);
    expect(reopened.status).toBe('open');
    expect(Number(reopened.reopenCount)).toBe(1);

    await call('PATCH', `/objects/tickets/${id}`, { status: 'closed' });
    await say(id, { kind: 'customer', body: 'ممنون' });
    expect((await get(id)).status).toBe('closed');
  });

  it('pages the conversation newest first by cursor', async () => {
    const { id } = await ticket();
    for (let i = 1; i <= 5; i++)
      expect((await say(id, { kind: 'note', body: `یادداشت ${i}` })).statusCode).toBe(201);
    const first = await call('GET', `/tickets/${id}/messages?limit=2`);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json().data.map((m: { body: string }) => m.body)).toEqual(['یادداشت 5', 'یادداشت 4']);
    const second = await call('GET', `/tickets/${id}/messages?limit=2&before=${first.json().nextCursor}`);
    expect(second.json().data.map((m: { body: string }) => m.body)).toEqual(['یادداشت 3', 'یادداشت 2']);
    const last = await call('GET', `/tickets/${id}/messages?limit=2&before=${second.json().nextCursor}`);
    expect(last.json().data.map((m: { body: string }) => m.body)).toEqual(['یادداشت 1']);
    expect(last.json().nextCursor).toBeNull();
  });

  it('lets a reader read and refuses a writer without update, another workspace, and hostile input', async () => {
    const { id } = await ticket();
    await say(id, { kind: 'note', body: 'internal' });
    expect((await call('GET', `/tickets/${id}/messages`, undefined, viewer.cookie)).statusCode).toBe(200);
    expect((await say(id, { kind: 'reply', body: 'hi' }, viewer.cookie)).statusCode).toBe(403);

    expect((await call('GET', `/tickets/${id}/messages`, undefined, other.cookie)).statusCode).toBe(404);
    expect((await say(id, { kind: 'reply', body: 'hi' }, other.cookie)).statusCode).toBe(404);
    expect((await say('00000000-0000-4000-8000-000000000000', { kind: 'reply', body: 'x' })).statusCode).toBe(
      404,
    );

    for (const bad of [
      { kind: 'reply', body: '' },
      { kind: 'reply', body: 'a\u0000b' },
      { kind: 'reply', body: '\ud800' },
      { kind: 'shout', body: 'x' },
      { kind: 'reply', body: 'x', status: 'exploded' },
      { kind: 'reply', body: 'x'.repeat(100_001) },
      { kind: 'reply' },
    ])
      expect((await say(id, bad)).statusCode, JSON.stringify(bad).slice(0, 60)).toBe(400);
    expect((await call('GET', `/tickets/${id}/messages?before=not-a-uuid`)).statusCode).toBe(400);
    expect((await call('GET', `/tickets/not-a-uuid/messages`)).statusCode).toBe(400);
  });
});
