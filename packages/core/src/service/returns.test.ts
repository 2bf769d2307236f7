import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { multipartForm } from '../../../../test/multipart.ts';
import { RETURN_MOVES, RETURN_STATES } from './returns-flow.ts';

// Returns as a ticket type, through the API against real PostgreSQL: lines with reason codes and photos, the
// state machine's legal and illegal moves, each move on the ticket's timeline, the ticket's SLA clocks held while
// the item is awaited, permissions, and hostile input.

const H = 3_600_000;
const png = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

describe('returns', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let member: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const at = (iso: string) => vi.setSystemTime(new Date(iso));
  const ticket = async (type = 'return') => {
    const res = await call('POST', '/objects/tickets', {
      subject: 'مرجوعی سفارش ۴۵۱۲',
      type,
      language: 'fa',
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().id as string;
  };
  const line = (overrides: Record<string, unknown> = {}) => ({
    product: 'کتری برقی',
    orderRef: 'SO-4512/2',
    quantity: 1,
    reasonCode: 'آسیب‌دیده',
    note: null,
    ...overrides,
  });
  const addLine = async (id: string, overrides: Record<string, unknown> = {}) => {
    const res = await call('POST', `/tickets/${id}/return/lines`, line(overrides));
    expect(res.statusCode, res.body).toBe(201);
    return res.json();
  };
  const move = (id: string, to: string, note?: string, cookie?: string) =>
    call('POST', `/tickets/${id}/return/moves`, note === undefined ? { to } : { to, note }, cookie);
  const moveOk = async (id: string, to: string, note?: string) => {
    const res = await move(id, to, note);
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const upload = (lineId: string, file: Buffer, name = 'عکس.png', cookie = admin.cookie) => {
    const form = multipartForm({}, file, name);
    return t.app.inject({
      method: 'POST',
      url: `/api/v1/service/return-lines/${lineId}/photos`,
      headers: { ...form.headers, cookie },
      payload: form.payload,
    });
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
    const settings = (await call('GET', '/service/cases/settings')).json();
    const put = await call('PUT', '/service/cases/settings', {
      ...settings,
      reasonCodes: ['آسیب‌دیده', 'کالای اشتباه', 'مطابق توضیحات نیست'],
    });
    expect(put.statusCode, put.body).toBe(200);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('takes a return from requested to refunded, each move kept with who, when and note on the timeline', async () => {
    const id = await ticket();
    const empty = (await call('GET', `/tickets/${id}/return`)).json();
    expect(empty).toMatchObject({
      isReturn: true,
      state: 'requested',
      moves: ['approved', 'rejected'],
      lines: [],
    });
    // Approving needs something to return.
    const early = await move(id, 'approved');
    expect(early.statusCode).toBe(409);
    const withLine = await addLine(id, { quantity: 2 });
    expect(withLine.lines).toHaveLength(1);
    expect(withLine.lines[0]).toMatchObject({ product: 'کتری برقی', orderRef: 'SO-4512/2', quantity: 2 });

    const approved = await moveOk(id, 'approved', 'برچسب ارسال برای مشتری فرستاده شد');
    expect(approved).toMatchObject({
      state: 'approved',
      awaitingItem: true,
      moves: ['received', 'rejected'],
    });
    // Lines are the customer's request: fixed once approved.
    expect((await call('POST', `/tickets/${id}/return/lines`, line())).statusCode).toBe(409);
    expect((await call('DELETE', `/service/return-lines/${withLine.lines[0].id}`)).statusCode).toBe(409);
    await moveOk(id, 'received');
    await moveOk(id, 'inspected', 'بدنه ترک دارد');
    const refunded = await moveOk(id, 'refunded');
    expect(refunded).toMatchObject({ state: 'refunded', moves: [], awaitingItem: false });
    expect(refunded.history.map((h: { from: string; to: string }) => `${h.from}→${h.to}`)).toEqual([
      'requested→approved',
      'approved→received',
      'received→inspected',
      'inspected→refunded',
    ]);
    expect(refunded.history[0]).toMatchObject({
      userId: admin.userId,
      note: 'برچسب ارسال برای مشتری فرستاده شد',
    });

    const timeline = await call('GET', `/objects/tickets/${id}/timeline`);
    expect(timeline.statusCode, timeline.body).toBe(200);
    const moves = timeline.json().data.filter((e: { kind: string }) => e.kind === 'return');
    expect(moves.map((e: { to: string }) => e.to)).toEqual(['refunded', 'inspected', 'received', 'approved']);
    expect(moves[2]).toMatchObject({ from: 'approved', userId: admin.userId, note: null });
    // An ending moves no further.
    const after = await move(id, 'replaced');
    expect(after.statusCode).toBe(409);
    expect(after.json().detail).toContain('refunded');
  });

  it('accepts only the legal moves from every state, naming the ones it may make', async () => {
    for (const from of ['requested', 'approved', 'received', 'inspected'] as const) {
      const path: Record<string, string[]> = {
        requested: [],
        approved: ['approved'],
        received: ['approved', 'received'],
        inspected: ['approved', 'received', 'inspected'],
      };
      for (const to of RETURN_STATES) {
        const id = await ticket();
        await addLine(id);
        for (const step of path[from]!) await moveOk(id, step);
        const res = await move(id, to);
        const legal = RETURN_MOVES[from].includes(to);
        expect(res.statusCode, `${from} → ${to}: ${res.body}`).toBe(legal ? 200 : 409);
        if (!legal) expect(res.json().detail).toContain(`A ${from} return cannot become ${to}`);
      }
    }
    const id = await ticket();
    expect((await move(id, 'shipped')).statusCode).toBe(400);
    // Not a return ticket: 409 with a clear problem.
    const question = await ticket('question');
    const notOne = await call('POST', `/tickets/${question}/return/lines`, line());
    expect(notOne.statusCode).toBe(409);
    expect(notOne.json().detail).toContain('not a return');
  });

  it('pauses the ticket’s SLA clocks while the item is awaited, and runs them again once it is received', async () => {
    const policy = await call('POST', '/service/sla-policies', {
      name: 'همه تیکت‌ها',
      businessTime: false,
      targets: { normal: { first_response: 240, resolution: 24 * 60 } },
    });
    expect(policy.statusCode, policy.body).toBe(201);
    vi.useFakeTimers({ toFake: ['Date'] });
    at('2026-01-31T06:00:00Z');
    const id = await ticket();
    await addLine(id);
    at('2026-01-31T07:00:00Z');
    await moveOk(id, 'approved');
    const held = (await call('GET', `/tickets/${id}/sla`)).json();
    expect(held.status).toBe('paused');
    expect(held.clocks.find((c: { metric: string }) => c.metric === 'resolution')).toMatchObject({
      state: 'paused',
      consumedMs: H,
    });
    // Five days waiting for the parcel count for nothing.
    at('2026-02-05T07:00:00Z');
    expect((await call('GET', `/tickets/${id}/sla`)).json().status).toBe('paused');
    await moveOk(id, 'received');
    at('2026-02-05T09:00:00Z');
    const running = (await call('GET', `/tickets/${id}/sla`)).json();
    expect(running.status).toBe('on_track');
    expect(running.clocks.find((c: { metric: string }) => c.metric === 'resolution')).toMatchObject({
      state: 'running',
      consumedMs: 3 * H,
    });
    // Rejected while awaited (the item never came): released too.
    const lost = await ticket();
    await addLine(lost);
    await moveOk(lost, 'approved');
    expect((await call('GET', `/tickets/${lost}/sla`)).json().status).toBe('paused');
    await moveOk(lost, 'rejected', 'کالا پس از ۳۰ روز نرسید');
    expect((await call('GET', `/tickets/${lost}/sla`)).json().status).toBe('on_track');
    // A ticket awaiting its item that stops being a return runs again; made a return again, it is held again.
    const retyped = await ticket();
    await addLine(retyped);
    await moveOk(retyped, 'approved');
    const patch = (type: string) => call('PATCH', `/objects/tickets/${retyped}`, { type });
    expect((await patch('question')).statusCode).toBe(200);
    expect((await call('GET', `/tickets/${retyped}/sla`)).json().status).toBe('on_track');
    expect((await patch('return')).statusCode).toBe(200);
    expect((await call('GET', `/tickets/${retyped}/sla`)).json().status).toBe('paused');
    await call('DELETE', `/service/sla-policies/${policy.json().id}`);
  });

  it('keeps photos on a line as images checked by their bytes, served inline and sandboxed', async () => {
    const id = await ticket();
    const lineId = (await addLine(id)).lines[0].id as string;
    const up = await upload(lineId, png);
    expect(up.statusCode, up.body).toBe(201);
    expect(up.json()).toMatchObject({ filename: 'عکس.png', contentType: 'image/png', size: png.length });
    const got = await call('GET', `/service/return-photos/${up.json().id}`);
    expect(got.statusCode).toBe(200);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['content-security-policy']).toContain('sandbox');
    expect(got.rawPayload.equals(png)).toBe(true);
    expect((await call('GET', `/tickets/${id}/return`)).json().lines[0].photos).toHaveLength(1);
    // A page dressed as a photo is refused by its bytes.
    const html = await upload(lineId, Buffer.from('<html><script>alert(1)</script></html>'), 'x.png');
    expect(html.statusCode).toBe(400);
    // Another workspace sees neither the photo nor the line.
    expect(
      (await call('GET', `/service/return-photos/${up.json().id}`, undefined, other.cookie)).statusCode,
    ).toBe(404);
    expect((await upload(lineId, png, 'x.png', other.cookie)).statusCode).toBe(404);
    expect(
      (await call('DELETE', `/service/return-photos/${up.json().id}`, undefined, other.cookie)).statusCode,
    ).toBe(404);
    const removed = await call('DELETE', `/service/return-photos/${up.json().id}`);
    expect(removed.statusCode).toBe(204);
  });

  it('lets members receive and inspect, but not approve, refund, replace or reject', async () => {
    const id = await ticket();
    await addLine(id);
    const denied = await move(id, 'approved', undefined, member.cookie);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().detail).toContain('service.returns.decide');
    expect((await call('GET', `/tickets/${id}/return`, undefined, member.cookie)).json().canDecide).toBe(
      false,
    );
    await moveOk(id, 'approved');
    expect((await move(id, 'received', undefined, member.cookie)).statusCode).toBe(200);
    expect((await move(id, 'inspected', undefined, member.cookie)).statusCode).toBe(200);
    expect((await move(id, 'replaced', undefined, member.cookie)).statusCode).toBe(403);
  });

  it('refuses hostile input: NUL bytes, huge text, unknown reasons, wrong ids, another workspace’s ticket', async () => {
    const id = await ticket();
    for (const bad of [
      line({ product: 'کتری\u0000' }),
      line({ product: 'x'.repeat(301) }),
      line({ note: 'x'.repeat(2001) }),
      line({ orderRef: '\ud800' }),
      line({ quantity: 0 }),
      line({ quantity: 1.5 }),
      line({ quantity: 100_001 }),
      { ...line(), ticketId: id },
    ]) {
      const res = await call('POST', `/tickets/${id}/return/lines`, bad);
      expect(res.statusCode, JSON.stringify(bad).slice(0, 80)).toBe(400);
    }
    const unknown = await call('POST', `/tickets/${id}/return/lines`, line({ reasonCode: 'دلیل دیگر' }));
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0].field).toContain('reasonCode');
    await addLine(id);
    expect(
      (await call('POST', `/tickets/${id}/return/moves`, { to: 'approved', note: 'a\u0000' })).statusCode,
    ).toBe(400);
    expect((await call('GET', '/tickets/nope/return')).statusCode).toBe(400);
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await call('GET', `/tickets/${missing}/return`)).statusCode).toBe(404);
    expect((await move(missing, 'approved')).statusCode).toBe(404);
    expect((await call('DELETE', `/service/return-lines/${missing}`)).statusCode).toBe(404);
    expect((await call('GET', `/service/return-photos/${missing}`)).statusCode).toBe(404);
    // Another workspace's ticket and line are not found, read or written.
    const lineId = (await call('GET', `/tickets/${id}/return`)).json().lines[0].id as string;
    expect((await call('GET', `/tickets/${id}/return`, undefined, other.cookie)).statusCode).toBe(404);
    expect((await call('POST', `/tickets/${id}/return/lines`, line(), other.cookie)).statusCode).toBe(404);
    expect((await move(id, 'approved', undefined, other.cookie)).statusCode).toBe(404);
    expect(
      (await call('DELETE', `/service/return-lines/${lineId}`, undefined, other.cookie)).statusCode,
    ).toBe(404);
    expect((await call('GET', `/tickets/${id}/return`)).json()).toMatchObject({ state: 'requested' });
  });
});
