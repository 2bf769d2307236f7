// Starts one PostgreSQL for the whole run (embedded, or TEST_DATABASE_URL) and a migrated template database
// that every test file copies into a fresh database of its own.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildRegistry, MODULES } from '@rabita/core';
import { type EmbeddedDatabase, migrateToLatest, openOwnerDatabase, startEmbeddedPostgres } from '@rabita/db';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { buildWebApp as buildProductionWebApp } from '../apps/server/src/web.ts';
import { createCitusDatabase, dropWorkerCopies, freezeCitusTemplate } from './citus-nodes.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDatabase: string;
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Builds the web app when it is missing or older than its sources (the server and browser tests serve it). */
async function buildWebApp(): Promise<void> {
  // A run of server tests alone may leave the build as it is (say, while the web app's sources are half edited).
  if (process.env.RABITA_TEST_WEB_BUILD === 'keep') return;
  const root = path.resolve(import.meta.dirname, '../apps/web');
  const built = await fs.stat(path.join(root, 'dist/index.html')).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  let newest = 0;
  for (const dir of ['src', 'public', '.']) {
    for (const entry of await fs.readdir(path.join(root, dir), {
      recursive: dir !== '.',
      withFileTypes: true,
    })) {
      if (!entry.isFile()) continue;
      const mtime = (await fs.stat(path.join(entry.parentPath, entry.name))).mtimeMs;
      if (mtime > newest) newest = mtime;
    }
  }
  if (built >= newest) return;
  await buildProductionWebApp();
}

export default async function setup(project: TestProject) {
  await buildWebApp();
  let embedded: EmbeddedDatabase | undefined;
  let dataDir: string | undefined;
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'rabita-test-pg-'));
    embedded = await startEmbeddedPostgres({
      dataDir,
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    adminUrl = embedded.connectionString;
  }
  const runId = `${process.pid}_${Date.now().toString(36)}`;
  const template = `rabita_template_${runId}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  // On a Citus cluster the template is a Citus database on every node, frozen once migrated so that each file's
  // database is a copy of it on every node (test/citus-nodes.ts) instead of a migration of its own.
  const citus = process.env.RABITA_TEST_CITUS === '1';
  const workers = citus ? await createCitusDatabase(adminUrl, template) : [];
  if (!citus) await admin.query(`create database ${template}`);
  const owner = openOwnerDatabase(withDatabase(adminUrl, template));
  // The platform's migrations and the shipped modules' own, as the server applies them at start.
  await migrateToLatest(owner, buildRegistry(MODULES).migrations);
  await owner.destroy();
  if (citus) await freezeCitusTemplate(adminUrl, workers, template);

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', template);

  return async () => {
    // A Citus test database a file left behind (its teardown did not run) also has copies on the workers; those go
    // first, as in test/harness.ts.
    if (citus) {
      await dropWorkerCopies(adminUrl, `rabita_test_${runId}%`);
      await dropWorkerCopies(adminUrl, template);
    }
    const { rows } = await admin.query<{ datname: string }>(
      `select datname from pg_database where datname like $1 or datname = $2`,
      [`rabita_test_${runId}%`, template],
    );
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
    await admin.end();
    if (embedded) await embedded.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };
}
