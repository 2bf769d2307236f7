import { setWorkspaceStatement } from '@rabita/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, type TestApp } from '../../../../test/harness.ts';
import { planOf } from '../../../../test/plan.ts';
import { latestRatingQuery } from '../service/csat.repository.ts';
import { drainRuns, publishWorkflow } from '../workflows/test-kit.ts';
import {
  type Account,
  callEventSender,
  callsTestApp,
  createRecord,
  joinAs,
  type Member,
  makeConnection,
} from './calls.test-kit.ts';

describe('the call card’s extras', () => {
  let t: TestApp;
  let admin: Account;
  let agent: Member;
  let key: string;
  let person: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const send = callEventSender(() => t.app, { to: '200', extension: '200' });
  let n = 0;
  const ring = (from: string) => send(key, `extra-${++n}`, 'ringing', { from });
  const card = async (id: string, cookie = agent.cookie) => {
    const r = await call('GET', `/calls/${id}/card`, undefined, cookie);
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };
  const create = (object: string, body: Record<string, unknown>) => createRecord(call, object, body);
  /** Stores an answered survey of a ticket, `minutesAgo` before now. */
  const answered = async (ticketId: string, rating: number, minutesAgo: number, cycle = 0) => {
    const c = await t.handle.pool.connect();
    try {
      await c.query('begin');
      await c.query(setWorkspaceStatement(admin.workspaceId));
      await c.query(
        `insert into ticket_surveys (workspace_id, id, ticket_id, cycle, status, send_at, rating, answered_at)
         values ($1, gen_random_uuid(), $2, $3, 'answered', now(), $4, now() - make_interval(mins => $5))`,
        [admin.workspaceId, ticketId, cycle, rating, minutesAgo],
      );
      await c.query('commit');
    } finally {
      c.release();
    }
  };

  beforeAll(async () => {
    ({ t, admin } = await callsTestApp());
    agent = await joinAs(t.app, admin.cookie, 'agent', 'Extras agent');
    key = (
      await makeConnection(call, { name: 'Extras PBX', extensions: { '200': agent.userId }, country: 'IR' })
    ).apiKey;
    person = await create('people', {
      firstName: 'Reza',
      lastName: 'Ahmadi',
      phones: ['+989121112233'],
      emails: [{ address: 'reza@example.com' }],
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows the caller’s latest satisfaction score, only over tickets the reader may read', async () => {
    const first = await create('tickets', { subject: 'Late parcel', requester: person, status: 'resolved' });
    const second = await create('tickets', { subject: 'Wrong size', requester: person, status: 'resolved' });
    const id = await ring('+989121112233');
    expect((await card(id)).record.lastCsat).toBeNull();
    await answered(first, 5, 60);
    await answered(second, 2, 5);
    await answered(first, 4, 120, 1);
    expect((await card(id)).record.lastCsat).toMatchObject({ rating: 2, ticketId: second });

    const all = { read: true, create: true, update: true, delete: true };
    for (const [roleKey, tickets] of [
      ['own_tickets', { ...all, ownRecordsOnly: true }],
      ['no_requester', { ...all, hiddenFields: ['requester'] }],
      ['no_tickets', { read: false, create: false, update: false, delete: false }],
    ] as const) {
      const r = await call('POST', '/roles', {
        key: roleKey,
        name: roleKey,
        permissions: { actions: ['calls.read'], objects: { '*': all, tickets } },
      });
      expect(r.statusCode, r.body).toBe(201);
      const m = await joinAs(t.app, admin.cookie, roleKey, roleKey);
      const c = await card(id, m.cookie);
      expect(c.record.id, roleKey).toBe(person);
      expect(c.record.lastCsat, roleKey).toBeNull();
    }

    // One statement, served by the requester index and the surveys' (workspace, ticket, cycle) key — with enough
    // other requesters' tickets (and their statistics) that the tiny table's partial indexes stop looking cheaper.
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      await owner.query(
        `insert into tickets (workspace_id, id, number, subject, requester_id)
         select $1, gen_random_uuid(), 100000 + g, 'Other ' || g, gen_random_uuid() from generate_series(1, 3000) g`,
        [admin.workspaceId],
      );
      await owner.query('analyze tickets');
      await owner.query('analyze ticket_surveys');
    } finally {
      await owner.end();
    }
    const compiled = latestRatingQuery(admin.workspaceId, person, undefined).compile(t.handle.db);
    const nodes = (await planOf(t.handle, admin.workspaceId, compiled)) as unknown as Record<
      string,
      unknown
    >[];
    const plan = JSON.stringify(nodes);
    const scans = nodes.filter((x) => String(x['Node Type']).startsWith('Index'));
    expect(
      scans.some((x) => x['Relation Name'] === 'tickets' && /requester_id = /.test(String(x['Index Cond']))),
      plan,
    ).toBe(true);
    expect(
      scans.some(
        (x) =>
          x['Index Name'] === 'ticket_surveys_workspace_id_ticket_id_cycle_key' &&
          /ticket_id = t\.id/.test(String(x['Index Cond'])),
      ),
      plan,
    ).toBe(true);
    expect(nodes.some((x) => x['Node Type'] === 'Seq Scan')).toBe(false);
  });

  it('opens a report from the card and starts the workflow chosen for its case type', async () => {
    const wf = await publishWorkflow(call, {
      name: 'Complaint intake',
      draft: {
        trigger: { type: 'manual', object: 'tickets' },
        start: 's1',
        steps: [
          {
            id: 's1',
            type: 'updateRecord',
            target: 'trigger',
            values: { priority: { value: 'high' } },
            next: null,
          },
        ],
      },
    });
    // Only a case-settings manager chooses; a workflow on people is refused.
    expect((await call('PUT', '/service/case-workflows', { complaint: wf }, agent.cookie)).statusCode).toBe(
      403,
    );
    const onPeople = await publishWorkflow(call, {
      name: 'People button',
      draft: { trigger: { type: 'manual', object: 'people' }, start: null, steps: [] },
    });
    const wrong = await call('PUT', '/service/case-workflows', { complaint: onPeople });
    expect(wrong.statusCode, wrong.body).toBe(400);
    const put = await call('PUT', '/service/case-workflows', { complaint: wf });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toEqual({ complaint: wf, return: null });

    const id = await ring('+989121112233');
    const r = await call(
      'POST',
      `/calls/${id}/report`,
      { type: 'complaint', subject: 'Rude courier', description: 'Said so on the phone' },
      agent.cookie,
    );
    expect(r.statusCode, r.body).toBe(201);
    const { ticketId, workflow } = r.json();
    expect(workflow).toMatchObject({ id: wf, error: null, runId: expect.any(String) });
    await drainRuns(t.handle.db, admin.workspaceId);
    const ticket = (await call('GET', `/objects/tickets/${ticketId}`)).json();
    expect(ticket).toMatchObject({
      type: 'complaint',
      requester: person,
      channel: 'phone',
      priority: 'high',
    });
    const c = await card(id);
    expect(c.call.report).toEqual({ ticketId, type: 'complaint', runId: workflow.runId });
    // Once per call; a return with no workflow chosen opens without one.
    expect(
      (await call('POST', `/calls/${id}/report`, { type: 'complaint', subject: 'x' }, agent.cookie))
        .statusCode,
    ).toBe(409);
    const other = await ring('+989121112233');
    const ret = await call(
      'POST',
      `/calls/${other}/report`,
      { type: 'return', subject: 'Shoes' },
      agent.cookie,
    );
    expect(ret.statusCode, ret.body).toBe(201);
    expect(ret.json().workflow).toBeNull();
    // The timeline entry names the report.
    const tl = (await call('GET', `/objects/people/${person}/timeline?limit=20`)).json();
    const entry = tl.data.find((e: { id: string }) => e.id === id);
    expect(entry?.data?.report ?? entry?.report).toMatchObject({ type: 'complaint' });
  });

  it('refuses hostile or wrong report input, and someone who did not take the call', async () => {
    const id = await ring('+989121112233');
    for (const body of [
      { type: 'praise', subject: 'x' },
      { type: 'complaint' },
      { type: 'complaint', subject: 'x'.repeat(501) },
      { type: 'complaint', subject: 'a\u0000b' },
      { type: 'complaint', subject: '\ud800' },
      { type: 'complaint', subject: 'x', extra: 1 },
    ]) {
      const r = await call('POST', `/calls/${id}/report`, body, agent.cookie);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
    const stranger = await joinAs(t.app, admin.cookie, 'agent', 'Another agent');
    expect(
      (await call('POST', `/calls/${id}/report`, { type: 'complaint', subject: 'x' }, stranger.cookie))
        .statusCode,
    ).toBe(403);
    expect(
      (await call('POST', `/calls/not-a-call/report`, { type: 'complaint', subject: 'x' })).statusCode,
    ).toBe(404);
    const unknown = await ring('+989129999999');
    expect(
      (await call('POST', `/calls/${unknown}/report`, { type: 'complaint', subject: 'x' }, agent.cookie))
        .statusCode,
    ).toBe(409);
  });

  it('texts a self-service link through the log-only SMS adapter and shows it on the card', async () => {
    const id = await ring('+989121112233');
    const none = await call('POST', `/calls/${id}/self-service`, { channel: 'sms' }, agent.cookie);
    expect(none.statusCode, none.body).toBe(409);
    expect(
      (await call('PUT', '/calls/self-service-url', { url: 'https://help.example.com/' }, agent.cookie))
        .statusCode,
    ).toBe(403);
    expect((await call('PUT', '/calls/self-service-url', { url: 'javascript:alert(1)' })).statusCode).toBe(
      400,
    );
    const set = await call('PUT', '/calls/self-service-url', { url: 'https://help.example.com/' });
    expect(set.statusCode, set.body).toBe(200);
    const r = await call(
      'POST',
      `/calls/${id}/self-service`,
      { channel: 'sms', language: 'fa' },
      agent.cookie,
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({ channel: 'sms', to: '+989121112233', url: 'https://help.example.com/' });
    const c = await t.handle.pool.connect();
    try {
      await c.query('begin');
      await c.query(setWorkspaceStatement(admin.workspaceId));
      const { rows } = await c.query(
        'select to_number, body, call_id from call_sms_log where workspace_id = $1',
        [admin.workspaceId],
      );
      expect(rows).toEqual([
        { to_number: '+989121112233', body: 'راهنمای درخواست شما: https://help.example.com/', call_id: id },
      ]);
      await c.query('rollback');
    } finally {
      c.release();
    }
    expect((await card(id)).call.selfService).toMatchObject([
      { channel: 'sms', url: 'https://help.example.com/' },
    ]);
    // Email needs a mailbox the agent may send from.
    const mail = await call('POST', `/calls/${id}/self-service`, { channel: 'email' }, agent.cookie);
    expect(mail.statusCode).toBe(400);
    const notMine = await call(
      'POST',
      `/calls/${id}/self-service`,
      { channel: 'email', mailboxId: crypto.randomUUID() },
      agent.cookie,
    );
    expect([403, 404]).toContain(notMine.statusCode);
    expect((await card(id)).call.selfService).toHaveLength(1);
  });

  it('records a promise to pay on the wrap-up', async () => {
    const id = await ring('+989121112233');
    for (const promise of [
      { amount: '-5', currency: 'IRR', dueOn: '2027-01-10' },
      { amount: '12', currency: 'irr', dueOn: '2027-01-10' },
      { amount: '12', currency: 'IRR', dueOn: '2027-02-30' },
      { amount: '1'.repeat(40), currency: 'IRR', dueOn: '2027-01-10' },
    ]) {
      const r = await call('PUT', `/calls/${id}/promise`, { promise }, agent.cookie);
      expect(r.statusCode, JSON.stringify(promise)).toBe(400);
    }
    const ok = await call(
      'PUT',
      `/calls/${id}/promise`,
      { promise: { amount: '2500000.50', currency: 'IRR', dueOn: '2027-01-10' } },
      agent.cookie,
    );
    expect(ok.statusCode, ok.body).toBe(204);
    expect((await card(id)).call.promise).toEqual({
      amount: '2500000.50',
      currency: 'IRR',
      dueOn: '2027-01-10',
    });
    expect((await call('PUT', `/calls/${id}/promise`, { promise: null }, agent.cookie)).statusCode).toBe(204);
    expect((await card(id)).call.promise).toBeNull();
  });
});
