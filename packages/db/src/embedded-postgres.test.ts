// The embedded PostgreSQL and the data folder lock, for real: a cluster in a temporary data folder.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFolderError, ensureWritableFolder, lockDataFolder } from './data-folder.ts';
import { type EmbeddedDatabase, startEmbeddedPostgres } from './embedded-postgres.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  let root: string;
  let dataDir: string;
  const started: EmbeddedDatabase[] = [];
  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-embedded-'));
    dataDir = path.join(root, 'data');
    await ensureWritableFolder(dataDir);
  });
  afterAll(async () => {
    for (const db of started) await db.stop();
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('creates a cluster in <data>/pg, in its own process group, stops it, and keeps the data on restart', async () => {
    const first = await startEmbeddedPostgres({ dataDir });
    started.push(first);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    expect(fs.statSync(path.join(dataDir, 'postgres-password')).mode & 0o077).toBe(0);
    // Its own process group: a Ctrl-C at the terminal does not reach it.
    const stat = fs.readFileSync(`/proc/${first.pid}/stat`, 'utf8');
    expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2])).toBe(first.pid);
    // Listens on loopback only, with a password.
    expect(first.connectionString).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/rabita$/);
    await expect(query(first.connectionString.replace(/:[^:@]+@/, ':wrong@'), 'select 1')).rejects.toThrow(
      /password/,
    );
    await query(first.connectionString, 'create table kept (v text); insert into kept values ($$here$$)');
    await first.stop();
    expect(alive(first.pid)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
    await first.stop(); // twice is harmless

    const second = await startEmbeddedPostgres({ dataDir });
    started.push(second);
    expect(await query(second.connectionString, 'select v from kept')).toEqual([{ v: 'here' }]);
    await second.stop();
  }, 90_000);

  it('stops at once when PostgreSQL already exited, and a start stops a server left running', async () => {
    const db = await startEmbeddedPostgres({ dataDir });
    started.push(db);
    process.kill(db.pid, 'SIGINT');
    const t0 = Date.now();
    await db.stop();
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(alive(db.pid)).toBe(false);

    // A server whose Rabita was killed outright is stopped before a new one starts on the folder.
    const orphan = await startEmbeddedPostgres({ dataDir });
    const next = await startEmbeddedPostgres({ dataDir });
    started.push(next);
    expect(alive(orphan.pid)).toBe(false);
    expect(await query(next.connectionString, 'select count(*)::int as n from kept')).toEqual([{ n: 1 }]);
    await next.stop();
  }, 90_000);
});

describe('data folder', () => {
  let root: string;
  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-folder-'));
  });
  afterAll(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('refuses a folder it cannot write, in one sentence with the fix', async () => {
    const file = path.join(root, 'a-file');
    await fsp.writeFile(file, 'x');
    const error = await ensureWritableFolder(path.join(file, 'data')).catch((e) => e);
    expect(error).toBeInstanceOf(DataFolderError);
    expect(error.message).toMatch(
      /^The data folder .* is not writable \(a file stands where a folder is needed\); choose a folder you can write to with RABITA_DATA/,
    );
  });

  it('lets one holder at a time take the folder, and releases it', async () => {
    const dir = path.join(root, 'locked');
    await ensureWritableFolder(dir);
    const release = await lockDataFolder(dir, () => {});
    expect(fs.readFileSync(path.join(dir, 'rabita.pid'), 'utf8')).toBe(`${process.pid} ${os.hostname()}\n`);
    const refused = await lockDataFolder(dir, () => {}).catch((e) => e);
    expect(refused).toBeInstanceOf(DataFolderError);
    expect(refused.message).toMatch(
      /is in use by another Rabita process; stop that process first, or set RABITA_DATA/,
    );
    await release();
    expect(fs.existsSync(path.join(dir, 'rabita.lock'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'rabita.pid'))).toBe(false);
    const again = await lockDataFolder(dir, () => {});
    await again();
  });

  it('takes over at once a lock whose holder process is gone', async () => {
    const dir = path.join(root, 'crashed');
    await ensureWritableFolder(dir);
    const lost: Error[] = [];
    const held = await lockDataFolder(dir, (error) => lost.push(error));
    // Pretend the holder was a process that has since died (a pid that just exited).
    const gone = spawnSync('true').pid as number;
    fs.writeFileSync(path.join(dir, 'rabita.pid'), `${gone} ${os.hostname()}\n`);
    const taken = await lockDataFolder(dir, () => {});
    expect(fs.readFileSync(path.join(dir, 'rabita.pid'), 'utf8')).toBe(`${process.pid} ${os.hostname()}\n`);
    await taken();
    await held().catch(() => {}); // the old holder's lock was taken from it
  });
});
