import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { migrateToLatest, openOwnerDatabase } from '@rabita/db';
import { sql } from 'kysely';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { AppError } from '../errors/app-error.ts';
import { registry } from '../modules/registry.ts';

/** The backup file's format name and version, in backup.json. */
export const BACKUP_FORMAT = 'rabita-backup';
export const BACKUP_VERSION = 1;

/** What backup.json holds: the instant, the schema version, and each table's columns and row count. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_VERSION;
  createdAt: string;
  serverVersion: string;
  /** The migrations applied to the database when it was copied (its schema version). */
  migrations: string[];
  tables: { name: string; columns: string[]; rows: number }[];
}

const SKIP = new Set(['rabita_migration', 'rabita_migration_lock']);

/** Rabita's tables in an order where every table comes after the tables its foreign keys point to. */
async function tablesInOrder(client: pg.ClientBase): Promise<{ name: string; columns: string[] }[]> {
  const { rows: tables } = await client.query<{ name: string; columns: string[] }>(`
    select c.relname as name,
      array(select a.attname::text from pg_attribute a
            where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
            order by a.attnum) as columns
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind in ('r', 'p') order by c.relname`);
  const { rows: edges } = await client.query<{ child: string; parent: string }>(`
    select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent
    from pg_constraint c join pg_namespace n on n.oid = c.connamespace
    where c.contype = 'f' and n.nspname = 'public' and c.conrelid <> c.confrelid`);
  const ordered: { name: string; columns: string[] }[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const e of edges) if (e.child === name) visit(e.parent);
    const table = tables.find((t) => t.name === name);
    if (table) ordered.push(table);
  };
  for (const t of tables) if (!SKIP.has(t.name)) visit(t.name);
  return ordered.filter((t) => !SKIP.has(t.name));
}

/**
 * Writes an online backup of the whole database to `file`, consistent to one instant: every table is read
 * with COPY inside one REPEATABLE READ, read-only transaction (one snapshot), into a zip holding backup.json
 * (the schema version and each table's columns and row count) and `tables/<name>.copy` (COPY text format).
 * Writers are not blocked. Connects as the owner (`connectionString`).
 */
export async function writeBackup(
  connectionString: string,
  file: string,
  onTable?: (name: string, done: number, total: number) => void,
): Promise<BackupManifest> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const zip = new yazl.ZipFile();
  const written = pipeline(zip.outputStream, fs.createWriteStream(file));
  try {
    await client.query('begin isolation level repeatable read read only');
    const { rows: version } = await client.query<{ v: string }>('show server_version');
    const { rows: migrations } = await client.query<{ name: string }>(
      'select name from rabita_migration order by name',
    );
    const tables = await tablesInOrder(client);
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      serverVersion: version[0]?.v ?? '',
      migrations: migrations.map((m) => m.name),
      tables: [],
    };
    for (const [i, table] of tables.entries()) {
      const columns = table.columns.map((c) => `"${c}"`).join(', ');
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from "${table.name}"`);
      const stream = client.query(copyTo(`copy (select ${columns} from "${table.name}") to stdout`));
      const ended = new Promise<void>((resolve, reject) => {
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      zip.addReadStream(stream, `tables/${table.name}.copy`);
      await ended;
      manifest.tables.push({ name: table.name, columns: table.columns, rows: Number(rows[0]?.n ?? 0) });
      onTable?.(table.name, i + 1, tables.length);
    }
    await client.query('commit');
    zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2)), 'backup.json');
    zip.end();
    await written;
    return manifest;
  } catch (error) {
    zip.end();
    await written.catch(() => {});
    await fs.promises.rm(file, { force: true });
    throw error;
  } finally {
    await client.end();
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error || !zip
        ? reject(new AppError('validation_failed', `${file} is not a Rabita backup: ${error?.message}`))
        : resolve(zip),
    ),
  );
}

async function readEntries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
  const found = new Map<string, yauzl.Entry>();
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (entry: yauzl.Entry) => {
      found.set(entry.fileName, entry);
      zip.readEntry();
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
  return found;
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, (error, stream) => (error || !stream ? reject(error) : resolve(stream))),
  );
}

/**
 * Restores a backup into a database that holds no Rabita data (new, or migrated and empty): migrates it to the
 * code's schema, then loads every table with COPY in one transaction, parents before children, so a failed
 * restore leaves the database as empty as it was. A backup from a newer schema than the code knows is refused.
 */
export async function restoreBackup(
  connectionString: string,
  file: string,
  onTable?: (name: string, done: number, total: number) => void,
): Promise<BackupManifest> {
  if (!fs.existsSync(file)) throw new AppError('not_found', `There is no file ${file}.`);
  const zip = await openZip(file);
  const client = new pg.Client({ connectionString });
  try {
    const entries = await readEntries(zip);
    const manifestEntry = entries.get('backup.json');
    if (!manifestEntry)
      throw new AppError('validation_failed', `${file} is not a Rabita backup (no backup.json).`);
    const chunks: Buffer[] = [];
    for await (const c of await entryStream(zip, manifestEntry)) chunks.push(c as Buffer);
    const manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as BackupManifest;
    if (manifest.format !== BACKUP_FORMAT || manifest.version !== BACKUP_VERSION)
      throw new AppError('validation_failed', `${file} is not a Rabita backup of a known version.`);

    const owner = openOwnerDatabase(connectionString);
    let applied: string[];
    try {
      await migrateToLatest(owner, registry().migrations);
      const { rows } = await sql<{ name: string }>`select name from rabita_migration`.execute(owner);
      applied = rows.map((r) => r.name);
    } finally {
      await owner.destroy();
    }
    const newer = manifest.migrations.filter((m) => !applied.includes(m));
    if (newer.length > 0)
      throw new AppError(
        'validation_failed',
        `The backup comes from a newer Rabita (migrations ${newer.join(', ')}); restore it with that version.`,
      );

    await client.connect();
    await client.query('begin');
    const { rows: used } = await client.query<{ n: string }>(
      'select (select count(*) from workspaces) + (select count(*) from users) as n',
    );
    if (Number(used[0]?.n) > 0)
      throw new AppError('conflict', 'The database already holds Rabita data; restore into an empty one.');
    const target = await tablesInOrder(client);
    // Tables a migration filled (none today) are emptied first, children before parents, so the backup's rows
    // are the only ones.
    for (const table of [...target].reverse()) await client.query(`delete from "${table.name}"`);
    for (const [i, table] of target.entries()) {
      const saved = manifest.tables.find((t) => t.name === table.name);
      const entry = entries.get(`tables/${table.name}.copy`);
      if (!saved || !entry) continue;
      const missing = saved.columns.filter((c) => !table.columns.includes(c));
      if (missing.length > 0)
        throw new AppError('validation_failed', `Table ${table.name} lost columns ${missing.join(', ')}.`);
      const columns = saved.columns.map((c) => `"${c}"`).join(', ');
      await pipeline(
        await entryStream(zip, entry),
        client.query(copyFrom(`copy "${table.name}" (${columns}) from stdin`)),
      );
      onTable?.(table.name, i + 1, target.length);
    }
    // COPY writes identity columns' values without moving their sequences: each continues after the rows restored
    // (else the next row a restored table gets, such as a deal's next history row, repeats a key).
    const { rows: identities } = await client.query<{ table: string; column: string }>(
      `select c.relname as table, a.attname as column from pg_attribute a
       join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind = 'r' and a.attidentity <> '' and not a.attisdropped`,
    );
    for (const { table, column } of identities)
      await client.query(
        `select setval(pg_get_serial_sequence($1, $2), coalesce((select max("${column}") from "${table}"), 0) + 1, false)`,
        [`"${table}"`, column],
      );
    await client.query('commit');
    return manifest;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    zip.close();
    await client.end().catch(() => {});
  }
}

/**
 * The connection string of the embedded PostgreSQL that a running Rabita holds in `dataDir` (its port from
 * `postmaster.pid`, its password from `postgres-password`), or undefined when none answers. Lets `rabita backup`
 * copy a live instance without stopping it or taking the data folder's lock.
 */
export async function runningEmbeddedUrl(dataDir: string): Promise<string | undefined> {
  let port: string | undefined;
  let password: string;
  try {
    const pid = await fs.promises.readFile(`${dataDir}/pg/postmaster.pid`, 'utf8');
    port = pid.split('\n')[3]?.trim();
    password = (await fs.promises.readFile(`${dataDir}/postgres-password`, 'utf8')).trim();
  } catch {
    return undefined;
  }
  if (!port || !/^\d+$/.test(port)) return undefined;
  const url = `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/rabita`;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1 from rabita_migration limit 1');
    return url;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => {});
  }
}
