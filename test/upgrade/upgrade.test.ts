// Upgrades that need no person: a workspace made by an older Rabita (the fixture in test/upgrade/fixture, made by
// scripts/make-upgrade-fixture.sh from the commit README.md names) is loaded into the embedded PostgreSQL's data
// folder and into a fresh database of an external server, and the real `npm start` upgrades it; the same questions
// then get the answers the old version gave. An upgrade killed (SIGKILL) mid-migration starts again and finishes.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '@rabita/db';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadFixture } from './load-fixture.ts';
import {
  admin,
  expectSameAnswers,
  freePort,
  migrationNames,
  npmStart,
  type Run,
  ready,
  running,
  serverPid,
  stop,
  withDatabase,
} from './upgrade-helpers.ts';

/** Kysely's migration lock on PostgreSQL: a session advisory lock on this key, seen in pg_locks as two halves. */
const MIGRATION_LOCK = 3853314791062309107n;
const LOCK_CLASSID = Number(MIGRATION_LOCK >> 32n);
const LOCK_OBJID = Number(MIGRATION_LOCK & 0xffffffffn);

/** Waits until a backend of this database holds the migration lock and has written (DDL) in its transaction. */
async function migrationUnderWay(url: string, run: Run): Promise<void> {
  await admin(url, async (c) => {
    for (let i = 0; i < 6000; i++) {
      const { rows } = await c.query<{ locks: number }>(
        `select (select count(*) from pg_locks x where x.pid = a.pid and x.locktype = 'relation')::int as locks
           from pg_locks l join pg_stat_activity a on a.pid = l.pid
          where l.locktype = 'advisory' and l.classid = $1 and l.objid = $2 and l.granted
            and a.datname = current_database() and a.backend_xid is not null`,
        [LOCK_CLASSID, LOCK_OBJID],
      );
      // Dozens of relations locked by the migration's transaction: well into the migrations, not yet committed.
      if ((rows[0]?.locks ?? 0) >= 40) return;
      if (run.child.exitCode !== null) throw new Error(`rabita exited before migrating: ${run.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no migration seen under way: ${run.output()}`);
  });
}

/**
 * CI runs the suite a second time on the machine's PostgreSQL (TEST_DATABASE_URL); the embedded cases do not depend on
 * it and ran in the first run, so they are not run twice (three minutes on two cores).
 */
const EXTERNAL_RUN = Boolean(process.env.TEST_DATABASE_URL);

describe('upgrading a workspace made by the previous version', () => {
  let root: string;
  const adminUrl = inject('adminUrl');
  const databases: string[] = [];
  const previousMigrations = new Set<string>();

  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-upgrade-'));
    await fsp.chmod(root, 0o755);
  });
  afterAll(async () => {
    const children = [...running];
    for (const child of children) child.kill('SIGTERM');
    await Promise.race([
      Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.once('exit', r))))),
      new Promise((r) => setTimeout(r, 15_000)),
    ]);
    for (const child of running) child.kill('SIGKILL');
    await admin(adminUrl, async (c) => {
      for (const name of databases) await c.query(`drop database if exists ${name} with (force)`);
    });
    await fsp.rm(root, { recursive: true, force: true });
  });

  /** A fresh database on the external server holding the fixture. */
  async function externalFixture(label: string): Promise<string> {
    const name = `rabita_upgrade_${label}_${process.pid}`;
    databases.push(name);
    await admin(adminUrl, (c) =>
      c.query(`drop database if exists ${name} with (force)`).then(() => c.query(`create database ${name}`)),
    );
    const url = withDatabase(adminUrl, name);
    await loadFixture(url);
    for (const n of await migrationNames(url)) previousMigrations.add(n);
    return url;
  }

  /** A data folder as Rabita keeps it (cluster in data/pg, database `rabita`), holding the old version's data. */
  async function embeddedFixture(label: string): Promise<string> {
    const data = path.join(root, label);
    await fsp.mkdir(data);
    const cluster = await startEmbeddedPostgres({ dataDir: data });
    try {
      await loadFixture(cluster.connectionString);
      expect((await migrationNames(cluster.connectionString)).length).toBeGreaterThan(10);
    } finally {
      await cluster.stop();
    }
    return data;
  }

  it.skipIf(EXTERNAL_RUN)(
    'upgrades the embedded PostgreSQL data folder with npm start alone',
    {
      timeout: 300_000,
    },
    async () => {
      const data = await embeddedFixture('embedded');
      const port = await freePort();
      const run = npmStart({ RABITA_DATA: data, PORT: String(port) });
      await ready(port, run);
      expect(run.output()).toContain('database migrated');
      await expectSameAnswers(port);
      await stop(run);
    },
  );

  it('upgrades a database on an external PostgreSQL with npm start alone', { timeout: 300_000 }, async () => {
    const url = await externalFixture('ext');
    const before = await migrationNames(url);
    const port = await freePort();
    const run = npmStart({ DATABASE_URL: url, PORT: String(port), RABITA_DATA: path.join(root, 'ext-data') });
    await ready(port, run);
    const after = await migrationNames(url);
    expect(after).toEqual(expect.arrayContaining(before));
    expect(after.length).toBeGreaterThan(before.length + 20);
    await expectSameAnswers(port);
    await stop(run);
  });

  /** The embedded PostgreSQL a running Rabita started in `data` (port from postmaster.pid), once it answers. */
  async function embeddedUrl(data: string, run: Run): Promise<string> {
    const password = (await fsp.readFile(path.join(data, 'postgres-password'), 'utf8')).trim();
    for (let i = 0; i < 3000; i++) {
      const port = await fsp.readFile(path.join(data, 'pg', 'postmaster.pid'), 'utf8').then(
        (text) => text.split('\n')[3]?.trim(),
        () => undefined,
      );
      if (port) {
        const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/rabita`;
        if (await admin(url, async () => true).catch(() => false)) return url;
      }
      if (run.child.exitCode !== null) throw new Error(`rabita exited early: ${run.output()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error('the embedded PostgreSQL never answered');
  }

  for (const where of ['external', 'embedded'] as const) {
    it.skipIf(where === 'embedded' && EXTERNAL_RUN)(
      `resumes an upgrade killed with SIGKILL mid-migration on the next start (${where} PostgreSQL)`,
      {
        timeout: 300_000,
      },
      async () => {
        const label = `kill_${where}`;
        const data = where === 'embedded' ? await embeddedFixture(label) : path.join(root, label);
        const env: Record<string, string> = { PORT: String(await freePort()), RABITA_DATA: data };
        if (where === 'external') env.DATABASE_URL = await externalFixture(label);
        const before = env.DATABASE_URL ? await migrationNames(env.DATABASE_URL) : undefined;

        const first = npmStart(env);
        const pid = serverPid(first);
        const url = env.DATABASE_URL ?? (await embeddedUrl(data, first));
        await migrationUnderWay(url, first);
        process.kill(pid, 'SIGKILL');
        await first.exited;
        // Nothing of the interrupted run is left half done: the migrations run in one transaction, rolled back. (The
        // embedded PostgreSQL outlives the killed Rabita in its own process group and still answers here.)
        const left = await migrationNames(url);
        if (before) expect(left).toEqual(before);
        expect(left).not.toContain('reports-0001-calendar');

        const second = npmStart(env);
        await ready(Number(env.PORT), second);
        const after = await migrationNames(env.DATABASE_URL ?? (await embeddedUrl(data, second)));
        expect(after).toEqual(expect.arrayContaining(left));
        expect(after.length).toBeGreaterThan(left.length + 20);
        await expectSameAnswers(Number(env.PORT));
        await stop(second);
      },
    );
  }
});
