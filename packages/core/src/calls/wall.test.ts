import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, signUp, type TestApp } from '../../../../test/harness.ts';
import {
  type Account,
  type Connection,
  callEventSender,
  callsTestApp,
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

  beforeAll(async () => {
    ({ t, base, admin, other } = await callsTestApp({ listen: true }));
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
    expect(w.timeZone).toBe('UTC');
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
    });
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

  it('reads the live calls and today’s ended calls through their indexes', async () => {
    const pg = await import('pg');
    const owner = new pg.default.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query('begin');
      // A month of a busy line's ended calls (rolled back), so the planner weighs real ranges.
      await owner.query(
        `insert into calls (workspace_id, id, connection_id, provider_call_id, state, outcome, duration, answered_at,
           ended_at, updated_at)
         select $1, gen_random_uuid(), $2, 'bulk-' || i, 'ended', 'answered', 60,
           now() - (i % 30) * interval '1 day' - interval '2 minutes', now() - (i % 30) * interval '1 day',
           now() - (i % 30) * interval '1 day'
         from generate_series(1, 6000) i`,
        [admin.workspaceId, sales.id],
      );
      await owner.query('analyze calls');
      await owner.query('set local role rabita_app');
      await owner.query(`select set_config('rabita.workspace_id', $1, true)`, [admin.workspaceId]);
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
      await owner.query('rollback');
    } finally {
      await owner.end();
    }
  });
});
