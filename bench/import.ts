// Import benchmark: `npm run bench:import` (100,000 rows) or `node bench/import.ts --rows 1000000`.
// Imports a generated people CSV through the real import job (mapping, coercion, duplicate matching by email,
// company linking by name, search documents and audit rows) and, beside it in the same run on the same
// database, a raw COPY of the same rows into the same tables (people, record_changes, search_documents):
// the ratio import/COPY is the figure we steer by. Then streams an export of the imported people.
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import {
  createImport,
  createUserWithWorkspace,
  exportRecords,
  getImport,
  operatorPrincipal,
  runImport,
  toCsv,
} from '@rabita/core';
import { createPool, openDatabase } from '@rabita/db';
import { createLogger, loadConfig, startDatabase } from '@rabita/server';
import { compactText, normalizeText } from '@rabita/shared';
import { copyRows } from '../packages/core/src/demo/copy.ts';

const { values: args } = parseArgs({
  options: { rows: { type: 'string', default: '100000' }, data: { type: 'string' } },
});
const rows = Number(args.rows);
if (!Number.isInteger(rows) || rows < 1) throw new Error('--rows must be a positive whole number');
const dataDir = args.data ?? (await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-bench-import-')));
const csvFile = path.join(dataDir, `people-${rows}.csv`);

const FIRST = ['Sara', 'Ali', 'مریم', 'محمد', 'فاطمة', 'Omar', 'Layla', 'رضا', 'Hassan', 'Noor'];
const LAST = ['Ahmadi', 'Haddad', 'کریمی', 'العلي', 'Nasser', 'رضایی', 'Karimi', 'الأحمد'];
const TITLES = ['Engineer', 'Buyer', 'مدیر فروش', 'محاسب', 'CTO', 'Designer'];
const COMPANIES = Array.from({ length: 1000 }, (_, i) => `Company ${i}`);

function person(i: number) {
  return {
    first: FIRST[i % FIRST.length]!,
    last: LAST[(i * 7) % LAST.length]!,
    email: `person${i}@bench.example`,
    phone: `+98912${String(1000000 + i).padStart(7, '0')}`,
    title: TITLES[i % TITLES.length]!,
    company: COMPANIES[i % COMPANIES.length]!,
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

const log = createLogger({ logLevel: 'warn' });
const config = loadConfig({ RABITA_DATA: dataDir, LOG_LEVEL: 'warn' });
const database = await startDatabase(config, log);
const handle = openDatabase(database.connectionString, { poolSize: 4 });
const owner = createPool(database.connectionString, 2, 'rabita-bench-import');
let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 200);

try {
  process.stderr.write(`Writing ${rows.toLocaleString('en')} rows of CSV…\n`);
  await writeCsv();
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

  // 1. The import, through the job.
  const principal = await operatorPrincipal(handle.db, a.workspaceId);
  const { id } = await createImport(
    handle.db,
    principal,
    { name: path.basename(csvFile), stream: fs.createReadStream(csvFile) },
    { object: 'people', matchBy: 'emails', onMatch: 'skip', dryRun: false, dateCalendar: 'gregory' },
  );
  process.stderr.write('Importing…\n');
  peakRss = process.memoryUsage().rss;
  const importStarted = performance.now();
  await runImport(handle.db, a.workspaceId, id, {
    onProgress: (done, total) => process.stderr.write(`\r  ${done}/${total}`),
  });
  const importSeconds = (performance.now() - importStarted) / 1000;
  const importPeakRss = peakRss;
  const view = await getImport(handle.db, principal, id);
  process.stderr.write('\n');
  if (view.counts.created !== rows)
    throw new Error(`the import created ${view.counts.created} of ${rows} rows`);

  // 2. Export the imported people, streamed.
  process.stderr.write('Exporting…\n');
  global.gc?.();
  peakRss = process.memoryUsage().rss;
  const exportBaseRss = peakRss;
  const exportStarted = performance.now();
  const { fields, pages } = await exportRecords(handle.db, principal, 'people', {});
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

  // 3. The same rows, COPYed raw into the same tables (values computed in JS, as a hand-written loader would).
  process.stderr.write('COPY…\n');
  const client = await owner.connect();
  const copyStarted = performance.now();
  try {
    await client.query('begin');
    await client.query('select set_config($1, $2, true)', ['rabita.workspace_id', b.workspaceId]);
    const companyIds = new Map<string, string>();
    const companyRows = COMPANIES.map((name) => {
      const cid = crypto.randomUUID();
      companyIds.set(name, cid);
      return [b.workspaceId, cid, name];
    });
    await copyRows(client, 'companies', ['workspace_id', 'id', 'name'], companyRows);
    const ids = Array.from({ length: rows }, () => crypto.randomUUID());
    function* people() {
      for (let i = 0; i < rows; i++) {
        const p = person(i);
        yield [
          b.workspaceId,
          ids[i]!,
          p.first,
          p.last,
          [{ address: p.email, primary: true }],
          [p.email],
          [{ raw: p.phone, e164: p.phone, primary: true }],
          [p.phone],
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
          `${p.first} ${p.last} ${p.first} ${p.last} ${p.email} ${p.phone} ${p.title}`,
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

  const importRate = rows / importSeconds;
  const copyRate = rows / copySeconds;
  const result = {
    rows,
    importSeconds: Number(importSeconds.toFixed(1)),
    importRowsPerSecond: Math.round(importRate),
    copySeconds: Number(copySeconds.toFixed(1)),
    copyRowsPerSecond: Math.round(copyRate),
    ratio: Number((importRate / copyRate).toFixed(3)),
    exportSeconds: Number(exportSeconds.toFixed(1)),
    exportRowsPerSecond: Math.round(rows / exportSeconds),
    exportMiB: Number((bytes / 1024 / 1024).toFixed(1)),
    importPeakRssMiB: Math.round(importPeakRss / 1024 / 1024),
    exportStartRssMiB: Math.round(exportBaseRss / 1024 / 1024),
    exportPeakRssMiB: Math.round(exportPeakRss / 1024 / 1024),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `import ${result.importRowsPerSecond} rows/s, COPY ${result.copyRowsPerSecond} rows/s, ratio ${result.ratio} (target ≥ 0.5); export ${result.exportRowsPerSecond} rows/s (target ≥ 50,000)\n`,
  );
  const resultsDir = path.join(import.meta.dirname, 'results');
  await fsp.mkdir(resultsDir, { recursive: true });
  await fsp.writeFile(
    path.join(resultsDir, `${new Date().toISOString().replace(/[:.]/g, '-')}-import-${rows}.json`),
    `${JSON.stringify(result, null, 2)}\n`,
  );
} finally {
  clearInterval(sampler);
  await owner.end();
  await handle.close();
  await database.stop();
  if (!args.data) await fsp.rm(dataDir, { recursive: true, force: true });
}
