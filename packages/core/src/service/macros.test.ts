import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

const merged = (value: string | number) => `\u2068${value}\u2069`;

describe('macros', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  let viewer: { userId: string; cookie: string };
  let fixedPriority: { userId: string; cookie: string };
  let persianReply: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ticket = async (extra: Record<string, unknown> = {}, as?: string) => {
    const p = await call('POST', '/objects/people', { firstName: 'نرگس', lastName: 'محمدی' }, as);
    const r = await call(
      'POST',
      '/objects/tickets',
      { subject: 'بازپرداخت سفارش ۴۴۷۱', requester: p.json().id, language: 'fa', tags: ['vip'], ...extra },
      as,
    );
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; number: number };
  };
  const get = async (id: string, as?: string) =>
    (await call('GET', `/objects/tickets/${id}`, undefined, as)).json();
  const messages = async (id: string) =>
    (await call('GET', `/tickets/${id}/messages`)).json().data as {
      kind: string;
      body: string;
      authorUserId: string;
    }[];
  const createMacro = async (body: Record<string, unknown>) => {
    const r = await call('POST', '/service/macros', body);
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; changes: Record<string, unknown> };
  };
  const apply = (ticketId: string, macroId: string, as?: string) =>
    call('POST', `/tickets/${ticketId}/apply-macro`, { macroId }, as);

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app, { name: 'سارا رحیمی' });
    other = await signUp(t.app);
    const tag = admin.workspaceId.slice(0, 8);
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: `agent.${tag}@example.com`,
      role: 'agent',
      name: 'علی احمدی',
    });
    viewer = await joinByInvitation(t.app, admin.cookie, {
      email: `viewer.${tag}@example.com`,
      role: 'viewer',
      name: 'Viewer',
    });
    const role = await call('POST', '/roles', {
      key: 'desk_fixed_priority',
      name: 'Desk, priority read-only',
      permissions: {
        actions: [],
        objects: {
          '*': { read: true, create: true, update: true, delete: false },
          tickets: { read: true, create: true, update: true, delete: false, readOnlyFields: ['priority'] },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    fixedPriority = await joinByInvitation(t.app, admin.cookie, {
      email: `fixed.${tag}@example.com`,
      role: 'desk_fixed_priority',
      name: 'Fixed',
    });
    const reply = await call('POST', '/service/canned-replies', {
      name: 'بازپرداخت آغاز شد',
      shortcut: 'refund',
      bodies: {
        fa: '{{ requester.firstName }} عزیز، بازپرداخت درخواست {{ ticket.number }} آغاز شد.',
        en: 'Dear {{ requester.firstName }}, the refund for {{ ticket.number }} has started.',
      },
      shared: true,
    });
    expect(reply.statusCode, reply.body).toBe(201);
    persianReply = reply.json().id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sets fields, adds tags, replies in the ticket’s language and notes, as the agent applying it', async () => {
    const macro = await createMacro({
      name: 'Refund: wait for the customer',
      changes: { status: 'pending_customer', priority: 'high', type: 'return', tags: ['refund'] },
      replyId: persianReply,
      note: 'بازپرداخت برای {{ requester.firstName }} ثبت شد ({{ agent.name }}).',
    });
    const { id, number } = await ticket();
    const applied = await apply(id, macro.id, agent.cookie);
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json().ticket).toMatchObject({
      status: 'pending_customer',
      priority: 'high',
      type: 'return',
    });
    const now = await get(id);
    expect(now).toMatchObject({ status: 'pending_customer', priority: 'high', type: 'return' });
    expect([...now.tags].sort()).toEqual(['refund', 'vip']);
    expect(now.firstResponseAt).toBeTruthy();
    const said = await messages(id);
    expect(said.map((m) => [m.kind, m.body, m.authorUserId])).toEqual([
      ['note', `بازپرداخت برای ${merged('نرگس')} ثبت شد (${merged('علی احمدی')}).`, agent.userId],
      ['reply', `${merged('نرگس')} عزیز، بازپرداخت درخواست ${merged(number)} آغاز شد.`, agent.userId],
    ]);
  });

  it('applies all of it or nothing: a change the agent may not make leaves no reply and no note', async () => {
    const macro = await createMacro({
      name: 'Escalate',
      changes: { status: 'open', priority: 'urgent' },
      replyText: 'Escalated for {{ requester.firstName }}.',
      note: 'Escalated.',
    });
    const { id } = await ticket();
    const refused = await apply(id, macro.id, fixedPriority.cookie);
    expect(refused.statusCode, refused.body).toBe(400);
    expect(refused.json().errors).toEqual([{ field: 'body.changes.priority', message: 'Is read-only.' }]);
    expect(refused.json().detail).toContain('priority (Is read-only.)');
    expect(await messages(id)).toEqual([]);
    expect(await get(id)).toMatchObject({ status: 'new', priority: 'normal' });

    // A reply that renders empty for this ticket undoes the changes before it.
    const empty = await createMacro({
      name: 'Empty',
      changes: { status: 'on_hold' },
      replyText: '{{ ticket.nothing }}',
    });
    const emptied = await apply(id, empty.id);
    expect(emptied.statusCode, emptied.body).toBe(400);
    expect((await get(id)).status).toBe('new');
    expect(await messages(id)).toEqual([]);
  });

  it('checks a macro against the tickets object when saved, and lets only managers write macros', async () => {
    const bad = await call('POST', '/service/macros', {
      name: 'Broken',
      changes: { status: 'exploded', number: 7, nonsense: 'x', priority: 'high' },
      note: '{% if %}',
    });
    expect(bad.statusCode, bad.body).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['body.changes.nonsense', 'body.changes.number', 'body.changes.status', 'body.note']);
    const mine = await call('POST', '/service/canned-replies', { name: 'Mine', bodies: { en: 'x' } });
    const personal = await call('POST', '/service/macros', { name: 'Personal', replyId: mine.json().id });
    expect(personal.statusCode).toBe(400);
    expect(personal.json().errors[0].field).toBe('body.replyId');
    expect((await call('POST', '/service/macros', { name: 'Nothing' })).statusCode).toBe(400);
    expect(
      (await call('POST', '/service/macros', { name: 'Both', replyId: persianReply, replyText: 'x' }))
        .statusCode,
    ).toBe(400);

    const macro = await createMacro({ name: 'Close', changes: { status: 'closed' } });
    expect((await call('POST', '/service/macros', { name: 'x', note: 'x' }, agent.cookie)).statusCode).toBe(
      403,
    );
    expect(
      (await call('PUT', `/service/macros/${macro.id}`, { name: 'x', note: 'x' }, agent.cookie)).statusCode,
    ).toBe(403);
    expect((await call('DELETE', `/service/macros/${macro.id}`, undefined, agent.cookie)).statusCode).toBe(
      403,
    );
    // Everyone reads them; a viewer may not apply one (no update on tickets); another workspace sees none.
    expect(
      (await call('GET', '/service/macros', undefined, viewer.cookie)).json().data.length,
    ).toBeGreaterThan(0);
    const { id } = await ticket();
    expect((await apply(id, macro.id, viewer.cookie)).statusCode).toBe(403);
    expect((await apply(id, macro.id, other.cookie)).statusCode).toBe(404);
    expect((await call('GET', `/service/macros/${macro.id}`, undefined, other.cookie)).statusCode).toBe(404);
    expect((await get(id)).status).toBe('new');

    // A canned reply a macro sends stays until the macro lets it go.
    const sent = await createMacro({ name: 'Refund reply', replyId: persianReply });
    expect((await call('DELETE', `/service/canned-replies/${persianReply}`)).statusCode).toBe(409);
    const renamed = await call('PUT', `/service/macros/${sent.id}`, { name: 'Refund note', note: 'Refund.' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'Refund note', replyId: null, note: 'Refund.' });
    expect((await call('DELETE', `/service/macros/${sent.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/service/macros/${sent.id}`)).statusCode).toBe(404);
  });

  it('applies to several tickets, each on its own, saying which were not applied', async () => {
    const macro = await createMacro({
      name: 'Resolve',
      changes: { status: 'resolved' },
      note: 'Bulk resolved.',
    });
    const a = await ticket();
    const b = await ticket();
    const theirs = await ticket({}, other.cookie);
    const r = await call('POST', `/service/macros/${macro.id}/apply`, {
      ticketIds: [a.id, theirs.id, b.id, a.id],
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().results).toEqual([
      { ticketId: a.id, ok: true },
      {
        ticketId: theirs.id,
        ok: false,
        code: 'not_found',
        message: `There is no tickets record ${theirs.id}.`,
      },
      { ticketId: b.id, ok: true },
    ]);
    expect((await get(a.id)).status).toBe('resolved');
    expect((await get(b.id)).status).toBe('resolved');
    expect((await messages(a.id)).map((m) => m.body)).toEqual(['Bulk resolved.']);
    expect((await get(theirs.id, other.cookie)).status).toBe('new');
  });

  it('refuses hostile input with a 400, storing nothing', async () => {
    const before = (await call('GET', '/service/macros')).json().data.length;
    for (const bad of [
      { name: 'x', note: 'a\u0000b' },
      { name: 'x', changes: { 'st\u0000atus': 'open' } },
      { name: 'x', changes: { subject: '\udc00' } },
      { name: 'x', note: 'x'.repeat(20_001) },
      { name: 'x', changes: 'status=open' },
      { name: 'x', changes: { subject: 'x'.repeat(501) } },
      { name: 'x', changes: Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`f${i}`, 'x'])) },
      { name: 'x', replyId: 'not-a-uuid' },
      { name: 'x', note: 'x', shared: true },
      { name: ['x'], note: 'x' },
    ]) {
      const r = await call('POST', '/service/macros', bad);
      expect(r.statusCode, `${JSON.stringify(bad).slice(0, 80)}: ${r.body}`).toBe(400);
    }
    expect((await call('GET', '/service/macros')).json().data.length).toBe(before);
    const { id } = await ticket();
    expect((await call('POST', `/tickets/${id}/apply-macro`, { macroId: 'x' })).statusCode).toBe(400);
    expect((await call('POST', `/tickets/${id}/apply-macro`, {})).statusCode).toBe(400);
    expect((await apply(id, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const many = Array.from({ length: 101 }, () => id);
    const macro = await createMacro({ name: 'Note', note: 'x' });
    expect((await call('POST', `/service/macros/${macro.id}/apply`, { ticketIds: many })).statusCode).toBe(
      400,
    );
    expect((await call('POST', `/service/macros/${macro.id}/apply`, { ticketIds: [] })).statusCode).toBe(400);
  });
});
