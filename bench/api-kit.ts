// What the HTTP benchmarks share: a free loopback port for the app they build in-process, and a signed-in client of
// its API (sign-in, JSON calls that throw on an error answer, records made by the batch API); the database and the
// app started and stopped; the machine a run was measured on, and its results file.
import { spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createPool, openDatabase } from '@rabita/db';
import { buildApp, createLogger, loadConfig, startDatabase } from '@rabita/server';

/** A port nothing listens on at 127.0.0.1, for the app a benchmark starts. */
export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The API at `base` (`http://127.0.0.1:<port>`), for accounts made with `password`. */
export function apiClient(base: string, password: string) {
  /** The session cookie of a sign-in. */
  async function signIn(email: string): Promise<string> {
    const res = await fetch(`${base}/api/v1/auth/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  /** A JSON call as the cookie's user; an answer of 300 or more throws with its body. */
  async function call<T>(cookie: string, method: string, url: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}/api/v1${url}`, {
      method,
      headers: { cookie, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (res.status >= 300) throw new Error(`${method} ${url}: ${res.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** `count` records of `object` made by the batch API, 1,000 a request, `record(i)` the i-th; their ids. */
  async function createInBatches(
    cookie: string,
    object: string,
    count: number,
    record: (i: number) => Record<string, unknown>,
  ): Promise<string[]> {
    const ids: string[] = [];
    for (let done = 0; done < count; done += 1000) {
      const n = Math.min(1000, count - done);
      const res = await call<{ data: { id?: string; error?: { message: string } }[] }>(
        cookie,
        'POST',
        `/objects/${object}/batch`,
        { records: Array.from({ length: n }, (_, k) => record(done + k)) },
      );
      for (const row of res.data) {
        if (!row.id) throw new Error(`a record of ${object} was refused: ${row.error?.message}`);
        ids.push(row.id);
      }
    }
    return ids;
  }

  return { signIn, call, createInBatches };
}

/** The app, once it listens on loopback at `port`. */
async function listening<T extends { listen(o: { port: number; host: string }): Promise<unknown> }>(
  app: T,
  port: number,
): Promise<T> {
  await app.listen({ port, host: '127.0.0.1' });
  return app;
}

/**
 * `rabita start` on `connectionString` in a process of its own (its web processes beside it), listening on `port`;
 * settles when it answers `/readyz`. `close` stops it as a service manager would (SIGTERM) and waits for it.
 */
async function startServerProcess(
  connectionString: string,
  port: number,
  webProcesses: number,
  env: Record<string, string> = {},
): Promise<{ close(): Promise<void> }> {
  const server = spawn(
    process.execPath,
    ['--max-old-space-size=384', path.join(import.meta.dirname, '../apps/cli/src/main.ts'), 'start'],
    {
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        ...env,
        DATABASE_URL: connectionString,
        PORT: String(port),
        RABITA_WEB_PROCESSES: String(webProcesses),
        RABITA_IN_PROCESS_WORKER: 'false',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (server.exitCode !== null || i > 600) {
      server.kill('SIGKILL');
      throw new Error(`rabita start with ${webProcesses} web processes did not become ready`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    close: async () => {
      server.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * An embedded PostgreSQL in a data folder (`data`, kept for the next run, or a fresh one removed by `stop`; or
 * DATABASE_URL's server), the app built on it in this process and listening on loopback (`base`), and a pool as the
 * database's owner (`owner`, two connections) for set-based writes and `vacuum`. `stop` closes them all.
 */
export async function startBenchApp(options: {
  name: string;
  env?: Record<string, string>;
  poolSize?: number;
  /** A data folder to use and keep (a benchmark's `--data`); without it a fresh one, removed on `stop`. */
  data?: string;
  /**
   * Serve from `rabita start` with this many web processes (`RABITA_WEB_PROCESSES`) in a process of its own, as
   * `npm start` runs it (heap capped, no job worker), instead of the app built in this process.
   */
  webProcesses?: number;
}) {
  const dataDir =
    options.data ?? (await fsp.mkdtemp(path.join(os.tmpdir(), `rabita-bench-${options.name}-`)));
  const config = loadConfig({
    RABITA_DATA: dataDir,
    LOG_LEVEL: 'warn',
    ...options.env,
    ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
  });
  const log = createLogger({ logLevel: 'warn' });
  const database = await startDatabase(config, log);
  const handle = openDatabase(database.connectionString, { poolSize: options.poolSize ?? 10 });
  const owner = createPool(database.connectionString, 2, `rabita-bench-${options.name}`);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = options.webProcesses
    ? await startServerProcess(database.connectionString, port, options.webProcesses, options.env)
    : await listening(await buildApp(config, { db: handle.db, pool: handle.pool }), port);
  return {
    config,
    log,
    database,
    dataDir,
    handle,
    owner,
    base,
    stop: async () => {
      await app.close();
      await owner.end();
      await handle.close();
      await database.stop();
      if (!options.data) await fsp.rm(dataDir, { recursive: true, force: true });
    },
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The machine a run was measured on, with its load averages before (as taken at the start) and now. */
export function machineFigures(loadBefore: number[]) {
  return {
    cores: os.cpus().length,
    model: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    loadBefore: loadBefore.map(round),
    loadAfter: os.loadavg().map(round),
  };
}

/** Writes a run's results to `bench/results/<its time>-<name>.json`; the file's path. */
export async function writeBenchResults(name: string, result: { at: string }): Promise<string> {
  const file = path.join(import.meta.dirname, 'results', `${result.at.replace(/[:.]/g, '-')}-${name}.json`);
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await fsp.writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
