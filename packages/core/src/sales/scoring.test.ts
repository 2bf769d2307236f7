import { withWorkspace } from '@rabita/db';
import { parseCrontab } from 'graphile-worker';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  apiCaller,
  createTestApp,
  joinByInvitation,
  signUp,
  type TestApp,
} from '../../../../test/harness.ts';
import { registry } from '../modules/registry.ts';
import { defaultSettings } from '../modules/settings.ts';
import { computeScore, decayed } from './scoring-compute.ts';
import {
  DECAY_TASK,
  decayLeadScores,
  RECOMPUTE_TASK,
  recomputeAllLeadScores,
  recomputeLeadScores,
} from './scoring-run.ts';

const DAY = 86_400_000;

interface Reason {
  source: string;
  kind: string;
  rule?: string;
  ruleId?: string;
  revision?: number;
  points: number;
  at?: string;
  activityIds?: string[];
  count?: number;
}
interface Score {
  leadId: string;
  score: number | null;
  rulesVersion: number | null;
  reasons: Reason[];
}

describe('lead scoring', () => {
  let t: TestApp;
  let owner: pg.Client;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let rep: { userId: string; cookie: string };
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );
  const rule = async (body: Record<string, unknown>, as?: string) => {
    const res = await call('POST', '/scoring-rules', body, as);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; revision: number };
  };
  const lead = async (body: Record<string, unknown>, as?: string) => {
    const res = await call('POST', '/objects/leads', body, as);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; score: number | null };
  };
  const activity = async (body: Record<string, unknown>) => {
    const res = await call('POST', '/objects/activities', body);
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string };
  };
  const score = async (id: string, as?: string) => {
    const res = await call('GET', `/leads/${id}/score`, undefined, as);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Score;
  };
  const stored = async (id: string) =>
    ((await call('GET', `/objects/leads/${id}`)).json() as { score: number | null }).score;
  const clearRules = async () => {
    const list = (await call('GET', '/scoring-rules')).json() as { data: { id: string }[] };
    for (const r of list.data) expect((await call('DELETE', `/scoring-rules/${r.id}`)).statusCode).toBe(204);
  };
  /** The recompute job the last rule change queued (held in pending_jobs: no worker runs in these tests). */
  const queuedRecompute = async (workspaceId: string) => {
    const { rows } = await owner.query<{ payload: { workspaceId: string; version: number } }>(
      'select payload from pending_jobs where task = $1 and workspace_id = $2',
      [RECOMPUTE_TASK, workspaceId],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!.payload;
  };

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    admin = await signUp(t.app);
    other = await signUp(t.app);
    rep = await joinByInvitation(t.app, admin.cookie, {
      email: `rep.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'member',
      name: 'Rep',
    });
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('gives points per field value, says which rule and revision gave them, and keeps the score sortable', async () => {
    await clearRules();
    const web = await rule({
      name: 'From the web form',
      kind: 'field',
      condition: { field: 'source', op: 'eq', value: 'web' },
      points: 10,
    });
    await rule({
      name: 'Has a company',
      kind: 'field',
      condition: { field: 'companyName', op: 'isNotNull' },
      points: 5,
    });
    const both = await lead({ name: 'Sara Ahmadi', source: 'web', companyName: 'Pars Co' });
    const neither = await lead({ name: 'Ali Karimi', source: 'phone' });
    // The record engine answers the create with the score written in the same transaction.
    expect(both.score).toBe(15);
    expect(await stored(neither.id)).toBe(0);
    const explained = await score(both.id);
    expect(explained.score).toBe(15);
    expect(explained.reasons.map((r) => [r.rule, r.points, r.source, r.kind, r.revision])).toEqual([
      ['From the web form', 10, 'rules', 'field', 1],
      ['Has a company', 5, 'rules', 'field', 1],
    ]);
    expect(explained.rulesVersion).toBeGreaterThan(0);

    // A change to the lead rescores it in the write's transaction.
    expect((await call('PATCH', `/objects/leads/${neither.id}`, { source: 'web' })).statusCode).toBe(200);
    expect(await stored(neither.id)).toBe(10);
    // A rule's new revision is what the next score names.
    const changed = await call('PATCH', `/scoring-rules/${web.id}`, { points: 12 });
    expect(changed.json().revision).toBe(2);
    expect((await call('PATCH', `/objects/leads/${both.id}`, { name: 'Sara A.' })).statusCode).toBe(200);
    expect((await score(both.id)).reasons[0]).toMatchObject({
      rule: 'From the web form',
      points: 12,
      revision: 2,
    });

    // Nobody types a score in.
    const typed = await call('PATCH', `/objects/leads/${both.id}`, { score: 99 });
    expect(typed.statusCode).toBe(400);
    // Lists sort by it.
    const sorted = (await call('GET', '/objects/leads?sort=-score&limit=10')).json() as {
      data: { id: string; score: number }[];
    };
    expect(sorted.data.map((l) => l.score)).toEqual([17, 10]);
  });

  it('gives points per activity kind logged on the lead, and takes them back when the activity goes', async () => {
    await clearRules();
    await rule({ name: 'Calls', kind: 'activity', activityType: 'call', points: 5 });
    await rule({ name: 'Meetings', kind: 'activity', activityType: 'meeting', points: 20 });
    const l = await lead({ name: 'Mina Rahimi' });
    expect(await stored(l.id)).toBe(0);
    const call1 = await activity({ type: 'call', subject: 'First call', leads: [l.id] });
    await activity({ type: 'call', subject: 'Second call', leads: [l.id] });
    const meeting = await activity({ type: 'meeting', subject: 'Demo', leads: [l.id] });
    await activity({ type: 'note', subject: 'No rule for notes', leads: [l.id] });
    expect(await stored(l.id)).toBe(30);
    const reasons = (await score(l.id)).reasons;
    expect(reasons.map((r) => [r.rule, r.points]).sort()).toEqual([
      ['Calls', 5],
      ['Calls', 5],
      ['Meetings', 20],
    ]);
    expect(reasons.find((r) => r.rule === 'Meetings')?.activityIds).toEqual([meeting.id]);

    expect((await call('DELETE', `/objects/activities/${meeting.id}`)).statusCode).toBeLessThan(300);
    expect(await stored(l.id)).toBe(10);
    // Moving a call to another lead moves its points.
    const l2 = await lead({ name: 'Reza Tehrani' });
    expect((await call('PATCH', `/objects/activities/${call1.id}`, { leads: [l2.id] })).statusCode).toBe(200);
    expect(await stored(l.id)).toBe(5);
    expect(await stored(l2.id)).toBe(5);
  });

  it('counts every activity logged on a lead at the same time (concurrent writers wait for each other)', async () => {
    await clearRules();
    await rule({ name: 'Calls', kind: 'activity', activityType: 'call', points: 3 });
    const l = await lead({ name: 'Busy lead' });
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => activity({ type: 'call', subject: `Call ${i}`, leads: [l.id] })),
    );
    expect(await stored(l.id)).toBe(24);
    expect((await score(l.id)).reasons).toHaveLength(8);
  });

  it('keeps a rule’s ten newest activities as reasons of their own and sums the older ones', () => {
    const activities = Array.from({ length: 12 }, (_, i) => ({
      activityId: `a${i}`,
      type: 'note',
      at: new Date(Date.UTC(2026, 0, 20 - i)),
    }));
    const computed = computeScore(
      [
        {
          id: 'n',
          name: 'Notes',
          revision: 3,
          kind: 'activity',
          reads: [],
          activityType: 'note',
          points: 2,
          halfLifeDays: null,
        },
      ],
      { matched: new Set(), activities },
      new Date(Date.UTC(2026, 1, 1)),
    );
    expect(computed.score).toBe('24');
    expect(computed.decays).toBe(false);
    expect(computed.explanation).toHaveLength(11);
    expect(computed.explanation.at(-1)).toMatchObject({
      points: 4,
      activityIds: ['a10', 'a11'],
      revision: 3,
    });
    expect(computed.explanation.reduce((sum, r) => sum + r.points, 0)).toBe(24);
  });

  it('registers the recompute and nightly decay tasks, the decay in a valid crontab line', () => {
    const tasks = registry().taskList({
      db: t.handle.db,
      session: { idleHours: 1, maxDays: 1 },
      settings: defaultSettings(),
    });
    expect(Object.keys(tasks)).toEqual(expect.arrayContaining([RECOMPUTE_TASK, DECAY_TASK]));
    const line = registry()
      .crontab.split('\n')
      .find((l) => l.includes(DECAY_TASK))!;
    expect(parseCrontab(line)).toHaveLength(1);
  });

  it('halves activity points every half-life, by the clock it is given, and the nightly job decays stored scores', async () => {
    expect(decayed(8, new Date(0), new Date(14 * DAY), 7)).toBe(2);
    expect(decayed(8, new Date(14 * DAY), new Date(0), 7)).toBe(8); // a time not yet past loses nothing
    expect(decayed(8, new Date(0), new Date(99 * DAY), null)).toBe(8);
    const computed = computeScore(
      [
        {
          id: 'r',
          name: 'Calls',
          revision: 1,
          kind: 'activity',
          reads: [],
          activityType: 'call',
          points: 10,
          halfLifeDays: 3,
        },
      ],
      { matched: new Set(), activities: [{ activityId: 'a', type: 'call', at: new Date(0) }] },
      new Date(3 * DAY),
    );
    expect(computed).toMatchObject({ score: '5', decays: true });

    await clearRules();
    await rule({ name: 'Calls', kind: 'activity', activityType: 'call', points: 8, halfLifeDays: 7 });
    await rule({
      name: 'Web',
      kind: 'field',
      condition: { field: 'source', op: 'eq', value: 'web' },
      points: 3,
    });
    const l = await lead({ name: 'Decaying lead', source: 'web' });
    const now = Date.now();
    await activity({
      type: 'call',
      subject: 'Old call',
      leads: [l.id],
      occurredAt: new Date(now - 7 * DAY).toISOString(),
    });
    // 3 for the field (never decays) + 8 halved once.
    expect(await stored(l.id)).toBe(7);
    // Two weeks on, as the nightly job sees it: 3 + 8 / 2^3.
    expect(await decayLeadScores(t.handle.db, () => new Date(now + 14 * DAY))).toBeGreaterThanOrEqual(1);
    expect(await stored(l.id)).toBe(4);
    const reasons = (await score(l.id)).reasons;
    expect(reasons.find((r) => r.rule === 'Calls')).toMatchObject({
      points: 1,
      basePoints: 8,
      halfLifeDays: 7,
    });
    // Recomputing inside a transaction takes the clock too.
    await withWorkspace(t.handle.db, admin.workspaceId, (trx) =>
      recomputeLeadScores(trx, admin.workspaceId, [l.id], new Date(now)),
    );
    expect(await stored(l.id)).toBe(7);
  });

  it('rescores every lead of the workspace by the job a rule change queues, in batches', async () => {
    await clearRules();
    const ids: string[] = [];
    const batch = await call('POST', '/objects/leads/batch', {
      records: Array.from({ length: 450 }, (_, i) => ({
        name: `Batch lead ${i}`,
        source: i % 3 === 0 ? 'fair' : 'ad',
      })),
    });
    expect(batch.statusCode, batch.body).toBeLessThan(300);
    for (const r of (batch.json() as { data: { id: string }[] }).data) ids.push(r.id);
    expect(ids).toHaveLength(450);
    // No rules: no score.
    expect(await stored(ids[0]!)).toBeNull();
    await rule({
      name: 'Trade fair',
      kind: 'field',
      condition: { field: 'source', op: 'eq', value: 'fair' },
      points: 40,
    });
    // Existing leads are not rescored in the rule's transaction…
    expect(await stored(ids[0]!)).toBeNull();
    const payload = await queuedRecompute(admin.workspaceId);
    // …a run for an older version of the rule set stops at once (a newer job will do the work)…
    expect(await recomputeAllLeadScores(t.handle.db, { ...payload, version: payload.version - 1 })).toBe(0);
    // …and the queued job, run as the worker runs it (the installed task list), rescores them all, 200 a
    // transaction.
    const tasks = registry().taskList({
      db: t.handle.db,
      session: { idleHours: 1, maxDays: 1 },
      settings: defaultSettings(),
    });
    await tasks[RECOMPUTE_TASK]!(payload, { logger: { info: () => {} } } as never);
    expect(await stored(ids[0]!)).toBe(40);
    expect(await stored(ids[1]!)).toBe(0);
    const { rows } = await owner.query<{ n: string }>(
      `select count(*) as n from lead_scores where workspace_id = $1 and rules_version = $2 and lead_id = any($3::uuid[])`,
      [admin.workspaceId, payload.version, ids],
    );
    expect(Number(rows[0]!.n)).toBe(450);
    // Deleting the rule queues the job again, which leaves the leads without a score.
    await clearRules();
    await recomputeAllLeadScores(t.handle.db, await queuedRecompute(admin.workspaceId));
    expect(await stored(ids[0]!)).toBeNull();
    expect(await score(ids[0]!)).toMatchObject({ score: null, rulesVersion: null, reasons: [] });
  }, 60_000);

  it('withholds reasons from rules on fields the caller cannot see, and from activities they may not read', async () => {
    await clearRules();
    await rule({
      name: 'Source is the VIP list',
      kind: 'field',
      condition: { field: 'source', op: 'eq', value: 'vip-list' },
      points: 50,
    });
    await rule({ name: 'Named', kind: 'field', condition: { field: 'name', op: 'isNotNull' }, points: 1 });
    await rule({ name: 'Meetings', kind: 'activity', activityType: 'meeting', points: 7 });
    const l = await lead({ name: 'Hidden source', source: 'vip-list', owner: rep.userId });
    await activity({ type: 'meeting', subject: 'Private', leads: [l.id] });
    expect(await stored(l.id)).toBe(58);

    const role = await call('POST', '/roles', {
      key: 'scorereader',
      name: 'Score reader',
      permissions: {
        actions: [],
        objects: {
          leads: { read: true, create: true, update: true, delete: false, hiddenFields: ['source'] },
          activities: { read: false, create: false, update: false, delete: false },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const reader = await joinByInvitation(t.app, admin.cookie, {
      email: `reader.${admin.workspaceId.slice(0, 8)}@example.com`,
      role: 'scorereader',
      name: 'Reader',
    });
    const seen = await score(l.id, reader.cookie);
    expect(seen.score).toBe(58);
    expect(seen.reasons).toEqual([
      expect.objectContaining({ rule: 'Named', points: 1 }),
      { source: 'rules', kind: 'withheld', points: 57, count: 2 },
    ]);
    const body = JSON.stringify(seen);
    for (const secret of ['vip', 'Source is', 'Meetings', 'meeting'])
      expect(body.toLowerCase()).not.toContain(secret.toLowerCase());
    // The admin sees every reason.
    expect((await score(l.id)).reasons.map((r) => r.rule).sort()).toEqual([
      'Meetings',
      'Named',
      'Source is the VIP list',
    ]);

    // A role that hides the score itself gets no score at all.
    expect(
      (
        await call('PATCH', '/roles/scorereader', {
          permissions: {
            actions: [],
            objects: {
              leads: { read: true, create: true, update: true, delete: false, hiddenFields: ['score'] },
            },
          },
        })
      ).statusCode,
    ).toBe(200);
    expect((await call('GET', `/leads/${l.id}/score`, undefined, reader.cookie)).statusCode).toBe(403);
    // "Own records only" that excludes the lead: not found, as for the record itself.
    expect(
      (
        await call('PATCH', '/roles/scorereader', {
          permissions: {
            actions: [],
            objects: {
              leads: { read: true, create: true, update: true, delete: false, ownRecordsOnly: true },
            },
          },
        })
      ).statusCode,
    ).toBe(200);
    expect((await call('GET', `/leads/${l.id}/score`, undefined, reader.cookie)).statusCode).toBe(404);
  });

  it('keeps each workspace to its own rules and scores', async () => {
    const mine = await rule({
      name: 'Mine',
      kind: 'field',
      condition: { field: 'source', op: 'eq', value: 'x' },
      points: 1,
    });
    const l = await lead({ name: 'Tenant lead' });
    expect((await call('GET', `/leads/${l.id}/score`, undefined, other.cookie)).statusCode).toBe(404);
    const theirs = (await call('GET', '/scoring-rules', undefined, other.cookie)).json() as {
      data: unknown[];
    };
    expect(theirs.data).toEqual([]);
    expect((await call('PATCH', `/scoring-rules/${mine.id}`, { points: 2 }, other.cookie)).statusCode).toBe(
      404,
    );
    expect((await call('DELETE', `/scoring-rules/${mine.id}`, undefined, other.cookie)).statusCode).toBe(404);
    // The other workspace's rule change queues its own job and never touches this workspace's scores.
    await rule(
      { name: 'Theirs', kind: 'field', condition: { field: 'name', op: 'isNotNull' }, points: 9 },
      other.cookie,
    );
    await recomputeAllLeadScores(t.handle.db, await queuedRecompute(other.workspaceId));
    expect((await score(l.id)).reasons.map((r) => r.rule)).not.toContain('Theirs');
  });

  it('refuses hostile and wrong input on the rules routes with 4xx problems, and members without the right', async () => {
    const bad: Record<string, unknown>[] = [
      { name: 'a\u0000b', kind: 'field', condition: { field: 'name', op: 'isNotNull' }, points: 1 },
      { name: 'lone \ud800', kind: 'field', condition: { field: 'name', op: 'isNotNull' }, points: 1 },
      { name: 'x'.repeat(100_000), kind: 'field', condition: { field: 'name', op: 'isNotNull' }, points: 1 },
      { name: 'Huge', kind: 'field', condition: { field: 'name', op: 'isNotNull' }, points: 1e12 },
      { name: 'Fraction', kind: 'field', condition: { field: 'name', op: 'isNotNull' }, points: 1.5 },
      { name: 'No condition', kind: 'field', points: 1 },
      { name: 'Unknown field', kind: 'field', condition: { field: 'nope', op: 'eq', value: 1 }, points: 1 },
      {
        name: 'SQL',
        kind: 'field',
        condition: { field: "name'; drop table leads;--", op: 'eq', value: 1 },
        points: 1,
      },
      {
        name: 'Deep',
        kind: 'field',
        condition: JSON.parse(`${'{"not":'.repeat(40)}{"field":"name","op":"isNotNull"}${'}'.repeat(40)}`),
        points: 1,
      },
      { name: 'No kind of activity', kind: 'activity', points: 1 },
      { name: 'Unknown activity', kind: 'activity', activityType: 'telepathy', points: 1 },
      { name: 'Activity NUL', kind: 'activity', activityType: 'call\u0000', points: 1 },
      {
        name: 'Decaying field',
        kind: 'field',
        condition: { field: 'name', op: 'isNotNull' },
        points: 1,
        halfLifeDays: 3,
      },
      { name: 'Zero half-life', kind: 'activity', activityType: 'call', points: 1, halfLifeDays: 0 },
      { name: 'Extra', kind: 'activity', activityType: 'call', points: 1, extra: true },
      { name: 'Wrong kind', kind: 'magic', points: 1 },
    ];
    for (const body of bad) {
      const res = await call('POST', '/scoring-rules', body);
      expect(res.statusCode, `${String(body.name).slice(0, 20)}: ${res.body.slice(0, 200)}`).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    const res = await call('GET', '/leads/not-a-uuid/score');
    expect(res.statusCode).toBe(400);
    // A member (no sales.scoring.manage) can read scores but not the rules.
    expect((await call('GET', '/scoring-rules', undefined, rep.cookie)).statusCode).toBe(403);
    expect(
      (
        await call(
          'POST',
          '/scoring-rules',
          { name: 'x', kind: 'activity', activityType: 'call', points: 1 },
          rep.cookie,
        )
      ).statusCode,
    ).toBe(403);
  });
});
