import { type DatabaseHandle, openDatabase } from '@rabita/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  countStatements,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { principalForMember } from '../auth/members.service.ts';
import type { ReportDefinition } from './report-definition.ts';
import { runReport } from './run-report.ts';
import { runReportOnce } from './shared-run.ts';

// Identical report runs in flight at once (a dashboard's chart and table of the same question) share one statement;
// a different caller, role or question, or a run after the first has ended, runs its own.

describe('report runs joined while in flight', () => {
  let t: TestApp;
  let handle: DatabaseHandle;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let rep: { userId: string; cookie: string };
  let grouped: { count: number };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const byStatus: ReportDefinition = {
    object: 'deals',
    groupBy: [{ field: 'status' }],
    measures: [{ fn: 'count' }],
  } as ReportDefinition;
  const ctxOf = async (userId: string) => ({
    db: handle.db,
    principal: (await principalForMember(handle.db, userId, admin.workspaceId))!,
  });

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    handle = openDatabase(t.url, { poolSize: 4 });
    // The report's own statement (its first common table is the records read).
    grouped = countStatements(handle.pool, /^\s*with src as/i);
    admin = await signUp(t.app);
    const role = await call('POST', '/roles', {
      key: 'own_deals',
      name: 'own_deals',
      permissions: {
        actions: [],
        objects: { deals: { read: true, create: true, update: true, delete: false, ownRecordsOnly: true } },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    rep = await joinByInvitation(t.app, admin.cookie, {
      email: `rep.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'own_deals',
      name: 'Rep',
    });
    const records = Array.from({ length: 12 }, (_, i) => ({
      name: `Shared ${i}`,
      status: i % 3 === 0 ? 'won' : i % 3 === 1 ? 'lost' : 'open',
      owner: i % 4 === 0 ? rep.userId : admin.userId,
    }));
    const batch = await call('POST', '/objects/deals/batch', { records });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
  }, 120_000);
  afterAll(async () => {
    await handle?.close();
    await t?.close();
  });

  it('answers identical runs at once with one statement, the same answer the statement gives', async () => {
    const ctx = await ctxOf(admin.userId);
    const alone = await runReport(ctx, byStatus);
    const before = grouped.count;
    const [a, b] = await Promise.all([runReportOnce(ctx, byStatus), runReportOnce(ctx, { ...byStatus })]);
    expect(grouped.count - before).toBe(1);
    expect(a).toEqual(alone);
    expect(b).toEqual(alone);
    expect(alone.rows.reduce((n, r) => n + Number(r.values[0]), 0)).toBe(12);
  });

  it('runs again once the first run has ended: nothing is kept', async () => {
    const ctx = await ctxOf(admin.userId);
    const before = grouped.count;
    await runReportOnce(ctx, byStatus);
    await runReportOnce(ctx, byStatus);
    expect(grouped.count - before).toBe(2);
  });

  it('never joins another caller’s run: their own records only, each', async () => {
    const [mine, theirs] = await Promise.all([ctxOf(admin.userId), ctxOf(rep.userId)]);
    const before = grouped.count;
    const [all, own] = await Promise.all([runReportOnce(mine, byStatus), runReportOnce(theirs, byStatus)]);
    expect(grouped.count - before).toBe(2);
    expect(all).toEqual(await runReport(mine, byStatus));
    expect(own).toEqual(await runReport(theirs, byStatus));
    expect(own.rows.reduce((n, r) => n + Number(r.values[0]), 0)).toBe(3);
  });

  it('runs different questions apart', async () => {
    const ctx = await ctxOf(admin.userId);
    const byCategory = { ...byStatus, groupBy: [{ field: 'forecastCategory' }] } as ReportDefinition;
    const before = grouped.count;
    const [a, b] = await Promise.all([runReportOnce(ctx, byStatus), runReportOnce(ctx, byCategory)]);
    expect(grouped.count - before).toBe(2);
    expect(a).toEqual(await runReport(ctx, byStatus));
    expect(b).toEqual(await runReport(ctx, byCategory));
  });
});
