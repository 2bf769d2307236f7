import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { expireReportExport, runReportExport } from './export.service.ts';
import { issuePrintToken } from './pdf-print.ts';

describe('report exports, print tokens and schedules', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let reportId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const token = (overrides: Partial<Parameters<typeof issuePrintToken>[1]> = {}) =>
    issuePrintToken(t.handle.db, {
      workspaceId: admin.workspaceId,
      userId: admin.userId,
      target: 'report',
      targetId: reportId,
      ...overrides,
    });
  const redeem = (value: string) => call('POST', '/reports/print-view', { token: value }, '');
  /** How many print tokens are kept (read as the owner). */
  const tokensKept = async () => {
    const owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    try {
      return (await owner.query<{ n: number }>('select count(*)::int as n from report_print_tokens')).rows[0]!
        .n;
    } finally {
      await owner.end();
    }
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    const saved = await call('POST', '/reports', {
      name: 'Deals by status',
      definition: { object: 'deals', groupBy: [{ field: 'status' }], measures: [{ fn: 'count' }] },
    });
    expect(saved.statusCode, saved.body).toBe(201);
    reportId = saved.json().id;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('opens one report once with a print token, as its person, and nothing else', async () => {
    const { token: value } = await token();
    const first = await redeem(value);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers['set-cookie']).toBeUndefined();
    expect(first.json().report.name).toBe('Deals by status');
    expect(first.json().viewer.locale).toBe('en');
    // Single use.
    expect((await redeem(value)).statusCode).toBe(401);
    // Not a credential anywhere else: as a bearer token it is no API key.
    const { token: another } = await token();
    const elsewhere = await call('GET', `/reports/${reportId}`, undefined, {
      authorization: `Bearer ${another}`,
    });
    expect(elsewhere.statusCode).toBe(401);
    expect((await redeem(another)).statusCode).toBe(200);
  });

  it('refuses expired, revoked, forged and other-kind tokens alike', async () => {
    const kept = await tokensKept();
    const expired = await token({ ttlMs: -1000 });
    expect(await tokensKept()).toBe(kept + 1);
    expect((await redeem(expired.token)).statusCode).toBe(401);
    // An expired token is spent too.
    expect(await tokensKept()).toBe(kept);
    const revoked = await token();
    await revoked.revoke();
    expect((await redeem(revoked.token)).statusCode).toBe(401);
    const dashboard = await token({ target: 'dashboard' });
    expect((await redeem(dashboard.token)).statusCode).toBe(401);
    const live = await token();
    // The same secret under another workspace's id finds nothing.
    const forged = `${other.workspaceId}.${live.token.split('.')[1]}`;
    for (const value of [forged, 'x', '', `${admin.workspaceId}.\u0000`, '\ud800', 'a'.repeat(200)]) {
      const res = await redeem(value);
      expect(res.statusCode, value).toBeGreaterThanOrEqual(400);
      expect(res.statusCode).toBeLessThan(500);
    }
    expect((await call('POST', '/reports/print-view', { token: 'a'.repeat(201) }, '')).statusCode).toBe(400);
    expect((await redeem(live.token)).statusCode).toBe(200);
  });

  it('exports a spreadsheet in the background for its requester only, then removes it', async () => {
    const queued = await call('POST', `/reports/${reportId}/exports`, { format: 'csv' });
    expect(queued.statusCode, queued.body).toBe(202);
    const id = queued.json().id as string;
    await runReportExport(
      { db: t.handle.db, baseUrl: undefined },
      { workspaceId: admin.workspaceId, exportId: id },
    );
    const done = await call('GET', `/reports/${reportId}/exports/${id}`);
    expect(done.json().status).toBe('done');
    const file = await call('GET', `/reports/${reportId}/exports/${id}/file`);
    expect(file.statusCode).toBe(200);
    expect(file.body.charCodeAt(0)).toBe(0xfeff);
    // Another workspace's person cannot see it, by any id.
    expect(
      (await call('GET', `/reports/${reportId}/exports/${id}`, undefined, other.cookie)).statusCode,
    ).toBe(404);
    expect(
      (await call('GET', `/reports/${reportId}/exports/${id}/file`, undefined, other.cookie)).statusCode,
    ).toBe(404);
    await expireReportExport(t.handle.db, { workspaceId: admin.workspaceId, exportId: id });
    expect((await call('GET', `/reports/${reportId}/exports/${id}`)).statusCode).toBe(404);
  });

  it('records a PDF export that cannot render as failed, with its reason', async () => {
    const queued = await call('POST', `/reports/${reportId}/exports`, { format: 'pdf' });
    const id = queued.json().id as string;
    await runReportExport(
      { db: t.handle.db, baseUrl: undefined },
      { workspaceId: admin.workspaceId, exportId: id },
    );
    const failed = (await call('GET', `/reports/${reportId}/exports/${id}`)).json();
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('RABITA_PUBLIC_URL');
    expect((await call('GET', `/reports/${reportId}/exports/${id}/file`)).statusCode).toBe(404);
  });

  it('refuses bad export requests and reports of others', async () => {
    for (const body of [{}, { format: 'docx' }, { format: 'pdf', extra: 1 }, { format: '\u0000' }])
      expect((await call('POST', `/reports/${reportId}/exports`, body)).statusCode).toBe(400);
    expect(
      (await call('POST', `/reports/${reportId}/exports`, { format: 'pdf' }, other.cookie)).statusCode,
    ).toBe(404);
    expect((await call('POST', '/reports/not-an-id/exports', { format: 'pdf' })).statusCode).toBe(404);
    expect((await call('GET', `/reports/${reportId}/exports/\ud800`)).statusCode).toBeLessThan(500);
  });

  it('checks a schedule’s recipients, mailbox and recurrence', async () => {
    const base = {
      mailboxId: '00000000-0000-4000-8000-000000000000',
      format: 'pdf',
      recurrence: { frequency: 'weekly', weekday: 6, time: '08:00', timeZone: 'Asia/Tehran' },
      addresses: ['boss@example.com'],
    };
    const noMailbox = await call('POST', `/reports/${reportId}/schedules`, base);
    expect(noMailbox.statusCode, noMailbox.body).toBe(400);
    expect(noMailbox.json().errors[0].field).toBe('body.mailboxId');
    for (const body of [
      { ...base, addresses: [] },
      { ...base, addresses: ['not an address'] },
      { ...base, memberIds: [other.userId] },
      { ...base, recurrence: { frequency: 'weekly', time: '08:00', timeZone: 'Asia/Tehran' } },
      { ...base, recurrence: { ...base.recurrence, timeZone: 'Asia/Tehran\u0000' } },
    ]) {
      const res = await call('POST', `/reports/${reportId}/schedules`, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    expect((await call('POST', `/reports/${reportId}/schedules`, base, other.cookie)).statusCode).toBe(404);
    const list = await call('GET', `/reports/${reportId}/schedules`);
    expect(list.json().data).toEqual([]);
  });
});
