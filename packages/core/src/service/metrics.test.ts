// The desk's resolution metrics through the API: one-touch, reopened and first-contact resolution (no repeat
// contact from the requester within seven days) over tickets resolved in a period, as the caller may see tickets.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

describe('resolution metrics', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let own: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (method: 'POST' | 'PATCH', url: string, body: unknown) => {
    const r = await call(method, url, body);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json() as { id: string };
  };
  const person = async (firstName: string) => (await ok('POST', '/objects/people', { firstName })).id;
  /** A ticket answered `replies` times and resolved. */
  const resolvedTicket = async (requester: string, replies: number, owner?: string) => {
    const { id } = await ok('POST', '/objects/tickets', {
      subject: 'سفارش نرسیده',
      requester,
      ...(owner ? { owner } : {}),
    });
    for (let i = 0; i < replies; i++)
      await ok('POST', `/tickets/${id}/messages`, { kind: 'reply', body: `پاسخ ${i + 1}` });
    await ok('POST', `/tickets/${id}/messages`, { kind: 'note', body: 'یادداشت داخلی' });
    await ok('PATCH', `/objects/tickets/${id}`, { status: 'resolved' });
    return id;
  };
  const period = () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    return `/service/metrics/resolution?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
  };

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
    const role = await call('POST', '/roles', {
      key: 'own_desk',
      name: 'Own desk',
      permissions: {
        actions: [],
        objects: {
          '*': { read: true, create: false, update: false, delete: false },
          tickets: { read: true, create: false, update: true, delete: false, ownRecordsOnly: true },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    own = await joinByInvitation(t.app, admin.cookie, {
      email: 'own@example.com',
      role: 'own_desk',
      name: 'Own',
    });
    const [a, b, c, d] = [
      await person('آرش'),
      await person('بهار'),
      await person('کاوه'),
      await person('دنیا'),
    ];
    await resolvedTicket(a, 1); // one touch; not first contact: آرش writes again below
    await resolvedTicket(b, 2); // two replies
    const reopened = await resolvedTicket(c, 1);
    await ok('PATCH', `/objects/tickets/${reopened}`, { status: 'open' });
    await ok('PATCH', `/objects/tickets/${reopened}`, { status: 'resolved' });
    await resolvedTicket(d, 1, own.userId); // one touch, first contact
    await ok('POST', '/objects/tickets', { subject: 'باز هم سفارش', requester: a }); // آرش's repeat contact
  });
  afterAll(() => t?.close());

  it('counts one-touch, reopened and first-contact resolutions with their rates', async () => {
    const r = await call('GET', period());
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({
      resolved: 4,
      oneTouch: 2,
      reopened: 1,
      firstContact: 1,
      rates: { oneTouch: 0.5, reopen: 0.25, firstContact: 0.25 },
      repeatDays: 7,
    });
  });

  it('counts only the caller’s own tickets for a role limited to them, and nothing outside the period', async () => {
    const mine = await t.app.inject({ url: `/api/v1${period()}`, headers: { cookie: own.cookie } });
    expect(mine.json()).toMatchObject({ resolved: 1, oneTouch: 1, firstContact: 1, reopened: 0 });
    const past = await call(
      'GET',
      '/service/metrics/resolution?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z',
    );
    expect(past.json()).toMatchObject({
      resolved: 0,
      rates: { oneTouch: null, reopen: null, firstContact: null },
    });
  });

  it('refuses a role from which a counted field is hidden, and a period that is not one', async () => {
    await call('PATCH', '/roles/own_desk', {
      permissions: {
        actions: [],
        objects: {
          '*': { read: true, create: false, update: false, delete: false },
          tickets: { read: true, create: false, update: true, delete: false, hiddenFields: ['reopenCount'] },
        },
      },
    });
    const hidden = await t.app.inject({ url: `/api/v1${period()}`, headers: { cookie: own.cookie } });
    expect(hidden.statusCode).toBe(403);
    expect(hidden.body).toContain('reopenCount');
    expect(
      (await call('GET', '/service/metrics/resolution?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z'))
        .statusCode,
    ).toBe(400);
    expect(
      (await call('GET', '/service/metrics/resolution?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z'))
        .statusCode,
    ).toBe(400);
    expect((await call('GET', '/service/metrics/resolution?from=yesterday&to=today')).statusCode).toBe(400);
  });
});
