import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureStatements } from '../../../../bench/replay.ts';
import { apiCaller, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { anyShard, planOf } from '../../../../test/plan.ts';
import { principalForMember } from '../auth/members.service.ts';
import { getTimeline } from './timeline.service.ts';

describe('timeline', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let other: Awaited<ReturnType<typeof signUp>>;
  let personId: string;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    t = await createTestApp({ RABITA_OPEN_SIGNUP: 'true' });
    admin = await signUp(t.app);
    other = await signUp(t.app);
    const person = await call('POST', '/objects/people', { firstName: 'مریم', lastName: 'احمدی' });
    personId = person.json().id;
    await call('PATCH', `/objects/people/${personId}`, { jobTitle: 'مدیر', lastName: 'رضایی' });
    await call('POST', '/objects/activities', {
      type: 'call',
      subject: 'تماس پیگیری',
      direction: 'inbound',
      durationSeconds: 95,
      occurredAt: '2026-01-05T10:00:00Z',
      people: [personId],
    });
    await call('POST', '/objects/tasks', {
      title: 'ارسال پیش‌فاکتور',
      linkedObject: 'people',
      linkedRecord: personId,
    });
  });
  afterAll(() => t?.close());

  /** A custom relation field on activities, pointing at one record of `object`. */
  const addActivityRelation = async (key: string, object: string) => {
    const field = await call('POST', '/metadata/objects/activities/fields', {
      key,
      type: 'relation',
      labels: { en: key },
      relation: { object, many: false },
    });
    expect(field.statusCode, field.body).toBe(201);
  };

  it('merges changes, activities and tasks newest first, with who changed what through which channel', async () => {
    const r = await call('GET', `/objects/people/${personId}/timeline`);
    expect(r.statusCode, r.body).toBe(200);
    const { data, nextCursor } = r.json();
    expect(nextCursor).toBeNull();
    expect(data.map((e: { kind: string }) => e.kind).sort()).toEqual([
      'activity',
      'change',
      'change',
      'task',
    ]);
    const ats = data.map((e: { at: string }) => e.at);
    expect([...ats].sort().reverse()).toEqual(ats);
    const update = data.find((e: { action?: string }) => e.action === 'updated');
    expect(update).toMatchObject({
      kind: 'change',
      source: 'ui',
      actor: { userId: admin.userId, name: admin.name },
      changes: { jobTitle: { from: null, to: 'مدیر' }, lastName: { from: 'احمدی', to: 'رضایی' } },
    });
    expect(data.find((e: { kind: string }) => e.kind === 'activity')).toMatchObject({
      type: 'call',
      subject: 'تماس پیگیری',
      durationSeconds: 95,
      at: '2026-01-05T10:00:00.000Z',
    });
    expect(data.find((e: { kind: string }) => e.kind === 'task')).toMatchObject({
      title: 'ارسال پیش‌فاکتور',
      status: 'open',
    });
  });

  it('records changes made with an API key as coming through the API', async () => {
    const key = await call('POST', '/api-keys', { name: 'sync', role: 'member' });
    const bearer = { authorization: `Bearer ${key.json().token}` };
    expect(
      (await call('PATCH', `/objects/people/${personId}`, { jobTitle: 'مدیر ارشد' }, bearer)).statusCode,
    ).toBe(200);
    const first = (await call('GET', `/objects/people/${personId}/timeline?limit=1`)).json().data[0];
    expect(first).toMatchObject({
      kind: 'change',
      source: 'api',
      actor: { userId: null, apiKeyId: key.json().id },
    });
  });

  it('pages through 120 entries by cursor, each exactly once', async () => {
    const company = (await call('POST', '/objects/companies', { name: 'Pars' })).json().id;
    for (let i = 0; i < 6; i++) {
      const batch = await call('POST', '/objects/activities/batch', {
        records: Array.from({ length: 20 }, (_, j) => ({
          type: 'note',
          subject: `note ${i * 20 + j}`,
          occurredAt: '2026-02-01T00:00:00Z', // same instant for all: the id breaks ties
          companies: [company],
        })),
      });
      expect(batch.statusCode, batch.body).toBe(200);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url = `/objects/companies/${company}/timeline?limit=25${cursor ? `&cursor=${cursor}` : ''}`;
      const r = await call('GET', url);
      expect(r.statusCode, r.body).toBe(200);
      const body = r.json();
      seen.push(...body.data.map((e: { id: string }) => e.id));
      cursor = body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(seen.length).toBe(121); // 120 notes and the company's creation
    expect(new Set(seen).size).toBe(121);
  });

  it('shows a custom object’s record the activities linked to it by a custom relation field, and its tasks', async () => {
    const object = await call('POST', '/metadata/objects', {
      key: 'projects',
      labels: { singular: { en: 'Project' }, plural: { en: 'Projects' } },
    });
    expect(object.statusCode, object.body).toBe(201);
    await addActivityRelation('project', 'projects');
    const project = (await call('POST', '/objects/projects', { name: 'پروژه کیش' })).json().id;
    const other = (await call('POST', '/objects/projects', { name: 'Other' })).json().id;
    await call('POST', '/objects/activities', { type: 'meeting', subject: 'Kickoff', project });
    await call('POST', '/objects/activities', { type: 'meeting', subject: 'Elsewhere', project: other });
    await call('POST', '/objects/tasks', { title: 'Plan', linkedObject: 'projects', linkedRecord: project });
    const r = await call('GET', `/objects/projects/${project}/timeline`);
    expect(r.statusCode, r.body).toBe(200);
    const entries = r.json().data as { kind: string; subject?: string; title?: string }[];
    expect(entries.filter((e) => e.kind === 'activity').map((e) => e.subject)).toEqual(['Kickoff']);
    expect(entries.filter((e) => e.kind === 'task').map((e) => e.title)).toEqual(['Plan']);
  });

  it('answers 404 for another workspace’s record, a deleted one, a malformed id and an unknown object', async () => {
    const theirs = (
      await call('POST', '/objects/people', { firstName: 'X' }, { cookie: other.cookie })
    ).json().id;
    expect((await call('GET', `/objects/people/${theirs}/timeline`)).statusCode).toBe(404);
    expect((await call('GET', `/objects/people/not-an-id/timeline`)).statusCode).toBe(404);
    expect((await call('GET', `/objects/nothing/${personId}/timeline`)).statusCode).toBe(404);
    const gone = (await call('POST', '/objects/people', { firstName: 'Y' })).json().id;
    await call('DELETE', `/objects/people/${gone}`);
    expect((await call('GET', `/objects/people/${gone}/timeline`)).statusCode).toBe(404);
  });

  it('refuses forged, garbage and over-long cursors and bad limits with a problem document', async () => {
    const forged = Buffer.from(JSON.stringify(["'; drop table x; --", 'x'])).toString('base64url');
    for (const cursor of [forged, 'garbage', '!!!', 'x'.repeat(501)]) {
      const r = await call(
        'GET',
        `/objects/people/${personId}/timeline?cursor=${encodeURIComponent(cursor)}`,
      );
      expect(r.statusCode, cursor).toBe(400);
      expect(r.headers['content-type']).toContain('application/problem+json');
    }
    for (const limit of ['0', '201', 'abc', '-1'])
      expect((await call('GET', `/objects/people/${personId}/timeline?limit=${limit}`)).statusCode).toBe(400);
  });

  it('leaves out hidden fields and what the role may not read', async () => {
    const role = await call('POST', '/roles', {
      key: 'limited',
      name: 'Limited',
      permissions: {
        actions: [],
        objects: {
          people: { read: true, create: false, update: false, delete: false, hiddenFields: ['jobTitle'] },
          activities: { read: false, create: false, update: false, delete: false },
          tasks: { read: true, create: false, update: false, delete: false },
        },
      },
    });
    expect(role.statusCode, role.body).toBe(201);
    const key = await call('POST', '/api-keys', { name: 'limited', role: 'limited' });
    const r = await call('GET', `/objects/people/${personId}/timeline`, undefined, {
      authorization: `Bearer ${key.json().token}`,
    });
    expect(r.statusCode, r.body).toBe(200);
    const entries = r.json().data as { kind: string; changes?: Record<string, unknown> }[];
    expect(entries.some((e) => e.kind === 'activity')).toBe(false);
    expect(entries.some((e) => e.kind === 'task')).toBe(true);
    expect(JSON.stringify(entries)).not.toContain('مدیر');
    expect(entries.some((e) => e.changes && 'lastName' in e.changes)).toBe(true);
  });

  it('follows an activity as its links, its time, its deletion and its restoration change', async () => {
    const a = (await call('POST', '/objects/people', { firstName: 'Sara' })).json().id as string;
    const b = (await call('POST', '/objects/people', { firstName: 'Reza' })).json().id as string;
    const activity = (
      await call('POST', '/objects/activities', {
        type: 'note',
        subject: 'Moved',
        occurredAt: '2026-02-01T09:00:00Z',
        people: [a, a],
      })
    ).json().id as string;
    const activities = async (person: string) =>
      (
        (await call('GET', `/objects/people/${person}/timeline`)).json().data as {
          kind: string;
          id: string;
          at: string;
        }[]
      )
        .filter((e) => e.kind === 'activity')
        .map((e) => `${e.id} ${e.at}`);
    expect(await activities(a)).toEqual([`${activity} 2026-02-01T09:00:00.000Z`]);
    expect(await activities(b)).toEqual([]);
    await call('PATCH', `/objects/activities/${activity}`, {
      people: [b],
      occurredAt: '2026-03-01T09:00:00Z',
    });
    expect(await activities(a)).toEqual([]);
    expect(await activities(b)).toEqual([`${activity} 2026-03-01T09:00:00.000Z`]);
    expect((await call('DELETE', `/objects/activities/${activity}`)).statusCode).toBeLessThan(300);
    expect(await activities(b)).toEqual([]);
    expect((await call('POST', `/objects/activities/${activity}/restore`)).statusCode).toBeLessThan(300);
    expect(await activities(b)).toEqual([`${activity} 2026-03-01T09:00:00.000Z`]);
  });

  it('shows an activity linked both by a standard column and by a custom relation field once', async () => {
    await addActivityRelation('contact', 'people');
    const person = (await call('POST', '/objects/people', { firstName: 'Nasrin' })).json().id as string;
    await call('POST', '/objects/activities', {
      type: 'call',
      subject: 'Both',
      people: [person],
      contact: person,
    });
    await call('POST', '/objects/activities', { type: 'call', subject: 'Custom only', contact: person });
    const entries = (await call('GET', `/objects/people/${person}/timeline`)).json().data as {
      kind: string;
      subject?: string;
    }[];
    expect(
      entries
        .filter((e) => e.kind === 'activity')
        .map((e) => e.subject)
        .sort(),
    ).toEqual(['Both', 'Custom only']);
    // The form a cluster calls, named by the workspace (records-0003), finds what the in-query one finds, and
    // nothing for another workspace's id.
    const links = [JSON.stringify({ contact: person })];
    const ids = (ws: string) =>
      withWorkspace(t.handle.db, admin.workspaceId, async (trx) => ({
        // Called on its own, the in-query form asks every shard of a cluster (which is why it binds the named one).
        inQuery: (
          await anyShard(trx).then(() =>
            sql<{
              id: string;
            }>`select rabita_linked_activities(null, ${person}::uuid, ${links}::jsonb[]) as id`.execute(trx),
          )
        ).rows
          .map((r) => r.id)
          .sort(),
        named: (
          await sql<{
            id: string;
          }>`select l.id from rabita_custom_linked_activities(${ws}::uuid, ${links}::jsonb[]) as l(id)`.execute(
            trx,
          )
        ).rows
          .map((r) => r.id)
          .sort(),
      }));
    const same = await ids(admin.workspaceId);
    expect(same.inQuery).toHaveLength(2);
    expect(same.named).toEqual(same.inQuery);
    expect((await ids(crypto.randomUUID())).named).toEqual([]);
  });

  it('reads each part in timeline order from an index, so each stops after a page', async () => {
    // In the other workspace, which has no custom relation fields on activities (those are found by
    // containment, a part not bounded by a page).
    const theirs = (await call('POST', '/objects/people', { firstName: 'Omid' }, other.cookie)).json().id;
    const principal = (await principalForMember(t.handle.db, other.userId, other.workspaceId))!;
    // Every statement the timeline sends: each source's part, then the gate's reads of the entries' records.
    const { statements } = await captureStatements(t.handle.pool, (db) =>
      getTimeline({ db, principal }, 'people', theirs, { limit: 50 }),
    );
    const plan = [];
    for (const statement of statements) plan.push(...(await planOf(t.handle, other.workspaceId, statement)));
    const ordered = plan
      .filter((n) => n['Scan Direction'] === 'Backward')
      .map((n) => n['Index Name'])
      .sort();
    expect(ordered).toEqual(
      expect.arrayContaining([
        'activity_links_pkey',
        'record_changes_timeline_idx',
        'tasks_linked_timeline_idx',
      ]),
    );
    // Each source reads its page in order from its index: nothing is sorted in the database.
    expect(plan.filter((n) => n['Node Type'] === 'Sort')).toEqual([]);
  });
});
