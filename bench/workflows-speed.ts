// Workflow speed (issue 11, "Speed"): `node bench/workflows-speed.ts [--runs 2000] [--seconds 20] [--rate 20]
// [--data dir]`. Two measurements on one job worker (the `rabita start` default, four quick slots):
//  1. Drain: `--runs` people are created (batches of 1,000) while no worker runs, each starting a run of a two-step
//     workflow (update the person, create a task); then the worker starts and the steps a second it carries until
//     every run has succeeded are counted. Target: at least 200 steps/s.
//  2. Latency under mixed load: for `--seconds`, people are created one by one at `--rate` a second while eight
//     readers list people without pause; for each run, the time from the write's commit (the run's creation) to its
//     first step's start. Targets: p95 ≤ 2 s, p99 ≤ 5 s. The readers' list p95 is printed beside their idle p95.
//  3. Import drain (`--import-rows`, 0 to skip): a CSV of that many people is uploaded through the imports API while
//     the worker runs; each row's record starts a run. Measured: the seconds until the import is done and until every
//     run has succeeded, that no run or step was lost (one run, one task and the person's update for each row), and
//     the readers' list p95 while it drains against its idle p95. Target: nothing lost, list within 2×.
// Prints a table and writes bench/results/<time>-workflows.json.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createUserWithWorkspace } from '@rabita/core';
import { createPool, openDatabase } from '@rabita/db';
import { buildApp, createLogger, loadConfig, startDatabase, startWorker } from '@rabita/server';
import { multipartForm } from '../test/multipart.ts';
import { summarise } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '20' },
    rate: { type: 'string', default: '20' },
    'import-rows': { type: 'string', default: '0' },
    // The worker's quick job slots (RABITA_WORKER_CONCURRENCY; `rabita start` has 4).
    slots: { type: 'string', default: '4' },
    data: { type: 'string' },
  },
});
const runs = Number(args.runs);
const seconds = Number(args.seconds);
const rate = Number(args.rate);
const importRows = Number(args['import-rows']);
if (![runs, seconds, rate].every((n) => Number.isFinite(n) && n > 0))
  throw new Error('--runs, --seconds and --rate must be positive numbers');
if (!Number.isInteger(importRows) || importRows < 0) throw new Error('--import-rows must be 0 or more');

const dataDir = args.data ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-bench-workflows-')));
const config = loadConfig({
  RABITA_DATA: dataDir,
  LOG_LEVEL: 'warn',
  RABITA_OPEN_SIGNUP: 'true',
  RABITA_IN_PROCESS_WORKER: 'false',
  RABITA_WORKER_CONCURRENCY: String(args.slots),
});
const log = createLogger({ logLevel: 'warn' });
const database = await startDatabase(config, log);
const handle = openDatabase(database.connectionString, { poolSize: 10 });
const owner = createPool(database.connectionString, 2, 'rabita-bench-workflows');
const app = await buildApp(config, { db: handle.db, pool: handle.pool });
await app.ready();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const note = (line: string) =>
  process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s  ${line}\n`);

try {
  const account = {
    email: `wf-${Date.now().toString(36)}@bench.example`,
    password: 'bench password',
    name: 'Bench',
  };
  const user = await createUserWithWorkspace(handle.db, account);
  const signIn = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in',
    payload: { email: account.email, password: account.password },
  });
  const session = signIn.cookies.find((c) => c.name === 'rabita_session');
  if (!session) throw new Error(`sign-in failed: ${signIn.statusCode} ${signIn.body}`);
  const headers = { cookie: `rabita_session=${session.value}` };
  const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
    const res = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers,
      ...(body === undefined ? {} : { payload: body as object }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res;
  };

  const created = await call('POST', '/workflows', {
    name: 'Bench: welcome',
    settings: { concurrency: 'parallel' },
    draft: {
      trigger: { type: 'record', object: 'people', events: ['created'] },
      start: 'mark',
      steps: [
        {
          id: 'mark',
          type: 'updateRecord',
          target: 'trigger',
          values: { jobTitle: { value: 'welcomed' } },
          next: 'task',
        },
        {
          id: 'task',
          type: 'createRecord',
          object: 'tasks',
          values: { title: { expr: '"Call " + record.firstName' } },
          next: null,
        },
      ],
    },
  });
  const workflowId = (created.json() as { id: string }).id;
  await call('POST', `/workflows/${workflowId}/publish`);
  await call('PATCH', `/workflows/${workflowId}`, { enabled: true });
  const count = async (where: string) =>
    Number(
      (
        await owner.query<{ n: string }>(
          `select count(*) as n from workflow_runs where workspace_id = $1 and workflow_id = $2 and ${where}`,
          [user.workspaceId, workflowId],
        )
      ).rows[0]!.n,
    );

  // 1. Drain.
  for (let done = 0; done < runs; done += 1000) {
    const n = Math.min(1000, runs - done);
    await call('POST', '/objects/people/batch', {
      records: Array.from({ length: n }, (_, i) => ({ firstName: `مهمان ${done + i}`, lastName: 'بنچ' })),
    });
  }
  note(`${await count('true')} runs queued; starting one worker (${config.workerConcurrency} slots)`);
  const drainStart = performance.now();
  const runner = await startWorker(config, database.connectionString, handle.db, log);
  try {
    while ((await count(`status = 'succeeded'`)) < runs) {
      if (performance.now() - drainStart > 15 * 60_000) throw new Error('the drain took over 15 minutes');
      await sleep(200);
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    const stepsPerSecond = (runs * 2) / drainSeconds;
    note(
      `drained ${runs} runs (${runs * 2} steps) in ${drainSeconds.toFixed(1)} s: ${stepsPerSecond.toFixed(0)} steps/s`,
    );

    // 2. Latency under mixed load, after an idle measurement of the readers.
    const listOnce = async () => {
      const t0 = performance.now();
      await call('POST', '/objects/people/query', { sort: 'lastName', limit: 50 });
      return performance.now() - t0;
    };
    const readFor = async (ms: number, readers: number) => {
      const times: number[] = [];
      const until = performance.now() + ms;
      await Promise.all(
        Array.from({ length: readers }, async () => {
          while (performance.now() < until) times.push(await listOnce());
        }),
      );
      return times;
    };
    const idle = summarise(await readFor(5000, 8), 0, 5);
    const before = new Date();
    const writes = (async () => {
      const every = 1000 / rate;
      const until = performance.now() + seconds * 1000;
      let i = 0;
      while (performance.now() < until) {
        const t0 = performance.now();
        await call('POST', '/objects/people', { firstName: `زنده ${i++}`, lastName: 'بنچ' });
        await sleep(Math.max(0, every - (performance.now() - t0)));
      }
      return i;
    })();
    const [written, loaded] = await Promise.all([writes, readFor(seconds * 1000, 8)]);
    const busy = summarise(loaded, 0, seconds);
    while ((await count(`created_at >= '${before.toISOString()}' and status <> 'succeeded'`)) > 0) {
      if (performance.now() - drainStart > 20 * 60_000) throw new Error('the live runs did not finish');
      await sleep(200);
    }
    const { rows } = await owner.query<{ ms: number }>(
      `select extract(epoch from (min(s.started_at) - r.created_at)) * 1000 as ms
       from workflow_runs r join workflow_step_runs s on s.workspace_id = r.workspace_id and s.run_id = r.id
       where r.workspace_id = $1 and r.workflow_id = $2 and r.created_at >= $3
       group by r.id, r.created_at`,
      [user.workspaceId, workflowId, before],
    );
    const latency = summarise(
      rows.map((r) => Number(r.ms)),
      0,
      seconds,
    );
    // 3. Import drain: every row's run and steps, beside eight readers.
    let importDrain:
      | {
          rows: number;
          importSeconds: number;
          drainSeconds: number;
          lost: { runs: number; tasks: number; people: number };
          listIdleP95: number;
          listBusyP95: number;
        }
      | undefined;
    if (importRows > 0) {
      const csv = Buffer.from(
        `firstName,lastName,emails\n${Array.from(
          { length: importRows },
          (_, i) => `وارد ${i},ایمپورت,row${i}@import.bench.example`,
        ).join('\n')}\n`,
      );
      const importBefore = new Date();
      const upload = multipartForm({ object: 'people', matchBy: 'emails', onMatch: 'skip' }, csv);
      const t0 = performance.now();
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/imports',
        payload: upload.payload,
        headers: { ...upload.headers, ...headers },
      });
      if (res.statusCode !== 202) throw new Error(`upload failed: ${res.statusCode} ${res.body}`);
      const importId = (res.json() as { id: string }).id;
      note(`uploaded ${importRows} rows; the worker imports them and runs a workflow per row`);
      let importSeconds = 0;
      const reading = (async () => {
        const times: number[] = [];
        for (;;) {
          times.push(...(await readFor(2000, 8)));
          const done = await count(`created_at >= '${importBefore.toISOString()}' and status = 'succeeded'`);
          if (!importSeconds) {
            const view = (await call('GET', `/imports/${importId}`)).json() as {
              status: string;
              error?: string;
            };
            if (view.status === 'failed') throw new Error(`the import failed: ${view.error}`);
            if (view.status === 'done') importSeconds = (performance.now() - t0) / 1000;
          }
          if (done >= importRows) return times;
          if (performance.now() - t0 > 3 * 3600_000)
            throw new Error('the import drain took over three hours');
        }
      })();
      const loadedTimes = await reading;
      const drainSeconds = (performance.now() - t0) / 1000;
      const lost = async (sql: string) =>
        Number((await owner.query<{ n: string }>(sql, [user.workspaceId])).rows[0]!.n);
      importDrain = {
        rows: importRows,
        importSeconds: Number(importSeconds.toFixed(1)),
        drainSeconds: Number(drainSeconds.toFixed(1)),
        lost: {
          // Each imported person has exactly one run, one task named after them and the step's update.
          runs: await lost(
            `select count(*) as n from people p where p.workspace_id = $1 and p.last_name = 'ایمپورت'
               and (select count(*) from workflow_runs r where r.workspace_id = p.workspace_id
                      and r.trigger_record_id = p.id and r.status = 'succeeded') <> 1`,
          ),
          tasks:
            importRows -
            (await lost(
              `select count(*) as n from tasks where workspace_id = $1 and title like 'Call وارد %'`,
            )),
          people: await lost(
            `select count(*) as n from people where workspace_id = $1 and last_name = 'ایمپورت'
               and job_title is distinct from 'welcomed'`,
          ),
        },
        listIdleP95: idle.p95,
        listBusyP95: summarise(loadedTimes, 0, drainSeconds).p95,
      };
      note(
        `import done in ${importDrain.importSeconds} s, every run in ${importDrain.drainSeconds} s; lost ${JSON.stringify(importDrain.lost)}`,
      );
    }
    const result = {
      at: new Date().toISOString(),
      machine: { cores: os.cpus().length, node: process.version },
      drain: {
        runs,
        steps: runs * 2,
        seconds: Number(drainSeconds.toFixed(2)),
        stepsPerSecond: Math.round(stepsPerSecond),
      },
      latency: { runs: written, rate, p50: latency.p50, p95: latency.p95, p99: latency.p99 },
      listWhileRunning: { idleP95: idle.p95, busyP95: busy.p95 },
      ...(importDrain ? { importDrain } : {}),
    };
    const table = [
      '| measure | value | target |',
      '|---|---|---|',
      `| steps a second on one worker (${runs} runs × 2 steps) | ${result.drain.stepsPerSecond} | ≥ 200 |`,
      `| trigger commit → first step, p50 / p95 / p99 ms (${written} runs at ${rate}/s, 8 readers) | ${latency.p50} / ${latency.p95} / ${latency.p99} | p95 ≤ 2000, p99 ≤ 5000 |`,
      `| people list p95 ms, idle → while runs go | ${idle.p95} → ${busy.p95} | within 2× |`,
      ...(importDrain
        ? [
            `| import of ${importDrain.rows} rows, a run each: import done / every run done, s | ${importDrain.importSeconds} / ${importDrain.drainSeconds} | — |`,
            `| runs, tasks, updates lost | ${importDrain.lost.runs}, ${importDrain.lost.tasks}, ${importDrain.lost.people} | 0 |`,
            `| people list p95 ms, idle → while the import drains | ${importDrain.listIdleP95} → ${importDrain.listBusyP95} | within 2× |`,
          ]
        : []),
    ].join('\n');
    process.stdout.write(`${table}\n`);
    const file = path.resolve(
      import.meta.dirname,
      'results',
      `${result.at.replace(/[:.]/g, '-')}-workflows.json`,
    );
    await fsp.writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
    note(`results in ${path.relative(process.cwd(), file)}`);
  } finally {
    await runner.stop();
  }
} finally {
  await app.close();
  await owner.end();
  await handle.close();
  await database.stop();
  if (!args.data) await fsp.rm(dataDir, { recursive: true, force: true });
}
