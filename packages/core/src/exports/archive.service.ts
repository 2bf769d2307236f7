import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { type Kysely, sql } from 'kysely';
import yauzl from 'yauzl';
import yazl from 'yazl';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import {
  createCustomField,
  createCustomObject,
  loadObjects,
  type NewField,
  updateCustomObject,
  updateField,
} from '../metadata/metadata.service.ts';
import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';
import { type BulkItem, bulkWriteRecords } from '../records/bulk-write-records.ts';
import { deleteRecord } from '../records/delete-record.ts';
import type { RecordView } from '../records/gate.ts';
import { listRecords } from '../records/list-records.ts';
import { streamRecords } from '../records/stream-records.ts';
import { toCsv } from './exports.service.ts';

/** The archive's format name and version, in manifest.json. */
export const ARCHIVE_FORMAT = 'rabita-workspace';
export const ARCHIVE_VERSION = 1;

const raw = (trx: Tx) => trx.withoutPlugins() as unknown as Kysely<unknown>;
const SYSTEM = new Set(['id', 'createdAt', 'updatedAt', 'createdBy']);

function recordPages(db: Database, principal: Principal, objectKey: string) {
  return streamRecords({ db, principal }, objectKey, {});
}

async function* jsonLines(pages: AsyncIterable<RecordView[] | Record<string, unknown>[]>) {
  for await (const page of pages)
    if (page.length > 0) yield `${page.map((r) => JSON.stringify(r)).join('\n')}\n`;
}

async function* changePages(db: Database, workspaceId: string) {
  let after = '00000000-0000-0000-0000-000000000000';
  while (true) {
    const { rows } = await withWorkspace(db, workspaceId, (trx) =>
      sql<Record<string, unknown> & { id: string }>`
        select id, object_key, record_id, action, changes, actor_user_id, actor_api_key_id, source, created_at
        from record_changes where workspace_id = ${workspaceId} and id > ${after} order by id limit 2000`.execute(
        raw(trx),
      ),
    );
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.id;
  }
}

/** A custom field as the metadata service creates it. */
function newField(field: FieldDef): NewField {
  return {
    key: field.key,
    type: field.type,
    labels: field.labels,
    required: field.required,
    unique: field.unique,
    defaultValue: field.defaultValue ?? undefined,
    options: field.options,
    relation: field.relation,
    currency: field.currency,
    maxLength: field.maxLength,
    searchable: field.searchable,
  };
}

/**
 * Writes a whole workspace as one zip archive to `out`: manifest.json, metadata.json (objects, fields with
 * their options, the workspace's settings), every object's live records as `records/<object>.csv` and
 * `records/<object>.jsonl` (one JSON record per line, the API's shape), and the audit trail as
 * `timeline/record_changes.jsonl`. Everything streams: objects are read page by page as the zip is written.
 */
export async function writeWorkspaceArchive(
  { db, principal }: ServiceContext,
  out: NodeJS.WritableStream,
): Promise<{ objects: string[] }> {
  const { objects, workspace } = await withWorkspace(db, principal.workspaceId, async (trx) => ({
    objects: await loadObjects(trx, principal.workspaceId),
    workspace: (
      await sql<Record<string, unknown>>`
        select name, default_country, default_currency, default_locale from workspaces where id = ${principal.workspaceId}`.execute(
        raw(trx),
      )
    ).rows[0],
  }));
  const zip = new yazl.ZipFile();
  const done = new Promise<void>((resolve, reject) => {
    zip.outputStream.on('error', reject);
    out.on('error', reject);
    out.on('finish', () => resolve());
  });
  zip.outputStream.pipe(out);
  const manifest = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    workspaceId: principal.workspaceId,
    exportedAt: new Date().toISOString(),
    objects: objects.map((o) => o.key),
  };
  zip.addBuffer(Buffer.from(JSON.stringify(manifest, null, 2)), 'manifest.json');
  zip.addBuffer(Buffer.from(JSON.stringify({ workspace, objects }, null, 2)), 'metadata.json');
  for (const object of objects) {
    zip.addReadStream(
      Readable.from(jsonLines(recordPages(db, principal, object.key))),
      `records/${object.key}.jsonl`,
    );
    zip.addReadStream(
      toCsv(object.fields, recordPages(db, principal, object.key)),
      `records/${object.key}.csv`,
    );
  }
  zip.addReadStream(
    Readable.from(jsonLines(changePages(db, principal.workspaceId))),
    'timeline/record_changes.jsonl',
  );
  zip.end();
  await done;
  return { objects: objects.map((o) => o.key) };
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (error, zip) =>
      error || !zip
        ? reject(
            new AppError(
              'validation_failed',
              `The file is not a Rabita workspace archive: ${error?.message}`,
            ),
          )
        : resolve(zip),
    ),
  );
}

async function entries(zip: yauzl.ZipFile): Promise<Map<string, yauzl.Entry>> {
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

async function readJson(zip: yauzl.ZipFile, entry: yauzl.Entry | undefined): Promise<unknown> {
  if (!entry) throw new AppError('validation_failed', 'The archive lacks manifest.json or metadata.json.');
  const chunks: Buffer[] = [];
  for await (const c of await entryStream(zip, entry)) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** Objects ordered so that each comes after the objects its relations point to (cycles keep file order). */
export function restoreOrder(objects: ObjectDef[]): ObjectDef[] {
  const out: ObjectDef[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (o: ObjectDef) => {
    if (state.get(o.key)) return;
    state.set(o.key, 'visiting');
    for (const f of o.fields) {
      const target =
        f.relation && f.relation.object !== o.key && objects.find((x) => x.key === f.relation?.object);
      if (target && !state.get(target.key)) visit(target);
    }
    state.set(o.key, 'done');
    out.push(o);
  };
  for (const o of objects) visit(o);
  return out;
}

/**
 * Restores a workspace archive into the caller's workspace, which must hold no records yet (its default
 * pipeline is replaced by the archive's): custom objects and fields, options added to standard fields, every
 * record with its id, times and creator (through the record engine's checks, so search documents are built),
 * then the audit trail as it was. Returns the number of records restored per object.
 */
export async function restoreWorkspaceArchive(
  { db, principal }: ServiceContext,
  file: string,
): Promise<Record<string, number>> {
  if (!fs.existsSync(file)) throw new AppError('not_found', `There is no file ${file}.`);
  const zip = await openZip(file);
  try {
    const found = await entries(zip);
    const manifest = (await readJson(zip, found.get('manifest.json'))) as {
      format?: string;
      version?: number;
    };
    if (manifest.format !== ARCHIVE_FORMAT || manifest.version !== ARCHIVE_VERSION)
      throw new AppError(
        'validation_failed',
        'The file is not a Rabita workspace archive of a known version.',
      );
    const metadata = (await readJson(zip, found.get('metadata.json'))) as { objects: ObjectDef[] };
    const workspaceId = principal.workspaceId;

    // The workspace must be empty apart from its default pipeline, which the archive's pipelines replace.
    const current = await withWorkspace(db, workspaceId, (trx) => loadObjects(trx, workspaceId));
    for (const object of current) {
      const { data } = await listRecords({ db, principal }, object.key, { limit: 100 });
      if (data.length === 0) continue;
      if (object.key !== 'pipelines' && object.key !== 'stages')
        throw new AppError(
          'conflict',
          `The workspace already has ${object.key}; restore into an empty workspace.`,
        );
    }
    for (const key of ['stages', 'pipelines']) {
      let page = await listRecords({ db, principal }, key, { limit: 1000 });
      while (page.data.length > 0) {
        for (const r of page.data) await deleteRecord({ db, principal }, key, r.id, 'system');
        page = await listRecords({ db, principal }, key, { limit: 1000 });
      }
    }

    await withWorkspace(db, workspaceId, async (trx) => {
      for (const object of metadata.objects.filter((o) => o.custom)) {
        await createCustomObject(trx, workspaceId, { key: object.key, labels: object.labels });
      }
      for (const object of metadata.objects) {
        for (const field of object.fields.filter((f) => f.custom)) {
          if (object.custom && field.key === 'name') continue;
          await createCustomField(trx, workspaceId, object.key, newField(field));
        }
        if (object.custom && object.titleFields[0] && object.titleFields[0] !== 'name')
          await updateCustomObject(trx, workspaceId, object.key, { titleField: object.titleFields[0] });
      }
      const fresh = await loadObjects(trx, workspaceId);
      for (const object of metadata.objects.filter((o) => !o.custom)) {
        for (const field of object.fields.filter((f) => !f.custom && f.options)) {
          const now = fresh.find((o) => o.key === object.key)?.fields.find((f) => f.key === field.key);
          const added = (field.options ?? []).filter((o) => !now?.options?.some((n) => n.value === o.value));
          if (added.length > 0)
            await updateField(trx, workspaceId, object.key, field.key, {
              options: [...(now?.options ?? []), ...added],
            });
        }
      }
    });

    const counts: Record<string, number> = {};
    for (const object of restoreOrder(metadata.objects)) {
      const entry = found.get(`records/${object.key}.jsonl`);
      if (!entry) continue;
      const writable = object.fields.filter((f) => !f.readOnly && !SYSTEM.has(f.key));
      let batch: BulkItem[] = [];
      let restored = 0;
      const flush = async () => {
        if (batch.length === 0) return;
        const items = batch;
        batch = [];
        const outcomes = await withWorkspace(db, workspaceId, (trx) =>
          bulkWriteRecords(trx, principal, object.key, items, { source: 'system', audit: false }),
        );
        const failed = outcomes.find((o) => 'error' in o);
        if (failed && 'error' in failed)
          throw new AppError(
            'validation_failed',
            `A ${object.key} record could not be restored: ${failed.error}`,
          );
        restored += outcomes.length;
      };
      const lines = createInterface({ input: await entryStream(zip, entry), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line.trim() === '') continue;
        const record = JSON.parse(line) as RecordView;
        const input: Record<string, unknown> = {};
        for (const f of writable) if (record[f.key] !== undefined) input[f.key] = record[f.key];
        batch.push({
          index: batch.length,
          input,
          keep: {
            id: record.id,
            createdAt: record.createdAt as string,
            updatedAt: record.updatedAt as string,
            createdBy: (record.createdBy as string | null) ?? null,
          },
        });
        if (batch.length >= 500) await flush();
      }
      await flush();
      counts[object.key] = restored;
    }

    const timeline = found.get('timeline/record_changes.jsonl');
    if (timeline) {
      let rows: Record<string, unknown>[] = [];
      const flush = async () => {
        if (rows.length === 0) return;
        const items = rows;
        rows = [];
        await withWorkspace(db, workspaceId, (trx) =>
          sql`
            insert into record_changes (workspace_id, id, object_key, record_id, action, changes, actor_user_id, actor_api_key_id, source, created_at)
            select ${workspaceId}, c.id, c.object_key, c.record_id, c.action, c.changes, c.actor_user_id, c.actor_api_key_id, c.source, c.created_at
            from jsonb_to_recordset(${JSON.stringify(items)}::jsonb) as c (id uuid, object_key text, record_id uuid, action text,
              changes jsonb, actor_user_id uuid, actor_api_key_id uuid, source text, created_at timestamptz)
            on conflict do nothing`.execute(raw(trx)),
        );
      };
      const lines = createInterface({ input: await entryStream(zip, timeline), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line.trim() === '') continue;
        rows.push(JSON.parse(line) as Record<string, unknown>);
        if (rows.length >= 1000) await flush();
      }
      await flush();
    }
    return counts;
  } finally {
    zip.close();
  }
}
