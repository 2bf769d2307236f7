// A module added through its manifest alone, exercised end to end: its object, route, permission, error code,
// hooks, subscribers, timed job, timeline source and environment variable all work without a line changed
// anywhere else.
import { buildRegistry, MODULES } from '@rabita/core';
import { buildApp, ConfigError, loadConfig, startWorker } from '@rabita/server';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCaller, createTestApp, joinByInvitation, signUp, type TestApp } from '../../harness.ts';
import {
  committed,
  FOLLOW_UP_DELAY_MS,
  greeted,
  sampleModule,
  sampleSettings,
  slotProbe,
} from './sample.module.ts';

const modules = [...MODULES, sampleModule];
const GREETING = 'درود، رابطه';

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > end) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('a module plugged in through its manifest alone', () => {
  let t: TestApp;
  let owner: pg.Client;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let member: { userId: string; cookie: string };
  let viewer: { userId: string; cookie: string };
  let personId: string;
  let sightingId: string;
  let createdAt: number;
  const call = apiCaller(
    () => t.app,
    () => admin.cookie,
  );

  beforeAll(async () => {
    t = await createTestApp({ RABITA_SAMPLE_GREETING: GREETING }, { modules });
    owner = new pg.Client({ connectionString: t.url });
    await owner.connect();
    admin = await signUp(t.app);
    member = await joinByInvitation(t.app, admin.cookie, {
      email: 'member@example.com',
      role: 'member',
      name: 'Member',
    });
    viewer = await joinByInvitation(t.app, admin.cookie, {
      email: 'viewer@example.com',
      role: 'viewer',
      name: 'Viewer',
    });
    personId = (await call('POST', '/objects/people', { firstName: 'ناصر', lastName: 'کریمی' })).json().id;
  });
  afterAll(async () => {
    await owner?.end();
    await t?.close();
  });

  it('adds its object, with its own table, to the workspace’s metadata and the API', async () => {
    const objects = (await call('GET', '/metadata/objects')).json();
    const list = (Array.isArray(objects) ? objects : objects.data) as { key: string }[];
    expect(list.map((o) => o.key)).toContain('sightings');
    const created = await call('POST', '/objects/sightings', { name: 'Heron', person: personId });
    expect(created.statusCode, created.body).toBe(201);
    createdAt = Date.now();
    sightingId = created.json().id;
    // Its before-create hook filled in the note.
    expect(created.json()).toMatchObject({ name: 'Heron', note: 'noted by hook', person: personId });
    const { rows } = await owner.query('select name, person_id from sample_sightings where id = $1', [
      sightingId,
    ]);
    expect(rows).toEqual([{ name: 'Heron', person_id: personId }]);
  });

  it('refuses through its hook with its own error code, mapped to its own status at the edge', async () => {
    const refused = await call('POST', '/objects/sightings', { name: 'forbidden' });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ code: 'sample_refused', status: 422 });
    expect((await call('GET', '/objects/sightings')).json().data).toHaveLength(1);
  });

  it('serves its route to the roles its permission was granted to, and no one else', async () => {
    const roles = (await call('GET', '/roles')).json();
    const byKey = new Map(
      (Array.isArray(roles) ? roles : roles.data).map(
        (r: { key: string; permissions: { actions: string[] } }) => [r.key, r.permissions.actions],
      ),
    );
    expect(byKey.get('admin')).toContain('sample.use');
    expect(byKey.get('member')).toContain('sample.use');
    expect(byKey.get('viewer')).not.toContain('sample.use');
    expect((await call('GET', '/sample/summary')).json()).toEqual({ sightings: 1 });
    expect((await call('GET', '/sample/summary', undefined, member.cookie)).statusCode).toBe(200);
    expect((await call('GET', '/sample/summary', undefined, viewer.cookie)).statusCode).toBe(403);
  });

  it('runs its subscribers: one in the writing transaction, one after the commit', async () => {
    const { rows } = await owner.query('select kind from sample_log where record_id = $1', [sightingId]);
    expect(rows).toEqual([{ kind: 'created' }]);
    const seen = await until(
      async () => committed.filter((e) => e.recordId === sightingId),
      (events) => events.length > 0,
    );
    expect(seen[0]).toMatchObject({ object: 'sightings', kind: 'created', actor: { userId: admin.userId } });
    // The refused write rolled back: neither subscriber heard of it.
    expect((await owner.query(`select count(*)::int as n from sample_log`)).rows[0].n).toBe(1);
  });

  it('adds its entries to a person’s timeline, through the gate', async () => {
    const timeline = (await call('GET', `/objects/people/${personId}/timeline`)).json();
    expect(timeline.data).toContainEqual(
      expect.objectContaining({ kind: 'sighting', id: sightingId, name: 'Heron', note: 'noted by hook' }),
    );
    // A role that hides the note sees the entry without it.
    await call('PATCH', '/roles/member', {
      permissions: {
        actions: ['members.read', 'sample.use'],
        objects: {
          '*': { read: true, create: true, update: true, delete: true },
          sightings: { read: true, create: true, update: true, delete: true, hiddenFields: ['note'] },
        },
      },
    });
    const theirs = (
      await call('GET', `/objects/people/${personId}/timeline`, undefined, member.cookie)
    ).json();
    const entry = theirs.data.find((e: { id: string }) => e.id === sightingId);
    expect(entry).toMatchObject({ kind: 'sighting', name: 'Heron' });
    expect(entry).not.toHaveProperty('note');
  });

  it('runs its job at the time its hook asked for, and the job’s write carries its cause', async () => {
    const config = loadConfig(
      { DATABASE_URL: t.url, LOG_LEVEL: 'silent', RABITA_WORKER_CONCURRENCY: '1' },
      undefined,
      modules,
    );
    const runner = await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }));
    try {
      const note = async () => (await call('GET', `/objects/sightings/${sightingId}`)).json().note as string;
      const followed = await until(note, (n) => n === 'followed up');
      expect(followed).toBe('followed up');
      const { rows } = await owner.query(
        `select cause, source, created_at from record_changes where record_id = $1 and action = 'updated'`,
        [sightingId],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].cause).toMatchObject({ kind: 'sample', depth: 1 });
      expect(rows[0].source).toBe('workflow');
      // Not before its time.
      expect(new Date(rows[0].created_at).getTime()).toBeGreaterThanOrEqual(
        createdAt + FOLLOW_UP_DELAY_MS - 1000,
      );
      // Its in-transaction subscriber saw the cause too.
      const log = await owner.query(`select kind, depth from sample_log where record_id = $1 order by id`, [
        sightingId,
      ]);
      expect(log.rows).toEqual([
        { kind: 'created', depth: null },
        { kind: 'updated', depth: 1 },
      ]);
    } finally {
      await runner.stop();
    }
  });

  it('runs long jobs in slots of their own: two held imports-like jobs never keep a quick job waiting', async () => {
    const config = loadConfig(
      {
        DATABASE_URL: t.url,
        LOG_LEVEL: 'silent',
        RABITA_WORKER_CONCURRENCY: '1',
        RABITA_WORKER_LONG_CONCURRENCY: '1',
      },
      undefined,
      modules,
    );
    const runner = await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }));
    try {
      await runner.addJob('rabita:sample-long', {});
      await runner.addJob('rabita:sample-long', {});
      await until(
        async () => slotProbe.longRunning,
        (n) => n === 1,
      );
      for (let i = 0; i < 3; i++) await runner.addJob('rabita:sample-quick', {});
      // The quick slot takes every quick job while the long slot is held.
      expect(
        await until(
          async () => slotProbe.quickDone,
          (n) => n === 3,
        ),
      ).toBe(3);
      expect(slotProbe.longRunning).toBe(1);
      expect(slotProbe.longDone).toBe(0);
      slotProbe.release();
      expect(
        await until(
          async () => slotProbe.longDone,
          (n) => n === 2,
        ),
      ).toBe(2);
      // One long slot: the second long job waited for the first.
      expect(slotProbe.longMostAtOnce).toBe(1);
    } finally {
      slotProbe.release();
      await runner.stop();
    }
  });

  it('refuses a long task the module does not declare', () => {
    expect(() =>
      buildRegistry([...MODULES, { ...sampleModule, longTasks: ['rabita:sample-nothing'] }]),
    ).toThrow('marks "rabita:sample-nothing" as a long task but declares no such task');
  });

  it('reads its own environment variable through its manifest: its route and its task see the value', async () => {
    expect((await call('GET', '/sample/greeting')).json()).toEqual({ greeting: GREETING });
    const config = loadConfig(
      { DATABASE_URL: t.url, LOG_LEVEL: 'silent', RABITA_SAMPLE_GREETING: GREETING },
      undefined,
      modules,
    );
    const runner = await startWorker(config, t.url, t.handle.db, pino({ level: 'silent' }));
    try {
      await runner.addJob('rabita:sample-greet', {});
      await until(
        async () => greeted.length,
        (n) => n > 0,
      );
      expect(greeted).toEqual([GREETING]);
    } finally {
      await runner.stop();
    }
  });

  it('defaults its variable when unset, and refuses a bad one in the same list as a platform problem', () => {
    expect(loadConfig({}, undefined, modules).moduleSettings.of(sampleSettings)).toEqual({
      greeting: 'hello',
    });
    let problems: string[] = [];
    try {
      loadConfig({ RABITA_SAMPLE_GREETING: 'x'.repeat(41), RABITA_DB_POOL_SIZE: '0' }, undefined, modules);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    expect(problems).toEqual([
      'RABITA_DB_POOL_SIZE must be a whole number from 1 to 500 (got "0"); the default is 10',
      'RABITA_SAMPLE_GREETING must be 40 characters at most',
    ]);
  });

  it('refuses to start an app or a worker whose configuration was read without the module', async () => {
    const shippedOnly = loadConfig({ DATABASE_URL: t.url, LOG_LEVEL: 'silent' });
    await expect(buildApp(shippedOnly, { db: t.handle.db, pool: t.handle.pool, modules })).rejects.toThrow(
      /No settings were read for the module declaring RABITA_SAMPLE_GREETING/,
    );
    await expect(startWorker(shippedOnly, t.url, t.handle.db, pino({ level: 'silent' }))).rejects.toThrow(
      /RABITA_SAMPLE_GREETING/,
    );
  });
});
