import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { calendarDeadline, deadlineState } from './complaint-deadlines.ts';

// Complaints as a ticket type, through the API against real PostgreSQL: the case settings, the two deadlines in
// calendar days stamped on the ticket, met by the first public reply and by resolution, and hostile input.

describe('complaint deadlines in calendar days', () => {
  it('ends on the Nth local day after the opening day, across a month end, in Tehran and in UTC', () => {
    // 30 January 23:30 in Tehran (+03:30, no daylight saving since 2022): day 0 is 30 January.
    const opened = new Date('2026-01-30T20:00:00Z');
    expect(calendarDeadline(opened, 2, 'Asia/Tehran').toISOString()).toBe('2026-02-01T20:30:00.000Z');
    expect(calendarDeadline(opened, 14, 'Asia/Tehran').toISOString()).toBe('2026-02-13T20:30:00.000Z');
    // The same instant in UTC is still 30 January there too, ending at UTC midnight.
    expect(calendarDeadline(opened, 2, 'UTC').toISOString()).toBe('2026-02-02T00:00:00.000Z');
    // 31 January 21:00 UTC is already 1 February in Tehran: its day 0 is 1 February.
    const late = new Date('2026-01-31T21:00:00Z');
    expect(calendarDeadline(late, 2, 'Asia/Tehran').toISOString()).toBe('2026-02-03T20:30:00.000Z');
    expect(calendarDeadline(late, 2, 'UTC').toISOString()).toBe('2026-02-03T00:00:00.000Z');
    // Zero days: the end of the opening day; a leap year's February.
    expect(calendarDeadline(late, 0, 'Asia/Tehran').toISOString()).toBe('2026-02-01T20:30:00.000Z');
    expect(calendarDeadline(new Date('2028-02-28T10:00:00Z'), 1, 'UTC').toISOString()).toBe(
      '2028-03-01T00:00:00.000Z',
    );
    // Across a change of offset (New York's spring forward on 8 March 2026): midnight local stays midnight.
    expect(calendarDeadline(new Date('2026-03-07T15:00:00Z'), 2, 'America/New_York').toISOString()).toBe(
      '2026-03-10T04:00:00.000Z',
    );
  });

  it('is met when done before it, breached once passed whether done late or not yet', () => {
    const due = new Date('2026-02-01T20:30:00Z');
    expect(deadlineState(due, new Date('2026-02-01T20:29:59Z'), new Date('2026-03-01T00:00:00Z'))).toBe(
      'met',
    );
    expect(deadlineState(due, new Date('2026-02-01T20:30:00Z'), new Date('2026-03-01T00:00:00Z'))).toBe(
      'breached',
    );
    expect(deadlineState(due, null, new Date('2026-02-01T20:00:00Z'))).toBe('pending');
    expect(deadlineState(due, null, new Date('2026-02-01T20:30:00Z'))).toBe('breached');
  });
});

describe('complaints', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let member: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const ticket = async (extra: Record<string, unknown> = {}) => {
    const res = await call('POST', '/objects/tickets', { subject: 'شکایت از تأخیر ارسال', ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Record<string, unknown> & { id: string };
  };
  const complaint = async (id: string) => {
    const res = await call('GET', `/tickets/${id}/complaint`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    member = await joinByInvitation(t.app, admin.cookie, {
      email: `member.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'Member',
    });
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('stamps a Tehran complaint’s deadlines across a month end, by the settings in force when opened', async () => {
    const defaults = await call('GET', '/service/cases/settings');
    expect(defaults.json()).toEqual({
      ackDays: 2,
      responseDays: 14,
      timeZone: 'UTC',
      categories: [],
      rootCauses: [],
      reasonCodes: [],
    });
    const put = await call('PUT', '/service/cases/settings', {
      ackDays: 2,
      responseDays: 14,
      timeZone: 'Asia/Tehran',
      categories: [' تأخیر در ارسال ', 'کیفیت کالا', 'تأخیر در ارسال'],
      rootCauses: ['خطای انبار', 'حمل‌ونقل'],
      reasonCodes: [],
    });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json().categories).toEqual(['تأخیر در ارسال', 'کیفیت کالا']);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-01-31T21:00:00Z')); // 1 Feb 00:30 in Tehran (12 Bahman 1404)
    const opened = await ticket({ type: 'complaint' });
    expect(opened.complaintAckDueAt).toBe('2026-02-03T20:30:00.000Z');
    expect(opened.complaintResponseDueAt).toBe('2026-02-15T20:30:00.000Z');
    vi.setSystemTime(new Date('2026-02-02T08:00:00Z'));
    expect((await complaint(opened.id)).acknowledgement).toEqual({
      dueAt: '2026-02-03T20:30:00.000Z',
      doneAt: null,
      state: 'pending',
    });
    vi.setSystemTime(new Date('2026-02-04T08:00:00Z'));
    expect((await complaint(opened.id)).acknowledgement.state).toBe('breached');
    // Resolved on 10 February: the final response is met.
    vi.setSystemTime(new Date('2026-02-10T08:00:00Z'));
    const resolved = await call('PATCH', `/objects/tickets/${opened.id}`, { status: 'resolved' });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect((await complaint(opened.id)).finalResponse).toEqual({
      dueAt: '2026-02-15T20:30:00.000Z',
      doneAt: '2026-02-10T08:00:00.000Z',
      state: 'met',
    });
    // A later change of days leaves the open complaint's deadlines as they were.
    await call('PUT', '/service/cases/settings', { ...(put.json() as object), ackDays: 5 });
    await call('PATCH', `/objects/tickets/${opened.id}`, { subject: 'شکایت از تأخیر ارسال سفارش' });
    expect((await complaint(opened.id)).acknowledgement.dueAt).toBe('2026-02-03T20:30:00.000Z');
    await call('PUT', '/service/cases/settings', put.json());
  });

  it('meets the acknowledgement with the first public reply, not with an internal note', async () => {
    const opened = await ticket({ type: 'complaint' });
    const note = await call('POST', `/tickets/${opened.id}/messages`, { kind: 'note', body: 'بررسی شود' });
    expect(note.statusCode, note.body).toBe(201);
    expect((await complaint(opened.id)).acknowledgement.state).toBe('pending');
    const reply = await call('POST', `/tickets/${opened.id}/messages`, {
      kind: 'reply',
      body: 'شکایت شما دریافت شد و در حال بررسی است.',
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const after = await complaint(opened.id);
    expect(after.acknowledgement.state).toBe('met');
    expect(after.finalResponse.state).toBe('pending');
  });

  it('stamps deadlines from creation when a ticket becomes a complaint, and clears them when it stops being one', async () => {
    const question = await ticket({ type: 'question' });
    expect(question.complaintAckDueAt).toBeNull();
    const became = await call('PATCH', `/objects/tickets/${question.id}`, { type: 'complaint' });
    expect(became.statusCode, became.body).toBe(200);
    expect(became.json().complaintAckDueAt).toBe(
      calendarDeadline(new Date(String(question.createdAt)), 2, 'Asia/Tehran').toISOString(),
    );
    const back = await call('PATCH', `/objects/tickets/${question.id}`, { type: 'incident' });
    expect(back.json().complaintAckDueAt).toBeNull();
    expect(back.json().complaintResponseDueAt).toBeNull();
    // The stamps are the desk's: a caller cannot set them.
    const forged = await call('PATCH', `/objects/tickets/${question.id}`, {
      complaintAckDueAt: '2030-01-01T00:00:00Z',
    });
    expect(forged.statusCode).toBe(400);
  });

  it('keeps a complaint’s category, root cause and compensation from the desk’s lists', async () => {
    const opened = await ticket({ type: 'complaint' });
    const body = {
      category: 'کیفیت کالا',
      rootCause: 'خطای انبار',
      compensationAmount: '1500000',
      compensationCurrency: 'IRR',
      compensationNote: 'کد تخفیف برای خرید بعدی',
    };
    const put = await call('PUT', `/tickets/${opened.id}/complaint`, body);
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ ...body, compensationAmount: '1500000.00', isComplaint: true });
    const wrong = await call('PUT', `/tickets/${opened.id}/complaint`, { ...body, category: 'ناشناخته' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().errors[0].field).toContain('category');
    const half = await call('PUT', `/tickets/${opened.id}/complaint`, {
      ...body,
      compensationCurrency: null,
    });
    expect(half.statusCode).toBe(400);
    // Not a complaint: 409 with a clear problem.
    const question = await ticket({ type: 'question' });
    const notOne = await call('PUT', `/tickets/${question.id}/complaint`, body);
    expect(notOne.statusCode).toBe(409);
    expect(notOne.json().detail).toContain('not a complaint');
  });

  it('refuses hostile input: NUL bytes, huge text, bad time zones, wrong ids, another workspace’s ticket', async () => {
    const opened = await ticket({ type: 'complaint' });
    const base = {
      category: null,
      rootCause: null,
      compensationAmount: null,
      compensationCurrency: null,
      compensationNote: null,
    };
    for (const bad of [
      { ...base, compensationNote: 'a\u0000b' },
      { ...base, compensationNote: 'x'.repeat(2001) },
      { ...base, compensationAmount: '1e9', compensationCurrency: 'IRR' },
      { ...base, compensationAmount: '-5', compensationCurrency: 'IRR' },
      { ...base, compensationCurrency: 'rial' },
      { ...base, extra: true },
    ]) {
      const res = await call('PUT', `/tickets/${opened.id}/complaint`, bad);
      expect(res.statusCode, JSON.stringify(bad).slice(0, 80)).toBe(400);
    }
    const settings = (await call('GET', '/service/cases/settings')).json();
    for (const bad of [
      { ...settings, timeZone: 'Mars/Olympus' },
      { ...settings, ackDays: -1 },
      { ...settings, responseDays: 366 },
      { ...settings, categories: ['a\u0000'] },
      { ...settings, categories: Array.from({ length: 51 }, (_, i) => `c${i}`) },
      { ...settings, rootCauses: ['x'.repeat(101)] },
    ]) {
      const res = await call('PUT', '/service/cases/settings', bad);
      expect(res.statusCode, JSON.stringify(bad).slice(0, 80)).toBe(400);
    }
    expect((await call('GET', '/tickets/not-a-uuid/complaint')).statusCode).toBe(400);
    expect((await call('GET', '/tickets/00000000-0000-4000-8000-000000000000/complaint')).statusCode).toBe(
      404,
    );
    // Another workspace's ticket is not found, read or written.
    expect((await call('GET', `/tickets/${opened.id}/complaint`, undefined, other.cookie)).statusCode).toBe(
      404,
    );
    expect((await call('PUT', `/tickets/${opened.id}/complaint`, base, other.cookie)).statusCode).toBe(404);
  });

  it('lets members read the settings but not change them', async () => {
    expect((await call('GET', '/service/cases/settings', undefined, member.cookie)).statusCode).toBe(200);
    const settings = (await call('GET', '/service/cases/settings')).json();
    expect((await call('PUT', '/service/cases/settings', settings, member.cookie)).statusCode).toBe(403);
  });
});
