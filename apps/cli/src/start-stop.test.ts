// The real `rabita` command in real processes: start on a fresh data folder, serve, stop on a signal with
// nothing left behind, keep the data, refuse a second start, and fail bad configuration with one sentence.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../../test/harness.ts';
import { freePort, type Run, watchChild } from '../../../test/processes.ts';

const MAIN = path.resolve(import.meta.dirname, 'main.ts');
const BIN = path.resolve(import.meta.dirname, '../bin/rabita.js');
/** The machine's own Node.js when it is older than the pinned one (the README's case), else ours. */
const SYSTEM_NODE =
  ['/usr/bin/node', '/usr/local/bin/node'].find((p) => fs.existsSync(p)) ?? process.execPath;
const running = new Set<ChildProcess>();

interface How {
  /** Run as this user (uid and gid), like an unprivileged operator. */
  as?: { uid: number; gid: number };
  /** Start through `bin/rabita.js` with this Node.js, as `npx rabita` does. */
  bin?: string;
  /** In its own process group, so a Ctrl-C can be sent to the whole group as a terminal does. */
  group?: boolean;
}

/** Starts `rabita <args>` with these variables (and nothing of the test run's own). */
function rabita(args: string[], env: Record<string, string>, how: How = {}): Run {
  const base = { PATH: process.env.PATH ?? '', HOME: env.HOME ?? os.tmpdir(), LOG_LEVEL: 'warn', ...env };
  const child = spawn(how.bin ?? process.execPath, [how.bin ? BIN : MAIN, ...args], {
    env: base,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: how.group ?? false,
    ...(how.as ?? {}),
  });
  return watchChild(child, running);
}

async function ready(port: number, run: Run, seconds = 90): Promise<void> {
  for (let i = 0; i < seconds * 5; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (run.child.exitCode !== null) throw new Error(`rabita exited early: ${run.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`rabita did not become ready: ${run.output()}`);
}

/** True when a process with this pid is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const post = (port: number, url: string, body: unknown, cookie?: string) =>
  fetch(`http://127.0.0.1:${port}/api/v1${url}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });

/** The pid in a cluster's postmaster.pid, or undefined when PostgreSQL is not running there. */
function clusterPid(dataDir: string): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
}

/**
 * Leaves nothing running even when an assertion failed: each rabita still running gets SIGTERM, then
 * SIGKILL; then every PostgreSQL still running in a data folder under `root` (its own process group,
 * so a killed rabita leaves it behind) gets SIGINT, then SIGKILL.
 */
async function stopEverything(root: string) {
  const children = [...running];
  for (const child of children) child.kill('SIGTERM');
  await Promise.race([
    Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(0) : c.once('exit', r))))),
    new Promise((r) => setTimeout(r, 10_000)),
  ]);
  for (const child of running) child.kill('SIGKILL');
  const pids = fs
    .readdirSync(root)
    .map((name) => clusterPid(path.join(root, name)))
    .filter((pid): pid is number => pid !== undefined && alive(pid));
  for (const pid of pids) process.kill(pid, 'SIGINT');
  for (let i = 0; i < 50 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL');
}

/** The one sentence a failed start prints: no stack trace, names the problem. */
function expectOneSentence(output: string, pattern: RegExp) {
  expect(output).toMatch(pattern);
  expect(output).not.toMatch(/\n\s+at .+:\d+:\d+/);
}

describe('rabita start and stop', () => {
  let root: string;
  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-cli-'));
    await fsp.chmod(root, 0o755);
  });
  afterAll(async () => {
    await stopEverything(root);
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('starts on a fresh data folder, serves, stops on SIGTERM with nothing left, and keeps the data', async () => {
    const data = path.join(root, 'data');
    const port = await freePort();
    const first = rabita(['start'], { RABITA_DATA: data, PORT: String(port) });
    await ready(port, first);
    const signUp = await post(port, '/auth/sign-up', {
      email: 'first@example.com',
      password: 'correct horse battery',
      name: 'First',
      workspaceName: 'Kept',
    });
    expect(signUp.status).toBe(201);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`http://127.0.0.1:${port}/readyz`)).json()).toMatchObject({
      status: 'ready',
      migrations: 'current',
    });
    // PostgreSQL runs in its own process group: a Ctrl-C at the terminal reaches Rabita, which stops it last.
    const pgid = Number(
      fs
        .readFileSync(`/proc/${clusterPid(data)}/stat`, 'utf8')
        .split(') ')[1]
        ?.split(' ')[2],
    );
    expect(pgid).toBe(clusterPid(data));
    const pidFile = path.join(data, 'pg', 'postmaster.pid');
    const postgresPid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
    expect(alive(postgresPid)).toBe(true);
    expect(fs.existsSync(path.join(data, 'rabita.lock'))).toBe(true);

    // A second start on the same folder says so and leaves the first one serving.
    const second = rabita(['start'], { RABITA_DATA: data, PORT: String(await freePort()) });
    expect(await second.exited).not.toBe(0);
    expectOneSentence(second.output(), /data folder .* is in use by another Rabita process/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(alive(postgresPid)).toBe(false);
    expect(fs.existsSync(path.join(data, 'rabita.lock'))).toBe(false);

    // Again through bin/rabita.js on the machine's Node.js, stopped by a Ctrl-C sent to the whole process
    // group as a terminal does (wrapper and server both receive it): the account is still there.
    const again = rabita(
      ['start'],
      { RABITA_DATA: data, PORT: String(port) },
      { bin: SYSTEM_NODE, group: true },
    );
    await ready(port, again);
    const signIn = await post(port, '/auth/sign-in', {
      email: 'first@example.com',
      password: 'correct horse battery',
    });
    expect(signIn.status).toBe(200);
    // Sign-up is closed now that a workspace exists.
    const closed = await post(port, '/auth/sign-up', {
      email: 'second@example.com',
      password: 'correct horse battery',
      name: 'Second',
      workspaceName: 'Second',
    });
    expect(closed.status).toBe(403);
    const againPostgres = clusterPid(data) as number;
    process.kill(-(again.child.pid as number), 'SIGINT');
    expect(await again.exited, again.output()).toBe(0);
    expect(fs.existsSync(pidFile)).toBe(false);
    expect(alive(againPostgres)).toBe(false);
    expect(fs.existsSync(path.join(data, 'rabita.lock'))).toBe(false);

    // Killed outright (SIGKILL, as by the OOM killer): the next start takes over the folder at once,
    // stops the PostgreSQL left behind, and the data is still there.
    const killed = rabita(['start'], { RABITA_DATA: data, PORT: String(port) });
    await ready(port, killed);
    const orphan = clusterPid(data) as number;
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(alive(orphan)).toBe(true);
    const after = rabita(['start'], { RABITA_DATA: data, PORT: String(port) });
    await ready(port, after, 30);
    expect(alive(orphan)).toBe(false);
    expect(
      (await post(port, '/auth/sign-in', { email: 'first@example.com', password: 'correct horse battery' }))
        .status,
    ).toBe(200);
    after.child.kill('SIGTERM');
    expect(await after.exited).toBe(0);
    expect(fs.existsSync(pidFile)).toBe(false);
  }, 180_000);

  it('serves from several web processes: a session works in each, a killed one is replaced, Ctrl-C stops them all', async () => {
    const data = path.join(root, 'web-processes');
    const port = await freePort();
    const run = rabita(
      ['start'],
      { RABITA_DATA: data, PORT: String(port), RABITA_WEB_PROCESSES: '2' },
      { group: true },
    );
    await ready(port, run);
    const webProcesses = () =>
      execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(run.child.pid)], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes('main.ts'))
        .map((line) => Number(line.trim().split(' ')[0]));
    const first = webProcesses();
    expect(first).toHaveLength(2);

    const signUp = await post(port, '/auth/sign-up', {
      email: 'many@example.com',
      password: 'correct horse battery',
      name: 'Many',
      workspaceName: 'Many processes',
    });
    expect(signUp.status).toBe(201);
    const cookie = (signUp.headers.getSetCookie()[0] ?? '').split(';')[0] as string;
    // Each request on a connection of its own, taken by whichever web process is free.
    const me = () =>
      new Promise<number>((resolve, reject) =>
        http
          .get(`http://127.0.0.1:${port}/api/v1/me`, { agent: false, headers: { cookie } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject),
      );
    const statuses = [];
    for (let i = 0; i < 8; i++) statuses.push(await me());
    expect(statuses).toEqual(Array(8).fill(200));

    // A web process killed outright (as by the OOM killer) is replaced; the other serves meanwhile, with the session.
    process.kill(first[0] as number, 'SIGKILL');
    // A connection the killed process accepted in the moment before it died is cut off (ECONNRESET), as with any
    // process killed outright; asked again, as a browser or a load balancer asks again for a GET, the other answers.
    const meAgain = async (): Promise<number> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await me();
        } catch (error) {
          if (attempt >= 3 || (error as NodeJS.ErrnoException).code !== 'ECONNRESET') throw error;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    expect(await meAgain()).toBe(200);
    let now: number[] = [];
    for (let i = 0; i < 100; i++) {
      now = webProcesses();
      if (now.length === 2 && !now.includes(first[0] as number)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(now).toHaveLength(2);
    expect(now).not.toContain(first[0]);
    await ready(port, run);
    for (let i = 0; i < 4; i++) expect(await me()).toBe(200);

    // Ctrl-C at the terminal reaches every process of the group: each web process finishes, then the database stops.
    const postgres = clusterPid(data) as number;
    process.kill(-(run.child.pid as number), 'SIGINT');
    expect(await run.exited, run.output()).toBe(0);
    for (const pid of now) expect(alive(pid)).toBe(false);
    expect(alive(postgres)).toBe(false);
    expect(fs.existsSync(path.join(data, 'rabita.lock'))).toBe(false);
    expect(run.output()).not.toMatch(/second signal|did not stop cleanly|did not start/);
  }, 300_000);

  it('stops bad configuration with one sentence naming the problem and the fix', async () => {
    const aFile = path.join(root, 'a-file');
    await fsp.writeFile(aFile, 'not a folder');
    const cases: [Record<string, string>, RegExp][] = [
      [{ PORT: 'abc' }, /PORT must be a whole number/],
      [{ PORT: '70000' }, /PORT must be a whole number from 1 to 65535/],
      [{ DATABASE_URL: 'postgres://rabita@127.0.0.1:1/rabita' }, /refused the connection.*DATABASE_URL/],
      [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
      // Below a regular file: unwritable even for root, who ignores permission bits.
      [{ RABITA_DATA: path.join(aFile, 'data') }, /data folder .* is not writable/],
      [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
      [{ RABITA_WEB_PROCESSES: '64' }, /RABITA_WEB_PROCESSES=64 .* needs about \d+ database connections/],
    ];
    const runs = cases.map(([env]) => rabita(['start'], { RABITA_DATA: path.join(root, 'unused'), ...env }));
    const codes = await Promise.all(runs.map((run) => run.exited));
    cases.forEach(([env, pattern], i) => {
      expect(codes[i], JSON.stringify(env)).toBe(1);
      expectOneSentence(runs[i]?.output() ?? '', pattern);
    });
    // Six processes each load the whole server (about 3 s of CPU each): 31 s on a quiet two-core machine, over 60 s
    // beside a CI run. A hang detector, not a speed bound.
  }, 180_000);

  it('says when the port is taken, and leaves nothing running', async () => {
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const port = (blocker.address() as net.AddressInfo).port;
    const data = path.join(root, 'port-taken');
    const run = rabita(['start'], { RABITA_DATA: data, PORT: String(port) });
    expect(await run.exited).toBe(1);
    expectOneSentence(run.output(), new RegExp(`Port ${port} is already in use`));
    blocker.close();
    expect(fs.existsSync(path.join(data, 'pg', 'postmaster.pid'))).toBe(false);
    expect(fs.existsSync(path.join(data, 'rabita.lock'))).toBe(false);
  }, 90_000);

  it('uses DATABASE_URL when given and starts nothing embedded; migrate, user create and worker work on it', async () => {
    const database = await createTestDatabase();
    try {
      const data = path.join(root, 'external');
      const env = { DATABASE_URL: database.url, RABITA_DATA: data };
      const migrate = rabita(['migrate'], env);
      expect(await migrate.exited, migrate.output()).toBe(0);
      const port = await freePort();
      const server = rabita(['start'], { ...env, PORT: String(port), RABITA_IN_PROCESS_WORKER: 'false' });
      await ready(port, server);
      expect(fs.existsSync(path.join(data, 'pg'))).toBe(false);

      const created = rabita(
        [
          'user',
          'create',
          '--email',
          'cli@example.com',
          '--name',
          'From the CLI',
          '--password',
          'correct horse battery',
        ],
        env,
      );
      expect(await created.exited, created.output()).toBe(0);
      expect(
        (await post(port, '/auth/sign-in', { email: 'cli@example.com', password: 'correct horse battery' }))
          .status,
      ).toBe(200);
      const bad = rabita(
        ['user', 'create', '--email', 'not-an-email', '--name', 'X', '--password', 'short'],
        env,
      );
      expect(await bad.exited).toBe(1);
      expectOneSentence(bad.output(), /email|password/i);
      const missing = rabita(['user', 'create'], env);
      expect(await missing.exited).not.toBe(0);

      // The worker alone runs jobs: an expired session is cleaned up.
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      try {
        await admin.query(`update sessions set expires_at = now() - interval '1 day'`);
        const worker = rabita(['worker'], { ...env, LOG_LEVEL: 'info' });
        for (let i = 0; i < 300 && !worker.output().includes('Rabita worker is running'); i++) {
          if (worker.child.exitCode !== null) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        expect(worker.output()).toContain('Rabita worker is running');
        await admin.query(`select graphile_worker.add_job('rabita:cleanup', '{}'::json)`);
        let left = 1;
        for (let i = 0; i < 300 && left > 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          left = Number(
            (await admin.query(`select count(*) from sessions where expires_at < now()`)).rows[0].count,
          );
        }
        expect(left).toBe(0);
        worker.child.kill('SIGTERM');
        expect(await worker.exited).toBe(0);
      } finally {
        await admin.end();
      }
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    } finally {
      await database.drop();
    }
  }, 180_000);

  it.runIf(process.getuid?.() === 0)(
    'runs embedded PostgreSQL for an unprivileged user too',
    async () => {
      // A home folder the unprivileged user owns, inside the run's folder so cleanup finds it.
      const home = path.join(root, 'nobody-home');
      const uid = Number(execFileSync('id', ['-u', 'nobody']).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'nobody']).toString().trim());
      await fsp.mkdir(home, { mode: 0o755 });
      await fsp.chown(home, uid, gid);
      const data = path.join(home, 'data');
      const port = await freePort();
      const run = rabita(
        ['start'],
        { HOME: home, RABITA_DATA: data, PORT: String(port) },
        { as: { uid, gid } },
      );
      await ready(port, run);
      expect(fs.statSync(path.join(data, 'pg')).uid).toBe(uid);
      const pid = clusterPid(data) as number;
      expect(fs.statSync(`/proc/${pid}`).uid).toBe(uid);
      run.child.kill('SIGTERM');
      expect(await run.exited, run.output()).toBe(0);
      expect(clusterPid(data)).toBeUndefined();
      expect(alive(pid)).toBe(false);
    },
    120_000,
  );
});
