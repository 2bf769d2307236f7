import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { drainRuns, publishWorkflow } from '../workflows/test-kit.ts';

describe('a workflow started by a call that ended', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let apiKey: string;
  let person: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const at = (s: number) => new Date(Date.parse('2026-12-05T09:00:00Z') + s * 1000).toISOString();
  const post = async (events: unknown[]) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/calls/events',
      payload: JSON.stringify({ events }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    });
    expect(res.statusCode, res.body).toBe(202);
  };
  const ev = (callId: string, event: string, sequence: number, from: string, extra = {}) => ({
    callId,
    event,
    sequence,
    at: at(sequence * 10),
    from,
    to: '02188776655',
    direction: 'inbound',
    ...extra,
  });
  const tasksAbout = async () =>
    withWorkspace(t.handle.db, admin.workspaceId, async (trx) =>
      (
        await sql<{
          title: string;
        }>`select title from tasks where title like 'Call back%' order by title`.execute(trx)
      ).rows.map((r) => r.title),
    );

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    const p = await call('POST', '/objects/people', { firstName: 'مریم', phones: ['+98 912 123 4567'] });
    expect(p.statusCode, p.body).toBe(201);
    person = p.json().id;
    const made = await call('POST', '/calls/connections', {
      name: 'تلفن دفتر',
      type: 'generic',
      extensions: { '100': admin.userId },
      stripPrefixes: ['9'],
      country: 'IR',
      newApiKey: true,
    });
    expect(made.statusCode, made.body).toBe(201);
    apiKey = made.json().apiKey;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists calls.ended among the events, and runs once per ended call on the one person the caller matched', async () => {
    const events = await call('GET', '/workflows/events');
    expect(events.json().data).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'calls.ended', object: '*' })]),
    );
    await publishWorkflow(call, {
      name: 'تماس‌های از دست رفته',
      draft: {
        trigger: {
          type: 'event',
          event: 'calls.ended',
          object: 'people',
          condition: { expr: 'trigger.payload.outcome == "missed"' },
        },
        start: 'task',
        steps: [
          {
            id: 'task',
            type: 'createRecord',
            object: 'tasks',
            values: {
              title: { expr: '"Call back " + record.firstName + " (" + trigger.payload.outcome + ")"' },
            },
            next: null,
          },
        ],
      },
    });
    // Missed (rang, ended without an answer), from the stored number typed with Persian digits and the trunk's 9.
    await post([ev('m1', 'ringing', 0, '۹۰۹۱۲۱۲۳۴۵۶۷'), ev('m1', 'ended', 1, '۹۰۹۱۲۱۲۳۴۵۶۷')]);
    // Resent, and a later event of the same call: still one run.
    await post([ev('m1', 'ended', 1, '۹۰۹۱۲۱۲۳۴۵۶۷'), ev('m1', 'ended', 2, '۹۰۹۱۲۱۲۳۴۵۶۷')]);
    // Answered: the condition does not hold.
    await post([
      ev('a1', 'ringing', 0, '09121234567'),
      ev('a1', 'answered', 1, '09121234567', { extension: '100' }),
      ev('a1', 'ended', 2, '09121234567'),
    ]);
    // A stranger's number matches nobody: nothing is announced.
    await post([ev('s1', 'ringing', 0, '09351112233'), ev('s1', 'ended', 1, '09351112233')]);
    await drainRuns(t.handle.db, admin.workspaceId);
    expect(await tasksAbout()).toEqual(['Call back مریم (missed)']);
    const runs = await withWorkspace(
      t.handle.db,
      admin.workspaceId,
      async (trx) =>
        (
          await sql<{ triggerRecordId: string; status: string }>`select trigger_record_id, status
          from workflow_runs`.execute(trx)
        ).rows,
    );
    expect(runs).toEqual([{ triggerRecordId: person, status: 'succeeded' }]);
  });
});
