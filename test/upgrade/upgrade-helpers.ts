// The upgrade tests' shared parts: the real `npm start` in a child process, and the answers the fixture's version gave,
// asked again of the upgraded one.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { freePort, type Run, watchChild } from '../processes.ts';
import { type Answers, readAnswers } from './load-fixture.ts';

export { freePort, type Run };

const ROOT = path.resolve(import.meta.dirname, '../..');
const answers: Answers = readAnswers();
/** Every `npm start` still running, for the tests' clean-up. */
export const running = new Set<ChildProcess>();

/** `npm start` in the checkout, as a person upgrading runs it, with these variables and nothing of the test run's. */
export function npmStart(env: Record<string, string>): Run {
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchChild(child, running);
}

/** The server process `npm start` runs (its script execs node, so it is npm's child). */
export function serverPid(run: Run): number {
  for (let i = 0; i < 100; i++) {
    let out = '';
    try {
      out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(run.child.pid)], { encoding: 'utf8' }).trim();
    } catch {} // ps exits 1 while npm has no child yet
    const pid = Number.parseInt(out.split('\n')[0] ?? '', 10);
    if (pid > 0) return pid;
    execFileSync('sleep', ['0.05']);
  }
  throw new Error('npm start has no child process');
}

export async function ready(port: number, run: Run, seconds = 180): Promise<void> {
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

export async function stop(run: Run): Promise<void> {
  if (run.child.exitCode !== null) return;
  run.child.kill('SIGTERM');
  expect(await run.exited).toBe(0);
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function admin<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const migrationNames = (url: string) =>
  admin(url, async (c) =>
    (await c.query<{ name: string }>('select name from rabita_migration')).rows.map((r) => r.name),
  );

export async function signIn(port: number, email: string, password: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status, `sign-in as ${email}`).toBe(200);
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
}

export async function get(port: number, cookie: string, url: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`http://127.0.0.1:${port}/api/v1${url}`, { headers: { cookie } });
  return { status: response.status, body: await response.json() };
}

/** Asks the upgraded Rabita what the fixture's version was asked, and expects the answers it gave. */
export async function expectSameAnswers(port: number): Promise<void> {
  const cookie = await signIn(port, answers.admin.email, answers.admin.password);
  const me = await get(port, cookie, '/me');
  expect(me.body.workspace.id).toBe(answers.admin.workspaceId);

  for (const [object, count] of Object.entries(answers.counts)) {
    expect((await get(port, cookie, `/objects/${object}/count`)).body.count, `${object} count`).toBe(count);
  }
  // Every field the old version showed keeps its value (new versions may add fields, never change old ones).
  for (const [object, records] of Object.entries(answers.records)) {
    expect(records.length).toBeGreaterThan(0);
    for (const before of records) {
      const after = await get(port, cookie, `/objects/${object}/${before.id}`);
      expect(after.status, `${object} ${before.id}`).toBe(200);
      for (const [field, value] of Object.entries(before)) {
        expect(after.body[field], `${object} ${before.id} ${field}`).toEqual(value);
      }
    }
  }
  // The search for a Persian or Arabic name finds what it found before, the person first among equals.
  const search = await get(port, cookie, `/search?q=${encodeURIComponent(answers.search.q)}&limit=20`);
  expect(search.status).toBe(200);
  const ids = (search.body.data as { id: string }[]).map((h) => h.id);
  expect(ids).toContain(answers.search.personId);
  expect(ids).toEqual(expect.arrayContaining(answers.search.hits.map((h) => h.id)));
  // The same search typed with the other script's letter forms (ي/ی, ك/ک) finds the person too.
  const variant = answers.search.q.replaceAll('ي', 'ی').replaceAll('ك', 'ک');
  const other =
    variant === answers.search.q ? answers.search.q.replaceAll('ی', 'ي').replaceAll('ک', 'ك') : variant;
  const folded = await get(port, cookie, `/search?q=${encodeURIComponent(other)}&limit=20`);
  expect((folded.body.data as { id: string }[]).map((h) => h.id)).toContain(answers.search.personId);
  // The timeline keeps every entry it had.
  const timeline = await get(
    port,
    cookie,
    `/objects/${answers.timeline.object}/${answers.timeline.id}/timeline?limit=200`,
  );
  expect(timeline.status).toBe(200);
  const entries = (timeline.body.data as { kind: string; id: string }[]).map((e) => `${e.kind}:${e.id}`);
  expect(entries).toEqual(expect.arrayContaining(answers.timeline.entries.map((e) => `${e.kind}:${e.id}`)));

  // The second account signs in to its own workspace and sees none of the first one's records.
  const second = await signIn(port, answers.second.email, answers.second.password);
  expect((await get(port, second, '/me')).body.workspace.id).toBe(answers.second.workspaceId);
  expect((await get(port, second, '/objects/people/count')).body.count).toBe(answers.second.people);
  expect((await get(port, second, `/objects/people/${answers.search.personId}`)).status).toBe(404);
}
