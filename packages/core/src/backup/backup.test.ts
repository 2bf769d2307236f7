import { execFile, spawn } from 'node:child_process';
import fsp from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmptyDatabase, createTestApp, signUp, type TestApp } from '../../../../test/harness.ts';
import { restoreBackup, writeBackup } from './backup.service.ts';

const run = promisify(execFile);
const MAIN = path.resolve(import.meta.dirname, '../../../../apps/cli/src/main.ts');

/** Row count and a digest of every row of every table, to compare two databases. */
async function fingerprint(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r' and c.relname not like 'rabita_migration%' order by 1`,
    );
    const out: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await client.query<{ n: string; digest: string }>(
        `select count(*) as n, md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as digest from "${name}" x`,
      );
      out[name] = `${rows[0]!.n}:${rows[0]!.digest}`;
    }
    return out;
  } finally {
    await client.end();
  }
}

/**
 * A table derived by triggers (rabita_derived), which backups leave out, as one sorted text; the deal totals per key
 * (their rows per writer's slot added up: which slot a total landed in depends on the connection that wrote it).
 */
async function derived(url: string, table = 'activity_links'): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const source =
    table === 'deal_totals'
      ? `(select workspace_id, pipeline_id, stage_id, owner_id, currency, scale, sum(deals) as deals,
            sum(amounts) as amounts, sum(amount) as amount
          from rabita_derived.deal_totals group by 1, 2, 3, 4, 5, 6
          having sum(deals) <> 0 or sum(amounts) <> 0 or sum(amount) <> 0)`
      : `rabita_derived.${table}`;
  try {
    const { rows } = await client.query<{ links: string | null }>(
      `select string_agg(l::text, '|' order by l::text) as links from ${source} l`,
    );
    return rows[0]?.links ?? '';
  } finally {
    await client.end();
  }
}

describe('backup and restore', () => {
  let t: TestApp;
  let admin: Awaited<ReturnType<typeof signUp>>;
  let dir: string;

  beforeAll(async () => {
    t = await createTestApp();
    admin = await signUp(t.app);
    dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'rabita-backup-'));
    const call = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: { cookie: admin.cookie }, payload });
    await call('/metadata/objects/people/fields', { key: 'score', type: 'number', labels: { en: 'Score' } });
    const company = (await call('/objects/companies', { name: 'شرکت پارس' })).json();
    const people: string[] = [];
    for (let i = 0; i < 30; i++)
      people.push(
        (
          await call('/objects/people', {
            firstName: `P${i}`,
            company: company.id,
            score: i,
            emails: [`p${i}@x.example`],
          })
        ).json().id,
      );
    const deal = (
      await call('/objects/deals', { name: 'Deal', amount: { amount: '10.50', currency: 'IRR' } })
    ).json();
    await call('/objects/activities', {
      type: 'call',
      subject: 'Hello',
      people: people.slice(0, 2),
      deals: [deal.id],
    });
  });
  afterAll(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('restores a backup into an empty database with every table equal', async () => {
    const file = path.join(dir, 'backup.zip');
    const manifest = await writeBackup(t.url, file);
    expect(manifest.migrations).toContain('0004-imports');
    expect(manifest.tables.find((x) => x.name === 'people')?.rows).toBe(30);
    const empty = await createEmptyDatabase();
    try {
      await restoreBackup(empty.url, file);
      const [before, after] = [await fingerprint(t.url), await fingerprint(empty.url)];
      expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
      expect(after).toEqual(before);
      expect(before.people?.startsWith('30:')).toBe(true);
      // Tables derived by triggers are not in the backup; restoring what they derive from rebuilds them.
      expect(await derived(empty.url)).toEqual(await derived(t.url));
      expect((await derived(t.url)).split('|')).toHaveLength(3);
      expect(await derived(empty.url, 'deal_totals')).toEqual(await derived(t.url, 'deal_totals'));
      expect(await derived(t.url, 'deal_totals')).toContain('IRR');
      expect(await derived(empty.url, 'folded_values')).toEqual(await derived(t.url, 'folded_values'));
      expect(await derived(t.url, 'folded_values')).toContain('people.first_name,p29');
      // A second restore into the same database is refused and changes nothing.
      await expect(restoreBackup(empty.url, file)).rejects.toThrow(/already holds Rabita data/);
      expect(await fingerprint(empty.url)).toEqual(before);
      // Identity columns continue after the restored rows: a deal's next history row gets a key of its own.
      const restored = new pg.Client({ connectionString: empty.url });
      await restored.connect();
      try {
        const { rows } = await restored.query<{ workspace_id: string; n: number }>(
          'select workspace_id, count(*)::int as n from deal_history group by workspace_id limit 1',
        );
        expect(rows[0]?.n).toBeGreaterThan(0);
        await restored.query(
          `insert into deal_history (workspace_id, deal_id, kind, changes, source)
           values ($1, gen_random_uuid(), 'updated', '{}', 'ui')`,
          [rows[0]!.workspace_id],
        );
      } finally {
        await restored.end();
      }
    } finally {
      await empty.drop();
    }
  });

  it('refuses a file that is not a backup', async () => {
    const junk = path.join(dir, 'junk.zip');
    await fsp.writeFile(junk, 'nope');
    const empty = await createEmptyDatabase();
    try {
      await expect(restoreBackup(empty.url, junk)).rejects.toThrow(/not a Rabita backup/);
    } finally {
      await empty.drop();
    }
  });

  it('rabita backup, then rabita restore into a fresh data folder, then the data is there', async () => {
    const file = path.join(dir, 'cli.zip');
    const env = { ...process.env, LOG_LEVEL: 'silent' };
    const backup = await run(process.execPath, [MAIN, 'backup', file], {
      env: { ...env, DATABASE_URL: t.url },
      timeout: 60_000,
    });
    expect(backup.stdout).toMatch(/Backed up \d+ tables/);
    const data = path.join(dir, 'fresh-data');
    const fresh = { ...env, RABITA_DATA: data, DATABASE_URL: '' };
    delete (fresh as Record<string, string | undefined>).DATABASE_URL;
    const restore = await run(process.execPath, [MAIN, 'restore', file], { env: fresh, timeout: 120_000 });
    expect(restore.stdout).toMatch(/Restored \d+ tables/);
    const out = path.join(dir, 'people.csv');
    await run(
      process.execPath,
      [MAIN, 'export', out, '--workspace', admin.workspaceId, '--object', 'people'],
      {
        env: fresh,
        timeout: 120_000,
      },
    );
    const csv = await fsp.readFile(out, 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(31);

    // While Rabita runs on that folder, rabita backup copies it live (no waiting for the folder's lock).
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port: p } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(p));
      });
    });
    const server = spawn(process.execPath, [MAIN, 'start'], {
      env: { ...fresh, PORT: String(port), LOG_LEVEL: 'info', RABITA_IN_PROCESS_WORKER: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('rabita start did not get ready')), 90_000);
        server.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('Rabita is ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        server.on('exit', (code) => reject(new Error(`rabita start exited with ${code}`)));
      });
      const online = path.join(dir, 'online.zip');
      const live = await run(process.execPath, [MAIN, 'backup', online], { env: fresh, timeout: 60_000 });
      expect(live.stdout).toMatch(/Backed up \d+ tables/);
      expect((await fsp.stat(online)).size).toBeGreaterThan(1000);
    } finally {
      if (server.exitCode === null) {
        const exited = new Promise((resolve) => server.once('exit', resolve));
        server.kill('SIGTERM');
        await exited;
      }
    }
  }, 240_000);
});
