// Test helpers: a fresh migrated database per test file, an app built on it, and data factories.
import { randomBytes } from 'node:crypto';
import { buildRegistry } from '@rabita/core';
import {
  checkWorkspaceRouting,
  type DatabaseHandle,
  migrateToLatest,
  openDatabase,
  openOwnerDatabase,
} from '@rabita/db';
import { type AppDeps, buildApp, type Config, loadConfig } from '@rabita/server';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import {
  type CitusNode,
  citusWorkers,
  copyCitusDatabase,
  createCitusDatabase,
  dropCitusDatabase,
} from './citus-nodes.ts';

export function databaseUrl(database: string): string {
  const u = new URL(inject('adminUrl'));
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates an empty database (no migrations) and returns its URL and a drop function. */
export async function createEmptyDatabase(): Promise<{
  url: string;
  name: string;
  drop: () => Promise<void>;
}> {
  return createDatabaseFrom(null);
}

/** Creates a fresh database copied from the migrated template. */
export async function createTestDatabase(): Promise<{
  url: string;
  name: string;
  drop: () => Promise<void>;
}> {
  return createDatabaseFrom(inject('templateDatabase'));
}

/**
 * RABITA_TEST_CITUS=1 (with TEST_DATABASE_URL at a Citus coordinator, e.g. scripts/citus-cluster.sh): each test
 * database is a Citus database of its own — a copy of the migrated template made on every node from that node's
 * copy (test/citus-nodes.ts), or, for an empty one, created on every node with the extension and the workers added.
 */
const CITUS = process.env.RABITA_TEST_CITUS === '1';
// On a cluster a workspace's statement that would ask more than one shard fails the test (`checkWorkspaceRouting`),
// and the error names the statement (the server's log does not: it is refused while it is planned).
if (CITUS) {
  checkWorkspaceRouting(true);
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const result = query.apply(this, args);
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      if (error instanceof Error && error.message.startsWith('multi-task query')) {
        const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string })?.text;
        error.message += ` — in a workspace transaction: ${String(text).replace(/\s+/g, ' ').slice(0, 600)}`;
      }
      throw error;
    });
  } as typeof pg.Client.prototype.query;
}

async function createClusterDatabase(template: string | null) {
  const runId = inject('templateDatabase').replace('rabita_template_', '');
  const name = `rabita_test_${runId}_${randomBytes(4).toString('hex')}`;
  const adminUrl = inject('adminUrl');
  let workers: CitusNode[];
  if (template) {
    workers = await citusWorkers(adminUrl);
    await copyCitusDatabase(adminUrl, workers, template, name);
  } else {
    workers = await createCitusDatabase(adminUrl, name);
  }
  return { url: databaseUrl(name), name, drop: () => dropCitusDatabase(adminUrl, workers, name) };
}

async function createDatabaseFrom(template: string | null) {
  if (CITUS) return createClusterDatabase(template);
  const template_ = template ? ` template ${template}` : '';
  const runId = inject('templateDatabase').replace('rabita_template_', '');
  const name = `rabita_test_${runId}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  try {
    // Copying a template fails while another copy of it is being made; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name}${template_}`);
        break;
      } catch (error) {
        if (attempt > 20 || (error as { code?: string }).code !== '55006') throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  } finally {
    await admin.end();
  }
  return {
    url: databaseUrl(name),
    name,
    drop: async () => {
      const c = new pg.Client({ connectionString: inject('adminUrl') });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface TestApp {
  app: FastifyInstance;
  handle: DatabaseHandle;
  config: Config;
  /** The migrated database's URL (as its owner). */
  url: string;
  close(): Promise<void>;
}

/** Builds the HTTP app on a fresh database; pass env-style overrides as for loadConfig. */
/**
 * A pool on a test database as its owner, for a test that reads or writes what the application's role may not. An
 * idle client cut off when the database is dropped at the end (the pool lets its clients go without waiting for
 * their sockets) is let go, not thrown as an uncaught error.
 */
export function ownerPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  pool.on('error', () => {});
  return pool;
}

export async function createTestApp(
  env: Record<string, string> = {},
  deps: Partial<Pick<AppDeps, 'throttle' | 'modules' | 'webDist'>> = {},
): Promise<TestApp> {
  const database = await createTestDatabase();
  if (deps.modules) {
    // The template holds the platform's migrations; a list with modules of a test's own adds theirs.
    const owner = openOwnerDatabase(database.url);
    await migrateToLatest(owner, buildRegistry(deps.modules).migrations);
    await owner.destroy();
  }
  const config = loadConfig(
    { LOG_LEVEL: process.env.RABITA_TEST_LOG_LEVEL ?? 'silent', DATABASE_URL: database.url, ...env },
    undefined,
    deps.modules,
  );
  const handle = openDatabase(database.url, { poolSize: 5 });
  const app = await buildApp(config, { db: handle.db, pool: handle.pool, ...deps });
  await app.ready();
  return {
    app,
    handle,
    config,
    url: database.url,
    close: async () => {
      await app.close();
      await handle.close();
      await database.drop();
    },
  };
}

let counter = 0;
/** A unique, valid sign-up body. */
export function buildSignUp(
  overrides: Partial<Record<'email' | 'password' | 'name' | 'workspaceName', string>> = {},
) {
  counter += 1;
  return {
    email: `person${counter}.${randomBytes(3).toString('hex')}@example.com`,
    password: 'correct horse battery',
    name: `Person ${counter}`,
    workspaceName: `Workspace ${counter}`,
    ...overrides,
  };
}

/** The `rabita_session` cookie a response set, as a Cookie header value. */
export function sessionCookie(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name === 'rabita_session');
  if (!cookie) throw new Error(`no session cookie in response ${response.statusCode}: ${response.body}`);
  return `rabita_session=${cookie.value}`;
}

/** Signs up a new person with their own workspace (open sign-up must be on after the first). */
export async function signUp(app: FastifyInstance, overrides: Parameters<typeof buildSignUp>[0] = {}) {
  const body = buildSignUp(overrides);
  const response = await app.inject({ method: 'POST', url: '/api/v1/auth/sign-up', payload: body });
  if (response.statusCode !== 201) throw new Error(`sign-up failed: ${response.statusCode} ${response.body}`);
  const json = response.json() as { user: { id: string }; workspace: { id: string } };
  return { ...body, cookie: sessionCookie(response), userId: json.user.id, workspaceId: json.workspace.id };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

/**
 * A short way to call the API as someone: `call('POST', '/objects/people', body)` sends the default cookie;
 * a fourth argument sends another cookie (`''` for none) or headers of its own (`{authorization: …}`). The app
 * and the default cookie are read at call time, so they may be set up in `beforeAll`.
 */
export function apiCaller(app: () => FastifyInstance, defaultCookie: () => string) {
  return (
    method: Method,
    url: string,
    payload?: unknown,
    as: string | Record<string, string> = defaultCookie(),
  ) =>
    app().inject({
      method,
      url: `/api/v1${url}`,
      headers: typeof as === 'string' ? (as ? { cookie: as } : {}) : as,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
}

/** Invites a person with a role and accepts for them; returns their user id and session cookie. */
export async function joinByInvitation(
  app: FastifyInstance,
  adminCookie: string,
  input: { email: string; role: string; name: string },
): Promise<{ userId: string; cookie: string }> {
  const invited = await app.inject({
    method: 'POST',
    url: '/api/v1/invitations',
    headers: { cookie: adminCookie },
    payload: { email: input.email, role: input.role },
  });
  if (invited.statusCode !== 201) throw new Error(`invitation failed: ${invited.statusCode} ${invited.body}`);
  const accepted = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/accept-invitation',
    payload: { token: invited.json().token, name: input.name, password: 'correct horse battery' },
  });
  if (accepted.statusCode !== 200)
    throw new Error(`acceptance failed: ${accepted.statusCode} ${accepted.body}`);
  return { userId: accepted.json().user.id, cookie: sessionCookie(accepted) };
}

/**
 * Counts the statements a pool's clients send whose text matches `pattern` (a cache test's way to see whether an
 * answer was computed or kept). Wraps each client's `query` the first time the pool hands it out.
 */
export function countStatements(pool: pg.Pool, pattern: RegExp): { count: number } {
  const seen = { count: 0 };
  const wrapped = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query;
    client.query = ((...args: unknown[]) => {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      if (text !== undefined && pattern.test(text)) seen.count += 1;
      return (query as (...a: unknown[]) => unknown).apply(client, args);
    }) as typeof client.query;
  });
  return seen;
}

/**
 * A connection of its own listening on a database channel, as another app process would: the payloads heard, in
 * order. Proves an announcement reaches other processes, which this process's own emitters cannot show.
 */
export async function listenOn(
  url: string,
  channel: string,
): Promise<{
  heard: string[];
  /** Makes a change (its HTTP status must be below 300), then waits up to 2 s for a payload; those heard since. */
  after: (change: () => Promise<number>) => Promise<string[]>;
  close: () => Promise<void>;
}> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const heard: string[] = [];
  client.on('notification', (n) => {
    if (n.channel === channel) heard.push(n.payload ?? '');
  });
  await client.query(`listen ${pg.escapeIdentifier(channel)}`);
  const after = async (change: () => Promise<number>) => {
    const before = heard.length;
    const status = await change();
    if (status >= 300) throw new Error(`the change answered ${status}`);
    await within(2_000, async () => heard.length > before);
    return heard.slice(before);
  };
  return { heard, after, close: () => client.end() };
}

/** Polls `check` until it holds or `ms` pass; returns how long it took, or fails. */
export async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > ms) throw new Error(`did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return Date.now() - started;
}
