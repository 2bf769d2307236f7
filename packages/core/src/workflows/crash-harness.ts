// The workflows crash harness, shared by crash.test.ts and bench/workflows-soak.ts: receivers that record each
// external effect's key, worker processes (crash-worker.ts) that die at failpoints, the workflow they run, and the
// checks of the guarantees, each returning the problems it found (none when the guarantees hold).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type pg from 'pg';
import { startSmtpReceiver } from './smtp-receiver.ts';

const WORKER = path.resolve(import.meta.dirname, 'crash-worker.ts');
/** The crash workflow's steps, in order. */
export const CRASH_STEPS = ['count', 'task', 'hook', 'pause', 'mail'];
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An API call as a member (the test's `apiCaller`, or the bench's inject). */
export type Call = (
  method: 'GET' | 'POST' | 'PATCH',
  url: string,
  body?: unknown,
) => Promise<{ statusCode: number; body: string; json(): unknown }>;

export interface Receivers {
  /** Each webhook delivery's Idempotency-Key, and each email's Message-ID, one entry a delivery. */
  hooks: string[];
  mails: string[];
  hookUrl: string;
  smtpUrl: string;
  close(): Promise<void>;
}

/** A local HTTP receiver for the webhook step and a local SMTP receiver for the email step. */
export async function startReceivers(): Promise<Receivers> {
  const hooks: string[] = [];
  const mails: string[] = [];
  const http = createServer((request, response) => {
    hooks.push(String(request.headers['idempotency-key']));
    // A worker killed mid-request aborts it; the reset is expected, not a test failure.
    request.on('error', () => {});
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const smtp = await startSmtpReceiver((raw) => {
    mails.push(/^Message-ID: (.*)\r$/im.exec(raw)?.[1] ?? 'none');
  });
  return {
    hooks,
    mails,
    hookUrl: `http://127.0.0.1:${(http.address() as AddressInfo).port}/hook`,
    smtpUrl: smtp.url,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await smtp.close();
    },
  };
}

/**
 * Creates, publishes and turns on the workflow every crash run follows, on each new person: a counter (jobTitle
 * "n" becomes "n+"), a task, a webhook, a 1 s wait, an email.
 */
export async function createCrashWorkflow(call: Call, hookUrl: string): Promise<string> {
  const created = await call('POST', '/workflows', {
    name: 'Follow up',
    draft: {
      trigger: { type: 'record', object: 'people', events: ['created'] },
      start: 'count',
      steps: [
        {
          id: 'count',
          type: 'updateRecord',
          target: 'trigger',
          values: { jobTitle: { expr: 'record.jobTitle + "+"' } },
          next: 'task',
        },
        {
          id: 'task',
          type: 'createRecord',
          object: 'tasks',
          values: { title: { expr: '"follow up " + record.firstName' } },
          next: 'hook',
        },
        { id: 'hook', type: 'webhook', url: hookUrl, method: 'POST', next: 'pause' },
        { id: 'pause', type: 'wait', until: { expr: 'now + duration("1s")' }, next: 'mail' },
        {
          id: 'mail',
          type: 'sendEmail',
          to: [{ expr: 'record.emails' }],
          subject: 'Thank you {{ record.firstName }}',
          body: 'Hello {{ record.firstName }}',
          next: null,
        },
      ],
    },
  });
  if (created.statusCode !== 201) throw new Error(`the crash workflow was refused: ${created.body}`);
  const id = (created.json() as { id: string }).id;
  for (const [method, url, body] of [
    ['POST', `/workflows/${id}/publish`, undefined],
    ['PATCH', `/workflows/${id}`, { enabled: true }],
  ] as const) {
    const res = await call(method, url, body);
    if (res.statusCode !== 200) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  }
  return id;
}

export interface CrashWorker {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** How many people it reported written (one more may be written when it died right after a commit). */
  created: () => number;
}

/** What a crash worker needs to reach: the database, the workspace and member it writes as, the SMTP receiver. */
export interface CrashTarget {
  url: string;
  workspaceId: string;
  userId: string;
  smtpUrl: string;
}

/** Starts crash-worker.ts: it writes `people`, then runs jobs until a failpoint (`failpoints`) kills it. */
export function startCrashWorker(
  target: CrashTarget,
  options: { failpoints?: string; people?: CrashPerson[]; concurrency?: number } = {},
): CrashWorker {
  const child = spawn(process.execPath, [WORKER], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: target.url,
      CRASH_WORKSPACE: target.workspaceId,
      CRASH_USER: target.userId,
      CRASH_SMTP_URL: target.smtpUrl,
      CRASH_PEOPLE: JSON.stringify(options.people ?? []),
      CRASH_CONCURRENCY: String(options.concurrency ?? 2),
      ...(options.failpoints ? { RABITA_FAILPOINTS: options.failpoints } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d) => {
    out += d;
  });
  child.stderr?.on('data', (d) => {
    out += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    created: () => out.split('\n').filter((line) => line.startsWith('created ')).length,
  };
}

/**
 * Waits for a worker to die at its failpoint; one still alive `ms` after it started taking jobs (its hit did not
 * come) is killed with SIGKILL. Says which it was; throws when the worker ended any other way.
 */
export async function killedWithin(worker: CrashWorker, ms: number): Promise<'failpoint' | 'killed'> {
  const exited = worker.exited.then(() => true);
  while (!worker.output().includes('ready\n'))
    if (await Promise.race([exited, sleep(100).then(() => false)])) break;
  let how: 'failpoint' | 'killed' = 'failpoint';
  if (!(await Promise.race([exited, sleep(ms).then(() => false)]))) {
    how = 'killed';
    worker.child.kill('SIGKILL');
  }
  const exit = await worker.exited;
  if (exit.signal !== 'SIGKILL')
    throw new Error(`the worker ended without being killed (${exit.code}): ${worker.output()}`);
  return how;
}

export interface CrashPerson {
  firstName: string;
  jobTitle: string;
  email: string;
}

/** People named `<prefix>-<i>` for i in [from, from + count). */
export const crashPeople = (prefix: string, count: number, from = 0): CrashPerson[] =>
  Array.from({ length: count }, (_, i) => ({
    firstName: `${prefix}-${from + i}`,
    jobTitle: 'n',
    email: `${prefix}-${from + i}@example.com`,
  }));

/** Every record of an object the member may list, page by page. */
async function listAll<T>(call: Call, object: string): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(
      'GET',
      `/objects/${object}?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    const page = res.json() as { data: T[]; nextCursor: string | null };
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** The people of a round (by name prefix) as the record engine gives them. */
export async function peopleOf(call: Call, prefix: string) {
  const all = await listAll<{ id: string; firstName: string; jobTitle: string | null }>(call, 'people');
  return all.filter((p) => p.firstName.startsWith(`${prefix}-`));
}

export interface CrashRun {
  id: string;
  status: string;
  trigger_record_id: string;
  /** Whether a job will carry it on (in graphile-worker's queue, or held until its schema exists). */
  has_job: boolean;
}

/** The runs of the workflow on these records. */
export async function runsOf(owner: pg.Pool, workflowId: string, ids: string[]): Promise<CrashRun[]> {
  const { rows } = await owner.query<{ id: string; status: string; trigger_record_id: string; key: string }>(
    `select id, status, trigger_record_id, 'ws:' || workspace_id || ':workflow-run:' || id as key
       from workflow_runs where workflow_id = $1 and trigger_record_id = any($2::uuid[])`,
    [workflowId, ids],
  );
  const keys = new Set(
    (await owner.query<{ key: string }>('select job_key as key from pending_jobs')).rows.map((r) => r.key),
  );
  const schema = await owner.query(`select to_regclass('graphile_worker.jobs') as t`);
  if (schema.rows[0]?.t)
    for (const r of (await owner.query<{ key: string }>('select key from graphile_worker.jobs')).rows)
      keys.add(r.key);
  return rows.map(({ key, ...run }) => ({ ...run, has_job: keys.has(key) }));
}

/** Runs that are not over and have no job to carry them on (a wait's resumption included). */
export const orphans = (runs: CrashRun[]) =>
  runs.filter((r) => !['succeeded', 'failed'].includes(r.status) && !r.has_job);

/** Waits until every run of the workflow is over (a committed write has its run, so none is missed), or ms. */
export async function settle(owner: pg.Pool, workflowId: string, ms: number) {
  const started = Date.now();
  for (;;) {
    const { rows } = await owner.query<{ open: number }>(
      `select count(*)::int as open from workflow_runs
        where workflow_id = $1 and status not in ('succeeded', 'failed', 'cancelled', 'skipped')`,
      [workflowId],
    );
    if (rows[0]?.open === 0 || Date.now() - started > ms) return;
    await sleep(250);
  }
}

/**
 * The guarantees for a round's people once their runs are over, as a list of what broke them (empty: they held):
 * one run per person, every run succeeded, the counter moved once and one task per run, one succeeded step run per
 * step, one key per external step at the receivers. Also how many times each run's webhook was delivered.
 */
export async function guaranteeProblems(
  call: Call,
  owner: pg.Pool,
  workflowId: string,
  prefix: string,
  receivers: Pick<Receivers, 'hooks' | 'mails'>,
) {
  const problems: string[] = [];
  const found = await peopleOf(call, prefix);
  const runs = await runsOf(
    owner,
    workflowId,
    found.map((p) => p.id),
  );
  const runsByRecord = new Map<string, number>();
  for (const r of runs)
    runsByRecord.set(r.trigger_record_id, (runsByRecord.get(r.trigger_record_id) ?? 0) + 1);
  for (const p of found)
    if (runsByRecord.get(p.id) !== 1) problems.push(`${p.firstName}: ${runsByRecord.get(p.id) ?? 0} runs`);
  for (const r of runs) if (r.status !== 'succeeded') problems.push(`run ${r.id}: ${r.status}`);
  for (const p of found) if (p.jobTitle !== 'n+') problems.push(`${p.firstName}: counter "${p.jobTitle}"`);
  const tasks = new Map<string, number>();
  for (const task of await listAll<{ title: string }>(call, 'tasks'))
    tasks.set(task.title, (tasks.get(task.title) ?? 0) + 1);
  for (const p of found) {
    const n = tasks.get(`follow up ${p.firstName}`) ?? 0;
    if (n !== 1) problems.push(`${p.firstName}: ${n} tasks`);
  }
  const steps = await owner.query<{ run_id: string; step_id: string; ok: number }>(
    `select run_id, step_id, count(*) filter (where status = 'succeeded')::int as ok
       from workflow_step_runs where run_id = any($1::uuid[]) group by run_id, step_id`,
    [runs.map((r) => r.id)],
  );
  if (steps.rows.length !== runs.length * CRASH_STEPS.length)
    problems.push(`${steps.rows.length} steps run for ${runs.length} runs of ${CRASH_STEPS.length} steps`);
  for (const s of steps.rows)
    if (s.ok !== 1) problems.push(`run ${s.run_id} step ${s.step_id}: ${s.ok} successes`);
  const hooks = new Map<string, Set<string>>();
  const deliveries = new Map<string, number>();
  for (const key of receivers.hooks) {
    const runId = key.split(':')[0]!;
    hooks.set(runId, (hooks.get(runId) ?? new Set()).add(key));
    deliveries.set(runId, (deliveries.get(runId) ?? 0) + 1);
  }
  const mails = new Map<string, Set<string>>();
  for (const key of receivers.mails) {
    const runId = /^<([^.]+)\./.exec(key)?.[1] ?? key;
    mails.set(runId, (mails.get(runId) ?? new Set()).add(key));
  }
  for (const r of runs) {
    const h = [...(hooks.get(r.id) ?? [])];
    if (h.length !== 1 || h[0] !== `${r.id}:hook`) problems.push(`run ${r.id}: webhook keys ${h.join(' ')}`);
    const m = [...(mails.get(r.id) ?? [])];
    if (m.length !== 1 || m[0] !== `<${r.id}.mail@rabita.example>`)
      problems.push(`run ${r.id}: Message-IDs ${m.join(' ')}`);
  }
  return { problems, found, runs, deliveries: (runId: string) => deliveries.get(runId) ?? 0 };
}
