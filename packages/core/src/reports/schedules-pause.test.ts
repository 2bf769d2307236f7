// A scheduled report that fails to send `MAX_FAILED_SENDS` times in a row pauses itself: no next run, the reason in
// its API, and its owner told through the notifications service; resuming clears the count and queues the next
// run. The schedule's job runs as the worker runs it (`runReportSchedule`), here without mail (the worker has no
// secret key), which is a real failure of the send.
import { randomUUID } from 'node:crypto';
import { withWorkspace } from '@rabita/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { recordScheduleRun } from './schedules.repository.ts';
import { MAX_FAILED_SENDS, runReportSchedule, SCHEDULE_PAUSED_NOTICE } from './schedules.service.ts';

interface Schedule {
  id: string;
  failures: number;
  lastError: string | null;
  lastRunAt: string | null;
  nextRunAt: string | null;
  paused: { at: string; reason: string | null } | null;
}

describe('a scheduled report that keeps failing pauses itself', () => {
  let t: TestApp;
  let owner: pg.Client;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let sara: { userId: string; cookie: string };
  let nima: { userId: string; cookie: string };
  let reportId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  /** A schedule of Sara's, due now (made as the schedule's route stores one; its mailbox is never reached). */
  async function saraSchedule(): Promise<string> {
    const id = randomUUID();
    await owner.query(
      `insert into report_schedules (workspace_id, id, report_id, owner_id, mailbox_id, format, recurrence,
         addresses, enabled, next_run_at)
       values ($1, $2, $3, $4, $5, 'csv', $6, '{boss@example.com}', true, now())`,
      [
        admin.workspaceId,
        id,
        reportId,
        sara.userId,
        randomUUID(),
        JSON.stringify({ frequency: 'daily', time: '08:00', timeZone: 'Asia/Tehran', calendar: 'persian' }),
      ],
    );
    return id;
  }
  /** Runs the schedule's job as the worker would, on a worker with no way to send mail. */
  const runJob = (scheduleId: string) =>
    runReportSchedule(
      { db: t.handle.db, baseUrl: undefined, mail: undefined },
      { workspaceId: admin.workspaceId, scheduleId },
    );
  const scheduleOf = async (id: string, cookie = sara.cookie): Promise<Schedule> => {
    const r = await call('GET', `/reports/${reportId}/schedules`, undefined, cookie);
    expect(r.statusCode, r.body).toBe(200);
    return (r.json().data as Schedule[]).find((s) => s.id === id)!;
  };
  const queued = async (id: string) =>
    (await owner.query(`select run_at from pending_jobs where job_key like $1`, [`%report-schedule:${id}`]))
      .rows as { run_at: Date }[];

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    admin = await signUp(t.app);
    // Sara's role names deals only (no `*`): a notification about a report must reach her all the same.
    const narrow = await call('POST', '/roles', {
      key: 'deals_only',
      name: 'Deals only',
      permissions: {
        actions: [],
        objects: { deals: { read: true, create: true, update: false, delete: false } },
      },
    });
    expect(narrow.statusCode, narrow.body).toBe(201);
    const mail = (n: string) => `${n}.${admin.workspaceId.slice(0, 8)}@example.com`;
    sara = await joinByInvitation(t.app, admin.cookie, {
      email: mail('sara'),
      role: 'deals_only',
      name: 'Sara',
    });
    nima = await joinByInvitation(t.app, admin.cookie, { email: mail('nima'), role: 'member', name: 'Nima' });
    const saved = await call('POST', '/reports', {
      name: 'Weekly deals',
      definition: { object: 'deals', measures: [{ fn: 'count' }] },
      shares: [
        { kind: 'user', id: sara.userId },
        { kind: 'user', id: nima.userId },
      ],
    });
    expect(saved.statusCode, saved.body).toBe(201);
    reportId = saved.json().id;
  }, 120_000);
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it(`counts failed sends, pauses at ${MAX_FAILED_SENDS}, and tells its owner`, async () => {
    const id = await saraSchedule();
    for (let i = 1; i < MAX_FAILED_SENDS; i++) {
      await runJob(id);
      const s = await scheduleOf(id);
      expect(s.failures).toBe(i);
      expect(s.paused).toBeNull();
      expect(s.lastError).toMatch(/cannot send mail/);
      expect(s.nextRunAt).not.toBeNull();
      expect(await queued(id)).toHaveLength(1);
    }
    await runJob(id);
    const paused = await scheduleOf(id);
    expect(paused.failures).toBe(MAX_FAILED_SENDS);
    expect(paused.paused?.reason).toMatch(/cannot send mail/);
    expect(Date.parse(paused.paused!.at)).toBeGreaterThan(Date.now() - 60_000);
    expect(paused.nextRunAt).toBeNull();
    expect(await queued(id)).toHaveLength(0);
    // Its owner is told once, about the report; nobody else is.
    const notes = (await call('GET', '/notifications', undefined, sara.cookie)).json();
    expect(notes.unreadCount).toBe(1);
    expect(notes.data[0]).toMatchObject({
      kind: SCHEDULE_PAUSED_NOTICE.kind,
      object: SCHEDULE_PAUSED_NOTICE.object,
      recordId: reportId,
      title: null,
    });
    expect((await call('GET', '/notifications')).json().unreadCount).toBe(0);
    // A paused schedule's job, should one still come, sends nothing and changes nothing.
    await runJob(id);
    expect(await scheduleOf(id)).toEqual(paused);
    expect((await call('GET', '/notifications', undefined, sara.cookie)).json().unreadCount).toBe(1);
    // The admin (reports.manage) sees why among the report's schedules.
    expect((await scheduleOf(id, admin.cookie)).paused?.reason).toMatch(/cannot send mail/);
  });

  it('resumes for its owner (or an admin) only: the count back to 0, the next run queued', async () => {
    const id = await saraSchedule();
    for (let i = 0; i < MAX_FAILED_SENDS; i++) await runJob(id);
    expect((await scheduleOf(id)).paused).not.toBeNull();
    // Someone the report is shared with but whose schedule it is not: not found, and still paused.
    const refused = await call('POST', `/reports/${reportId}/schedules/${id}/resume`, {}, nima.cookie);
    expect(refused.statusCode).toBe(404);
    expect((await scheduleOf(id)).paused).not.toBeNull();
    const resumed = await call('POST', `/reports/${reportId}/schedules/${id}/resume`, {}, sara.cookie);
    expect(resumed.statusCode, resumed.body).toBe(200);
    expect(resumed.json()).toMatchObject({ failures: 0, paused: null });
    const next = resumed.json().nextRunAt as string;
    expect(Date.parse(next)).toBeGreaterThan(Date.now());
    // 08:00 in Tehran is 04:30 UTC.
    expect(next.slice(11, 16)).toBe('04:30');
    const jobs = await queued(id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.run_at.toISOString()).toBe(next);
    // Counting starts again from nothing: one more failure is one.
    await runJob(id);
    expect(await scheduleOf(id)).toMatchObject({ failures: 1, paused: null });
    // Resuming one that is not paused answers it as it is.
    const again = await call('POST', `/reports/${reportId}/schedules/${id}/resume`, {}, sara.cookie);
    expect(again.json()).toMatchObject({ failures: 1, paused: null });
    // Hostile and foreign ids are not found.
    for (const bad of ['not-an-id', randomUUID()]) {
      const r = await call('POST', `/reports/${reportId}/schedules/${bad}/resume`, {}, sara.cookie);
      expect(r.statusCode).toBe(404);
    }
    const nul = await call('POST', `/reports/${reportId}/schedules/%00/resume`, {}, sara.cookie);
    expect(nul.statusCode).toBe(400);
  });

  it('counts failures in a row only: a send that goes out sets them back to 0', async () => {
    const id = await saraSchedule();
    await runJob(id);
    await runJob(id);
    expect((await scheduleOf(id)).failures).toBe(2);
    const next = new Date(Date.now() + 86_400_000);
    const outcome = await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      recordScheduleRun(trx, admin.workspaceId, id, {
        at: new Date(),
        error: null,
        nextRunAt: next,
        maxFailures: MAX_FAILED_SENDS,
      }),
    );
    expect(outcome).toEqual({ paused: false, failures: 0 });
    expect(await scheduleOf(id)).toMatchObject({ failures: 0, lastError: null, paused: null });
  });
});
