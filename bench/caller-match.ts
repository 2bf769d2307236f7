// Caller lookup speed (issue 18, "Speed": number lookup alone p95 < 5 ms at size M): `node bench/caller-match.ts
// [--people 100000] [--companies 10000] [--leads 10000] [--lookups 3000] [--data dir]`.
// An embedded PostgreSQL (or DATABASE_URL) migrated as the server does. Data, written by the owner with
// generate_series as the record engine stores phones (E.164 in `phone_numbers`; the suffix triggers fill
// `rabita_derived.caller_phone_suffixes`): `--people` people with one or two numbers each (Iranian mobiles, every
// tenth also a Saudi one; every hundredth number shared by two people, so about 1% of the "exact person" numbers
// are nobody's and go on to the fallback), `--companies` and `--leads` with one number each, 1,000 people whose
// Tehran numbers were saved as Saudi ones; then `vacuum (analyze)`. The people's insert is first timed with the
// suffix trigger and without it (each rolled back). Measured one at a time in the application's pool after a
// warm-up, as the calls module calls it: the raw number read (`normaliseCallerNumber`) and `matchCaller` in a
// workspace transaction, for numbers a record holds exactly, numbers only the suffix fallback finds, and numbers
// nobody holds. Reported: the lookup alone (the time inside the transaction) and the whole transaction (begin,
// lookup, commit), and EXPLAIN ANALYZE of a fallback's statement as the application role. Prints a table and
// writes bench/results/<time>-caller-match.json.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createUserWithWorkspace } from '@rabita/core';
import { createPool, openDatabase, withWorkspace } from '@rabita/db';
import { createLogger, loadConfig, startDatabase } from '@rabita/server';
import { callerQuery, matchCaller, normaliseCallerNumber } from '../packages/core/src/calls/caller-match.ts';
import { summarise } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    people: { type: 'string', default: '100000' },
    companies: { type: 'string', default: '10000' },
    leads: { type: 'string', default: '10000' },
    lookups: { type: 'string', default: '3000' },
    data: { type: 'string' },
  },
});
const people = Number(args.people);
const companies = Number(args.companies);
const leads = Number(args.leads);
const lookups = Number(args.lookups);
if (![people, companies, leads, lookups].every((n) => Number.isInteger(n) && n > 0))
  throw new Error('--people, --companies, --leads and --lookups must be positive integers');

const dataDir = args.data ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-bench-caller-')));
const config = loadConfig({
  RABITA_DATA: dataDir,
  LOG_LEVEL: 'warn',
  ...(process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : {}),
});
const log = createLogger({ logLevel: 'warn' });
const database = await startDatabase(config, log);
const handle = openDatabase(database.connectionString, { poolSize: 4 });
const owner = createPool(database.connectionString, 2, 'rabita-bench-caller');

try {
  const { workspaceId } = await createUserWithWorkspace(handle.db, {
    email: `caller-bench-${Date.now().toString(36)}@bench.example`,
    password: 'bench password long enough',
    name: 'Caller bench',
  });
  // Person i holds +98912 i (7 digits); every tenth also +96650 i (7 digits). Person i (i % 100 = 1) holds person
  // i - 1's number instead, so every hundredth number is shared by two people and one in a hundred is nobody's.
  const insertPeople = `insert into people (workspace_id, id, first_name, last_name, phones, phone_numbers)
     select $1, gen_random_uuid(), 'Caller', lpad(i::text, 7, '0'), '[]'::jsonb,
       array['+98912' || lpad((case when i % 100 = 1 then i - 1 else i end)::text, 7, '0')]
         || case when i % 10 = 0 then array['+96650' || lpad(i::text, 7, '0')] else '{}' end
     from generate_series(1, $2::int) as i`;
  // What the suffix trigger costs a bulk write: the same insert with it and without it, each rolled back.
  const timedInsert = async (withTrigger: boolean) => {
    const client = await owner.connect();
    try {
      await client.query('begin');
      if (!withTrigger) await client.query('alter table people disable trigger caller_suffixes_inserted');
      const started = performance.now();
      await client.query(insertPeople, [workspaceId, people]);
      return (performance.now() - started) / 1000;
    } finally {
      await client.query('rollback');
      client.release();
    }
  };
  const insertWithout = await timedInsert(false);
  const insertWith = await timedInsert(true);
  const loadStarted = performance.now();
  await owner.query(insertPeople, [workspaceId, people]);
  await owner.query(
    `insert into companies (workspace_id, id, name, phone_numbers)
     select $1, gen_random_uuid(), 'Company ' || i, array['+98217' || lpad(i::text, 7, '0')]
     from generate_series(1, $2::int) as i`,
    [workspaceId, companies],
  );
  await owner.query(
    `insert into leads (workspace_id, id, name, phone_numbers)
     select $1, gen_random_uuid(), 'Lead ' || i, array['+98935' || lpad(i::text, 7, '0')]
     from generate_series(1, $2::int) as i`,
    [workspaceId, leads],
  );
  // Numbers saved under the wrong country (a Tehran landline read as Saudi): found only by their suffix.
  await owner.query(
    `insert into people (workspace_id, id, first_name, phone_numbers)
     select $1, gen_random_uuid(), 'Misfiled', array['+9662188' || lpad(i::text, 6, '0')]
     from generate_series(1, 1000) as i`,
    [workspaceId],
  );
  await owner.query('vacuum (analyze) people, companies, leads, rabita_derived.caller_phone_suffixes');
  const loadSeconds = (performance.now() - loadStarted) / 1000;

  const rules = { country: 'IR', stripPrefixes: ['9'] };
  const pick = (n: number) => 1 + Math.floor(Math.random() * n);
  const digits = (n: number) => String(n).padStart(7, '0');
  const cases: Record<string, () => string> = {
    // As trunks hand numbers over: Persian digits, the outside-line 9, 00, sip: URIs.
    'exact person': () => `sip:+98912${digits(pick(people))}@pbx.example.com;user=phone`,
    'exact company': () => `0${toPersian(`21 7${digits(pick(companies))}`)}`,
    'exact lead': () => `9 0098 935 ${digits(pick(leads))}`,
    'suffix only': () => `+98 21 88${digits(pick(1000)).slice(1)}`,
    nobody: () => `+98 912 ${digits(people + pick(1_000_000))}`,
  };
  const figures: Record<string, unknown> = {};
  const rowsOut: string[][] = [];
  const lookupOnce = (raw: string) =>
    withWorkspace(handle.db, workspaceId, (trx) =>
      matchCaller(trx, workspaceId, normaliseCallerNumber(raw, rules)),
    );
  // Warm the pool's connections and their prepared statements, as a running server has them.
  for (const next of Object.values(cases)) for (let i = 0; i < 100; i++) await lookupOnce(next());
  for (const [name, next] of Object.entries(cases)) {
    const lookupMs: number[] = [];
    const totalMs: number[] = [];
    let found = 0;
    for (let i = 0; i < lookups; i++) {
      const raw = next();
      const started = performance.now();
      const matches = await withWorkspace(handle.db, workspaceId, async (trx) => {
        const inside = performance.now();
        const number = normaliseCallerNumber(raw, rules);
        const result = await matchCaller(trx, workspaceId, number);
        lookupMs.push(performance.now() - inside);
        return result;
      });
      totalMs.push(performance.now() - started);
      if (matches.length > 0) found += 1;
    }
    const seconds = totalMs.reduce((a, b) => a + b, 0) / 1000;
    const lookup = summarise(lookupMs, 0, seconds);
    const total = summarise(totalMs, 0, seconds);
    figures[name] = { found, lookup, transaction: total };
    rowsOut.push([
      name,
      `${found}/${lookups}`,
      ...[lookup.p50, lookup.p95, lookup.p99, total.p95].map(String),
    ]);
  }
  // The statement of a lookup that falls back, explained as the application role runs it in the workspace.
  const explained = await explainFallback(workspaceId);
  const loadAverage = os.loadavg()[0]!;
  console.log(
    `data: ${people} people, ${companies} companies, ${leads} leads (loaded in ${loadSeconds.toFixed(1)} s); ` +
      `load average ${loadAverage.toFixed(2)}`,
  );
  console.log(
    `inserting ${people} people: ${insertWith.toFixed(2)} s with the suffix trigger, ` +
      `${insertWithout.toFixed(2)} s without`,
  );
  console.log(
    `a fallback's statement: ${explained.executionMs} ms to execute, suffix read by ${explained.suffixScan}`,
  );
  console.log(['case', 'found', 'lookup p50', 'lookup p95', 'lookup p99', 'transaction p95'].join('\t'));
  for (const row of rowsOut) console.log(row.join('\t'));
  const out = path.join(
    import.meta.dirname,
    'results',
    `${new Date().toISOString().replaceAll(':', '-').replace('.', '-')}-caller-match.json`,
  );
  const summary = {
    people,
    companies,
    leads,
    lookups,
    loadSeconds,
    insertWith,
    insertWithout,
    loadAverage,
    explained,
    figures,
  };
  await fsp.mkdir(path.dirname(out), { recursive: true });
  await fsp.writeFile(out, `${JSON.stringify(summary, null, 2)}\n`);
  console.log(`written ${path.relative(process.cwd(), out)}`);
} finally {
  await owner.end();
  await handle.close();
  await database.stop();
  if (!args.data) await fsp.rm(dataDir, { recursive: true, force: true });
}

async function explainFallback(workspaceId: string): Promise<{ executionMs: number; suffixScan: string }> {
  const number = normaliseCallerNumber('+98 21 8800 0500', { country: 'IR', stripPrefixes: [] });
  const compiled = callerQuery(workspaceId, number.e164, number.national!.slice(-8), 20)!.compile(handle.db);
  const client = await handle.pool.connect();
  try {
    await client.query('begin');
    await client.query("select set_config('rabita.workspace_id', $1, true)", [workspaceId]);
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode; 'Execution Time': number }] }>(
      `explain (analyze, format json) ${compiled.sql}`,
      compiled.parameters as unknown[],
    );
    const nodes: PlanNode[] = [];
    const walk = (node: PlanNode) => {
      nodes.push(node);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(rows[0]!['QUERY PLAN'][0].Plan);
    const scan = nodes.find((n) => n['Relation Name'] === 'caller_phone_suffixes');
    return {
      executionMs: rows[0]!['QUERY PLAN'][0]['Execution Time'],
      suffixScan: scan ? `${scan['Node Type']} ${scan['Index Name'] ?? ''}`.trim() : 'nothing',
    };
  } finally {
    await client.query('rollback');
    client.release();
  }
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function toPersian(text: string): string {
  return text.replace(/\d/g, (d) => String.fromCharCode(0x06f0 + Number(d)));
}
