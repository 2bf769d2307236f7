// A call's entry on its record's timeline: its wrap-up code by the label of the list it came from (the queue's own,
// else the workspace's), and the entry read on its own for the record page focused on a call far down the timeline.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, countStatements, type TestApp } from '../../../../test/harness.ts';
import {
  type Account,
  callEventSender,
  callsTestApp,
  createRecord,
  joinAs,
  jsonCaller,
  type Member,
  makeConnection,
} from './calls.test-kit.ts';

type Entry = { kind: string; id: string; at: string } & Record<string, unknown>;

describe('a call on its record’s timeline', () => {
  let t: TestApp;
  let admin: Account;
  let other: Account;
  let agent: Member;
  let key: string;
  let person: string;
  let company: string;
  let queueId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ok = jsonCaller(call);
  const send = callEventSender(() => t.app, { from: '+989127778899', to: '02188776600', extension: '201' });
  let n = 0;
  /** An answered and ended call (through `queue`, if given) wrapped up by the agent with `code`. */
  const wrappedCall = async (queue: string | undefined, code: string) => {
    const callId = `tl-${++n}`;
    const extra = queue ? { queue } : {};
    await send(key, callId, 'answered', extra, -120);
    const id = await send(key, callId, 'ended', { ...extra, cause: 'normal' }, -60);
    await ok('PATCH', `/calls/${id}`, { wrapUpCode: code, notes: `Notes of ${callId}` }, agent.cookie);
    return id;
  };
  /** The record's whole timeline, page by page. */
  const timeline = async (object: string, id: string, cookie = admin.cookie) => {
    const all: Entry[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: Entry[]; nextCursor: string | null } = await ok(
        'GET',
        `/objects/${object}/${id}/timeline?limit=30${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        cookie,
      );
      all.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    return all;
  };
  const entryOf = async (callId: string) =>
    (await timeline('people', person)).find((e) => e.kind === 'call' && e.id === callId);
  const single = (callId: string, object: string, recordId: string, cookie = admin.cookie) =>
    call('GET', `/calls/${callId}/timeline-entry?object=${object}&recordId=${recordId}`, undefined, cookie);

  beforeAll(async () => {
    ({ t, admin, other } = await callsTestApp());
    agent = await joinAs(t.app, admin.cookie, 'agent', 'Timeline agent');
    key = (
      await makeConnection(call, { name: 'Timeline PBX', extensions: { '201': agent.userId }, country: 'IR' })
    ).apiKey;
    await ok('PUT', '/calls/wrap-up-codes', { codes: [{ code: 'resolved', label: 'Resolved' }] });
    queueId = (
      await ok('POST', '/calls/queues', {
        name: 'Support',
        keys: ['support'],
        wrapUpCodes: [
          { code: 'fixed', label: 'Fixed on the call' },
          { code: 'refund', label: 'Refund promised' },
        ],
      })
    ).id;
    company = await createRecord(call, 'companies', { name: 'Tabriz Carpets' });
    person = await createRecord(call, 'people', {
      firstName: 'Leila',
      lastName: 'Hosseini',
      phones: ['+98 912 777 8899'],
      company,
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('names the wrap-up code by its queue’s label, else the workspace’s, on the timeline and the card', async () => {
    const queued = await wrappedCall('support', 'fixed');
    const plain = await wrappedCall(undefined, 'resolved');
    expect(await entryOf(queued)).toMatchObject({ wrapUpCode: 'fixed', wrapUpLabel: 'Fixed on the call' });
    expect(await entryOf(plain)).toMatchObject({ wrapUpCode: 'resolved', wrapUpLabel: 'Resolved' });
    const card = await ok('GET', `/calls/${queued}/card`, undefined, agent.cookie);
    expect(card.call.wrapUp).toMatchObject({ wrapUpCode: 'fixed', wrapUpLabel: 'Fixed on the call' });
    // The card's last entries are the timeline's: the same label.
    expect(card.record.recent.find((e: Entry) => e.id === queued)).toMatchObject({
      wrapUpLabel: 'Fixed on the call',
    });
    // A label renamed shows at once; a code dropped from the queue's list shows as the code.
    await ok('PATCH', `/calls/queues/${queueId}`, {
      wrapUpCodes: [
        { code: 'fixed', label: 'Solved while talking' },
        { code: 'refund', label: 'Refund promised' },
      ],
    });
    expect((await entryOf(queued))?.wrapUpLabel).toBe('Solved while talking');
    await ok('PATCH', `/calls/queues/${queueId}`, {
      wrapUpCodes: [{ code: 'refund', label: 'Refund promised' }],
    });
    expect(await entryOf(queued)).toMatchObject({ wrapUpCode: 'fixed', wrapUpLabel: null });
    // A queue without codes of its own names the code by the workspace's list.
    await ok('PATCH', `/calls/queues/${queueId}`, { wrapUpCodes: [] });
    expect(await entryOf(queued)).toMatchObject({ wrapUpCode: 'fixed', wrapUpLabel: null });
    const viaWorkspace = await wrappedCall('support', 'resolved');
    expect((await entryOf(viaWorkspace))?.wrapUpLabel).toBe('Resolved');
    // The queue removed: its codes went with it, so its calls show their codes.
    await ok('PATCH', `/calls/queues/${queueId}`, {
      wrapUpCodes: [{ code: 'refund', label: 'Refund promised' }],
    });
    const refund = await wrappedCall('support', 'refund');
    expect((await entryOf(refund))?.wrapUpLabel).toBe('Refund promised');
    expect((await call('DELETE', `/calls/queues/${queueId}`)).statusCode).toBe(204);
    expect(await entryOf(refund)).toMatchObject({ wrapUpCode: 'refund', wrapUpLabel: null });
    expect((await ok('GET', `/calls/${refund}/card`)).call.wrapUp.wrapUpLabel).toBeNull();
    expect((await entryOf(plain))?.wrapUpLabel).toBe('Resolved');
  });

  it('answers one call’s entry as the timeline shows it, however far down the timeline it is', async () => {
    const id = await wrappedCall(undefined, 'resolved');
    // 40 newer entries (changes of the person) push the call off the timeline's first page.
    for (let i = 0; i < 40; i++) await ok('PATCH', `/objects/people/${person}`, { jobTitle: `Title ${i}` });
    const first = await ok('GET', `/objects/people/${person}/timeline?limit=30`);
    expect(first.data.some((e: Entry) => e.id === id)).toBe(false);
    const deep = await entryOf(id);
    expect(deep).toBeDefined();
    const r = await single(id, 'people', person);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual(deep);
    expect(r.json()).toMatchObject({ kind: 'call', notes: `Notes of tl-${n}`, wrapUpLabel: 'Resolved' });
    // The agent (calls.read, people readable) reads it too; it costs the same statements as any call's entry. The
    // session's look-up is left out: it is cached for a few seconds, so a slow machine may pay it in one read only.
    const statements = countStatements(t.handle.pool, /^(?![\s\S]*(rabita_session_principal|"sessions"))/);
    const before = statements.count;
    expect((await single(id, 'people', person, agent.cookie)).statusCode).toBe(200);
    const once = statements.count - before;
    const again = statements.count;
    expect((await single(id, 'people', person, agent.cookie)).statusCode).toBe(200);
    expect(statements.count - again).toBe(once);
  });

  it('answers 404 for a call not on that record’s timeline, another workspace, or a reader who may not see it', async () => {
    const id = await wrappedCall(undefined, 'resolved');
    const stranger = await createRecord(call, 'people', { firstName: 'Not', lastName: 'Called' });
    expect((await single(id, 'people', stranger)).statusCode).toBe(404);
    expect((await single(id, 'companies', company)).statusCode).toBe(404);
    expect((await single(id, 'people', person, other.cookie)).statusCode).toBe(404);
    // A role that hides people's phones: the call would say whose number called.
    const all = { read: true, create: true, update: true, delete: true };
    const role = await call('POST', '/roles', {
      key: 'tl_no_phones',
      name: 'No phones',
      permissions: {
        actions: ['calls.read'],
        objects: { '*': all, people: { ...all, hiddenFields: ['phones'] } },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const noPhones = await joinAs(t.app, admin.cookie, 'tl_no_phones', 'No phones');
    const hidden = await single(id, 'people', person, noPhones.cookie);
    expect(hidden.statusCode).toBe(404);
    expect(hidden.body).not.toContain('+98912');
    // A role that may not read people.
    const noPeople = await call('POST', '/roles', {
      key: 'tl_no_people',
      name: 'No people',
      permissions: {
        actions: ['calls.read'],
        objects: { '*': all, people: { read: false, create: false, update: false, delete: false } },
      },
    });
    expect(noPeople.statusCode, noPeople.body).toBe(201);
    const blind = await joinAs(t.app, admin.cookie, 'tl_no_people', 'No people');
    expect((await single(id, 'people', person, blind.cookie)).statusCode).toBe(404);
    // Hostile ids and objects.
    for (const [callId, object, recordId, status] of [
      ['nope', 'people', person, 404],
      [id, 'people', 'nope', 404],
      [crypto.randomUUID(), 'people', person, 404],
      [id, 'tickets', person, 400],
      [id, 'people%00', person, 400],
      [`${id}'--`, 'people', person, 404],
    ] as const)
      expect((await single(callId, object, recordId)).statusCode, `${callId} ${object} ${recordId}`).toBe(
        status,
      );
    expect((await call('GET', `/calls/${id}/timeline-entry`)).statusCode).toBe(400);
    expect(
      (await call('GET', `/calls/${id}/timeline-entry?object=people&recordId=${person}`, undefined, ''))
        .statusCode,
    ).toBe(401);
  });
});
