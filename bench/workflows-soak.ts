// The workflows soak (issue 11, "Guarantees"): `node bench/workflows-soak.ts [--runs 10000] [--kills 20]
// [--seed n] [--data dir]`. Worker processes (packages/core/src/workflows/crash-worker.ts) each write their share of
// people — each write starts a run of the crash workflow: counter, task, webhook, 1 s wait, email — and are killed
// (SIGKILL) at a random failpoint and hit, or by the soak a few seconds after they start working when that hit does
// not come. A worker without failpoints then finishes every run, and the soak checks the crash test's guarantees on
// all of them: one run per write, all succeeded, no internal effect twice, one key per external effect at the local
// receivers, no run without its job after any kill. Prints a JSON summary; exits 1 when a guarantee broke.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createUserWithWorkspace } from '@rabita/core';
import { createPool, openDatabase } from '@rabita/db';
import { buildApp, createLogger, loadConfig, startDatabase } from '@rabita/server';
import {
  type Call,
  type CrashWorker,
  crashPeople,
  createCrashWorkflow,
  guaranteeProblems,
  killedWithin,
  orphans,
  peopleOf,
  runsOf,
  settle,
  startCrashWorker,
  startReceivers,
} from '../packages/core/src/workflows/crash-harness.ts';
import { FAILPOINTS } from '../packages/core/src/workflows/failpoints.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '10000' },
    kills: { type: 'string', default: '20' },
    seed: { type: 'string', default: '20261204' },
    data: { type: 'string' },
  },
});
const runs = Number(args.runs);
const kills = Number(args.kills);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a whole number from 1');
if (!Number.isInteger(kills) || kills < 1 || kills > runs)
  throw new Error('--kills must be from 1 to --runs');
let seed = Number(args.seed) >>> 0;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 1;
  return seed / 2 ** 31;
};

const dataDir = args.data ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-bench-soak-')));
const config = loadConfig({ RABITA_DATA: dataDir, LOG_LEVEL: 'warn', RABITA_OPEN_SIGNUP: 'true' });
const database = await startDatabase(config, createLogger({ logLevel: 'warn' }));
const handle = openDatabase(database.connectionString, { poolSize: 4 });
const owner = createPool(database.connectionString, 2, 'rabita-bench-soak');
const app = await buildApp(config, { db: handle.db, pool: handle.pool });
await app.ready();
const receivers = await startReceivers();
const alive = new Set<CrashWorker>();
const started = Date.now();
const log = (line: string) =>
  process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s  ${line}\n`);

try {
  const stamp = Date.now().toString(36);
  const account = { email: `soak-${stamp}@bench.example`, password: 'bench password', name: 'Soak bench' };
  const user = await createUserWithWorkspace(handle.db, account);
  const signIn = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in',
    payload: { email: account.email, password: account.password },
  });
  const session = signIn.cookies.find((c) => c.name === 'rabita_session');
  if (!session) throw new Error(`sign-in failed: ${signIn.statusCode} ${signIn.body}`);
  const cookie = `rabita_session=${session.value}`;
  const call: Call = (method, url, body) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { cookie },
      ...(body === undefined ? {} : { payload: body as object }),
    });
  const workflowId = await createCrashWorkflow(call, receivers.hookUrl);
  const target = {
    url: database.connectionString,
    workspaceId: user.workspaceId,
    userId: user.userId,
    smtpUrl: receivers.smtpUrl,
  };

  const plan: string[] = [];
  const problems: string[] = [];
  let written = 0;
  const share = Math.ceil(runs / kills);
  // Each worker writes the next share; what a worker killed while writing left unwritten falls to the next, the
  // rest to the worker that finishes.
  const writtenSoFar = async () => (await peopleOf(call, 'soak')).length;
  for (let k = 0; k < kills; k++) {
    const point = FAILPOINTS[Math.floor(random() * FAILPOINTS.length)]!;
    const setting = `${point}:${1 + Math.floor(random() * (point === 'after-trigger-commit' ? share : 200))}`;
    written = await writtenSoFar();
    const people = crashPeople('soak', Math.min(share, runs - written), written);
    const worker = startCrashWorker(target, { failpoints: setting, people });
    alive.add(worker);
    // Dies at its failpoint, or is killed 1–8 s after it starts taking jobs.
    const how = await killedWithin(worker, 1000 + Math.floor(random() * 7000));
    alive.delete(worker);
    written = await writtenSoFar();
    plan.push(`${setting} (${how})`);
    const lost = orphans(
      await runsOf(
        owner,
        workflowId,
        (await peopleOf(call, 'soak')).map((p) => p.id),
      ),
    );
    for (const r of lost) problems.push(`after kill ${k + 1}: run ${r.id} (${r.status}) has no job`);
    log(`kill ${k + 1}/${kills}: ${setting} (${how}), ${written} people written`);
  }
  written = await writtenSoFar();
  const clean = startCrashWorker(target, {
    concurrency: 4,
    people: crashPeople('soak', runs - written, written),
  });
  alive.add(clean);
  await settle(owner, workflowId, 60 * 60_000);
  const drained = Date.now();
  const result = await guaranteeProblems(call, owner, workflowId, 'soak', receivers);
  problems.push(...result.problems);
  if (result.found.length !== runs) problems.push(`${result.found.length} people written of ${runs}`);
  clean.child.kill('SIGTERM');
  await clean.exited;
  alive.delete(clean);
  const resent = result.runs.filter((r) => result.deliveries(r.id) > 1).length;
  process.stdout.write(
    `${JSON.stringify(
      {
        runs: result.runs.length,
        people: result.found.length,
        kills: plan,
        webhooksResentWithTheSameKey: resent,
        seconds: Math.round((drained - started) / 1000),
        problems: problems.slice(0, 50),
        problemCount: problems.length,
      },
      null,
      2,
    )}\n`,
  );
  process.exitCode = problems.length > 0 ? 1 : 0;
} finally {
  for (const worker of alive) worker.child.kill('SIGKILL');
  await receivers.close();
  await app.close();
  await owner.end();
  await handle.close();
  await database.stop();
  if (!args.data) await fsp.rm(dataDir, { recursive: true, force: true });
}
