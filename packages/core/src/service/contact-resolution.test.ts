// The contact centre's first-contact verdicts use the desk's own definition: the tickets judged resolved at first
// contact are exactly those the desk's resolution metrics count as such, over the same tickets.
import { withWorkspace } from '@rabita/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { principalForMember } from '../auth/members.service.ts';
import { servicePrincipal } from '../auth/principal.ts';
import { judgeFirstContacts } from './contact-resolution.service.ts';
import { resolutionMetrics } from './metrics.service.ts';

describe('first-contact verdicts for contacts the desk did not take', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (method: 'POST' | 'PATCH', url: string, body: unknown, as = admin.cookie) => {
    const r = await call(method, url, body, as);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json() as { id: string };
  };
  const person = async (firstName: string) => (await ok('POST', '/objects/people', { firstName })).id;
  const ticket = async (requester: string, replies: number, extra: Record<string, unknown> = {}) => {
    const { id } = await ok('POST', '/objects/tickets', { subject: 'Card', requester, ...extra });
    for (let i = 0; i < replies; i++)
      await ok('POST', `/tickets/${id}/messages`, { kind: 'reply', body: `Reply ${i + 1}` });
    return id;
  };
  const resolve = (id: string) => ok('PATCH', `/objects/tickets/${id}`, { status: 'resolved' });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('judges tickets as the desk’s metrics count them, and finds a record’s new ticket after a contact', async () => {
    const [pa, pb, pc, pd, pe] = [
      await person('A'),
      await person('B'),
      await person('C'),
      await person('D'),
      await person('E'),
    ];
    const company = (await ok('POST', '/objects/companies', { name: 'Co' })).id;
    const a = await ticket(pa, 0);
    const b = await ticket(pb, 1);
    const c = await ticket(pc, 2);
    const d = await ticket(pd, 0);
    const e = await ticket(pe, 1);
    const open = await ticket(pa, 0);
    for (const id of [a, b, c, d, e]) await resolve(id);
    await ok('PATCH', `/objects/tickets/${d}`, { status: 'open' });
    await resolve(d);
    const beforeRepeat = new Date().toISOString();
    // E comes back with a new ticket: E's first is no first contact; so does the company.
    await ticket(pe, 0);
    await ok('POST', '/objects/tickets', { subject: 'Company writes', company });
    // Another workspace's ticket ids are nothing here.
    const theirPerson = (await ok('POST', '/objects/people', { firstName: 'B' }, other.cookie)).id;
    const theirs = (
      await ok('POST', '/objects/tickets', { subject: 'B', requester: theirPerson }, other.cookie)
    ).id;
    await ok('PATCH', `/objects/tickets/${theirs}`, { status: 'resolved' }, other.cookie);

    const principal = (await principalForMember(t.handle.db, admin.userId, admin.workspaceId))!;
    const ids = [a, b, c, d, e, open, theirs];
    const verdicts = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      judgeFirstContacts(trx, principal, admin.workspaceId, [
        ...ids.map((id) => ({ key: `t-${id}`, ticketIds: [id], record: null, endedAt: beforeRepeat })),
        { key: 'came-back', ticketIds: [], record: { object: 'people', id: pe }, endedAt: beforeRepeat },
        { key: 'quiet', ticketIds: [], record: { object: 'people', id: pb }, endedAt: beforeRepeat },
        {
          key: 'company',
          ticketIds: [],
          record: { object: 'companies', id: company },
          endedAt: beforeRepeat,
        },
      ]),
    );
    expect(verdicts).not.toBeNull();
    expect([...verdicts!.ticketsAtFirstContact].sort()).toEqual([a, b].sort());
    expect([...verdicts!.contactsWithNewTicket].sort()).toEqual(['came-back', 'company']);
    const metrics = await resolutionMetrics(
      { db: t.handle.db, principal },
      {
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 3_600_000).toISOString(),
      },
    );
    expect(metrics.fcr.system.firstContact).toBe(verdicts!.ticketsAtFirstContact.size);
    expect(verdicts!.repeatDays).toBe(metrics.repeatDays);

    // A reader who may not read tickets, or reads only their own, gets no verdicts.
    const none = { read: false, create: false, update: false, delete: false };
    const own = { read: true, create: true, update: true, delete: true, ownRecordsOnly: true };
    for (const tickets of [none, own]) {
      const reader = servicePrincipal(admin.workspaceId, {
        ...principal.role,
        permissions: { ...principal.role.permissions, objects: { '*': own, tickets } },
      });
      const refused = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
        judgeFirstContacts(trx, reader, admin.workspaceId, [
          { key: 'x', ticketIds: [a], record: null, endedAt: beforeRepeat },
        ]),
      );
      expect(refused).toBeNull();
    }
  });
});
