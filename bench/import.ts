// Import benchmark: `npm run bench:import` (100,000 rows) or `node bench/import.ts --rows 1000000`.
// A realistic people file, uploaded through the API as a user would (multipart POST /api/v1/imports) and run by
// the import job: half its rows already exist (matched by email and skipped), each names a company (most
// already in the workspace, some new, which the import creates), phones in local forms (0912 345 6789,
// 050 123 4567, Persian digits) read in the workspace's country. First a dry run of the file, then the real
// import, each timed from the upload to the job's end; then, in the same run on the same database, a raw COPY of
// the same rows into the same tables (companies, people, record_changes, search_documents) of an empty
// workspace, values computed in JavaScript as a hand-written loader would: the ratio import/COPY is the figure
// we steer by. Then streams an export of the people.
// `--on-match skip|update|create` (default skip; update writes the matched records set-based, as imports do); `--statements` counts the statements each import sent.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { createUserWithWorkspace, exportRecords, operatorPrincipal, runImport, toCsv } from '@rabita/core';
import { createPool, openDatabase } from '@rabita/db';
import { buildApp, createLogger, loadConfig, startDatabase } from '@rabita/server';
import { compactText, normalizeText } from '@rabita/shared';
import pg from 'pg';
import { copyRows } from '../packages/core/src/demo/copy.ts';
import { readPhone } from '../packages/core/src/records/values.ts';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    data: { type: 'string' },
    'on-match': { type: 'string', default: 'skip' },
    statements: { type: 'boolean', default: false },
  },
});
const rows = Number(args.rows);
if (!Number.isInteger(rows) || rows < 2) throw new Error('--rows must be a whole number above 1');
const onMatch = args['on-match'];
if (!['skip', 'update', 'create'].includes(onMatch))
  throw new Error('--on-match must be skip, update or create');
const dataDir = args.data ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-bench-import-')));
const csvFile = path.join(dataDir, `people-${rows}.csv`);

const FIRST = ['Sara', 'Ali', 'مریم', 'محمد', 'فاطمة', 'Omar', 'Layla', 'رضا', 'Hassan', 'Noor'];
const LAST = ['Ahmadi', 'Haddad', 'کریمی', 'العلي', 'Nasser', 'رضایی', 'Karimi', 'الأحمد'];
const TITLES = ['Engineer', 'Buyer', 'مدیر فروش', 'محاسب', 'CTO', 'Designer'];
/** Companies already in the workspace, and the ones only the file names (one row in ten). */
const EXISTING_COMPANIES = Array.from({ length: 1000 }, (_, i) => `Company ${i}`);
const NEW_COMPANIES = Array.from({ length: 200 }, (_, i) => `شرکت نو ${i}`);
const PERSIAN = '۰۱۲۳۴۵۶۷۸۹';
const persianDigits = (s: string) => s.replace(/\d/g, (d) => PERSIAN[Number(d)]!);

/** Row i of the file; even rows are people the workspace already has. */
function person(i: number) {
  const n = String(i % 10_000_000).padStart(7, '0');
  const kind = i % 10;
  const phone =
    kind < 6
      ? `0912 ${n.slice(0, 3)} ${n.slice(3)}` // Iran, national form
      : kind < 8
        ? persianDigits(`0935 ${n.slice(0, 3)} ${n.slice(3)}`) // Iran, Persian digits
        : `050 ${n.slice(0, 3)} ${n.slice(3)}`; // Saudi national form (read in the workspace's country)
  return {
    first: FIRST[i % FIRST.length]!,
    last: LAST[(i * 7) % LAST.length]!,
    email: `person${i}@bench.example`,
    phone,
    title: TITLES[i % TITLES.length]!,
    company: i % 10 === 3 ? NEW_COMPANIES[i % NEW_COMPANIES.length]! : EXISTING_COMPANIES[i % 1000]!,
  };
}

async function writeCsv() {
  const out = fs.createWriteStream(csvFile);
  out.write('First Name,Last Name,Email,Phone Number,Job Title,Company Name\n');
  for (let i = 0; i < rows; i++) {
    const p = person(i);
    if (!out.write(`${p.first},${p.last},${p.email},${p.phone},${p.title},${p.company}\n`))
      await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

/** A multipart/form-data body: the text fields, then the file. */
function form(fields: Record<string, string>, file: Buffer, filename: string) {
  const boundary = `----rabita-bench-${Date.now().toString(36)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: text/csv\r\n\r\n`,
    ),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

const log = createLogger({ logLevel: 'warn' });
const config = loadConfig({ RABITA_DATA: dataDir, LOG_LEVEL: 'warn' });
const database = await startDatabase(config, log);
const handle = openDatabase(database.connectionString, { poolSize: 4 });
const owner = createPool(database.connectionString, 2, 'rabita-bench-import');
const app = await buildApp(config, { db: handle.db, pool: handle.pool });
await app.ready();
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);

/** With --statements: every statement the app's clients send, counted and timed (to its answer) by its start. */
const sent = new Map<string, { n: number; ms: number }>();
if (args.statements) {
  const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...a: unknown[]) {
    const first = a[0] as string | { text?: string };
    const text = typeof first === 'string' ? first : (first?.text ?? '');
    const words = text.replace(/\s+/g, ' ').trim().slice(0, 70);
    const entry = sent.get(words) ?? { n: 0, ms: 0 };
    sent.set(words, entry);
    entry.n += 1;
    const started = performance.now();
    const out = query.apply(this, a);
    if (out instanceof Promise)
      out.then(
        () => {
          entry.ms += performance.now() - started;
        },
        () => {},
      );
    return out;
  } as typeof pg.Client.prototype.query;
}
function statementsSinceLast() {
  if (!args.statements) return undefined;
  const all = [...sent.entries()].sort((x, y) => y[1].ms - x[1].ms);
  sent.clear();
  return {
    total: all.reduce((n, [, c]) => n + c.n, 0),
    top: Object.fromEntries(all.slice(0, 25).map(([k, c]) => [k, `${c.n} in ${Math.round(c.ms)} ms`])),
  };
}

try {
  process.stderr.write(`Writing ${rows.toLocaleString('en')} rows of CSV…\n`);
  await writeCsv();
  const file = await fsp.readFile(csvFile);
  const stamp = Date.now().toString(36);
  const a = await createUserWithWorkspace(handle.db, {
    email: `import-${stamp}@bench.example`,
    password: 'bench password',
    name: 'Import bench',
  });
  const b = await createUserWithWorkspace(handle.db, {
    email: `copy-${stamp}@bench.example`,
    password: 'bench password',
    name: 'COPY bench',
  });
  const signIn = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in',
    payload: { email: `import-${stamp}@bench.example`, password: 'bench password' },
  });
  const session = signIn.cookies.find((c) => c.name === 'rabita_session');
  if (!session) throw new Error(`sign-in failed: ${signIn.statusCode} ${signIn.body}`);
  const cookie = `rabita_session=${session.value}`;
  const country = await app.inject({
    method: 'PATCH',
    url: '/api/v1/workspace',
    headers: { cookie },
    payload: { defaultCountry: 'IR' },
  });
  if (country.statusCode !== 200) throw new Error(`setting the country failed: ${country.body}`);

  // The workspace before the import: its companies, and the file's even rows as people (loaded directly).
  process.stderr.write('Loading the existing companies and people…\n');
  {
    const client = await owner.connect();
    try {
      await client.query('begin');
      await client.query('select set_config($1, $2, true)', ['rabita.workspace_id', a.workspaceId]);
      const companyIds = EXISTING_COMPANIES.map(() => crypto.randomUUID());
      await copyRows(
        client,
        'companies',
        ['workspace_id', 'id', 'name', 'owner_id'],
        EXISTING_COMPANIES.map((name, i) => [a.workspaceId, companyIds[i]!, name, a.userId]),
      );
      function* existing() {
        for (let i = 0; i < rows; i += 2) {
          const p = person(i);
          yield [
            a.workspaceId,
            crypto.randomUUID(),
            p.first,
            p.last,
            [{ address: p.email, primary: true }],
            [p.email],
            'Old title',
            companyIds[i % 1000]!,
            a.userId,
          ];
        }
      }
      await copyRows(
        client,
        'people',
        [
          'workspace_id',
          'id',
          'first_name',
          'last_name',
          'emails',
          'email_addresses',
          'job_title',
          'company_id',
          'owner_id',
        ],
        existing(),
      );
      await client.query('commit');
      await client.query('analyze companies, people');
    } finally {
      client.release();
    }
  }

  /** Uploads the file through the API and runs the import job to its end; seconds from upload to end. */
  const importFile = async (dryRun: boolean) => {
    statementsSinceLast();
    const started = performance.now();
    const body = form(
      { object: 'people', matchBy: 'emails', onMatch, dryRun: String(dryRun) },
      file,
      path.basename(csvFile),
    );
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/imports',
      payload: body.payload,
      headers: { ...body.headers, cookie },
    });
    if (res.statusCode !== 202) throw new Error(`upload failed: ${res.statusCode} ${res.body}`);
    const { id } = res.json() as { id: string };
    const uploaded = performance.now();
    await runImport(handle.db, a.workspaceId, id, {
      onProgress: (done, total) => process.stderr.write(`\r  ${done}/${total}`),
    });
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write('\n');
    const view = (
      await app.inject({ method: 'GET', url: `/api/v1/imports/${id}`, headers: { cookie } })
    ).json();
    if (view.status !== 'done') throw new Error(`the import ended ${view.status}: ${view.error}`);
    const half = Math.ceil(rows / 2);
    const expected =
      onMatch === 'update'
        ? { created: rows - half, updated: half, skipped: 0 }
        : onMatch === 'skip'
          ? { created: rows - half, updated: 0, skipped: half }
          : { created: rows, updated: 0, skipped: 0 };
    for (const [k, v] of Object.entries(expected))
      if (view.counts[k] !== v)
        throw new Error(
          `the import counted ${JSON.stringify(view.counts)}, expected ${JSON.stringify(expected)}`,
        );
    if (view.counts.rejected !== 0) throw new Error(`rejects: ${JSON.stringify(view.firstRejects)}`);
    return {
      seconds,
      uploadSeconds: (uploaded - started) / 1000,
      counts: view.counts,
      statements: statementsSinceLast(),
    };
  };

  process.stderr.write('Dry run…\n');
  peakRss = process.memoryUsage().rss;
  const dry = await importFile(true);
  process.stderr.write('Importing…\n');
  peakRss = process.memoryUsage().rss;
  const real = await importFile(false);
  const importPeakRss = peakRss;

  // Every person of the file names its company.
  const principal = await operatorPrincipal(handle.db, a.workspaceId);
  {
    const client = await owner.connect();
    const { rows: check } = await client.query(
      `select count(*)::int as people, count(company_id)::int as linked,
              (select count(*)::int from companies where workspace_id = $1) as companies
       from people where workspace_id = $1`,
      [a.workspaceId],
    );
    client.release();
    const expectedCompanies =
      EXISTING_COMPANIES.length + Math.min(NEW_COMPANIES.length, Math.ceil(rows / 10));
    if (check[0].people !== rows || check[0].linked !== rows || check[0].companies > expectedCompanies)
      throw new Error(`after the import: ${JSON.stringify(check[0])}`);
  }

  // 2. Export the people, streamed.
  process.stderr.write('Exporting…\n');
  global.gc?.();
  peakRss = process.memoryUsage().rss;
  const exportBaseRss = peakRss;
  const exportStarted = performance.now();
  const { fields, pages } = await exportRecords({ db: handle.db, principal }, 'people', {});
  let bytes = 0;
  await pipeline(
    toCsv(fields, pages),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        bytes += chunk.length;
        cb();
      },
    }),
  );
  const exportSeconds = (performance.now() - exportStarted) / 1000;
  const exportPeakRss = peakRss;

  // 3. The same rows, COPYed raw into the same tables of an empty workspace (values computed in JS, phones read
  // into E.164 as the import does, as a hand-written loader would).
  process.stderr.write('COPY…\n');
  const client = await owner.connect();
  const copyStarted = performance.now();
  try {
    await client.query('begin');
    await client.query('select set_config($1, $2, true)', ['rabita.workspace_id', b.workspaceId]);
    const companyIds = new Map<string, string>();
    const companyRows = [...EXISTING_COMPANIES, ...NEW_COMPANIES].map((name) => {
      const cid = crypto.randomUUID();
      companyIds.set(name, cid);
      return [b.workspaceId, cid, name];
    });
    await copyRows(client, 'companies', ['workspace_id', 'id', 'name'], companyRows);
    const ids = Array.from({ length: rows }, () => crypto.randomUUID());
    const e164 = (raw: string) => readPhone(raw, 'IR')!.e164;
    function* people() {
      for (let i = 0; i < rows; i++) {
        const p = person(i);
        const phone = e164(p.phone);
        yield [
          b.workspaceId,
          ids[i]!,
          p.first,
          p.last,
          [{ address: p.email, primary: true }],
          [p.email],
          [{ raw: p.phone, e164: phone, primary: true }],
          [phone],
          p.title,
          companyIds.get(p.company)!,
          b.userId,
        ];
      }
    }
    await copyRows(
      client,
      'people',
      [
        'workspace_id',
        'id',
        'first_name',
        'last_name',
        'emails',
        'email_addresses',
        'phones',
        'phone_numbers',
        'job_title',
        'company_id',
        'owner_id',
      ],
      people(),
    );
    function* changes() {
      for (let i = 0; i < rows; i++) {
        const p = person(i);
        yield [
          b.workspaceId,
          crypto.randomUUID(),
          'people',
          ids[i]!,
          'created',
          { firstName: { from: null, to: p.first }, lastName: { from: null, to: p.last } },
          b.userId,
          'import',
        ];
      }
    }
    await copyRows(
      client,
      'record_changes',
      ['workspace_id', 'id', 'object_key', 'record_id', 'action', 'changes', 'actor_user_id', 'source'],
      changes(),
    );
    function* documents() {
      for (let i = 0; i < rows; i++) {
        const p = person(i);
        const content = normalizeText(
          `${p.first} ${p.last} ${p.first} ${p.last} ${p.email} ${p.phone} ${e164(p.phone)} ${p.title}`,
        );
        yield [
          b.workspaceId,
          'people',
          ids[i]!,
          `${p.first} ${p.last}`,
          p.title,
          content,
          compactText(content),
        ];
      }
    }
    await copyRows(
      client,
      'search_documents',
      ['workspace_id', 'object_key', 'record_id', 'title', 'subtitle', 'content', 'compact'],
      documents(),
    );
    await client.query('commit');
  } finally {
    client.release();
  }
  const copySeconds = (performance.now() - copyStarted) / 1000;

  const importRate = rows / real.seconds;
  const copyRate = rows / copySeconds;
  const result = {
    rows,
    onMatch,
    dryRunSeconds: Number(dry.seconds.toFixed(1)),
    dryRunRowsPerSecond: Math.round(rows / dry.seconds),
    importSeconds: Number(real.seconds.toFixed(1)),
    uploadSeconds: Number(real.uploadSeconds.toFixed(1)),
    importRowsPerSecond: Math.round(importRate),
    counts: real.counts,
    copySeconds: Number(copySeconds.toFixed(1)),
    copyRowsPerSecond: Math.round(copyRate),
    ratio: Number((importRate / copyRate).toFixed(3)),
    exportSeconds: Number(exportSeconds.toFixed(1)),
    exportRowsPerSecond: Math.round(rows / exportSeconds),
    exportMiB: Number((bytes / 1024 / 1024).toFixed(1)),
    importPeakRssMiB: Math.round(importPeakRss / 1024 / 1024),
    exportStartRssMiB: Math.round(exportBaseRss / 1024 / 1024),
    exportPeakRssMiB: Math.round(exportPeakRss / 1024 / 1024),
    ...(args.statements ? { dryRunStatements: dry.statements, importStatements: real.statements } : {}),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `import ${result.importRowsPerSecond} rows/s (dry run ${result.dryRunRowsPerSecond}), COPY ${result.copyRowsPerSecond} rows/s, ratio ${result.ratio} (target ≥ 0.5); export ${result.exportRowsPerSecond} rows/s (target ≥ 50,000)\n`,
  );
  const resultsDir = path.join(import.meta.dirname, 'results');
  await fsp.mkdir(resultsDir, { recursive: true });
  await fsp.writeFile(
    path.join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-import-${rows}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
} finally {
  clearInterval(sampler);
  await app.close();
  await owner.end();
  await handle.close();
  await database.stop();
  if (!args.data) await fsp.rm(dataDir, { recursive: true, force: true });
}
