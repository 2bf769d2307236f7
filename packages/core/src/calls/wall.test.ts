import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, countStatements, signUp, type TestApp } from '../../../../test/harness.ts';
import {
  type Account,
  type Connection,
  callEventSender,
  callsTestApp,
  createRecord,
  joinAs,
  jsonCaller,
  listenFor,
  type Member,
  makeConnection,
  until,
} from './calls.test-kit.ts';

describe('the supervisor wall', () => {
  let t: TestApp;
  let base: string;
  let admin: Account;
  let other: Account;
  let manager: Member;
  let agent: Member;
  let sales: Connection;
  let support: Connection;
  let theirs: Connection;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = jsonCaller(call);
  /** Call events through a connection's key, `at` seconds from now. */
  const send = callEventSender(() => t.app, { from: '+966501234567', to: '800' });
  const wall = (as = admin.cookie) => ok('GET', '/calls/wall', undefined, as);
  /**
   * The wall counts the workspace's today, and these tests place calls up to about twelve minutes back: within half
   * an hour of midnight UTC the main workspace takes Riyadh's day (UTC+3, no summer time), so every call stays in it.
   */
  const minuteOfDay = new Date().getUTCHours() * 60 + new Date().getUTCMinutes();
  const nearMidnight = minuteOfDay < 30 || minuteOfDay >= 23 * 60 + 30;
  const zone = nearMidnight ? 'Asia/Riyadh' : 'UTC';
  /** Near midnight UTC, a workspace a test signs up takes Riyadh's day too. */
  const awayFromMidnight = async (cookie: string) => {
    if (nearMidnight) await ok('PATCH', '/workspace', { defaultCountry: 'SA' }, cookie);
  };

  beforeAll(async () => {
    ({ t, base, admin, other } = await callsTestApp({ listen: true }));
    await awayFromMidnight(admin.cookie);
    manager = await joinAs(t.app, admin.cookie, 'manager', 'Manager Huda');
    agent = await joinAs(t.app, admin.cookie, 'agent', 'Agent Sami');
    sales = await makeConnection(call, {
      name: 'Sales line',
      country: 'SA',
      extensions: { '200': agent.userId },
    });
    support = await makeConnection(call, {
      name: 'Support line',
      country: 'SA',
      extensions: { '300': manager.userId },
    });
    theirs = await makeConnection(
      call,
      { name: 'B line', extensions: { '200': other.userId } },
      other.cookie,
    );
  });
  afterAll(async () => {
    await t?.close();
  });

  it('starts empty: each connection a queue with nothing in it, every mapped agent available', async () => {
    const w = await wall();
    expect(w.timeZone).toBe(zone);
    expect(w.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(w.queues.map((q: { name: string }) => q.name)).toEqual(['Sales line', 'Support line']);
    expect(w.totals).toEqual({
      ringing: 0,
      waiting: 0,
      active: 0,
      held: 0,
      answered: 0,
      missed: 0,
      abandoned: 0,
      other: 0,
      averageHandleSeconds: null,
      firstContactResolution: { resolved: 0, sample: 0, rate: null },
    });
    expect(w.queues.map((q: { kind: string }) => q.kind)).toEqual(['connection', 'connection']);
    expect(w.repeatDays).toBe(7);
    expect(w.agentsByState).toEqual({ available: 2, away: 0, on_call: 0, wrap_up: 0 });
  });

  it('counts calls ringing, waiting, active and on hold per queue, and today’s outcomes with the average handle time', async () => {
    await send(sales.apiKey, 's-ring', 'ringing', { extension: '200' });
    await send(sales.apiKey, 's-wait', 'ringing');
    await send(support.apiKey, 'u-active', 'answered', { extension: '300' });
    await send(sales.apiKey, 's-held', 'answered');
    await send(sales.apiKey, 's-held', 'held');
    // Ended today: two answered (60 s and 121 s talked), one missed, one abandoned, one busy.
    await send(sales.apiKey, 'e-1', 'answered', {}, -200);
    await send(sales.apiKey, 'e-1', 'ended', { duration: 60, cause: 'normal' }, -140);
    await send(support.apiKey, 'e-2', 'answered', {}, -300);
    await send(support.apiKey, 'e-2', 'ended', { duration: 121, cause: 'normal' }, -179);
    await send(sales.apiKey, 'e-3', 'ringing', {}, -50);
    await send(sales.apiKey, 'e-3', 'ended', { cause: 'no answer' }, -20);
    await send(sales.apiKey, 'e-4', 'ringing', { direction: 'inbound' }, -50);
    await send(sales.apiKey, 'e-4', 'ended', { cause: 'cancel' }, -45);
    await send(support.apiKey, 'e-5', 'ringing', {}, -30);
    await send(support.apiKey, 'e-5', 'ended', { cause: 'busy' }, -29);
    // Ended two days ago: not today's.
    await send(support.apiKey, 'old', 'answered', {}, -2 * 86_400 - 100);
    await send(support.apiKey, 'old', 'ended', { duration: 999, cause: 'normal' }, -2 * 86_400);
    // Another workspace's calls are not counted.
    await send(theirs.apiKey, 'b-1', 'ringing', { extension: '200' });
    await send(theirs.apiKey, 'b-2', 'answered');

    const w = await wall();
    const byName = Object.fromEntries(w.queues.map((q: { name: string }) => [q.name, q]));
    expect(byName['Sales line']).toMatchObject({
      ringing: 1,
      waiting: 1,
      active: 0,
      held: 1,
      answered: 1,
      missed: 1,
      abandoned: 1,
      other: 0,
      averageHandleSeconds: 60,
    });
    expect(byName['Support line']).toMatchObject({
      ringing: 0,
      waiting: 0,
      active: 1,
      held: 0,
      answered: 1,
      missed: 0,
      abandoned: 0,
      other: 1,
      averageHandleSeconds: 121,
    });
    expect(w.totals).toEqual({
      ringing: 1,
      waiting: 1,
      active: 1,
      held: 1,
      answered: 2,
      missed: 1,
      abandoned: 1,
      other: 1,
      averageHandleSeconds: 91,
      // Both answered calls' caller called again afterwards (every call here is from one number).
      firstContactResolution: { resolved: 0, sample: 2, rate: 0 },
    });
    // The manager answers on the support line; the agent's call only rings.
    expect(w.agentsByState).toEqual({ available: 1, away: 0, on_call: 1, wrap_up: 0 });
    expect(w.agents.find((a: { userId: string }) => a.userId === manager.userId)).toMatchObject({
      name: 'Manager Huda',
      state: 'on_call',
    });
    expect(JSON.stringify(w)).not.toContain('B line');
  });

  it('counts today in the workspace’s time zone', async () => {
    // A Saudi workspace's day is Asia/Riyadh's (UTC+3, no summer time all year).
    const sa = await signUp(t.app);
    await ok('PATCH', '/workspace', { defaultCountry: 'SA' }, sa.cookie);
    const line = await makeConnection(call, { name: 'Riyadh' }, sa.cookie);
    const riyadhNow = new Date(Date.now() + 3 * 3600_000);
    const starts =
      Date.UTC(riyadhNow.getUTCFullYear(), riyadhNow.getUTCMonth(), riyadhNow.getUTCDate()) - 3 * 3600_000;
    const secondsFromNow = (ms: number) => (ms - Date.now()) / 1000;
    await send(line.apiKey, 'before', 'ringing', {}, secondsFromNow(starts - 60_000));
    await send(line.apiKey, 'before', 'ended', { cause: 'no answer' }, secondsFromNow(starts - 1000));
    await send(line.apiKey, 'after', 'ringing', {}, secondsFromNow(starts));
    await send(line.apiKey, 'after', 'ended', { cause: 'cancel' }, secondsFromNow(starts + 1000));
    const w = await wall(sa.cookie);
    expect(w.timeZone).toBe('Asia/Riyadh');
    expect(w.day).toBe(riyadhNow.toISOString().slice(0, 10));
    expect(w.totals).toMatchObject({ missed: 0, abandoned: 1 });
  });

  it('tells holders of calls.supervise of every call’s change, and no one else', async () => {
    const managerStream = await listenFor(base, manager.cookie, 'wall');
    const agentStream = await listenFor(base, agent.cookie, 'wall');
    const otherStream = await listenFor(base, other.cookie, 'wall');
    const id = await send(sales.apiKey, 'live-1', 'ringing');
    await until(() => managerStream.seen.length > 0);
    expect(managerStream.seen).toContainEqual({ callId: id, state: 'ringing', at: expect.any(String) });
    await send(sales.apiKey, 'live-1', 'answered', { extension: '200' });
    await until(() => managerStream.seen.some((e) => e.state === 'answered'));
    expect(agentStream.seen).toEqual([]);
    expect(otherStream.seen).toEqual([]);
    for (const s of [managerStream, agentStream, otherStream]) await s.stop();
  });

  it('needs calls.supervise: managers and admins read it, agents and members do not', async () => {
    expect((await call('GET', '/calls/wall', undefined, manager.cookie)).statusCode).toBe(200);
    const refused = await call('GET', '/calls/wall', undefined, agent.cookie);
    expect(refused.statusCode).toBe(403);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect((await call('GET', '/calls/wall', undefined, '')).statusCode).toBe(401);
  });

  it('takes no input, and ignores a hostile query string', async () => {
    for (const q of ['?x=%00', '?day=%ED%A0%80', `?tz=${'a'.repeat(5000)}`, "?tz=UTC';drop table calls;--"]) {
      const r = await call('GET', `/calls/wall${q}`);
      expect([200, 400], q).toContain(r.statusCode);
      expect(r.body).not.toContain('stack');
    }
    expect((await wall()).queues).toHaveLength(2);
  });

  it('shows each queue with its calls now and today, its members by state, and calls of no queue by connection', async () => {
    const ws = await signUp(t.app);
    const as = ws.cookie;
    await awayFromMidnight(as);
    const huda = await joinAs(t.app, as, 'agent', 'Huda');
    const omar = await joinAs(t.app, as, 'agent', 'Omar');
    const phone = await makeConnection(
      call,
      { name: 'Main line', extensions: { '201': huda.userId, '202': omar.userId } },
      as,
    );
    await ok('POST', '/calls/queues', { name: 'Billing', keys: ['billing'], members: [huda.userId] }, as);
    await ok(
      'POST',
      '/calls/queues',
      { name: 'Support', keys: ['support'], members: [huda.userId, omar.userId] },
      as,
    );
    const empty = await wall(as);
    // Every queue is listed; the connection only once calls go through no queue.
    expect(empty.queues.map((q: { kind: string; name: string }) => `${q.kind}:${q.name}`)).toEqual([
      'queue:Billing',
      'queue:Support',
    ]);
    await send(phone.apiKey, 'w-1', 'ringing', { queue: 'support' });
    await send(phone.apiKey, 'w-2', 'ringing', { queue: 'support' });
    await send(phone.apiKey, 'w-3', 'ringing', { queue: 'billing', extension: '201' });
    await send(phone.apiKey, 'w-4', 'answered', { queue: 'support', extension: '202' });
    await send(phone.apiKey, 'w-5', 'ringing', {}, -60);
    await send(phone.apiKey, 'w-5', 'ended', { cause: 'cancel' }, -30);
    const w = await wall(as);
    const row = (name: string) => w.queues.find((q: { name: string }) => q.name === name);
    expect(w.queues.map((q: { kind: string; name: string }) => `${q.kind}:${q.name}`)).toEqual([
      'queue:Billing',
      'queue:Support',
      'connection:Main line',
    ]);
    expect(row('Support')).toMatchObject({
      kind: 'queue',
      connectionId: null,
      waiting: 2,
      ringing: 0,
      active: 1,
      agentsByState: { available: 1, away: 0, on_call: 1, wrap_up: 0 },
    });
    expect(row('Billing')).toMatchObject({
      waiting: 0,
      ringing: 1,
      agentsByState: { available: 1, on_call: 0 },
    });
    expect(row('Main line')).toMatchObject({
      kind: 'connection',
      connectionId: phone.id,
      queueId: null,
      abandoned: 1,
      agentsByState: null,
    });
    expect(w.totals).toMatchObject({ waiting: 2, ringing: 1, active: 1, abandoned: 1 });
  });

  it('judges today’s answered calls by first contact: a resolved ticket, or no call or ticket from the caller since', async () => {
    const ws = await signUp(t.app);
    const as = ws.cookie;
    await awayFromMidnight(as);
    const desk = apiCaller(
      () => t.app,
      () => as,
    );
    const phone = await makeConnection(call, { name: 'FCR line' }, as);
    await ok('POST', '/calls/queues', { name: 'Care', keys: ['care'] }, as);
    const person = (name: string, phone: string) =>
      createRecord(desk, 'people', { firstName: name, phones: [phone] });
    const [p1, p2, , , p5] = [
      await person('Resolved ticket', '+966500000001'),
      await person('Open ticket', '+966500000002'),
      await person('Quiet caller', '+966500000003'),
      null,
      await person('Wrote in later', '+966500000005'),
    ];
    /** An answered call from the number, ended `ago` seconds ago, in `queue` when given; its id. */
    const answered = async (callId: string, from: string, ago: number, queue?: string) => {
      const extra = { from, ...(queue ? { queue } : {}) };
      await send(phone.apiKey, callId, 'answered', extra, -ago - 60);
      return send(phone.apiKey, callId, 'ended', { ...extra, cause: 'normal', duration: 60 }, -ago);
    };
    const c1 = await answered('f-1', '+966500000001', 600, 'care');
    const c2 = await answered('f-2', '+966500000002', 600, 'care');
    await answered('f-3', '+966500000003', 600, 'care');
    await answered('f-4', '+966500000004', 600);
    await answered('f-5', '+966500000005', 600);
    // 1: a ticket opened from the call and resolved with no reply; 2: one opened and still open.
    const t1 = (await ok('POST', `/calls/${c1}/ticket`, { subject: 'Card blocked' }, as)).ticketId;
    await ok('PATCH', `/objects/tickets/${t1}`, { status: 'resolved' }, as);
    await ok('POST', `/calls/${c2}/ticket`, { subject: 'Refund' }, as);
    // 4: the unknown caller called again (missed); 5: the person wrote a ticket after the call.
    await send(phone.apiKey, 'f-4b', 'ringing', { from: '+966500000004' }, -100);
    await send(phone.apiKey, 'f-4b', 'ended', { from: '+966500000004', cause: 'no answer' }, -90);
    await ok('POST', '/objects/tickets', { subject: 'Still broken', requester: p5 }, as);
    const w = await wall(as);
    expect(w.totals.firstContactResolution).toEqual({ resolved: 2, sample: 5, rate: 0.4 });
    const byName = Object.fromEntries(w.queues.map((q: { name: string }) => [q.name, q]));
    expect(byName.Care.firstContactResolution).toEqual({ resolved: 2, sample: 3, rate: 2 / 3 });
    expect(byName['FCR line'].firstContactResolution).toEqual({ resolved: 0, sample: 2, rate: 0 });
    // The ticket reopened is no first contact any more.
    await ok('PATCH', `/objects/tickets/${t1}`, { status: 'open' }, as);
    expect((await wall(as)).totals.firstContactResolution).toMatchObject({ resolved: 1, sample: 5 });
    expect(p1 && p2).toBeTruthy();

    // A supervisor whose role may not read tickets gets no figure made of them.
    const all = { read: true, create: true, update: true, delete: true };
    const role = await desk('POST', '/roles', {
      key: 'wall_no_tickets',
      name: 'Wall without tickets',
      permissions: {
        actions: ['calls.read', 'calls.supervise'],
        objects: { '*': all, tickets: { read: false, create: false, update: false, delete: false } },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const blind = await joinAs(t.app, as, 'wall_no_tickets', 'Blind supervisor');
    const seen = await wall(blind.cookie);
    expect(seen.totals.firstContactResolution).toBeNull();
    expect(
      seen.queues.every((q: { firstContactResolution: unknown }) => q.firstContactResolution === null),
    ).toBe(true);
    expect(seen.totals.answered).toBe(5);
  });

  it('shows a queue’s service level today against its target, abandoned calls counted as the queue says', async () => {
    const ws = await signUp(t.app);
    const as = ws.cookie;
    await awayFromMidnight(as);
    const phone = await makeConnection(call, { name: 'Level line' }, as);
    const target = { seconds: 20, percent: 80, abandoned: 'counted' };
    const sales = await ok(
      'POST',
      '/calls/queues',
      { name: 'Sales', keys: ['sales'], serviceLevel: target },
      as,
    );
    expect(sales.serviceLevel).toEqual(target);
    const plain = await ok('POST', '/calls/queues', { name: 'Plain', keys: ['plain'] }, as);
    expect(plain.serviceLevel).toBeNull();
    const q = { queue: 'sales', direction: 'inbound' };
    // Answered after 10 s (in target) and after 40 s (not); abandoned after 5 s and after 50 s.
    await send(phone.apiKey, 'sl-1', 'ringing', q, -300);
    await send(phone.apiKey, 'sl-1', 'answered', q, -290);
    await send(phone.apiKey, 'sl-1', 'ended', { ...q, cause: 'normal' }, -200);
    await send(phone.apiKey, 'sl-2', 'ringing', q, -300);
    await send(phone.apiKey, 'sl-2', 'answered', q, -260);
    await send(phone.apiKey, 'sl-2', 'ended', { ...q, cause: 'normal' }, -200);
    await send(phone.apiKey, 'sl-3', 'ringing', q, -300);
    await send(phone.apiKey, 'sl-3', 'ended', { ...q, cause: 'cancel' }, -295);
    await send(phone.apiKey, 'sl-4', 'ringing', q, -300);
    await send(phone.apiKey, 'sl-4', 'ended', { ...q, cause: 'cancel' }, -250);
    // Answered after 5 s and still talking: counted at the answer. Still waiting: not yet.
    await send(phone.apiKey, 'sl-5', 'ringing', q, -100);
    await send(phone.apiKey, 'sl-5', 'answered', q, -95);
    await send(phone.apiKey, 'sl-6', 'ringing', q, -10);
    // Two days ago, and through the queue without a target: neither counts.
    await send(phone.apiKey, 'sl-old', 'ringing', q, -2 * 86_400 - 100);
    await send(phone.apiKey, 'sl-old', 'answered', q, -2 * 86_400 - 90);
    await send(phone.apiKey, 'sl-old', 'ended', { ...q, cause: 'normal' }, -2 * 86_400);
    await send(phone.apiKey, 'pl-1', 'answered', { queue: 'plain' }, -100);
    await send(phone.apiKey, 'pl-1', 'ended', { queue: 'plain', cause: 'normal' }, -50);
    const levelOf = async (name: string) =>
      (await wall(as)).queues.find((r: { name: string }) => r.name === name).serviceLevel;
    expect(await levelOf('Sales')).toEqual({
      targetSeconds: 20,
      targetPercent: 80,
      abandoned: 'counted',
      answeredInTarget: 2,
      offered: 5,
      rate: 0.4,
    });
    expect(await levelOf('Plain')).toBeNull();
    expect((await wall(as)).totals).not.toHaveProperty('serviceLevel');
    // Callers who hung up within the target time left out; then every abandoned call.
    await ok(
      'PATCH',
      `/calls/queues/${sales.id}`,
      { serviceLevel: { ...target, abandoned: 'ignoredShort' } },
      as,
    );
    expect(await levelOf('Sales')).toMatchObject({ answeredInTarget: 2, offered: 4, rate: 0.5 });
    await ok('PATCH', `/calls/queues/${sales.id}`, { serviceLevel: { ...target, abandoned: 'ignored' } }, as);
    expect(await levelOf('Sales')).toMatchObject({ answeredInTarget: 2, offered: 3 });
    // A longer target takes the 40 s answer in; a change of name keeps the target.
    await ok('PATCH', `/calls/queues/${sales.id}`, { serviceLevel: { seconds: 45, percent: 90 } }, as);
    expect(await levelOf('Sales')).toMatchObject({
      targetSeconds: 45,
      abandoned: 'counted',
      answeredInTarget: 3,
      offered: 5,
    });
    expect((await ok('PATCH', `/calls/queues/${sales.id}`, { name: 'Sales desk' }, as)).serviceLevel).toEqual(
      {
        seconds: 45,
        percent: 90,
        abandoned: 'counted',
      },
    );
    for (const bad of [
      { seconds: 0, percent: 80 },
      { seconds: 20, percent: 101 },
      { seconds: 20 },
      { seconds: 1.5, percent: 80 },
      { seconds: 20, percent: 80, abandoned: 'sometimes' },
      { seconds: 20, percent: 80, extra: 1 },
      '80% in 20s',
    ]) {
      const r = await call('PATCH', `/calls/queues/${sales.id}`, { serviceLevel: bad }, as);
      expect(r.statusCode, JSON.stringify(bad)).toBe(400);
    }
    expect(
      (await ok('PATCH', `/calls/queues/${sales.id}`, { serviceLevel: null }, as)).serviceLevel,
    ).toBeNull();
    expect(await levelOf('Sales desk')).toBeNull();
  });

  it('reads the wall in a fixed number of statements, however many calls, queues and tickets', async () => {
    const ws = await signUp(t.app);
    const as = ws.cookie;
    await awayFromMidnight(as);
    const desk = apiCaller(
      () => t.app,
      () => as,
    );
    const phone = await makeConnection(call, { name: 'Counted line' }, as);
    await ok('POST', '/calls/queues', { name: 'One', keys: ['one'] }, as);
    await ok('POST', '/calls/queues', { name: 'Two', keys: ['two'] }, as);
    const statements = countStatements(t.handle.pool, /./);
    const count = async () => {
      const before = statements.count;
      await wall(as);
      return statements.count - before;
    };
    let n = 0;
    const answeredCall = async (queue: string | undefined, withTicket: boolean) => {
      n += 1;
      const from = `+9665100000${String(n).padStart(2, '0')}`;
      await createRecord(desk, 'people', { firstName: `Caller ${n}`, phones: [from] });
      const extra = { from, ...(queue ? { queue } : {}) };
      await send(phone.apiKey, `s-${n}`, 'answered', extra, -120);
      const id = await send(phone.apiKey, `s-${n}`, 'ended', { ...extra, cause: 'normal' }, -60);
      if (withTicket) await ok('POST', `/calls/${id}/ticket`, { subject: `Ticket ${n}` }, as);
    };
    await answeredCall('one', true);
    await answeredCall(undefined, false);
    await count(); // warm caches
    const few = await count();
    for (const [queue, ticket] of [
      ['one', true],
      ['two', false],
      ['two', true],
      [undefined, true],
      ['one', false],
      ['two', false],
    ] as const)
      await answeredCall(queue, ticket);
    await send(phone.apiKey, 'live-a', 'ringing', { queue: 'one' });
    await send(phone.apiKey, 'live-b', 'answered', { queue: 'two' });
    expect((await wall(as)).totals.firstContactResolution.sample).toBe(8);
    expect(await count()).toBe(few);
  });

  it('reads the live calls and today’s ended calls through their indexes', async () => {
    const pg = await import('pg');
    const owner = new pg.default.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query('begin');
      // A month of a busy line's ended calls (rolled back), so the planner weighs real ranges. Anchored on the
      // workspace's row, with ids from the row number, so a cluster runs it on the workspace's shard. Written,
      // analysed and planned by the owner throughout: a Citus cluster lets no other role read placements a
      // transaction wrote.
      await owner.query(
        `insert into calls (workspace_id, id, connection_id, provider_call_id, state, outcome, duration, answered_at,
           ended_at, updated_at, matched_number)
         select w.id, md5(w.id::text || i)::uuid, $2, 'bulk-' || i, 'ended', 'answered', 60,
           now() - (i % 30) * interval '1 day' - interval '2 minutes', now() - (i % 30) * interval '1 day',
           now() - (i % 30) * interval '1 day', '+96650' || lpad((i % 2000)::text, 7, '0')
         from workspaces w cross join generate_series(1, 6000) i where w.id = $1`,
        [admin.workspaceId, sales.id],
      );
      await owner.query('analyze calls');
      const plan = async (text: string) =>
        (await owner.query(`explain ${text}`, [admin.workspaceId])).rows
          .map((r) => r['QUERY PLAN'])
          .join('\n');
      expect(
        await plan(
          `select count(*) from calls where workspace_id = $1 and state <> 'ended' and updated_at > now() - interval '12 hours'`,
        ),
      ).toContain('calls_open_idx');
      expect(
        await plan(
          `select count(*) from calls where workspace_id = $1 and ended_at is not null and ended_at >= now() - interval '1 day' and ended_at < now()`,
        ),
      ).toContain('calls_ended_idx');
      expect(
        await plan(
          `select id from calls where workspace_id = $1 and agent_user_id = $1 and state in ('answered', 'held')`,
        ),
      ).toContain('calls_agent_live_idx');
      // Service level: today's ended calls, each with its queue's target, still one range of the index.
      expect(
        await plan(
          `select count(*) filter (where q.id is not null and c.answered_at - coalesce(c.ringing_at, c.answered_at)
             <= make_interval(secs => q.service_level_seconds))
           from calls c left join call_queues q on q.workspace_id = c.workspace_id and q.id = c.queue_id
             and q.deleted_at is null and q.service_level_seconds is not null
           where c.workspace_id = $1 and c.ended_at is not null and c.ended_at >= now() - interval '1 day'
             and c.ended_at < now()`,
        ),
      ).toContain('calls_ended_idx');
      // First-contact resolution: a later call from the same number.
      expect(
        await plan(
          `select 1 from calls where workspace_id = $1 and matched_number = '+966500000001' and created_at > now() - interval '1 day'`,
        ),
      ).toContain('calls_number_idx');
      await owner.query('rollback');
    } finally {
      await owner.end();
    }
  });
});
