// The tracking image under load (issue 13, "Speed"): `node bench/tracking-pixel.ts [--rate 2000] [--seconds 15]`.
// One Rabita process on an embedded PostgreSQL answers GET /t/o/<token> for real sent messages (their opens are
// buffered and written once a second, as in production) while autocannon asks at a fixed rate over 50
// connections. Target: p99 < 25 ms at 2,000 requests a second. Prints a table and writes
// bench/results/<time>-tracking.json.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createUserWithWorkspace, lazySecretBox } from '@rabita/core';
import { openDatabase, withWorkspace } from '@rabita/db';
import { buildApp, createLogger, loadConfig, startDatabase } from '@rabita/server';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import { sealToken } from '../packages/core/src/email/tracking.ts';

const { values: args } = parseArgs({
  options: { rate: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '15' } },
});
const rate = Number(args.rate);
const seconds = Number(args.seconds);
const dataDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-bench-tracking-'));
const key = Buffer.alloc(32, 7);
const config = loadConfig({
  RABITA_DATA: dataDir,
  LOG_LEVEL: 'warn',
  RABITA_IN_PROCESS_WORKER: 'false',
  RABITA_SECRET_KEY: key.toString('hex'),
});
const database = await startDatabase(config, createLogger({ logLevel: 'warn' }));
const handle = openDatabase(database.connectionString, { poolSize: 10 });
const app = await buildApp(config, { db: handle.db, pool: handle.pool });
try {
  const user = await createUserWithWorkspace(handle.db, {
    email: `px-${Date.now().toString(36)}@bench.example`,
    password: 'bench password',
    name: 'Bench',
  });
  const workspaceId = user.workspaceId;
  // 1,000 sent messages in one thread of one mailbox, as a campaign's would be.
  const ids = Array.from({ length: 1000 }, (_, i) => `px-${i}@bench.example`);
  await withWorkspace(handle.db, workspaceId, async (trx) => {
    const raw = trx.withoutPlugins();
    await sql`insert into mailboxes (workspace_id, id, name, address, kind, imap_host, imap_port, imap_security, username,
      auth, secret) values (${workspaceId}, gen_random_uuid(), 'Bench', 'bench@bench.example', 'shared', 'localhost', 993,
      'tls', 'bench', 'password', 'v1.x.x.x')`.execute(raw);
    await sql`insert into email_threads (workspace_id, id, first_at, last_at)
      values (${workspaceId}, '00000000-0000-4000-8000-000000000001', now(), now())`.execute(raw);
    await sql`insert into email_messages (workspace_id, id, message_id, thread_id, sent_at, direction, mailbox_id)
      select ${workspaceId}, gen_random_uuid(), m, '00000000-0000-4000-8000-000000000001', now() - interval '1 hour',
        'out', (select id from mailboxes where workspace_id = ${workspaceId})
      from unnest(${ids}::text[]) as m`.execute(raw);
  });
  const box = await lazySecretBox(async () => key).get();
  const paths = ids.map((messageId) => `/t/o/${sealToken(box, { workspaceId, messageId, position: -1 })}`);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address() as { port: number };
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${address.port}`,
    connections: 50,
    overallRate: rate,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => ({
          ...req,
          path: paths[n++ % paths.length]!,
          headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' },
        }),
      },
    ],
  });
  await new Promise((r) => setTimeout(r, 1500));
  const written = await withWorkspace(handle.db, workspaceId, async (trx) =>
    Number(
      (await sql<{ n: string }>`select count(*) as n from email_events`.execute(trx.withoutPlugins()))
        .rows[0]!.n,
    ),
  );
  const row = {
    rate,
    seconds,
    requests: result.requests.total,
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    eventsWritten: written,
  };
  console.log('| measure | target | measured | |');
  console.log('|---|---|---|---|');
  console.log(
    `| tracking image at ${rate}/s for ${seconds} s, p50 / p99 ms | p99 < 25 | ${row.p50} / ${row.p99} (${row.perSecond}/s, ${row.errors} errors, ${written} opens written of ${row.requests}) | ${row.p99 < 25 && row.errors === 0 ? 'met' : 'missed'} |`,
  );
  const out = path.resolve(
    import.meta.dirname,
    'results',
    `${new Date().toISOString().replace(/[:.]/g, '-')}-tracking.json`,
  );
  await fsp.writeFile(
    out,
    `${JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, ...row }, null, 2)}\n`,
  );
  console.log(`results in ${path.relative(process.cwd(), out)}`);
} finally {
  await app.close();
  await handle.close();
  await database.stop();
  await fsp.rm(dataDir, { recursive: true, force: true });
}
