// First-contact resolution measured three ways over the same resolved tickets, against hand-counted fixtures: the
// system's (one reply, never reopened, no repeat contact within seven days), the agent's disposition on the ticket,
// and the customer's latest "was it resolved?" answer on the survey page; beside them the one-touch and reopen
// rates. Scoped by queue, agent and team; another workspace's tickets and answers are never counted.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { createSecretBox } from '../auth/secret-box.ts';
import { workspaceRows } from '../email/mail-fixture.ts';
import { surveyToken } from './csat.service.ts';

const KEY = randomBytes(32);

describe('first-contact resolution three ways', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let agent: { userId: string; cookie: string };
  let teamId: string;
  /** Each ticket's survey page as the customer first saw it. */
  const pages = new Map<string, string>();
  const ids: Record<'t1' | 't2' | 't3', string> = { t1: '', t2: '', t3: '' };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = async (method: 'POST' | 'PATCH' | 'PUT', url: string, body: unknown, as = admin.cookie) => {
    const r = await call(method, url, body, as);
    expect(r.statusCode, `${method} ${url}: ${r.body}`).toBeLessThan(300);
    return r.json() as { id: string };
  };
  const person = async (firstName: string, as = admin.cookie) =>
    (await ok('POST', '/objects/people', { firstName }, as)).id;
  /** A ticket from `requester` answered `replies` times. */
  const ticket = async (
    requester: string,
    replies: number,
    extra: Record<string, unknown> = {},
    as = admin.cookie,
  ) => {
    const { id } = await ok(
      'POST',
      '/objects/tickets',
      { subject: 'کارت بانکی کار نمی‌کند', requester, ...extra },
      as,
    );
    for (let i = 0; i < replies; i++)
      await ok('POST', `/tickets/${id}/messages`, { kind: 'reply', body: `پاسخ ${i + 1}` }, as);
    return id;
  };
  const resolve = (id: string, fcrDisposition?: string, as = admin.cookie) =>
    ok(
      'PATCH',
      `/objects/tickets/${id}`,
      { status: 'resolved', ...(fcrDisposition ? { fcrDisposition } : {}) },
      as,
    );
  /** The customer answers the ticket's latest survey on its public page (sent first, as the survey job would). */
  const answer = async (ws: { workspaceId: string; cookie: string }, ticketId: string, form: string) => {
    const rows = workspaceRows(
      () => t.handle.db,
      () => ws.workspaceId,
    );
    const [survey] = await rows<{ id: string }>(
      `update ticket_surveys set status = 'sent', sent_at = now(), expires_at = now() + interval '7 days'
       where ticket_id = '${ticketId}' and status in ('scheduled', 'sent')
       returning id`,
    );
    const path = `/s/csat/${surveyToken(createSecretBox(KEY), ws.workspaceId, survey!.id)}`;
    const page = await t.app.inject({ url: path });
    expect(page.statusCode).toBe(200);
    pages.set(ticketId, page.body);
    return t.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: form,
    });
  };
  const metrics = async (extra = '', as = admin.cookie) => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    return call(
      'GET',
      `/service/metrics/resolution?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${extra}`,
      undefined,
      as,
    );
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true', RABITA_SECRET_KEY: KEY.toString('hex') });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    agent = await joinByInvitation(t.app, admin.cookie, {
      email: 'agent@example.com',
      role: 'member',
      name: 'Agent',
    });
    teamId = (await ok('POST', '/teams', { name: 'پشتیبانی', members: [agent.userId] })).id;
    // Surveys are scheduled on resolving, far off: the test sends and answers them itself.
    await ok('PUT', '/service/surveys/settings', {
      csatEnabled: true,
      csatDelayMinutes: 600,
      csatExpiryDays: 7,
    });
    const [p1, p2, p3, p4, p5, p6] = [
      await person('آرش'),
      await person('بهار'),
      await person('کاوه'),
      await person('دنیا'),
      await person('الهه'),
      await person('فرید'),
    ];
    // T1: one reply, the agent's, "first contact" on both sides.
    const t1 = await ticket(p1, 1, { owner: agent.userId, language: 'fa' });
    ids.t1 = t1;
    await resolve(t1, 'first_contact', agent.cookie);
    expect((await answer(admin, t1, 'rating=5&resolved=yes')).statusCode).toBe(200);
    // T2: two replies; the agent says it needed follow-up, the customer that it was not resolved.
    const t2 = await ticket(p2, 2, { language: 'ar' });
    ids.t2 = t2;
    await resolve(t2, 'follow_up');
    expect((await answer(admin, t2, 'rating=3&resolved=no')).statusCode).toBe(200);
    // T3: one reply, resolved, the customer says yes, reopened, resolved again and the customer says no: the latest
    // answer counts. The agent keeps "first contact".
    const t3 = await ticket(p3, 1);
    ids.t3 = t3;
    await resolve(t3, 'first_contact');
    expect((await answer(admin, t3, 'rating=4&resolved=yes')).statusCode).toBe(200);
    await ok('PATCH', `/objects/tickets/${t3}`, { status: 'open' });
    await resolve(t3);
    expect((await answer(admin, t3, 'rating=2&resolved=no')).statusCode).toBe(200);
    // T4: one reply, not applicable, no answer; دنیا writes again within the week, so not first contact by the system.
    const t4 = await ticket(p4, 1);
    await resolve(t4, 'not_applicable');
    await ticket(p4, 0);
    // T5: one reply, the agent's, no disposition; the customer rates but leaves the question.
    const t5 = await ticket(p5, 1, { owner: agent.userId });
    await resolve(t5);
    expect((await answer(admin, t5, 'rating=4')).statusCode).toBe(200);
    // Open, never counted.
    await ticket(p6, 1);
    // Another workspace: resolved at first contact every way, never counted here.
    await ok(
      'PUT',
      '/service/surveys/settings',
      { csatEnabled: true, csatDelayMinutes: 600, csatExpiryDays: 7 },
      other.cookie,
    );
    const elsewhere = await ticket(await person('Zed', other.cookie), 1, {}, other.cookie);
    await resolve(elsewhere, 'first_contact', other.cookie);
    expect((await answer(other, elsewhere, 'rating=5&resolved=yes')).statusCode).toBe(200);
  }, 120_000);
  afterAll(() => t?.close());

  it('counts the three measures with their samples beside the one-touch and reopen rates', async () => {
    const r = await metrics();
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      from: expect.any(String),
      to: expect.any(String),
      scope: { queue: null, agent: null, team: null },
      resolved: 5,
      oneTouch: 3, // T1, T4, T5
      reopened: 1, // T3
      firstContact: 2, // T1, T5
      rates: { oneTouch: 0.6, reopen: 0.2, firstContact: 0.4 },
      repeatDays: 7,
      fcr: {
        system: { firstContact: 2, sample: 5, rate: 0.4 },
        // T1 and T3 said first contact, T2 follow-up; T4 not applicable and T5 not said are not judged.
        agent: { firstContact: 2, sample: 3, rate: 2 / 3, followUp: 1, notApplicable: 1, notSaid: 1 },
        // T1 yes; T2 no; T3's latest answer no; T5 did not answer the question.
        customer: { firstContact: 1, sample: 3, rate: 1 / 3, notResolved: 2 },
      },
    });
  });

  it('keeps the latest rating on the ticket, and the CSAT metric counts those rated 4 or 5 of the rated ones', async () => {
    const satisfaction = async (id: string | undefined) =>
      ((await call('GET', `/objects/tickets/${id}?fields=satisfaction`)).json() as { satisfaction: unknown })
        .satisfaction;
    // T3 was rated 4, reopened, resolved again and rated 2: the ticket keeps 2.
    expect([await satisfaction(ids.t1), await satisfaction(ids.t2), await satisfaction(ids.t3)]).toEqual([
      5, 3, 2,
    ]);
    const catalogue = (await call('GET', '/reports/metrics')).json() as {
      data: { key: string; definition: Record<string, unknown> }[];
    };
    const csat = catalogue.data.find((m) => m.key === 'service.csat')!;
    const run = await call('POST', '/reports/run', { ...csat.definition, timeZone: 'UTC' });
    expect(run.statusCode, run.body).toBe(200);
    const rated = (run.json() as { rows: { values: (string | number | null)[] }[] }).rows.filter(
      (r) => Number(r.values[2]) > 0,
    );
    // T1 5, T2 3, T3 2, T5 4 (the other workspace's 5 is not here): half satisfied, 3.5 on average.
    expect(rated.map((r) => r.values.map(Number))).toEqual([[0.5, 3.5, 4]]);
    // Read-only: nobody writes a rating but the survey.
    const write = await call('PATCH', `/objects/tickets/${ids.t1}`, { satisfaction: 1 });
    expect(write.statusCode).toBe(400);
  });

  it('asks whether it was resolved in the customer’s language, and keeps the answer on the survey', async () => {
    expect(pages.get(ids.t1)).toContain('<legend>آیا مشکل شما حل شد؟</legend>');
    expect(pages.get(ids.t1)).toContain('value="yes"> بله');
    expect(pages.get(ids.t2)).toContain('<legend>هل حُلّت مشكلتك؟</legend>');
    expect(pages.get(ids.t2)).toContain('value="no"> لا');
    // Optional: nothing chosen on a page not yet answered.
    expect(pages.get(ids.t1)).not.toContain('name="resolved" value="yes" checked');
    const surveys = (await call('GET', `/tickets/${ids.t1}/surveys`)).json() as {
      data: Record<string, unknown>[];
    };
    expect(surveys.data[0]).toMatchObject({ status: 'answered', rating: 5, resolved: true });
    const [latest, first] = (
      (await call('GET', `/tickets/${ids.t2}/surveys`)).json() as { data: Record<string, unknown>[] }
    ).data;
    expect([latest?.resolved, first]).toEqual([false, undefined]);
  });

  it('narrows to one agent, one team and one queue', async () => {
    const mine = { resolved: 2, firstContact: 2 };
    const agentOnly = (await metrics(`&agent=${agent.userId}`)).json();
    expect(agentOnly).toMatchObject({
      ...mine,
      scope: { agent: agent.userId, team: null },
      fcr: {
        system: { firstContact: 2, sample: 2 },
        agent: { firstContact: 1, sample: 1, notSaid: 1 },
        customer: { firstContact: 1, sample: 1 },
      },
    });
    const team = (await metrics(`&team=${teamId}`)).json();
    expect(team).toMatchObject({ ...mine, fcr: agentOnly.fcr });
    expect((await metrics('&queue=general')).json()).toMatchObject({ resolved: 5 });
    expect((await metrics('&queue=nowhere')).json()).toMatchObject({
      resolved: 0,
      fcr: {
        system: { sample: 0, rate: null },
        agent: { sample: 0, rate: null },
        customer: { sample: 0, rate: null },
      },
    });
  });

  it('never counts another workspace’s tickets, answers or team', async () => {
    const theirs = (await metrics('', other.cookie)).json();
    expect(theirs).toMatchObject({
      resolved: 1,
      fcr: {
        system: { firstContact: 1 },
        agent: { firstContact: 1, sample: 1 },
        customer: { firstContact: 1, sample: 1 },
      },
    });
    const theirTeam = (await ok('POST', '/teams', { name: 'Theirs', members: [other.userId] }, other.cookie))
      .id;
    expect((await metrics(`&team=${theirTeam}`)).json()).toMatchObject({ resolved: 0 });
    expect((await metrics(`&agent=${other.userId}`)).json()).toMatchObject({ resolved: 0 });
  });

  it('refuses hostile input on the disposition, the survey answer and the metrics query', async () => {
    const id = await ticket(await person('Test'), 0);
    for (const fcrDisposition of ['bogus', 'first_contact\u0000', 42, ['first_contact']])
      expect((await call('PATCH', `/objects/tickets/${id}`, { fcrDisposition })).statusCode).toBe(400);
    for (const extra of [
      '&agent=not-a-uuid',
      '&team=1',
      '&queue=%00',
      `&queue=${'q'.repeat(101)}`,
      `&agent=${agent.userId}&team=${teamId}`,
    ])
      expect((await metrics(extra)).statusCode, extra).toBe(400);
    const rows = workspaceRows(
      () => t.handle.db,
      () => admin.workspaceId,
    );
    const [survey] = await rows<{ id: string }>(
      `select id from ticket_surveys where status = 'answered' limit 1`,
    );
    const path = `/s/csat/${surveyToken(createSecretBox(KEY), admin.workspaceId, survey!.id)}`;
    const post = (payload: string) =>
      t.app.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload,
      });
    expect((await post('rating=4&resolved=maybe')).statusCode).toBe(400);
    expect((await post('rating=4&resolved=%3Cscript%3E')).statusCode).toBe(400);
    // A GET never answers (mail scanners follow links), whatever its query says.
    const before = await rows<{ resolved: boolean | null }>(
      `select resolved from ticket_surveys where id = '${survey!.id}'`,
    );
    await t.app.inject({ url: `${path}?rating=1&resolved=no` });
    expect(await rows(`select resolved from ticket_surveys where id = '${survey!.id}'`)).toEqual(before);
  });

  it('lets roles apply to the disposition: hidden, it is left out; not writable, it is refused', async () => {
    const role = await call('POST', '/roles', {
      key: 'no_fcr',
      name: 'No FCR',
      permissions: {
        actions: [],
        objects: {
          '*': { read: true, create: false, update: false, delete: false },
          tickets: {
            read: true,
            create: false,
            update: false,
            delete: false,
            hiddenFields: ['fcrDisposition'],
          },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const viewer = await joinByInvitation(t.app, admin.cookie, {
      email: 'viewer@example.com',
      role: 'no_fcr',
      name: 'V',
    });
    const seen = (await metrics('', viewer.cookie)).json();
    expect(seen).toMatchObject({ resolved: 5, fcr: { agent: null, customer: { sample: 3 } } });
    const [any] = ((await call('GET', '/objects/tickets?limit=1')).json() as { data: { id: string }[] }).data;
    expect(
      (await call('PATCH', `/objects/tickets/${any!.id}`, { fcrDisposition: 'follow_up' }, viewer.cookie))
        .statusCode,
    ).toBe(403);
  });
});
