// Real processes for the scale-out test: `rabita start` and `rabita worker` on one external database, and haproxy in
// front, configured by deploy/haproxy.cfg itself (its addresses come from the environment).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { freePort } from '../processes.ts';

export { freePort };

const REPO = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(REPO, 'apps/cli/src/main.ts');
export const HAPROXY_CONFIG = path.join(REPO, 'deploy/haproxy.cfg');

/** haproxy's path, from PATH or Debian's /usr/sbin (root's PATH has it, others' may not), or undefined. */
export function findHaproxy(): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'haproxy');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** A process the test started: its output so far and its exit. */
export interface Proc {
  name: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

const running = new Set<Proc>();

function track(name: string, child: ChildProcess): Proc {
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    // Workers log every job at debug level; keep the last 4 MB.
    if (out.length > 8_000_000) out = out.slice(-4_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const proc: Proc = {
    name,
    child,
    output: () => out,
    exited: new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))),
    ),
  };
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  return proc;
}

/** What every Rabita process of the cluster shares. */
export interface ClusterEnv {
  databaseUrl: string;
  /** The balancer's address: links, secure cookies. */
  publicUrl: string;
  /** The sealing key: servers sharing a database share it (OPERATIONS.md). */
  secretKey: string;
  dataRoot: string;
}

export function clusterEnv(databaseUrl: string, publicUrl: string): ClusterEnv {
  return {
    databaseUrl,
    publicUrl,
    secretKey: randomBytes(32).toString('hex'),
    dataRoot: fs.mkdtempSync(path.join(os.tmpdir(), 'rabita-scale-')),
  };
}

function rabitaEnv(env: ClusterEnv, name: string, extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.tmpdir(),
    DATABASE_URL: env.databaseUrl,
    RABITA_PUBLIC_URL: env.publicUrl,
    RABITA_SECRET_KEY: env.secretKey,
    RABITA_DATA: path.join(env.dataRoot, name),
    RABITA_WEBHOOKS_ALLOW_PRIVATE: 'true',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** `rabita start` without the in-process worker, behind a proxy, on `port`; resolves once /readyz answers. */
export async function startApp(env: ClusterEnv, name: string, port: number): Promise<Proc> {
  const child = spawn(process.execPath, ['--max-old-space-size=384', MAIN, 'start'], {
    env: rabitaEnv(env, name, {
      PORT: String(port),
      RABITA_IN_PROCESS_WORKER: 'false',
      RABITA_TRUST_PROXY: 'true',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(name, child);
  await waitFor(`${name} to be ready`, 120_000, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited early: ${proc.output()}`);
    return fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  });
  return proc;
}

/** `rabita worker`, logging each job it completes (debug level); resolves once it says it is running. */
export async function startWorkerProcess(env: ClusterEnv, name: string): Promise<Proc> {
  const child = spawn(process.execPath, [MAIN, 'worker'], {
    env: rabitaEnv(env, name, { LOG_LEVEL: 'debug' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(name, child);
  await waitFor(`${name} to run`, 120_000, async () => {
    if (child.exitCode !== null) throw new Error(`${name} exited early: ${proc.output()}`);
    return proc.output().includes('Rabita worker is running');
  });
  return proc;
}

/**
 * haproxy in the foreground on deploy/haproxy.cfg, listening on `port` in front of `apps` (host:port each), with
 * checks every `checkInterval`; resolves once it serves /readyz through at least one app.
 */
export async function startHaproxy(
  haproxy: string,
  port: number,
  apps: [string, string],
  checkInterval = '1s',
): Promise<Proc> {
  const check = spawn(haproxy, ['-c', '-f', HAPROXY_CONFIG], {
    env: haproxyEnv(port, apps, checkInterval),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const checked = track('haproxy -c', check);
  if ((await checked.exited) !== 0) throw new Error(`deploy/haproxy.cfg is not valid: ${checked.output()}`);
  const child = spawn(haproxy, ['-db', '-f', HAPROXY_CONFIG], {
    env: haproxyEnv(port, apps, checkInterval),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track('haproxy', child);
  await waitFor('haproxy to serve', 30_000, async () => {
    if (child.exitCode !== null) throw new Error(`haproxy exited early: ${proc.output()}`);
    return fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
  });
  return proc;
}

function haproxyEnv(port: number, apps: [string, string], checkInterval: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    RABITA_LB_BIND: `127.0.0.1:${port}`,
    RABITA_APP_1: apps[0],
    RABITA_APP_2: apps[1],
    RABITA_LB_CHECK_INTERVAL: checkInterval,
  };
}

/** Polls `check` every 100 ms until it is true; fails naming `what` after `ms`. */
export async function waitFor(what: string, ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - started;
}

/** SIGTERM to everything still running, SIGKILL after 10 s; also when a test failed half way. */
export async function stopAll(): Promise<void> {
  const procs = [...running];
  for (const p of procs) p.child.kill('SIGTERM');
  await Promise.race([Promise.all(procs.map((p) => p.exited)), new Promise((r) => setTimeout(r, 10_000))]);
  for (const p of running) p.child.kill('SIGKILL');
}

/**
 * The pid, among `pids`, of the process holding the client end of a loopback TCP connection from `clientPort` to
 * `serverPort` (Linux: /proc/net/tcp gives the socket's inode, /proc/<pid>/fd the process holding it).
 */
export function pidOfConnection(clientPort: number, serverPort: number, pids: number[]): number | undefined {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, '0');
  let inode: string | undefined;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex(clientPort)}`) && cols[2]?.endsWith(`:${hex(serverPort)}`))
        inode = cols[9];
    }
  }
  if (!inode) return undefined;
  for (const pid of pids) {
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      try {
        if (fs.readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`) return pid;
      } catch {}
    }
  }
  return undefined;
}
