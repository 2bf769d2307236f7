// Schedule and date-relative triggers against the real database: publishing queues the job at the next time (held
// in pending_jobs, as before the worker's first start), the job's function starts the run and queues the next
// one in one transaction, and keys make a second fire of one time impossible.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, ownerPool, signUp, type TestApp } from '../../../../test/harness.ts';
import { nextFire } from './schedule.ts';
import { backfillDateJobs, fireDateTrigger, fireSchedule } from './schedule-jobs.ts';

describe('schedule and date-relative workflow triggers', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let owner: pg.Pool;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  interface Job {
    task: string;
    payload: Record<string, unknown> & { fireAt: string };
    run_at: Date;
  }
  const jobs = async (key: string): Promise<Job[]> =>
    (
      await owner.query<Job>('select task, payload, run_at from pending_jobs where job_key = $1', [
        `ws:${admin.workspaceId}:${key}`,
      ])
    ).rows;
  const runs = async (workflowId: string) =>
    (
      (await call('GET', `/workflow-runs?workflowId=${workflowId}`)).json() as {
        data: { id: string; status: string; reason: string | null; trigger: Record<string, unknown> }[];
      }
    ).data;
  const create = async (draft: unknown) => {
    const res = await call('POST', '/workflows', { name: 'Timed', draft });
    expect(res.statusCode, res.body).toBe(201);
    return (res.json() as { id: string }).id;
  };
  const publish = async (id: string) => {
    const res = await call('POST', `/workflows/${id}/publish`);
    expect(res.statusCode, res.body).toBe(200);
  };
  const steps = {
    start: 'note',
    steps: [
      { id: 'note', type: 'createRecord', object: 'people', values: { firstName: { value: 'زمان‌بندی' } } },
    ],
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    owner = ownerPool(t.url, 2);
    // An Iranian workspace: Tehran time, Friday weekend.
    const ws = await call('PATCH', '/workspace', { defaultCountry: 'IR' });
    expect(ws.statusCode, ws.body).toBe(200);
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('a schedule fires once per fire time, queues the next, is replaced by a re-publish and cancelled when turned off', async () => {
    const id = await create({
      trigger: { type: 'schedule', cron: '0 8 * * 6', timeZone: 'Asia/Tehran' },
      ...steps,
    });
    const key = `workflow-schedule:${id}`;
    await publish(id);
    expect(await jobs(key)).toEqual([]); // published but off: nothing queued
    const before = new Date();
    expect((await call('PATCH', `/workflows/${id}`, { enabled: true })).statusCode).toBe(200);
    let [job] = await jobs(key);
    expect(job?.task).toBe('rabita:workflow-schedule');
    const first = nextFire('0 8 * * 6', 'Asia/Tehran', before);
    expect(job!.run_at.toISOString()).toBe(first.toISOString());
    expect(job!.payload).toMatchObject({ workflowId: id, version: 1, fireAt: first.toISOString() });
    // A Saturday, 08:00 in Tehran (04:30 UTC).
    expect(first.getUTCDay()).toBe(6);
    expect(first.toISOString()).toMatch(/T04:30:00\.000Z$/);

    // The job runs 5 s late: one queued run keyed by its fire time, and next Saturday's job in its place.
    const payload = { workspaceId: admin.workspaceId, ...job!.payload } as Parameters<typeof fireSchedule>[1];
    const at = new Date(first.getTime() + 5_000);
    const runId = await fireSchedule(t.handle.db, payload, at);
    expect(runId).toBeDefined();
    let list = await runs(id);
    expect(list.map((r) => [r.status, r.trigger.fireAt])).toEqual([['queued', first.toISOString()]]);
    [job] = await jobs(key);
    expect(job!.run_at.toISOString()).toBe(new Date(first.getTime() + 7 * 86_400_000).toISOString());
    expect(await jobs(`workflow-run:${runId}`)).toHaveLength(1); // the run's first step is queued

    // The same fire time again (a job retried after its commit): no second run.
    expect(await fireSchedule(t.handle.db, payload, at)).toBeUndefined();
    expect(await runs(id)).toHaveLength(1);

    // Re-publishing with another time replaces the job (one per workflow); the old version's job starts nothing.
    expect(
      (
        await call('PATCH', `/workflows/${id}`, {
          draft: { trigger: { type: 'schedule', cron: '30 9 * * 0', timeZone: 'Asia/Tehran' }, ...steps },
        })
      ).statusCode,
    ).toBe(200);
    await publish(id);
    const replaced = await jobs(key);
    expect(replaced).toHaveLength(1);
    expect(replaced[0]!.payload.version).toBe(2);
    expect(new Date(replaced[0]!.payload.fireAt).toISOString()).toMatch(/T06:00:00\.000Z$/); // Sunday 09:30 Tehran
    expect(new Date(replaced[0]!.payload.fireAt).getUTCDay()).toBe(0);
    const later = { ...payload, fireAt: new Date(first.getTime() + 7 * 86_400_000).toISOString() };
    expect(await fireSchedule(t.handle.db, later, new Date(later.fireAt))).toBeUndefined();
    expect(await runs(id)).toHaveLength(1);

    // A fire missed by more than the grace hour (the server was down): recorded skipped, the next one queued.
    const v2 = { workspaceId: admin.workspaceId, ...replaced[0]!.payload } as Parameters<
      typeof fireSchedule
    >[1];
    const down = new Date(new Date(v2.fireAt).getTime() + 3 * 3_600_000);
    await fireSchedule(t.handle.db, v2, down);
    list = await runs(id);
    expect(list[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/^missed/) });
    expect((await jobs(key))[0]!.run_at.getTime()).toBeGreaterThan(down.getTime());

    // Turned off: the job is gone.
    expect((await call('PATCH', `/workflows/${id}`, { enabled: false })).statusCode).toBe(200);
    expect(await jobs(key)).toEqual([]);
  });

  it('refuses a hostile cron or time zone at publish, with a sentence', async () => {
    for (const [trigger, field, message] of [
      [{ cron: '* * * * * *', timeZone: 'Asia/Tehran' }, 'trigger.cron', /five cron fields/],
      [{ cron: '0 8 * * 6', timeZone: 'Asia/Nowhere' }, 'trigger.timeZone', /not an IANA time zone/],
      [{ cron: '99 8 * * 6', timeZone: 'Asia/Tehran' }, 'trigger.cron', /not a valid cron expression/],
    ] as const) {
      const id = await create({ trigger: { type: 'schedule', ...trigger }, ...steps });
      const res = await call('POST', `/workflows/${id}/publish`);
      expect(res.statusCode).toBe(400);
      const body = res.json() as { detail: string; errors: { field: string; message: string }[] };
      expect(body.detail).toMatch(message);
      expect(body.errors[0]!.field).toBe(`body.${field}`);
    }
    const id = await create({
      trigger: { type: 'date', object: 'deals', field: 'name', offset: -3, unit: 'days' },
      ...steps,
    });
    const res = await call('POST', `/workflows/${id}/publish`);
    expect(res.statusCode).toBe(400);
    expect((res.json() as { detail: string }).detail).toMatch(/"name" is not a date or date-time field/);
    for (const [extra, message] of [
      [{ timeZone: 'Nowhere/City' }, /"Nowhere\/City" is not an IANA time zone/],
      [{ unit: 'minutes', at: '09:00' }, /a time of day and business days go with an offset in days/],
    ] as const) {
      const bad = await create({
        trigger: {
          type: 'date',
          object: 'deals',
          field: 'expectedCloseDate',
          offset: -3,
          unit: 'days',
          ...extra,
        },
        ...steps,
      });
      const refused = await call('POST', `/workflows/${bad}/publish`);
      expect(refused.statusCode).toBe(400);
      expect((refused.json() as { detail: string }).detail).toMatch(message);
    }
    // A time of day that is not HH:MM is refused with the draft itself.
    const draft = await call('POST', '/workflows', {
      name: 'Bad time',
      draft: {
        trigger: {
          type: 'date',
          object: 'deals',
          field: 'expectedCloseDate',
          offset: 1,
          unit: 'days',
          at: '25:00',
        },
        ...steps,
      },
    });
    expect(draft.statusCode).toBe(400);
    expect(draft.body).toMatch(/A time of day is HH:MM/);
  });

  it('a date trigger: a time already past queues nothing; a fire more than an hour late is recorded skipped', async () => {
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const id = await create({
      trigger: {
        type: 'date',
        object: 'deals',
        field: 'expectedCloseDate',
        offset: 1,
        unit: 'days',
        at: '10:00',
      },
      ...steps,
    });
    await publish(id);
    expect((await call('PATCH', `/workflows/${id}`, { enabled: true })).statusCode).toBe(200);
    const past = (
      (await call('POST', '/objects/deals', { name: 'گذشته', expectedCloseDate: inDays(-10) })).json() as {
        id: string;
      }
    ).id;
    expect(await jobs(`workflow-date:${id}:${past}`)).toEqual([]);
    const deal = (
      (await call('POST', '/objects/deals', { name: 'آینده', expectedCloseDate: inDays(5) })).json() as {
        id: string;
      }
    ).id;
    const [job] = await jobs(`workflow-date:${id}:${deal}`);
    // The day after the date at 10:00 Tehran time (06:30 UTC).
    expect(job!.payload.fireAt).toBe(`${inDays(6)}T06:30:00.000Z`);
    const payload = { workspaceId: admin.workspaceId, ...job!.payload } as Parameters<
      typeof fireDateTrigger
    >[1];
    await fireDateTrigger(t.handle.db, payload, new Date(Date.parse(payload.fireAt) + 2 * 3_600_000));
    expect(await runs(id)).toMatchObject([{ status: 'skipped', reason: expect.stringMatching(/^missed/) }]);
  });

  it("a job carrying another workspace's id starts nothing there or here", async () => {
    const id = await create({
      trigger: { type: 'schedule', cron: '0 8 * * 6', timeZone: 'Asia/Tehran' },
      ...steps,
    });
    await publish(id);
    expect((await call('PATCH', `/workflows/${id}`, { enabled: true })).statusCode).toBe(200);
    const [job] = await jobs(`workflow-schedule:${id}`);
    const stranger = await signUp(t.app);
    const payload = { ...job!.payload, workspaceId: stranger.workspaceId } as Parameters<
      typeof fireSchedule
    >[1];
    expect(await fireSchedule(t.handle.db, payload, new Date(payload.fireAt))).toBeUndefined();
    expect(await runs(id)).toEqual([]);
  });

  it('a date trigger schedules each record, moves with its date, cancels when cleared, and fires once', async () => {
    const inDays = (n: number) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    // A deal that exists before the workflow is published: scheduled by the publish.
    const early = (
      (
        await call('POST', '/objects/deals', { name: 'قرارداد قدیمی', expectedCloseDate: inDays(20) })
      ).json() as {
        id: string;
      }
    ).id;
    const trigger = {
      type: 'date',
      object: 'deals',
      field: 'expectedCloseDate',
      offset: -3,
      unit: 'days',
      at: '09:00',
      businessDays: true,
    };
    const id = await create({ trigger, ...steps });
    await publish(id);
    expect((await call('PATCH', `/workflows/${id}`, { enabled: true })).statusCode).toBe(200);
    // Turning it on queued the backfill's job (in its transaction); its run schedules the existing deal.
    const [backfill] = await jobs(`workflow-date-backfill:${id}`);
    expect(backfill).toMatchObject({
      task: 'rabita:workflow-date-backfill',
      payload: { version: 1, seen: 0 },
    });
    expect(await jobs(`workflow-date:${id}:${early}`)).toEqual([]);
    const scheduled = await backfillDateJobs(t.handle.db, {
      workspaceId: admin.workspaceId,
      ...(backfill!.payload as unknown as { workflowId: string; version: number }),
    });
    expect(scheduled).toBeGreaterThanOrEqual(1);
    expect(await jobs(`workflow-date:${id}:${early}`)).toHaveLength(1);

    const deal = (
      (await call('POST', '/objects/deals', { name: 'قرارداد', expectedCloseDate: inDays(30) })).json() as {
        id: string;
      }
    ).id;
    const key = `workflow-date:${id}:${deal}`;
    let [job] = await jobs(key);
    // 09:00 in Tehran (05:30 UTC), three business days before, never on a Friday.
    expect(job!.run_at.toISOString()).toMatch(/T05:30:00\.000Z$/);
    expect(job!.run_at.getUTCDay()).not.toBe(5);
    const firstFire = job!.payload.fireAt;

    // The date moves: the job moves with it (still one).
    expect(
      (await call('PATCH', `/objects/deals/${deal}`, { expectedCloseDate: inDays(40) })).statusCode,
    ).toBe(200);
    const moved = await jobs(key);
    expect(moved).toHaveLength(1);
    expect(moved[0]!.payload.fireAt).not.toBe(firstFire);
    expect(moved[0]!.run_at.getTime()).toBeGreaterThan(job!.run_at.getTime());
    // The job queued for the old date, if it ran anyway, starts nothing.
    const stale = { workspaceId: admin.workspaceId, workflowId: id, recordId: deal, fireAt: firstFire };
    expect(await fireDateTrigger(t.handle.db, stale, new Date(firstFire))).toBeUndefined();

    // The current job fires once: a run keyed by record and time; a second fire of it starts nothing.
    [job] = moved;
    const payload = { workspaceId: admin.workspaceId, ...job!.payload } as Parameters<
      typeof fireDateTrigger
    >[1];
    const runId = await fireDateTrigger(t.handle.db, payload, new Date(payload.fireAt));
    expect(runId).toBeDefined();
    expect(await fireDateTrigger(t.handle.db, payload, new Date(payload.fireAt))).toBeUndefined();
    const list = await runs(id);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      id: runId,
      status: 'queued',
      trigger: { kind: 'date', fireAt: payload.fireAt },
    });

    // Cleared: the job is cancelled. Deleted: likewise.
    expect((await call('PATCH', `/objects/deals/${deal}`, { expectedCloseDate: null })).statusCode).toBe(200);
    expect(await jobs(key)).toEqual([]);
    expect((await call('DELETE', `/objects/deals/${early}`)).statusCode).toBeLessThan(300);
    expect(await jobs(`workflow-date:${id}:${early}`)).toEqual([]);
  });
});
