import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, type TestApp } from '../../../../test/harness.ts';
import {
  type Account,
  callsTestApp,
  createRecord,
  joinAs,
  type Member,
  makeConnection,
  postCallEvents,
} from './calls.test-kit.ts';

describe('wrapping a call up', () => {
  let t: TestApp;
  let admin: Account;
  let other: Account;
  let agent: Member;
  let colleague: Member;
  let key: string;
  let person: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  let n = 0;
  /** A call's events from this number at the agent's extension; answers the call's id. */
  const events = (from: string, kinds: string[], callId = `wrap-${++n}`) =>
    postCallEvents(
      t.app,
      key,
      kinds.map((event, i) => ({
        callId,
        event,
        sequence: i + 1,
        at: new Date(Date.now() + i * 1000).toISOString(),
        from,
        to: '100',
        extension: '100',
        ...(event === 'ended' ? { cause: 'normal' } : {}),
      })),
    );
  const create = (object: string, body: Record<string, unknown>) => createRecord(call, object, body);
  const timelineCalls = async (object: string, id: string) =>
    (await call('GET', `/objects/${object}/${id}/timeline`))
      .json()
      .data.filter((e: { kind: string }) => e.kind === 'call');

  beforeAll(async () => {
    ({ t, admin, other } = await callsTestApp());
    agent = await joinAs(t.app, admin.cookie, 'agent', 'Wrap agent');
    colleague = await joinAs(t.app, admin.cookie, 'agent', 'Colleague');
    key = (
      await makeConnection(call, { name: 'Desk PBX', extensions: { '100': agent.userId }, country: 'IR' })
    ).apiKey;
    person = await create('people', { firstName: 'Hamid', phones: ['+989121112233'], flags: ['arrears'] });
    const codes = await call('PUT', '/calls/wrap-up-codes', {
      codes: [
        { code: 'resolved', label: 'Resolved' },
        { code: 'callback', label: 'Call back' },
      ],
    });
    expect(codes.statusCode, codes.body).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('keeps the workspace’s wrap-up codes, changed only with calls.manage', async () => {
    const list = await call('GET', '/calls/wrap-up-codes', undefined, agent.cookie);
    expect(list.json().codes.map((c: { code: string }) => c.code)).toEqual(['resolved', 'callback']);
    expect((await call('PUT', '/calls/wrap-up-codes', { codes: [] }, agent.cookie)).statusCode).toBe(403);
    const twice = await call('PUT', '/calls/wrap-up-codes', {
      codes: [
        { code: 'a', label: 'A' },
        { code: 'a', label: 'B' },
      ],
    });
    expect(twice.statusCode).toBe(400);
    expect(twice.json().errors[0].field).toBe('body.codes.1.code');
    // Another workspace has none of these.
    expect((await call('GET', '/calls/wrap-up-codes', undefined, other.cookie)).json().codes).toEqual([]);
  });

  it('keeps a code’s labels per language, trimmed, and refuses a language the app has not', async () => {
    const put = await call('PUT', '/calls/wrap-up-codes', {
      codes: [
        { code: 'resolved', label: 'Resolved', labels: { en: ' Resolved ', ar: ' تم الحل ', fa: 'حل شد' } },
        { code: 'callback', label: 'Call back', labels: { fa: 'تماس دوباره' } },
      ],
    });
    expect(put.statusCode, put.body).toBe(200);
    const codes = [
      { code: 'resolved', label: 'Resolved', labels: { en: 'Resolved', ar: 'تم الحل', fa: 'حل شد' } },
      { code: 'callback', label: 'Call back', labels: { fa: 'تماس دوباره' } },
    ];
    expect(put.json().codes).toEqual(codes);
    expect((await call('GET', '/calls/wrap-up-codes', undefined, agent.cookie)).json().codes).toEqual(codes);
    for (const [labels, field] of [
      [{ de: 'Erledigt' }, 'body.codes.0.labels'],
      [{ ar: '' }, 'body.codes.0.labels.ar'],
      [{ ar: '   ' }, 'body.codes.0.labels.ar'],
      [{ fa: 'x'.repeat(201) }, 'body.codes.0.labels.fa'],
      [{ en: 'a\u0007b' }, 'body.codes.0.labels.en'],
      [{ en: 5 }, 'body.codes.0.labels.en'],
      [['Resolved'], 'body.codes.0.labels'],
    ] as const) {
      const r = await call('PUT', '/calls/wrap-up-codes', {
        codes: [{ code: 'resolved', label: 'Resolved', labels }],
      });
      expect(r.statusCode, JSON.stringify(labels)).toBe(400);
      expect(r.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    // Refused lists change nothing.
    expect((await call('GET', '/calls/wrap-up-codes')).json().codes).toEqual(codes);
  });

  it('answers the code’s labels per language on the card, the call’s codes and the timeline entry', async () => {
    const id = await events('+989121112233', ['ringing', 'answered', 'ended']);
    const r = await call('PATCH', `/calls/${id}`, { wrapUpCode: 'resolved' }, agent.cookie);
    expect(r.statusCode, r.body).toBe(200);
    const labels = { en: 'Resolved', ar: 'تم الحل', fa: 'حل شد' };
    expect(r.json().call.wrapUp).toMatchObject({
      wrapUpCode: 'resolved',
      wrapUpLabel: 'Resolved',
      wrapUpLabels: labels,
    });
    expect(
      (await call('GET', `/calls/${id}/wrap-up-codes`, undefined, agent.cookie)).json().codes[0],
    ).toEqual({
      code: 'resolved',
      label: 'Resolved',
      labels,
    });
    const entry = (await timelineCalls('people', person)).find((e: { callId: string }) => e.callId === id);
    expect(entry).toMatchObject({ wrapUpCode: 'resolved', wrapUpLabel: 'Resolved', wrapUpLabels: labels });
    // A code with no labels per language has none; a call with no code neither.
    await call('PATCH', `/calls/${id}`, { wrapUpCode: null }, agent.cookie);
    const none = (await call('GET', `/calls/${id}/card`, undefined, agent.cookie)).json().call.wrapUp;
    expect(none).toMatchObject({ wrapUpCode: null, wrapUpLabel: null, wrapUpLabels: {} });
  });

  it('writes notes, code and outcome on the call and shows them on the caller’s timeline', async () => {
    const id = await events('+989121112233', ['ringing', 'answered', 'ended']);
    const r = await call(
      'PATCH',
      `/calls/${id}`,
      { notes: 'Promised to pay on Friday', wrapUpCode: 'callback', outcome: 'voicemail' },
      agent.cookie,
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().call).toMatchObject({
      outcome: 'voicemail',
      wrapUp: { notes: 'Promised to pay on Friday', wrapUpCode: 'callback', outcome: 'voicemail' },
    });
    expect(r.json().call.wrapUp.wrappedUpBy).toBe(agent.userId);
    const entry = (await timelineCalls('people', person)).find((e: { callId: string }) => e.callId === id);
    expect(entry).toMatchObject({
      notes: 'Promised to pay on Friday',
      wrapUpCode: 'callback',
      outcome: 'voicemail',
    });
    // Null returns to the phone system's outcome; a field left out keeps its value.
    const back = await call('PATCH', `/calls/${id}`, { outcome: null }, agent.cookie);
    expect(back.json().call).toMatchObject({
      outcome: 'answered',
      wrapUp: { notes: 'Promised to pay on Friday' },
    });
  });

  it('refuses an unknown code, a colleague who did not take the call, and hostile input', async () => {
    const id = await events('+989121112233', ['ringing', 'answered']);
    const unknown = await call('PATCH', `/calls/${id}`, { wrapUpCode: 'nope' }, agent.cookie);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0].field).toBe('body.wrapUpCode');
    expect((await call('PATCH', `/calls/${id}`, { notes: 'x' }, colleague.cookie)).statusCode).toBe(403);
    for (const body of [
      { notes: 'a\u0000b' },
      { notes: 'x'.repeat(10_001) },
      { outcome: 'exploded' },
      { link: { object: 'deals', recordId: crypto.randomUUID() } },
      { link: { object: 'people', recordId: "1' or 1=1--" } },
      { extra: true },
      [],
    ]) {
      const r = await call('PATCH', `/calls/${id}`, body, agent.cookie);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
    }
    const lone = await t.app.inject({
      method: 'PATCH',
      url: `/api/v1/calls/${id}`,
      headers: { cookie: agent.cookie, 'content-type': 'application/json' },
      payload: '{"notes":"\\ud800"}',
    });
    expect(lone.statusCode).toBe(400);
    for (const bad of ['nope', crypto.randomUUID()])
      expect((await call('PATCH', `/calls/${bad}`, { notes: 'x' }, agent.cookie)).statusCode).toBe(404);
  });

  it('links the call to a record picked from the pick list, or to a person made from the number', async () => {
    const a = await create('people', { firstName: 'Twin A', phones: ['+989124445566'] });
    await create('people', { firstName: 'Twin B', phones: ['+989124445566'] });
    const id = await events('+989124445566', ['ringing', 'answered']);
    const before = (await call('GET', `/calls/${id}/card`, undefined, agent.cookie)).json();
    expect(before.record).toBeNull();
    expect(before.candidates).toHaveLength(2);
    const linked = await call(
      'PATCH',
      `/calls/${id}`,
      { link: { object: 'people', recordId: a } },
      agent.cookie,
    );
    expect(linked.statusCode, linked.body).toBe(200);
    expect(linked.json().record).toMatchObject({ id: a, how: 'linked', title: 'Twin A' });

    // Nobody has the number: the agent makes the person, links it, and the call stays on their timeline after
    // later events fold the call again.
    const lone = await events('+989120009988', ['ringing', 'answered'], 'wrap-new');
    expect((await call('GET', `/calls/${lone}/card`, undefined, agent.cookie)).json().newPerson).toEqual({
      phone: '+989120009988',
    });
    const made = await create('people', { firstName: 'New caller', phones: ['+989120009988'] });
    await call('PATCH', `/calls/${lone}`, { link: { object: 'people', recordId: made } }, agent.cookie);
    await events('+989120009988', ['ringing', 'answered', 'ended'], 'wrap-new');
    expect((await timelineCalls('people', made)).map((e: { callId: string }) => e.callId)).toContain(lone);
    // Another workspace's person cannot be linked.
    const theirs = (await call('POST', '/objects/people', { firstName: 'B' }, other.cookie)).json().id;
    const refused = await call(
      'PATCH',
      `/calls/${lone}`,
      { link: { object: 'people', recordId: theirs } },
      agent.cookie,
    );
    expect(refused.statusCode).toBe(400);
    expect(refused.json().errors[0].field).toBe('body.link.recordId');
  });

  it('opens a ticket with the caller as requester, once, and shows it on the call’s timeline entry', async () => {
    const id = await events('+989121112233', ['ringing', 'answered', 'ended']);
    const r = await call(
      'POST',
      `/calls/${id}/ticket`,
      { subject: 'Billing complaint', type: 'complaint' },
      agent.cookie,
    );
    expect(r.statusCode, r.body).toBe(201);
    const ticket = (await call('GET', `/objects/tickets/${r.json().ticketId}`)).json();
    expect(ticket).toMatchObject({
      subject: 'Billing complaint',
      requester: person,
      channel: 'phone',
      type: 'complaint',
    });
    const again = await call('POST', `/calls/${id}/ticket`, { subject: 'Again' }, agent.cookie);
    expect(again.statusCode).toBe(409);
    const entry = (await timelineCalls('people', person)).find((e: { callId: string }) => e.callId === id);
    expect(entry.ticket).toMatchObject({ id: r.json().ticketId, subject: 'Billing complaint' });
    // The card lists it among the caller's open tickets.
    const c = (await call('GET', `/calls/${id}/card`, undefined, agent.cookie)).json();
    expect(c.call.wrapUp.ticketId).toBe(r.json().ticketId);
    expect(c.record.openTickets.map((x: { id: string }) => x.id)).toContain(r.json().ticketId);
    // A call with nobody to be the requester: linked first.
    const nobody = await events('+989120001234', ['ringing', 'answered']);
    expect((await call('POST', `/calls/${nobody}/ticket`, { subject: 'X' }, agent.cookie)).statusCode).toBe(
      409,
    );
    for (const body of [{}, { subject: '' }, { subject: 'x'.repeat(501) }, { subject: 'x', extra: 1 }])
      expect((await call('POST', `/calls/${id}/ticket`, body, agent.cookie)).statusCode).toBe(400);
    // The record engine checks the ticket's fields; nothing is kept when it refuses.
    const fresh = await events('+989121112233', ['ringing', 'answered']);
    const wrongType = await call(
      'POST',
      `/calls/${fresh}/ticket`,
      { subject: 'x', type: 'nonsense' },
      agent.cookie,
    );
    expect(wrongType.statusCode, wrongType.body).toBe(400);
    expect(
      (await call('GET', `/calls/${fresh}/card`, undefined, agent.cookie)).json().call.wrapUp.ticketId,
    ).toBeNull();
  });

  it('adds a follow-up task for the agent on the caller, with the agent’s rights', async () => {
    const id = await events('+989121112233', ['ringing', 'answered', 'ended']);
    const due = new Date(Date.now() + 86_400_000).toISOString();
    const r = await call(
      'POST',
      `/calls/${id}/task`,
      { title: 'Call back about the bill', dueAt: due },
      agent.cookie,
    );
    expect(r.statusCode, r.body).toBe(201);
    const task = (await call('GET', `/objects/tasks/${r.json().taskId}`)).json();
    expect(task).toMatchObject({
      title: 'Call back about the bill',
      assignee: agent.userId,
      linkedObject: 'people',
      linkedRecord: person,
    });
    const tl = (await call('GET', `/objects/people/${person}/timeline`)).json().data;
    expect(tl.some((e: { kind: string; id: string }) => e.kind === 'task' && e.id === r.json().taskId)).toBe(
      true,
    );
    expect((await call('POST', `/calls/${id}/task`, { title: 'Again' }, agent.cookie)).statusCode).toBe(409);
    expect(
      (await call('POST', `/calls/${id}/task`, { title: 'x', dueAt: 'tomorrow' }, agent.cookie)).statusCode,
    ).toBe(400);
    // A role without tasks create gets no task.
    const all = { read: true, create: true, update: true, delete: true };
    await call('POST', '/roles', {
      key: 'no_tasks',
      name: 'No tasks',
      permissions: {
        actions: ['calls.read', 'calls.manage'],
        objects: { '*': all, tasks: { ...all, create: false } },
      },
    });
    const limited = await joinAs(t.app, admin.cookie, 'no_tasks', 'No tasks');
    const other = await events('+989121112233', ['ringing', 'answered', 'ended']);
    expect((await call('POST', `/calls/${other}/task`, { title: 'x' }, limited.cookie)).statusCode).toBe(403);
  });
});
