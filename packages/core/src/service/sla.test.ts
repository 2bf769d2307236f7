import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { runPolicyJob, sweepDueTickets } from './sla-desk.ts';

// SLA policies and clocks through the API, against real PostgreSQL. The clock is moved with fake Dates only
// (timers, the database and the network keep real time): every SLA event is stamped with the process's time.

const M = 60_000;
const r = (from: string, to: string) => ({ from, to });
/** Tehran: Saturday–Wednesday 08–12 and 13–16 (lunch at 12), Thursday 08–12, Friday closed; Nowruz 1405 closed. */
const tehran = {
  timeZone: 'Asia/Tehran',
  hours: {
    6: [r('08:00', '12:00'), r('13:00', '16:00')],
    7: [r('08:00', '12:00'), r('13:00', '16:00')],
    1: [r('08:00', '12:00'), r('13:00', '16:00')],
    2: [r('08:00', '12:00'), r('13:00', '16:00')],
    3: [r('08:00', '12:00'), r('13:00', '16:00')],
    4: [r('08:00', '12:00')],
  },
  holidays: ['2026-03-21', '2026-03-22', '2026-03-23', '2026-03-24'],
};

describe('SLA policies and clocks', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let member: { userId: string; cookie: string };
  let calendarId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const at = (iso: string) => vi.setSystemTime(new Date(iso));
  const policy = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/service/sla-policies', {
      calendarId,
      pauseStatuses: ['pending_customer', 'on_hold'],
      warn: { percent: 80 },
      ...body,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const ticket = async (extra: Record<string, unknown> = {}) => {
    const res = await call('POST', '/objects/tickets', {
      subject: 'سفارش ۴۵۱۲ هنوز نرسیده است',
      language: 'fa',
      ...extra,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const sla = async (id: string) => {
    const res = await call('GET', `/tickets/${id}/sla`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      status: string;
      dueAt: string | null;
      clocks: {
        metric: string;
        state: string;
        consumedMs: number;
        remainingMs: number | null;
        [k: string]: unknown;
      }[];
    };
  };
  const clock = async (id: string, metric: string) => {
    const found = (await sla(id)).clocks.find((c) => c.metric === metric);
    if (!found) throw new Error(`no ${metric} clock`);
    return found;
  };
  const setTicket = (id: string, patch: Record<string, unknown>) =>
    call('PATCH', `/objects/tickets/${id}`, patch).then((res) => {
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    });
  const say = (id: string, body: Record<string, unknown>) =>
    call('POST', `/tickets/${id}/messages`, body).then((res) => {
      expect(res.statusCode, res.body).toBe(201);
    });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    member = await joinByInvitation(t.app, admin.cookie, {
      email: `member.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'Member',
    });
    const res = await call('POST', '/service/calendars', {
      name: 'تهران',
      definition: { ...tehran, holidays: [] },
    });
    expect(res.statusCode, res.body).toBe(201);
    calendarId = res.json().id;
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('times an urgent Persian ticket paused pending the customer over Nowruz, as worked out by hand', async () => {
    // Nowruz 1405 generated onto the calendar: 1–4 Farvardin are 2026-03-21 … 24.
    const nowruz = await call('POST', `/service/calendars/${calendarId}/holidays/generate`, {
      span: 2026,
      choice: { nowruz: true },
    });
    expect(nowruz.statusCode, nowruz.body).toBe(200);
    expect(nowruz.json().calendar.definition.holidays).toEqual(tehran.holidays);
    expect(nowruz.json().holidays[0]).toMatchObject({
      date: '2026-03-21',
      name: { fa: 'نوروز' },
      estimated: false,
    });

    vi.useFakeTimers({ toFake: ['Date'] });
    const urgent = await policy({
      name: 'فوری',
      condition: { field: 'priority', op: 'eq', value: 'urgent' },
      targets: { urgent: { first_response: 60, next_response: 120, resolution: 480 } },
    });
    // Wed 2026-03-18 14:00 Tehran (10:30Z). First response due in 60 business minutes: 15:00 Tehran (11:30Z).
    at('2026-03-18T10:30:00Z');
    const id = await ticket({ priority: 'urgent' });
    let now = await sla(id);
    expect(now.status).toBe('on_track');
    expect(now.dueAt).toBe('2026-03-18T11:30:00.000Z');
    expect((await call('GET', `/objects/tickets/${id}`)).json()).toMatchObject({
      slaStatus: 'on_track',
      slaDueAt: expect.stringMatching(/^2026-03-18T11:30:00(\.0+)?(Z|\+00:00)$/),
    });

    // Replied at 14:30 Tehran: first response met after 30 minutes.
    at('2026-03-18T11:00:00Z');
    await say(id, { kind: 'reply', body: 'سلام، شماره پیگیری را بررسی می‌کنیم.' });
    expect(await clock(id, 'first_response')).toMatchObject({
      state: 'met',
      consumedMs: 30 * M,
      remainingMs: null,
    });

    // Thu 10:00 Tehran (06:30Z): pending the customer. Resolution has run Wed 14–16 and Thu 08–10: 240 minutes.
    at('2026-03-19T06:30:00Z');
    await setTicket(id, { status: 'pending_customer' });
    at('2026-03-23T08:00:00Z'); // During Nowruz: nothing more is counted.
    now = await sla(id);
    expect(now.status).toBe('paused');
    expect(now.clocks.find((c) => c.metric === 'resolution')).toMatchObject({
      state: 'paused',
      consumedMs: 240 * M,
      remainingMs: 240 * M,
      deadline: null,
    });

    // The customer writes on Wed 25 at 09:00 Tehran (05:30Z): the ticket opens, a next-response cycle starts.
    at('2026-03-25T05:30:00Z');
    await say(id, { kind: 'customer', body: 'بسته هنوز نرسیده.' });
    // At 11:00 Tehran: 360 minutes consumed, 120 left, due at 14:00 (10:30Z); next response due 11:00 → 07:30Z.
    at('2026-03-25T07:30:00Z');
    now = await sla(id);
    const resolution = now.clocks.find((c) => c.metric === 'resolution')!;
    expect(resolution).toMatchObject({
      state: 'running',
      consumedMs: 360 * M,
      remainingMs: 120 * M,
      deadline: '2026-03-25T10:30:00.000Z',
    });
    expect(now.clocks.find((c) => c.metric === 'next_response')).toMatchObject({
      state: 'running',
      cycle: 1,
      breachedAt: '2026-03-25T07:30:00.000Z',
    });
    expect(now.clocks.find((c) => c.metric === 'first_response')?.state).toBe('met');
    await call('DELETE', `/service/sla-policies/${urgent}`);
  });

  it('answers a ticket’s create and update with its SLA summary as stored, not as it was before the desk wrote it', async () => {
    await policy({
      name: 'همه',
      condition: { field: 'subject', op: 'startsWith', value: 'Summary' },
      targets: { normal: { resolution: 480 } },
    });
    const created = await call('POST', '/objects/tickets', { subject: 'Summary in the answer' });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json().slaStatus).toBe('on_track');
    expect(created.json().slaDueAt).toBeTruthy();
    const paused = await setTicket(created.json().id, { status: 'pending_customer' });
    expect(paused.slaStatus).toBe('paused');
    expect(paused.slaDueAt ?? null).toBeNull();
  });

  it('keeps paused time when the priority and the policy change, and breaches at once past a lowered target', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const id0 = await policy({
      name: 'Everything',
      targets: { normal: { resolution: 1440 }, high: { resolution: 1440 } },
    });
    at('2026-03-07T05:30:00Z'); // Sat 09:00 Tehran
    const id = await ticket();
    at('2026-03-07T07:30:00Z'); // 11:00: 120 min
    await setTicket(id, { status: 'on_hold' });
    at('2026-03-07T10:30:00Z');
    await setTicket(id, { priority: 'high' });
    expect(await clock(id, 'resolution')).toMatchObject({
      state: 'paused',
      consumedMs: 120 * M,
      targetMs: 1440 * M,
    });

    const res = await call('PATCH', `/service/sla-policies/${id0}`, {
      targets: { high: { resolution: 60 } },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await clock(id, 'resolution')).toMatchObject({
      state: 'paused',
      consumedMs: 120 * M,
      targetMs: 60 * M,
      breachedAt: '2026-03-07T10:30:00.000Z',
      breachReason: 'targetLowered',
    });
    expect((await call('GET', `/objects/tickets/${id}`)).json().slaStatus).toBe('breached');
    await call('DELETE', `/service/sla-policies/${id0}`);
  });

  it('stops next response on resolve and never overrides a met first response with a next-response cycle', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const p = await policy({
      name: 'Next',
      targets: { normal: { first_response: 60, next_response: 60, resolution: 600 } },
    });
    at('2026-03-07T05:30:00Z');
    const id = await ticket();
    at('2026-03-07T05:40:00Z');
    await say(id, { kind: 'reply', body: 'On it.', automatic: true }); // a bot: meets nothing
    expect((await clock(id, 'first_response')).state).toBe('running');
    await say(id, { kind: 'reply', body: 'Looking now.' });
    at('2026-03-07T05:50:00Z');
    await say(id, { kind: 'customer', body: 'Any news?' });
    let first = await clock(id, 'first_response');
    expect(first).toMatchObject({ state: 'met', consumedMs: 10 * M });
    expect((await clock(id, 'next_response')).state).toBe('running');

    at('2026-03-07T06:00:00Z');
    await setTicket(id, { status: 'resolved' });
    at('2026-03-09T06:00:00Z'); // two days later: nothing ran, nothing breached
    const now = await sla(id);
    expect(now.clocks.find((c) => c.metric === 'next_response')).toMatchObject({
      state: 'stopped',
      consumedMs: 10 * M,
      breachedAt: null,
    });
    expect(now.status).toBe('met');
    first = await clock(id, 'first_response');
    expect(first).toMatchObject({ state: 'met', consumedMs: 10 * M });
    await call('DELETE', `/service/sla-policies/${p}`);
  });

  it('cancels clocks and clears breaches when a policy is disabled, so the sweep raises no ghost escalation', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const p = await policy({ name: 'Ghost', targets: { normal: { first_response: 30 } } });
    at('2026-03-07T05:30:00Z');
    const id = await ticket();
    at('2026-03-07T07:30:00Z');
    // The deadline job is lost: the sweep catches it.
    expect(await sweepDueTickets(t.handle.db)).toBeGreaterThanOrEqual(1);
    expect((await call('GET', `/objects/tickets/${id}`)).json().slaStatus).toBe('breached');

    const res = await call('PATCH', `/service/sla-policies/${p}`, { enabled: false });
    expect(res.statusCode, res.body).toBe(200);
    const now = await sla(id);
    expect(now.clocks).toEqual([
      expect.objectContaining({ state: 'cancelled', breachedAt: null, deadline: null }),
    ]);
    expect((await call('GET', `/objects/tickets/${id}`)).json()).toMatchObject({ slaStatus: 'none' });
    at('2026-03-10T07:30:00Z');
    await sweepDueTickets(t.handle.db);
    expect((await sla(id)).clocks[0]).toMatchObject({ state: 'cancelled', breachedAt: null });
    // The breach and its clearing were record events (workflows act on them).
    const timeline = await call('GET', `/objects/tickets/${id}/timeline`);
    expect(timeline.statusCode, timeline.body).toBe(200);
    const changes = JSON.stringify(timeline.json());
    expect(changes).toContain('"slaStatus"');
    expect(changes).toContain('breached');
    await call('DELETE', `/service/sla-policies/${p}`);
  });

  it('moves the first 100 tickets of a disabled policy at once and the rest by its job', async () => {
    const p = await policy({ name: 'Many', businessTime: false, targets: { low: { resolution: 600 } } });
    const ids: string[] = [];
    for (let i = 0; i < 101; i++) ids.push(await ticket({ priority: 'low' }));
    expect((await call('PATCH', `/service/sla-policies/${p}`, { enabled: false })).statusCode).toBe(200);
    const states = async () => Promise.all(ids.map(async (id) => (await clock(id, 'resolution')).state));
    const moved = await states();
    expect(moved.filter((s) => s === 'cancelled')).toHaveLength(100);
    expect(moved.filter((s) => s === 'running')).toHaveLength(1);
    // The queued job's run (its payload names the page; a run from the start skips tickets already moved).
    await runPolicyJob(t.handle.db, {
      workspaceId: admin.workspaceId,
      policyId: p,
      after: '00000000-0000-0000-0000-000000000000',
    });
    expect(new Set(await states())).toEqual(new Set(['cancelled']));
    await call('DELETE', `/service/sla-policies/${p}`);
  });

  it('moves open deadlines when the calendar is edited, never the time already consumed', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const cal = await call('POST', '/service/calendars', { name: 'Edited', definition: tehran });
    const p = await policy({
      name: 'Cal',
      calendarId: cal.json().id,
      targets: { normal: { resolution: 1440 } },
    });
    at('2026-03-07T05:30:00Z'); // Sat 09:00 Tehran
    const id = await ticket();
    at('2026-03-07T07:30:00Z'); // 11:00: 120 min
    const open = {
      ...tehran,
      hours: Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, [r('00:00', '00:00')]])),
    };
    const edited = await call('PATCH', `/service/calendars/${cal.json().id}`, { definition: open });
    expect(edited.statusCode, edited.body).toBe(200);
    // 120 consumed stays; 1320 minutes more round the clock: due 22 h later.
    expect(await clock(id, 'resolution')).toMatchObject({
      consumedMs: 120 * M,
      deadline: '2026-03-08T05:30:00.000Z',
    });
    await call('DELETE', `/service/sla-policies/${p}`);
  });

  it('passes over a policy whose condition names a field since removed, and still writes the ticket', async () => {
    const field = await call('POST', '/metadata/objects/tickets/fields', {
      key: 'region',
      type: 'text',
      labels: { en: 'Region' },
    });
    expect(field.statusCode, field.body).toBe(201);
    const p = await policy({
      name: 'North',
      businessTime: false,
      condition: { field: 'region', op: 'eq', value: 'north' },
      targets: { normal: { resolution: 60 } },
    });
    expect((await call('DELETE', '/metadata/objects/tickets/fields/region')).statusCode).toBeLessThan(300);
    const id = await ticket();
    expect((await sla(id)).clocks).toEqual([]);
    await call('DELETE', `/service/sla-policies/${p}`);
  });

  it('imports all-day events of an iCalendar file within a span as holidays', async () => {
    const cal = await call('POST', '/service/calendars', {
      name: 'Riyadh',
      definition: { ...tehran, holidays: [] },
    });
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Rabita test//EN',
      'BEGIN:VEVENT',
      'UID:national-day@example.com',
      'DTSTAMP:20260101T000000Z',
      'DTSTART;VALUE=DATE:20260923',
      'DTEND;VALUE=DATE:20260924',
      'SUMMARY:اليوم الوطني',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const res = await call('POST', `/service/calendars/${cal.json().id}/holidays/import`, {
      ics,
      from: '2026-01-01',
      to: '2026-12-31',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      holidays: [{ date: '2026-09-23', name: 'اليوم الوطني' }],
      skipped: 0,
    });
    expect(res.json().calendar.definition.holidays).toEqual(['2026-09-23']);
    // The calendar keeps each holiday's name: read back, the day is named as the file named it.
    const read = await call('GET', `/service/calendars/${cal.json().id}`);
    expect(read.json().definition.holidayNotes).toEqual({ '2026-09-23': { name: 'اليوم الوطني' } });
    // Generated Hijri days are kept as estimates, in three languages, until an admin confirms one.
    const eid = await call('POST', `/service/calendars/${cal.json().id}/holidays/generate`, {
      span: 2026,
      choice: { arafat: true },
    });
    expect(eid.statusCode, eid.body).toBe(200);
    const [arafat] = eid.json().holidays as { date: string; name: { ar: string } }[];
    const stored = eid.json().calendar.definition as {
      holidays: string[];
      holidayNotes: Record<string, { name: { ar: string }; estimated?: boolean }>;
    };
    expect(stored.holidayNotes[arafat!.date]).toEqual({ name: arafat!.name, estimated: true });
    const confirmed = await call('PATCH', `/service/calendars/${cal.json().id}`, {
      definition: {
        ...stored,
        holidayNotes: { ...stored.holidayNotes, [arafat!.date]: { name: arafat!.name, estimated: false } },
      },
    });
    expect(confirmed.statusCode, confirmed.body).toBe(200);
    // Generating the year again keeps the confirmation.
    const again = await call('POST', `/service/calendars/${cal.json().id}/holidays/generate`, {
      span: 2026,
      choice: { arafat: true },
    });
    expect(again.json().calendar.definition.holidayNotes[arafat!.date].estimated).toBe(false);
    // A note for a day that is not a holiday, a NUL in a name, a name too long: 400s naming the field.
    for (const holidayNotes of [
      { '2026-01-01': { name: 'New Year' } },
      { '2026-09-23': { name: 'Day\u0000' } },
      { '2026-09-23': { name: 'x'.repeat(201) } },
      { '2026-09-23': { colour: 'red' } },
    ]) {
      const refused = await call('PATCH', `/service/calendars/${cal.json().id}`, {
        definition: { ...stored, holidayNotes },
      });
      expect(refused.statusCode, JSON.stringify(holidayNotes)).toBe(400);
      expect(refused.json().errors[0].field).toMatch(/definition\.holidayNotes/);
    }
    const bad = await call('POST', `/service/calendars/${cal.json().id}/holidays/import`, {
      ics: 'not a calendar',
      from: '2026-01-01',
      to: '2026-12-31',
    });
    expect(bad.statusCode).toBe(400);
  });

  it('refuses bad calendars and policies with 400s naming the field, and writes to members without the permission', async () => {
    const bad = await call('POST', '/service/calendars', {
      name: 'Bad',
      definition: { timeZone: 'Mars/Olympus', hours: { 1: [r('25:00', '12:00')] }, holidays: ['2026-02-30'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('definition.timeZone');
    expect(
      (await call('POST', '/service/calendars', { name: 'x\u0000', definition: tehran })).statusCode,
    ).toBe(400);
    const noCal = await call('POST', '/service/sla-policies', {
      name: 'No calendar',
      targets: { normal: { resolution: 60 } },
    });
    expect(noCal.statusCode).toBe(400);
    expect(noCal.body).toContain('calendarId');
    const badTarget = await call('POST', '/service/sla-policies', {
      name: 'Bad',
      businessTime: false,
      targets: { normal: { resolution: -1 } },
    });
    expect(badTarget.statusCode).toBe(400);
    const badCondition = await call('POST', '/service/sla-policies', {
      name: 'Bad',
      businessTime: false,
      condition: { field: 'nope', op: 'eq', value: 1 },
      targets: { normal: { resolution: 60 } },
    });
    expect(badCondition.statusCode).toBe(400);
    expect(badCondition.body).toContain('condition');
    const badPause = await call('POST', '/service/sla-policies', {
      name: 'Bad',
      businessTime: false,
      pauseStatuses: ['resolved'],
      targets: { normal: { resolution: 60 } },
    });
    expect(badPause.statusCode).toBe(400);
    const forbidden = await call(
      'POST',
      '/service/calendars',
      { name: 'Mine', definition: tehran },
      member.cookie,
    );
    expect(forbidden.statusCode).toBe(403);
    expect((await call('GET', '/service/calendars', undefined, member.cookie)).statusCode).toBe(200);
    const used = await call('DELETE', `/service/calendars/${calendarId}`);
    expect([204, 409]).toContain(used.statusCode);
  });
});
