// Rabita benchmarks: `npm run bench` (quick, size S) or `node bench/run.ts --size M` (full).
// Each scenario runs through the HTTP API with autocannon and, beside it, the same SQL straight through pg
// at the same concurrency: the ratio API/baseline is the figure we steer by.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compileListQuery, DEMO_SIZES, type DemoSize, generateDemo, principalForMember } from '@rabita/core';
import { createPool, openDatabase } from '@rabita/db';
import { createLogger, loadConfig, startDatabase } from '@rabita/server';
import autocannon from 'autocannon';
import type pg from 'pg';
import { type Figures, summarise } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: 'S' },
    quick: { type: 'boolean', default: false },
    scenario: { type: 'string' },
    data: { type: 'string' },
  },
});
const size = args.size as DemoSize;
if (!(size in DEMO_SIZES)) throw new Error(`--size must be one of ${Object.keys(DEMO_SIZES).join(', ')}`);
const quick = args.quick;
const seconds = quick ? 3 : 15;
const concurrencies = quick ? [1, 8] : [1, 8, 32];
const root = path.resolve(import.meta.dirname, '..');
const dataDir = path.resolve(args.data ?? path.join(root, 'bench', '.data', size));
const EMAIL = 'bench@example.com';
const PASSWORD = 'bench password';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const log = createLogger({ logLevel: 'warn' });
const config = loadConfig({ RABITA_DATA: dataDir, LOG_LEVEL: 'warn' });
const database = await startDatabase(config, log);
const handle = openDatabase(database.connectionString, { poolSize: 4 });
const owner = createPool(database.connectionString, 4, 'rabita-bench');
let server: ChildProcess | undefined;

try {
  const marker = path.join(dataDir, `demo-${size}.json`);
  let demo: { workspaceId: string; userId: string };
  try {
    demo = JSON.parse(await fs.readFile(marker, 'utf8'));
  } catch {
    process.stderr.write(`Generating the size ${size} data set (once; kept in ${dataDir})…\n`);
    const started = Date.now();
    demo = await generateDemo({ owner, db: handle.db, size, email: EMAIL, password: PASSWORD });
    process.stderr.write(`…done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    await fs.writeFile(marker, JSON.stringify(demo));
  }

  const port = await freePort();
  server = spawn(process.execPath, [path.join(root, 'apps/cli/src/main.ts'), 'start'], {
    env: {
      ...process.env,
      DATABASE_URL: database.connectionString,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RABITA_IN_PROCESS_WORKER: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 200) throw new Error('the server did not become ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const signIn = await fetch(`${base}/api/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: EMAIL, password: PASSWORD }),
  });
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
  const principal = (await principalForMember(handle.db, demo.userId, demo.workspaceId))!;

  /** Drives the API with autocannon and records every response time. */
  async function api(
    request: { path: string; method?: string; body?: string },
    connections: number,
  ): Promise<Figures> {
    const latencies: number[] = [];
    let errors = 0;
    const started = performance.now();
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: `${base}${request.path}`,
          method: (request.method ?? 'GET') as 'GET',
          headers: { cookie, 'content-type': 'application/json' },
          ...(request.body ? { body: request.body } : {}),
          connections,
          duration: seconds,
        },
        (error, finished) => (error ? reject(error) : resolve(finished)),
      );
      instance.on('response', (_client, status, _bytes, time) => {
        if (status >= 400) errors += 1;
        latencies.push(time);
      });
    });
    return summarise(
      latencies,
      errors + result.errors + result.timeouts,
      (performance.now() - started) / 1000,
    );
  }

  /** Runs the same SQL straight through pg, in the same workspace transaction shape, at the same concurrency. */
  async function baseline(
    query: { sql: string; parameters: unknown[] },
    connections: number,
  ): Promise<Figures> {
    const pool: pg.Pool = createPool(
      database.connectionString,
      connections,
      'rabita-bench-baseline',
      'rabita_app',
    );
    const latencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: connections }, async () => {
        const client = await pool.connect();
        try {
          while (performance.now() < deadline) {
            const t0 = performance.now();
            try {
              await client.query('begin');
              await client.query("select set_config('rabita.workspace_id', $1, true)", [demo.workspaceId]);
              await client.query(query.sql, query.parameters);
              await client.query('commit');
              latencies.push(performance.now() - t0);
            } catch {
              errors += 1;
              await client.query('rollback').catch(() => {});
            }
          }
        } finally {
          client.release();
        }
      }),
    );
    await pool.end();
    return summarise(latencies, errors, (performance.now() - started) / 1000);
  }

  const listOptions = {
    filter: {
      and: [
        { field: 'lifecycleStage', op: 'eq', value: 'customer' },
        { field: 'loyaltyTier', op: 'in', value: ['gold', 'platinum'] },
      ],
    },
    sort: 'lastName,firstName',
    limit: 50,
  };
  // A deep page: walk the cursor (page 5,000 at size M; proportionally fewer pages at S).
  const deepPage = size === 'S' ? 20 : 5000;
  let cursor: string | undefined;
  for (let page = 1; page < deepPage; page++) {
    const compiled = await fetch(`${base}/api/v1/objects/people/query`, {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({
        sort: 'lastName,firstName',
        limit: 50,
        fields: ['id'],
        ...(cursor ? { cursor } : {}),
      }),
    }).then((r) => r.json() as Promise<{ nextCursor: string | null }>);
    if (!compiled.nextCursor) break;
    cursor = compiled.nextCursor;
  }

  const scenarios: {
    name: string;
    request: { path: string; method?: string; body?: string };
    sql?: { sql: string; parameters: unknown[] };
  }[] = [
    {
      name: 'list: people by standard + custom field, sorted, page 1',
      request: { path: '/api/v1/objects/people/query', method: 'POST', body: JSON.stringify(listOptions) },
      sql: await compileListQuery(handle.db, principal, 'people', listOptions),
    },
    {
      name: `list: people sorted, page ${deepPage} by cursor`,
      request: {
        path: '/api/v1/objects/people/query',
        method: 'POST',
        body: JSON.stringify({ sort: 'lastName,firstName', limit: 50, cursor }),
      },
      sql: await compileListQuery(handle.db, principal, 'people', {
        sort: 'lastName,firstName',
        limit: 50,
        cursor,
      }),
    },
  ];
  const wanted = args.scenario?.split(',');
  const results: {
    scenario: string;
    concurrency: number;
    api: Figures;
    baseline?: Figures;
    ratio?: number;
  }[] = [];
  for (const scenario of scenarios) {
    if (wanted && !wanted.some((w) => scenario.name.startsWith(w))) continue;
    for (const c of concurrencies) {
      const apiFigures = await api(scenario.request, c);
      const baseFigures = scenario.sql ? await baseline(scenario.sql, c) : undefined;
      const ratio = baseFigures
        ? Math.round((apiFigures.throughput / baseFigures.throughput) * 100) / 100
        : undefined;
      results.push({
        scenario: scenario.name,
        concurrency: c,
        api: apiFigures,
        ...(baseFigures ? { baseline: baseFigures, ratio } : {}),
      });
      process.stderr.write(
        `${scenario.name} @${c}: api p95 ${apiFigures.p95} ms, ${apiFigures.throughput}/s; baseline ${baseFigures?.throughput ?? '-'}/s\n`,
      );
    }
  }

  const report = {
    date: new Date().toISOString(),
    size,
    quick,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    data: DEMO_SIZES[size],
    results,
  };
  await fs.mkdir(path.join(root, 'bench/results'), { recursive: true });
  const file = path.join(
    root,
    'bench/results',
    `${report.date.replace(/[:.]/g, '-')}-${size}${quick ? '-quick' : ''}.json`,
  );
  await fs.writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${r.concurrency} | ${r.api.p50} | ${r.api.p95} | ${r.api.p99} | ${r.api.throughput} | ${r.api.errors} | ${r.baseline?.throughput ?? '–'} | ${r.ratio ?? '–'} |`,
  );
  process.stdout.write(
    [
      `Size ${size}${quick ? ' (quick)' : ''}, ${report.machine.cpus} cores, Node ${process.version}; results in ${path.relative(root, file)}`,
      '',
      '| scenario | conc. | p50 ms | p95 ms | p99 ms | req/s | errors | baseline req/s | API/baseline |',
      '|---|---|---|---|---|---|---|---|---|',
      ...rows,
      '',
    ].join('\n'),
  );
} finally {
  server?.kill('SIGTERM');
  if (server) await new Promise((resolve) => server!.once('exit', resolve));
  await owner.end();
  await handle.close();
  await database.stop();
}
