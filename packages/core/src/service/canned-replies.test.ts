import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';

const FSI = '\u2068';
const PDI = '\u2069';
/** A merged value as the text engine isolates it. */
const merged = (value: string | number) => `${FSI}${value}${PDI}`;

describe('canned replies', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  let restricted: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ticket = async (extra: Record<string, unknown> = {}, person: Record<string, unknown> = {}) => {
    const p = await call('POST', '/objects/people', { firstName: 'زهرا', lastName: 'کریمی', ...person });
    expect(p.statusCode, p.body).toBe(201);
    const r = await call('POST', '/objects/tickets', {
      subject: 'کالای ارسالی آسیب دیده است',
      requester: p.json().id,
      ...extra,
    });
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; number: number };
  };
  const create = async (body: Record<string, unknown>, as?: string) => {
    const r = await call('POST', '/service/canned-replies', body, as);
    expect(r.statusCode, r.body).toBe(201);
    return r.json() as { id: string; shared: boolean; shortcut: string | null };
  };
  const names = async (as?: string, query = '') =>
    (
      (await call('GET', `/service/canned-replies${query}`, undefined, as)).json().data as { name: string }[]
    ).map((r) => r.name);
  const render = (id: string, ticketId: string, as?: string) =>
    call('POST', `/service/canned-replies/${id}/render`, { ticketId }, as);

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
    // An agent who may not see a person's last name.
    const role = await call('POST', '/roles', {
      key: 'desk_no_surnames',
      name: 'Desk without surnames',
      permissions: {
        actions: [],
        objects: {
          '*': { read: true, create: true, update: true, delete: false },
          people: { read: true, create: true, update: true, delete: false, hiddenFields: ['lastName'] },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    restricted = await joinByInvitation(t.app, admin.cookie, {
      email: `restricted.${tag}@example.com`,
      role: 'desk_no_surnames',
      name: 'مریم',
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps a personal reply to its owner and shows shared ones to everyone; only managers change shared ones', async () => {
    const mine = await create(
      { name: 'پیگیری من', shortcut: 'Mine', bodies: { fa: 'سلام {{ requester.firstName }}' } },
      agent.cookie,
    );
    expect(mine).toMatchObject({ shared: false, shortcut: 'mine' });
    expect(await names(agent.cookie)).toContain('پیگیری من');
    expect(await names()).not.toContain('پیگیری من');
    expect((await call('GET', `/service/canned-replies/${mine.id}`)).statusCode).toBe(404);
    expect(
      (await call('PUT', `/service/canned-replies/${mine.id}`, { name: 'x', bodies: { en: 'x' } }))
        .statusCode,
    ).toBe(404);
    const renamed = await call(
      'PUT',
      `/service/canned-replies/${mine.id}`,
      { name: 'پیگیری خودم', shortcut: 'mine', bodies: { fa: 'سلام دوباره' } },
      agent.cookie,
    );
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json().bodies).toEqual({ fa: 'سلام دوباره' });

    // Sharing needs service.replies.manage: the agent may not, the admin may.
    const share = { name: 'پیگیری خودم', bodies: { fa: 'سلام' }, shared: true };
    expect((await call('PUT', `/service/canned-replies/${mine.id}`, share, agent.cookie)).statusCode).toBe(
      403,
    );
    expect((await call('POST', '/service/canned-replies', share, agent.cookie)).statusCode).toBe(403);
    const shared = await create({
      name: 'Refund started',
      shortcut: 'refund',
      bodies: { en: 'Refund on its way.' },
      shared: true,
    });
    expect(await names(agent.cookie)).toContain('Refund started');
    expect(
      (
        await call(
          'PUT',
          `/service/canned-replies/${shared.id}`,
          { name: 'x', bodies: { en: 'x' } },
          agent.cookie,
        )
      ).statusCode,
    ).toBe(403);
    expect(
      (await call('DELETE', `/service/canned-replies/${shared.id}`, undefined, agent.cookie)).statusCode,
    ).toBe(403);

    // A shortcut names one shared reply, and one of each person's own.
    const clash = await call('POST', '/service/canned-replies', {
      name: 'Another',
      shortcut: 'REFUND',
      bodies: { en: 'x' },
      shared: true,
    });
    expect(clash.statusCode, clash.body).toBe(409);
    expect(clash.json().errors[0].field).toBe('body.shortcut');
    await create({ name: 'My refund', shortcut: 'refund', bodies: { en: 'mine' } }, agent.cookie);

    // Another workspace sees none of them.
    expect(await names(other.cookie)).toEqual([]);
    expect(
      (await call('GET', `/service/canned-replies/${shared.id}`, undefined, other.cookie)).statusCode,
    ).toBe(404);
    expect(
      (await call('DELETE', `/service/canned-replies/${shared.id}`, undefined, other.cookie)).statusCode,
    ).toBe(404);

    expect(
      (await call('DELETE', `/service/canned-replies/${mine.id}`, undefined, agent.cookie)).statusCode,
    ).toBe(204);
    expect(await names(agent.cookie)).not.toContain('پیگیری خودم');
    expect((await call('DELETE', `/service/canned-replies/${shared.id}`)).statusCode).toBe(204);
  });

  it('finds replies by name, shortcut or folder whichever yeh and kaf are typed, a page at a time', async () => {
    await create({
      name: 'پیگیری سفارش',
      shortcut: 'order',
      folder: 'ارسال',
      bodies: { fa: 'x' },
      shared: true,
    });
    await create({ name: 'تأکید بر کیفیت', shortcut: 'quality', bodies: { fa: 'x' }, shared: true });
    // Typed with the Arabic yeh (ي) and kaf (ك), found as written with the Persian ones.
    expect(await names(undefined, `?q=${encodeURIComponent('پيگيري')}`)).toEqual(['پیگیری سفارش']);
    expect(await names(undefined, `?q=${encodeURIComponent('تاكيد')}`)).toEqual(['تأکید بر کیفیت']);
    expect(await names(undefined, `?q=${encodeURIComponent('/ord')}`)).toEqual(['پیگیری سفارش']);
    expect(await names(undefined, `?q=${encodeURIComponent('ارسال')}`)).toEqual(['پیگیری سفارش']);
    expect(await names(undefined, `?q=${encodeURIComponent('100%_')}`)).toEqual([]);

    const all = await names();
    const first = await call('GET', '/service/canned-replies?limit=1');
    expect(first.json().data.map((r: { name: string }) => r.name)).toEqual(all.slice(0, 1));
    const second = await call('GET', `/service/canned-replies?limit=1&after=${first.json().nextCursor}`);
    expect(second.json().data.map((r: { name: string }) => r.name)).toEqual(all.slice(1, 2));
  });

  it('renders merge fields in the ticket’s language, Persian and Arabic, each value isolated on one line', async () => {
    const reply = await create({
      name: 'Received',
      shortcut: 'received',
      bodies: {
        en: 'Hello {{ requester.firstName }}, ticket #{{ ticket.number }} is with {{ agent.name }}.',
        fa: '{{ requester.firstName }} عزیز، درخواست شمارهٔ {{ ticket.number }} با موضوع «{{ ticket.subject }}» به دست {{ agent.name }} رسید.',
        ar: 'عزيزي {{ requester.firstName }}، استلمنا طلبك رقم {{ ticket.number }}. مع تحيات {{ agent.name }}.',
      },
      shared: true,
    });
    const persian = await ticket({ language: 'fa' });
    const fa = await render(reply.id, persian.id, agent.cookie);
    expect(fa.statusCode, fa.body).toBe(200);
    expect(fa.json()).toEqual({
      language: 'fa',
      body: `${merged('زهرا')} عزیز، درخواست شمارهٔ ${merged(persian.number)} با موضوع «${merged('کالای ارسالی آسیب دیده است')}» به دست ${merged('علی احمدی')} رسید.`,
    });

    const arabic = await ticket({ language: 'ar', subject: 'المنتج وصل تالفاً' }, { firstName: 'أحمد' });
    const ar = await render(reply.id, arabic.id);
    expect(ar.json()).toEqual({
      language: 'ar',
      body: `عزيزي ${merged('أحمد')}، استلمنا طلبك رقم ${merged(arabic.number)}. مع تحيات ${merged('سارا رحیمی')}.`,
    });

    // No language on the ticket: the workspace's default (English); a reply without it: the first one written.
    const plain = await ticket();
    expect((await render(reply.id, plain.id)).json().language).toBe('en');
    const arabicOnly = await create({
      name: 'Arabic only',
      bodies: { ar: 'شكراً {{ requester.firstName }}' },
    });
    expect((await render(arabicOnly.id, persian.id)).json()).toEqual({
      language: 'ar',
      body: `شكراً ${merged('زهرا')}`,
    });

    // A value cannot add lines or markup to the text around it, and a template reads only the values' own fields.
    const hostile = await ticket({ language: 'en' }, { firstName: '<b>Zahra</b>\r\n\r\nP.S. pay here' });
    const tricky = await create({
      name: 'Tricky',
      bodies: { en: 'Hi {{ requester.firstName }}{{ ticket.constructor }}{{ requester.__proto__ }}!' },
    });
    expect((await render(tricky.id, hostile.id)).json().body).toBe(
      `Hi ${merged('<b>Zahra</b> P.S. pay here')}${merged('')}${merged('')}!`,
    );
  });

  it('merges a field hidden from the agent as nothing', async () => {
    const reply = await create({
      name: 'Full name',
      bodies: { fa: 'سلام {{ requester.firstName }} {{ requester.lastName }}.' },
      shared: true,
    });
    const { id } = await ticket({ language: 'fa' });
    const seen = await render(reply.id, id, restricted.cookie);
    expect(seen.statusCode, seen.body).toBe(200);
    expect(seen.json().body).toBe(`سلام ${merged('زهرا')} ${merged('')}.`);
    expect(seen.body).not.toContain('کریمی');
    expect((await render(reply.id, id)).json().body).toBe(`سلام ${merged('زهرا')} ${merged('کریمی')}.`);
  });

  it('refuses a ticket or reply the caller may not see, and hostile input, storing nothing', async () => {
    const reply = await create({ name: 'Plain', bodies: { en: 'Thanks' }, shared: true });
    const { id } = await ticket();
    expect((await render(reply.id, id, other.cookie)).statusCode).toBe(404);
    expect((await render(reply.id, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    const before = (await names()).length;
    for (const bad of [
      { name: '', bodies: { en: 'x' } },
      { name: 'a\u0000b', bodies: { en: 'x' } },
      { name: 'x', bodies: { fa: '\ud800' } },
      { name: 'x', bodies: { en: 'x'.repeat(20_001) } },
      { name: 'x'.repeat(201), bodies: { en: 'x' } },
      { name: 'x', bodies: {} },
      { name: 'x', bodies: { en: '   ' } },
      { name: 'x', bodies: 'hello' },
      { name: 'x', bodies: { en: 'x', de: 'x' } },
      { name: 'x', shortcut: 'two words', bodies: { en: 'x' } },
      { name: 'x', shortcut: 'x'.repeat(41), bodies: { en: 'x' } },
      { name: 'x', bodies: { en: 'Hi {{ requester.firstName ' } },
      { name: 'x', bodies: { en: '{% if %}' } },
      { name: 'x', bodies: { en: 'x' }, shared: 'yes' },
      { name: 'x', bodies: { en: 'x' }, ownerUserId: agent.userId },
    ]) {
      const r = await call('POST', '/service/canned-replies', bad);
      expect(r.statusCode, `${JSON.stringify(bad).slice(0, 80)}: ${r.body}`).toBe(400);
      expect(r.json().detail).toBeTruthy();
    }
    expect((await names()).length).toBe(before);
    expect((await call('GET', '/service/canned-replies?after=nope')).statusCode).toBe(400);
    expect(
      (await call('GET', `/service/canned-replies?q=${encodeURIComponent('x'.repeat(201))}`)).statusCode,
    ).toBe(400);
    expect(
      (await call('POST', `/service/canned-replies/${reply.id}/render`, { ticketId: 'nope' })).statusCode,
    ).toBe(400);
    // A template that loops without end is stopped by the engine's limits, as a 400.
    const looping = await create({
      name: 'Loop',
      bodies: { en: '{% for a in (1..100000) %}{% for b in (1..100000) %}x{% endfor %}{% endfor %}' },
    });
    const stopped = await render(looping.id, id);
    expect(stopped.statusCode, stopped.body).toBe(400);
  });
});
