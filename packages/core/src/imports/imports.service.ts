import { randomUUID } from 'node:crypto';
import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { CALENDARS, type Calendar } from '@rabita/shared';
import { stringify } from 'csv-stringify';
import { type Kysely, sql } from 'kysely';
import { actorOf, recordSecurityEvent } from '../audit/audit.service.ts';
import { currentPrincipal } from '../auth/current-principal.ts';
import { principalForMember } from '../auth/members.service.ts';
import type { Principal } from '../auth/principal.ts';
import type { ServiceContext } from '../context.ts';
import { AppError } from '../errors/app-error.ts';
import { neutraliseCell } from '../exports/cells.ts';
import { newId } from '../ids.ts';
import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';
import { assertAllowed, hiddenFor, ruleFor } from '../records/access.ts';
import { type BulkItem, bulkWriteRecords } from '../records/bulk-write-records.ts';
import { type FieldLookup, matchRecords, matchRecordsByFields } from '../records/match-records.ts';
import { objectsInScope } from '../records/scope.ts';
import { checkValue, type ValueContext } from '../records/values.ts';
import { coerceCell } from './coerce.ts';
import { ADDRESS_PARTS, type Mapping, suggestMapping } from './mapping.ts';
import { countRows, readRows } from './read-rows.ts';
import type { Encoding, FileFormat } from './sources.ts';
import type { StoredFile } from './stored-file.ts';

export const ON_MATCH = ['skip', 'update', 'create'] as const;
export type OnMatch = (typeof ON_MATCH)[number];
export type ImportStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

/** What the caller chose for an import. */
export interface ImportOptions {
  object: string;
  /** Header → target; absent means "use the suggested mapping". */
  mapping?: Mapping | undefined;
  matchBy?: string | undefined;
  onMatch: OnMatch;
  dryRun: boolean;
  dateCalendar: Calendar;
  encoding?: Encoding | undefined;
}

/** An import as the API shows it. */
export interface ImportView {
  id: string;
  object: string;
  status: ImportStatus;
  dryRun: boolean;
  fileName: string | null;
  format: string;
  headers: string[];
  mapping: Mapping;
  matchBy: string | null;
  onMatch: OnMatch;
  dateCalendar: Calendar;
  counts: { created: number; updated: number; skipped: number; rejected: number };
  rowsDone: number;
  rowsTotal: number | null;
  rowsPerSecond: number | null;
  secondsLeft: number | null;
  firstRejects: { row: number; reason: string }[];
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** Stored file chunk size: big enough for few rows, small enough to stream. */
export const CHUNK_BYTES = 1024 * 1024;
/** Rows written per transaction (and per resume mark). */
export const ROWS_PER_CHUNK = 1000;
/** A runner says it still holds its import this often, whatever it is doing (counting rows, writing a chunk). */
export const IMPORT_BEAT_MS = 3_000;
/** A running import whose runner has been silent this long is taken over and resumed from its last chunk. */
export const IMPORT_LEASE_SECONDS = 10;
// A watch runs once the lease has lapsed even if a chunk's commit renewed it just after the last beat.
const WATCH_AFTER_SECONDS = IMPORT_LEASE_SECONDS + Math.ceil(IMPORT_BEAT_MS / 1000) + 1;
/** A dry run keeps this many rejects to show; a real run keeps them all. */
const DRY_RUN_REJECTS = 100;

const raw = (trx: Tx) => trx.withoutPlugins() as unknown as Kysely<unknown>;

interface ImportRow {
  workspace_id: string;
  id: string;
  object_key: string;
  status: ImportStatus;
  dry_run: boolean;
  options: {
    mapping: Mapping;
    matchBy: string | null;
    onMatch: OnMatch;
    dateCalendar: Calendar;
    encoding?: Encoding;
  };
  principal: Principal;
  file_name: string | null;
  file_format: FileFormat;
  headers: string[] | null;
  rows_total: number | null;
  rows_done: number;
  created: number;
  updated: number;
  skipped: number;
  rejected: number;
  error: string | null;
  claimed_by: string | null;
  run_ms: string;
  created_by: string | null;
  created_at: Date;
  finished_at: Date | null;
}

function badOption(field: string, message: string): AppError {
  return new AppError('validation_failed', message, { errors: [{ field, message }] });
}

/** Checks a mapping's targets against the object's fields and the caller's permissions. */
function checkMapping(principal: Principal, object: ObjectDef, mapping: Mapping, headers: string[]): void {
  const hidden = hiddenFor(principal);
  const readOnly = ruleFor(principal, object.key).readOnlyFields ?? [];
  const known = new Set(headers);
  for (const [header, target] of Object.entries(mapping)) {
    if (!known.has(header)) throw badOption(`mapping.${header}`, `The file has no column "${header}".`);
    if (target === '') continue;
    const [key, part] = target.split('.', 2) as [string, string | undefined];
    const field = object.fields.find((f) => f.key === key);
    if (!field || hidden(object.key, key))
      throw badOption(`mapping.${header}`, `There is no field "${key}" on ${object.key}.`);
    if (field.readOnly || readOnly.includes(key))
      throw badOption(`mapping.${header}`, `The field "${key}" is read-only.`);
    if (
      part !== undefined &&
      (field.type !== 'address' || !(ADDRESS_PARTS as readonly string[]).includes(part))
    )
      throw badOption(`mapping.${header}`, `"${target}" is not a part of an address field.`);
  }
}

/** An import's stored file: its chunks' sizes (in order), each chunk read when asked for. */
async function storedFile(
  db: Database,
  workspaceId: string,
  importId: string,
  trx?: Tx,
): Promise<StoredFile> {
  const inWorkspace = <T>(work: (t: Tx) => Promise<T>) =>
    trx ? work(trx) : withWorkspace(db, workspaceId, work);
  const { rows } = await inWorkspace((t) =>
    sql<{ size: number }>`
      select octet_length(data) as size from import_chunks
      where workspace_id = ${workspaceId} and import_id = ${importId} order by seq`.execute(raw(t)),
  );
  return {
    sizes: rows.map((r) => Number(r.size)),
    read: async (seq) => {
      const { rows: chunk } = await inWorkspace((t) =>
        sql<{ data: Buffer }>`
          select data from import_chunks where workspace_id = ${workspaceId} and import_id = ${importId} and seq = ${seq}`.execute(
          raw(t),
        ),
      );
      if (!chunk[0]) throw new Error(`Chunk ${seq} of import ${importId} is missing.`);
      return chunk[0].data;
    },
  };
}

/**
 * Stores an uploaded file (streamed in 1 MiB chunks into the database, in one transaction with the import's
 * row, so a failed upload leaves nothing), reads its header row, checks the options against it, and queues
 * the job. Unreadable files are refused here, before anything is kept.
 */
export async function createImport(
  ctx: ServiceContext,
  file: { name: string | null; stream: AsyncIterable<Buffer>; format?: FileFormat | undefined },
  options: ImportOptions,
): Promise<{ id: string }> {
  const { db, principal } = ctx;
  if (!(CALENDARS as readonly string[]).includes(options.dateCalendar))
    throw badOption('dateCalendar', `dateCalendar must be one of ${CALENDARS.join(', ')}.`);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const { object } = await objectsInScope(trx, principal.workspaceId, options.object);
    assertAllowed(principal, object.key, 'create');
    if (options.onMatch === 'update') assertAllowed(principal, object.key, 'update');
    if (options.matchBy !== undefined) {
      const field = object.fields.find((f) => f.key === options.matchBy);
      if (!field || hiddenFor(principal)(object.key, field.key))
        throw badOption('matchBy', `There is no field "${options.matchBy}" on ${object.key}.`);
    }
    const id = newId();
    const format: FileFormat =
      file.format ??
      (file.name && /\.xlsx$/i.test(file.name)
        ? 'xlsx'
        : file.name && /\.vcf$/i.test(file.name)
          ? 'vcf'
          : 'csv');
    await sql`
      insert into imports (workspace_id, id, object_key, status, dry_run, options, principal, file_name, file_format, created_by)
      values (${principal.workspaceId}, ${id}, ${object.key}, 'queued', ${options.dryRun}, '{}'::jsonb,
              ${JSON.stringify(principal)}::jsonb, ${file.name?.slice(0, 300) ?? null}, ${format}, ${principal.userId})`.execute(
      raw(trx),
    );
    let seq = 0;
    let bytes = 0;
    let pending: Buffer[] = [];
    let pendingSize = 0;
    const flush = async () => {
      if (pendingSize === 0) return;
      await sql`insert into import_chunks (workspace_id, import_id, seq, data) values (${principal.workspaceId}, ${id}, ${seq}, ${Buffer.concat(pending)})`.execute(
        raw(trx),
      );
      seq += 1;
      pending = [];
      pendingSize = 0;
    };
    for await (const piece of file.stream) {
      bytes += piece.length;
      pending.push(piece);
      pendingSize += piece.length;
      if (pendingSize >= CHUNK_BYTES) await flush();
    }
    await flush();
    if (bytes === 0) throw badOption('file', 'The file is empty.');

    const upload = await storedFile(db, principal.workspaceId, id, trx);
    const { info, rows } = await readRows(upload, format, { encoding: options.encoding });
    let headers: string[] | undefined;
    for await (const row of rows) {
      headers = row.map((h) => h.trim());
      break;
    }
    if (!headers || headers.every((h) => h === ''))
      throw badOption('file', 'The file has no header row naming its columns.');
    const mapping = options.mapping ?? suggestMapping(object, headers);
    checkMapping(principal, object, mapping, headers);
    if (options.matchBy && !Object.values(mapping).includes(options.matchBy))
      throw badOption(
        'matchBy',
        `No column is mapped to "${options.matchBy}", so rows cannot be matched by it.`,
      );
    if (!Object.values(mapping).some((t) => t !== ''))
      throw badOption('mapping', 'No column is mapped to a field.');
    const stored = {
      mapping,
      matchBy: options.matchBy ?? null,
      onMatch: options.onMatch,
      dateCalendar: options.dateCalendar,
      ...(info.encoding ? { encoding: info.encoding } : {}),
    };
    await sql`
      update imports set options = ${JSON.stringify(stored)}::jsonb, headers = ${JSON.stringify(headers)}::jsonb,
        file_bytes = ${bytes}, file_format = ${info.format}
      where workspace_id = ${principal.workspaceId} and id = ${id}`.execute(raw(trx));
    await sql`select rabita_kick_imports()`.execute(raw(trx));
    await recordSecurityEvent(trx, {
      ...actorOf(ctx),
      kind: 'import.started',
      subject: id,
      details: { object: object.key, file: file.name, dryRun: options.dryRun, onMatch: options.onMatch },
    });
    return { id };
  });
}

/** Suggests a mapping for these headers without uploading anything. */
export async function suggestImportMapping(
  { db, principal }: ServiceContext,
  objectKey: string,
  headers: string[],
): Promise<Mapping> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const { object } = await objectsInScope(trx, principal.workspaceId, objectKey);
    assertAllowed(principal, object.key, 'create');
    const hidden = hiddenFor(principal);
    const suggested = suggestMapping(object, headers);
    for (const [h, t] of Object.entries(suggested))
      if (t && hidden(object.key, t.split('.')[0]!)) suggested[h] = '';
    return suggested;
  });
}

/** The import, if the caller may see it: its creator (person or API key), or an admin of the workspace. */
async function loadImport(trx: Tx, principal: Principal, id: string, lock = false): Promise<ImportRow> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id))
    throw new AppError('not_found', `There is no import ${id}.`);
  const { rows } = await sql<ImportRow>`
    select * from imports where workspace_id = ${principal.workspaceId} and id = ${id}
    ${lock ? sql`for update` : sql``}`.execute(raw(trx));
  const row = rows[0];
  const mine =
    row &&
    (principal.role.permissions.actions.includes('workspace.update') ||
      (principal.userId !== null && row.principal.userId === principal.userId) ||
      (principal.apiKeyId !== null && row.principal.apiKeyId === principal.apiKeyId));
  if (!row || !mine) throw new AppError('not_found', `There is no import ${id}.`);
  return row;
}

function present(row: ImportRow, firstRejects: { row: number; reason: string }[]): ImportView {
  const seconds = Number(row.run_ms) / 1000;
  const rate = seconds > 0 && row.rows_done > 0 ? Math.round(row.rows_done / seconds) : null;
  const left =
    rate && row.rows_total !== null && row.status === 'running'
      ? Math.max(0, Math.round((row.rows_total - row.rows_done) / rate))
      : null;
  return {
    id: row.id,
    object: row.object_key,
    status: row.status,
    dryRun: row.dry_run,
    fileName: row.file_name,
    format: row.file_format,
    headers: row.headers ?? [],
    mapping: row.options.mapping ?? {},
    matchBy: row.options.matchBy ?? null,
    onMatch: row.options.onMatch ?? 'create',
    dateCalendar: row.options.dateCalendar ?? 'gregory',
    counts: { created: row.created, updated: row.updated, skipped: row.skipped, rejected: row.rejected },
    rowsDone: row.rows_done,
    rowsTotal: row.rows_total,
    rowsPerSecond: rate,
    secondsLeft: left,
    firstRejects,
    error: row.error,
    createdAt: row.created_at.toISOString(),
    finishedAt: row.finished_at?.toISOString() ?? null,
  };
}

/** An import's status, counts, progress and first rejects; another workspace's id is not found. */
export async function getImport({ db, principal }: ServiceContext, id: string): Promise<ImportView> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const row = await loadImport(trx, principal, id);
    const { rows } = await sql<{ row_number: number; reason: string }>`
      select row_number, reason from import_rejects where workspace_id = ${principal.workspaceId} and import_id = ${id}
      order by row_number limit 10`.execute(raw(trx));
    return present(
      row,
      rows.map((r) => ({ row: r.row_number, reason: r.reason })),
    );
  });
}

/** Stops a queued or running import; rows already committed stay. */
export async function cancelImport({ db, principal }: ServiceContext, id: string): Promise<ImportView> {
  await withWorkspace(db, principal.workspaceId, async (trx) => {
    const row = await loadImport(trx, principal, id, true);
    if (row.status !== 'queued' && row.status !== 'running')
      throw new AppError('conflict', `The import is already ${row.status}.`);
    await sql`update imports set status = 'cancelled', finished_at = now(), updated_at = now()
      where workspace_id = ${principal.workspaceId} and id = ${id}`.execute(raw(trx));
    await sql`delete from import_chunks where workspace_id = ${principal.workspaceId} and import_id = ${id}`.execute(
      raw(trx),
    );
  });
  return getImport({ db, principal }, id);
}

/**
 * Every rejected row as CSV: the row number, the row's cells under the file's own headers, and the reason.
 * Cells that a spreadsheet would run as a formula are neutralised. Streamed page by page.
 */
export async function rejectsCsv({ db, principal }: ServiceContext, id: string) {
  const row = await withWorkspace(db, principal.workspaceId, (trx) => loadImport(trx, principal, id));
  const headers = row.headers ?? [];
  async function* lines() {
    yield ['row', ...headers, 'reason'].map(neutraliseCell);
    let after = 0;
    while (true) {
      const { rows } = await withWorkspace(db, principal.workspaceId, (trx) =>
        sql<{ row_number: number; reason: string; cells: string[] }>`
          select row_number, reason, cells from import_rejects
          where workspace_id = ${principal.workspaceId} and import_id = ${id} and row_number > ${after}
          order by row_number limit 1000`.execute(raw(trx)),
      );
      for (const r of rows) yield [String(r.row_number), ...r.cells, r.reason].map(neutraliseCell);
      if (rows.length < 1000) return;
      after = rows[rows.length - 1]!.row_number;
    }
  }
  const { Readable } = await import('node:stream');
  return Readable.from(lines()).pipe(stringify({ bom: true }));
}

// ---- the job ------------------------------------------------------------------------------------------------

interface Column {
  index: number;
  header: string;
  field: FieldDef;
  part?: string | undefined;
}

interface Plan {
  object: ObjectDef;
  objects: ObjectDef[];
  ctx: ValueContext;
  columns: Column[];
  width: number;
  matchField?: FieldDef | undefined;
  onMatch: OnMatch;
  calendar: Calendar;
  /** A dry run writes inside a savepoint it rolls back, so it leaves out the audit rows and events. */
  dryRun: boolean;
  /**
   * A dry run's linked records created by an earlier chunk (then rolled back with it): later rows naming them are
   * counted as linked to the record the import would create, not created again chunk after chunk.
   */
  wouldCreate: Set<string>;
}

interface Counts {
  created: number;
  updated: number;
  skipped: number;
  rejected: number;
}

interface Reject {
  n: number;
  reason: string;
  cells: string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** One data row turned into a record input, or the reason it cannot be. */
function rowInput(plan: Plan, cells: string[]): { input: Record<string, unknown> } | { reason: string } {
  if (
    cells.length !== plan.width &&
    !(cells.length > plan.width && cells.slice(plan.width).every((c) => c === ''))
  )
    return { reason: `The row has ${cells.length} cells; the header has ${plan.width}.` };
  const input: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const column of plan.columns) {
    const cell = cells[column.index] ?? '';
    if (column.part) {
      const text = cell.trim();
      if (text === '') continue;
      const address = (input[column.field.key] ?? {}) as Record<string, string>;
      address[column.part] = text;
      input[column.field.key] = address;
      continue;
    }
    const coerced = coerceCell(column.field, cell, plan.calendar);
    if (!coerced.ok) {
      problems.push(`${column.header}: ${coerced.message}`);
      continue;
    }
    if (coerced.value === undefined) continue;
    const previous = input[column.field.key];
    input[column.field.key] =
      Array.isArray(previous) && Array.isArray(coerced.value)
        ? [...previous, ...coerced.value]
        : coerced.value;
  }
  if (problems.length > 0) return { reason: problems.join('; ') };
  return { input };
}

/** The value rows are matched on, in the form `matchRecords` compares. */
function matchKey(plan: Plan, input: Record<string, unknown>): string | undefined {
  const field = plan.matchField;
  if (!field || input[field.key] === undefined) return undefined;
  const checked = checkValue(field, input[field.key], plan.ctx);
  if (!checked.ok || checked.value === null) return undefined;
  const v = checked.value as unknown;
  if (field.type === 'emails') return (v as { address: string }[])[0]?.address.toLowerCase();
  if (field.type === 'email') return String(v).toLowerCase();
  if (field.type === 'phones') return (v as { e164: string }[])[0]?.e164;
  if (field.type === 'phone') return (v as { e164: string }).e164;
  if (Array.isArray(v)) return v[0] === undefined ? undefined : String(v[0]);
  if (typeof v === 'object') return (v as { amount?: string }).amount;
  return String(v);
}

function domainOf(text: string): string | undefined {
  const t = text.trim().toLowerCase();
  if (!/^(https?:\/\/)?[a-z0-9-]+(\.[a-z0-9-]+)+(\/.*)?$/.test(t) || t.includes('@')) return undefined;
  return t
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .split('/')[0];
}

/**
 * Links relation cells written as names, domains or emails to the target object's records (people → their
 * company), creating a target record named by the cell when none exists and the caller may create one. Per
 * relation field and batch: one lookup statement (by domain, email, unique text fields and title at once), and
 * one bulk write for the targets it creates.
 */
async function resolveRelations(
  trx: Tx,
  principal: Principal,
  plan: Plan,
  pending: { n: number; input: Record<string, unknown> }[],
  cache: Map<string, string>,
  rejectRow: (n: number, reason: string) => void,
): Promise<void> {
  const hidden = hiddenFor(principal);
  for (const field of plan.object.fields) {
    if (field.type !== 'relation' || !field.relation || !plan.columns.some((c) => c.field.key === field.key))
      continue;
    const target = plan.objects.find((o) => o.key === field.relation?.object);
    if (!target) continue;
    const cacheKey = (t: string) => `${field.key}\u0000${t}`;
    const texts = new Set<string>();
    for (const p of pending) {
      const v = p.input[field.key];
      for (const t of (Array.isArray(v) ? v : v === undefined ? [] : [v]) as string[])
        if (!UUID.test(t) && !cache.has(cacheKey(t)) && !plan.wouldCreate.has(cacheKey(t))) texts.add(t);
    }
    if (texts.size > 0) {
      const list = [...texts];
      const visible = (key: string | undefined) =>
        key !== undefined && target.fields.some((f) => f.key === key) && !hidden(target.key, key);
      const domainField = visible('domains') ? 'domains' : undefined;
      const emailField = target.fields.find((f) => f.type === 'emails' && visible(f.key))?.key;
      const titleKey =
        target.titleFields.length === 1 && visible(target.titleFields[0]) ? target.titleFields[0] : undefined;
      // In order of preference: a web address, an email, an external id (any unique single-valued text field of
      // the target, say a custom "hubspotId"), the title.
      const ways: { fieldKey: string; keyOf: (t: string) => string | undefined }[] = [];
      if (domainField) ways.push({ fieldKey: domainField, keyOf: domainOf });
      if (emailField)
        ways.push({ fieldKey: emailField, keyOf: (t) => (t.includes('@') ? t.toLowerCase() : undefined) });
      for (const unique of target.fields)
        if (unique.unique && !unique.readOnly && unique.type === 'text' && visible(unique.key))
          ways.push({ fieldKey: unique.key, keyOf: (t) => t.trim() });
      if (titleKey) ways.push({ fieldKey: titleKey, keyOf: (t) => t.trim() });
      const lookups: FieldLookup[] = ways.map((w) => ({
        fieldKey: w.fieldKey,
        values: [...new Set(list.map(w.keyOf).filter((k): k is string => k !== undefined && k !== ''))],
      }));
      const found = await matchRecordsByFields(trx, principal, target, lookups);
      for (const t of list) {
        for (const [i, way] of ways.entries()) {
          const key = way.keyOf(t);
          const id = key === undefined ? undefined : found[i]!.get(key);
          if (id) {
            cache.set(cacheKey(t), id);
            break;
          }
        }
      }
      const missing = list.filter((t) => !cache.has(cacheKey(t)));
      if (titleKey && missing.length > 0 && ruleFor(principal, target.key).create) {
        // One new record per name, however many cells (or spellings with spaces around) name it.
        const byName = new Map<string, { input: Record<string, unknown>; texts: string[] }>();
        for (const t of missing) {
          const d = domainField ? domainOf(t) : undefined;
          const name = d ?? t.trim();
          const entry = byName.get(name) ?? {
            input: d ? { [titleKey]: d, domains: [d] } : { [titleKey]: name },
            texts: [],
          };
          entry.texts.push(t);
          byName.set(name, entry);
        }
        const entries = [...byName.values()];
        const outcomes = await bulkWriteRecords(
          trx,
          principal,
          target.key,
          entries.map((e, index) => ({ index, input: e.input })),
          { source: 'import', audit: !plan.dryRun },
        );
        for (const o of outcomes)
          if ('id' in o)
            for (const t of entries[o.index]!.texts) {
              cache.set(cacheKey(t), o.id);
              if (plan.dryRun) plan.wouldCreate.add(cacheKey(t));
            }
      }
    }
    for (const p of pending) {
      const v = p.input[field.key];
      if (v === undefined) continue;
      const out: string[] = [];
      let unresolved: string | undefined;
      for (const t of (Array.isArray(v) ? v : [v]) as string[]) {
        const id = UUID.test(t) ? t : cache.get(cacheKey(t));
        if (id) out.push(id);
        else if (!plan.wouldCreate.has(cacheKey(t))) unresolved ??= t;
      }
      if (unresolved !== undefined) {
        rejectRow(p.n, `${field.key}: No ${target.key} record matches "${unresolved.slice(0, 100)}".`);
      } else if (Array.isArray(v)) p.input[field.key] = out;
      else if (out[0] !== undefined) p.input[field.key] = out[0];
      else delete p.input[field.key];
    }
  }
}

/** Writes one chunk's rows: coercion, relation links, matching, then the bulk write. */
async function writeChunk(
  trx: Tx,
  principal: Principal,
  plan: Plan,
  rows: { n: number; cells: string[] }[],
  counts: Counts,
  rejects: Reject[],
  batchId: string,
): Promise<void> {
  const cellsOf = new Map(rows.map((r) => [r.n, r.cells]));
  const rejected = new Set<number>();
  const rejectRow = (n: number, reason: string) => {
    rejected.add(n);
    counts.rejected += 1;
    rejects.push({ n, reason, cells: cellsOf.get(n) ?? [] });
  };
  // Split where a match key repeats, so a later row sees the record an earlier row of the file created.
  const segments: { n: number; input: Record<string, unknown>; key?: string | undefined }[][] = [[]];
  let seen = new Set<string>();
  for (const r of rows) {
    const read = rowInput(plan, r.cells);
    if ('reason' in read) {
      rejectRow(r.n, read.reason);
      continue;
    }
    const key = matchKey(plan, read.input);
    if (key !== undefined && seen.has(key)) {
      segments.push([]);
      seen = new Set();
    }
    if (key !== undefined) seen.add(key);
    segments.at(-1)!.push({ n: r.n, input: read.input, key });
  }
  // Relations and matches are looked up once for the whole chunk, each in one statement.
  const all = segments.flat();
  await resolveRelations(trx, principal, plan, all, new Map(), rejectRow);
  let matches = new Map<string, string>();
  if (plan.matchField && plan.onMatch !== 'create') {
    const keys = [
      ...new Set(all.filter((p) => !rejected.has(p.n) && p.key !== undefined).map((p) => p.key!)),
    ];
    if (keys.length > 0) matches = await matchRecords(trx, principal, plan.object, plan.matchField.key, keys);
  }
  for (const segment of segments) {
    const live = segment.filter((p) => !rejected.has(p.n));
    const items: BulkItem[] = [];
    const keyOf = new Map<number, string>();
    for (const p of live) {
      const existing = p.key !== undefined ? matches.get(p.key) : undefined;
      if (existing && plan.onMatch === 'skip') {
        counts.skipped += 1;
        continue;
      }
      if (p.key !== undefined) keyOf.set(p.n, p.key);
      items.push({ index: p.n, input: p.input, updateId: existing });
    }
    if (items.length === 0) continue;
    const outcomes = await bulkWriteRecords(trx, principal, plan.object.key, items, {
      source: 'import',
      batchId,
      audit: !plan.dryRun,
    });
    for (const o of outcomes) {
      if ('error' in o) rejectRow(o.index, o.error);
      else if (o.action === 'created') {
        counts.created += 1;
        // A later row of the chunk with the same key (the next segment) matches the record this one created.
        const key = keyOf.get(o.index);
        if (key !== undefined && plan.onMatch !== 'create') matches.set(key, o.id);
      } else counts.updated += 1;
    }
  }
}

function planFor(row: ImportRow, object: ObjectDef, objects: ObjectDef[], ctx: ValueContext): Plan {
  const headers = row.headers ?? [];
  const columns: Column[] = [];
  const seen = new Set<string>();
  for (const [index, header] of headers.entries()) {
    // A header that repeats is read from its first column only.
    if (seen.has(header)) continue;
    seen.add(header);
    const target = row.options.mapping[header];
    if (!target) continue;
    const [key, part] = target.split('.', 2) as [string, string | undefined];
    const field = object.fields.find((f) => f.key === key);
    if (field) columns.push({ index, header, field, part });
  }
  return {
    object,
    objects,
    ctx,
    columns,
    width: headers.length,
    matchField: row.options.matchBy ? object.fields.find((f) => f.key === row.options.matchBy) : undefined,
    onMatch: row.options.onMatch,
    calendar: row.options.dateCalendar,
    dryRun: row.dry_run,
    wouldCreate: new Set(),
  };
}

class Stop extends Error {}

/**
 * Runs one import to its end (or until cancelled): claims it, counts its rows once (which also proves the
 * whole file reads, so a broken file fails before anything is written), then writes chunk by chunk. Each
 * chunk's records, rejects and the resume mark (`rows_done`) commit together, so a run that dies resumes after
 * the last committed chunk without doubling rows. A dry run does the same work and rolls each chunk back.
 */
export async function runImport(
  db: Database,
  workspaceId: string,
  importId: string,
  options: {
    runnerId?: string;
    rowsPerChunk?: number;
    failAfterChunks?: number;
    /** Called after each committed chunk (the command line draws its progress bar from it). */
    onProgress?: (rowsDone: number, rowsTotal: number) => void;
  } = {},
): Promise<ImportStatus | 'busy'> {
  const runner = options.runnerId ?? randomUUID();
  const perChunk = options.rowsPerChunk ?? ROWS_PER_CHUNK;
  const claimed = await withWorkspace(db, workspaceId, async (trx) => {
    // A resumed import keeps its first start. The time is the transaction's, from a one-row `clock` the update is
    // joined with: a Citus cluster refuses `coalesce(started_at, now())` in an update ("non-IMMUTABLE functions are
    // not allowed in CASE or COALESCE statements") and runs the `clock` subquery on the coordinator, sending its one
    // value to the shard. One PostgreSQL writes the same `now()` in the same one statement (and row lock).
    const { rows } = await sql<ImportRow>`
      update imports as i set status = 'running', claimed_by = ${runner}, heartbeat_at = now(),
        started_at = coalesce(i.started_at, clock.at), updated_at = now()
      from (select now() as at) as clock
      where i.workspace_id = ${workspaceId} and i.id = ${importId}
        and (i.status = 'queued' or (i.status = 'running' and (i.heartbeat_at is null or i.heartbeat_at < now() - make_interval(secs => ${IMPORT_LEASE_SECONDS}))))
      returning i.*`.execute(raw(trx));
    if (rows[0])
      await sql`select rabita_watch_import(${importId}::uuid, ${WATCH_AFTER_SECONDS})`.execute(raw(trx));
    return rows[0];
  });
  if (!claimed) return 'busy';
  // The lease: a heartbeat every few seconds, each pushing back a watch job that would resume the import a moment
  // after the lease lapses. If this process dies, the watch runs in another (or the restarted) worker within
  // IMPORT_LEASE_SECONDS + a few seconds, instead of the minutely sweep finding it minutes later.
  const beat = () =>
    withWorkspace(db, workspaceId, (trx) =>
      sql`
        with held as (
          update imports set heartbeat_at = now()
          where workspace_id = ${workspaceId} and id = ${importId} and claimed_by = ${runner} and status = 'running'
          returning id)
        select rabita_watch_import(id, ${WATCH_AFTER_SECONDS}) from held`.execute(raw(trx)),
    );
  let beating: Promise<unknown> = Promise.resolve();
  const heartbeat = setInterval(() => {
    // One beat at a time; a missed beat (the database away for a moment) is retried by the next.
    beating = beating.then(beat).catch(() => {});
  }, IMPORT_BEAT_MS);
  heartbeat.unref();
  const principal = claimed.principal;
  // Ends the run if this runner still holds the import; a runner that lost it (cancelled, or taken over after
  // going quiet) leaves the import and its file alone.
  const finish = async (status: ImportStatus, error: string | null = null): Promise<ImportStatus | 'busy'> =>
    withWorkspace(db, workspaceId, async (trx) => {
      const { rows } = await sql<{
        id: string;
        created: number;
        updated: number;
        skipped: number;
        rejected: number;
      }>`
        update imports set status = ${status}, error = ${error}, finished_at = now(), updated_at = now(), claimed_by = null
        where workspace_id = ${workspaceId} and id = ${importId} and claimed_by = ${runner} and status = 'running'
        returning id, created, updated, skipped, rejected`.execute(raw(trx));
      if (rows.length === 0) {
        const { rows: now } = await sql<{ status: ImportStatus }>`
          select status from imports where workspace_id = ${workspaceId} and id = ${importId}`.execute(
          raw(trx),
        );
        return now[0]?.status === 'cancelled' ? 'cancelled' : 'busy';
      }
      await sql`delete from import_chunks where workspace_id = ${workspaceId} and import_id = ${importId}`.execute(
        raw(trx),
      );
      await sql`select rabita_unwatch_import(${importId}::uuid)`.execute(raw(trx));
      const { id: _, ...counts } = rows[0]!;
      await recordSecurityEvent(trx, {
        workspaceId,
        kind: 'import.finished',
        actorUserId: principal.userId,
        actorApiKeyId: principal.apiKeyId,
        subject: importId,
        details: {
          object: claimed.object_key,
          status,
          dryRun: claimed.dry_run,
          ...counts,
          ...(error ? { error } : {}),
        },
      });
      return status;
    });
  const open = async () =>
    readRows(await storedFile(db, workspaceId, importId), claimed.file_format, {
      encoding: claimed.options.encoding,
    });

  try {
    const { plan } = await withWorkspace(db, workspaceId, async (trx) => {
      const scope = await objectsInScope(trx, workspaceId, claimed.object_key);
      return { plan: planFor(claimed, scope.object, scope.objects, scope.ctx) };
    });
    let total = claimed.rows_total;
    if (total === null) {
      total =
        (await countRows(await storedFile(db, workspaceId, importId), claimed.file_format, {
          encoding: claimed.options.encoding,
        })) - 1;
      const counted = Math.max(0, total);
      await withWorkspace(db, workspaceId, (trx) =>
        sql`update imports set rows_total = ${counted}, heartbeat_at = now() where workspace_id = ${workspaceId} and id = ${importId}`.execute(
          raw(trx),
        ),
      );
    }

    let n = 0;
    let chunks = 0;
    let batch: { n: number; cells: string[] }[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const started = Date.now();
      const rows = batch;
      batch = [];
      await withWorkspace(db, workspaceId, async (trx) => {
        const { rows: state } = await sql<{ status: string; claimed_by: string | null; rejected: number }>`
          select status, claimed_by, rejected from imports where workspace_id = ${workspaceId} and id = ${importId} for update`.execute(
          raw(trx),
        );
        if (state[0]?.status !== 'running' || state[0].claimed_by !== runner) throw new Stop();
        // Each chunk writes with its starter's access as it is now: a revoked key or a removed member stops the
        // import, a narrowed role narrows what the rest may write.
        const current = await currentPrincipal(trx, principal, { session: false });
        if (!current)
          throw new AppError(
            'forbidden',
            'The import stopped: the access of whoever started it ended (a revoked API key or a removed member).',
          );
        const counts: Counts = { created: 0, updated: 0, skipped: 0, rejected: 0 };
        const rejects: Reject[] = [];
        if (claimed.dry_run) await sql`savepoint dry_run`.execute(raw(trx));
        await writeChunk(trx, current, plan, rows, counts, rejects, importId);
        if (options.failAfterChunks !== undefined && chunks >= options.failAfterChunks)
          throw new Error('simulated crash');
        if (claimed.dry_run) await sql`rollback to savepoint dry_run`.execute(raw(trx));
        const keep = claimed.dry_run ? Math.max(0, DRY_RUN_REJECTS - state[0].rejected) : rejects.length;
        const kept = rejects.slice(0, keep);
        if (kept.length > 0) {
          await sql`
            insert into import_rejects (workspace_id, import_id, row_number, reason, cells)
            select ${workspaceId}, ${importId}, r.n, r.reason, r.cells
            from unnest(${kept.map((r) => r.n)}::int[], ${kept.map((r) => r.reason.slice(0, 2000))}::text[],
                        ${kept.map((r) => JSON.stringify(r.cells.map((c) => c.slice(0, 10_000))))}::jsonb[]) as r (n, reason, cells)
            on conflict do nothing`.execute(raw(trx));
        }
        await sql`
          update imports set rows_done = rows_done + ${rows.length}, created = created + ${counts.created},
            updated = updated + ${counts.updated}, skipped = skipped + ${counts.skipped},
            rejected = rejected + ${counts.rejected}, heartbeat_at = now(), updated_at = now(),
            run_ms = run_ms + ${Date.now() - started}
          where workspace_id = ${workspaceId} and id = ${importId}`.execute(raw(trx));
      });
      chunks += 1;
      options.onProgress?.(n, Math.max(0, total ?? 0));
    };

    let header = true;
    for await (const cells of (await open()).rows) {
      if (header) {
        header = false;
        continue;
      }
      n += 1;
      if (n <= claimed.rows_done) continue;
      batch.push({ n, cells });
      if (batch.length >= perChunk) await flush();
    }
    await flush();
    return await finish('done');
  } catch (error) {
    if (error instanceof Stop) return 'cancelled';
    if (error instanceof AppError) return finish('failed', error.message);
    if ((error as Error).message === 'simulated crash') throw error;
    return finish('failed', `The import stopped on an unexpected error: ${(error as Error).message}`);
  } finally {
    clearInterval(heartbeat);
    await beating;
  }
}

/** Runs every import waiting in any workspace (the job task; also resumes imports whose runner died). */
export async function runPendingImports(db: Database): Promise<number> {
  const { rows } = await sql<{ workspace_id: string; id: string }>`
    select workspace_id, id from rabita_pending_imports(10, ${IMPORT_LEASE_SECONDS})`.execute(
    db.withoutPlugins() as unknown as Kysely<unknown>,
  );
  for (const row of rows) await runImport(db, row.workspace_id, row.id);
  return rows.length;
}

/**
 * Who the command line acts as in a workspace: its earliest admin, so imported records have an owner and the
 * audit trail a person. Throws not_found for an unknown workspace or one without an admin.
 */
export async function operatorPrincipal(db: Database, workspaceId: string): Promise<Principal> {
  const userId = await withWorkspace(db, workspaceId, async (trx) => {
    const { rows } = await sql<{ user_id: string }>`
      select m.user_id from memberships m join roles r on r.workspace_id = m.workspace_id and r.id = m.role_id
      where m.workspace_id = ${workspaceId} and r.key = 'admin' order by m.created_at limit 1`.execute(
      raw(trx),
    );
    return rows[0]?.user_id;
  });
  const principal = userId ? await principalForMember(db, userId, workspaceId) : undefined;
  if (!principal) throw new AppError('not_found', `There is no workspace ${workspaceId} with an admin.`);
  return principal;
}

/** A mapping saved for next time. */
export interface SavedMapping {
  id: string;
  object: string;
  name: string;
  mapping: Mapping;
  createdAt: string;
}

const presentMapping = (r: {
  id: string;
  object_key: string;
  name: string;
  mapping: Mapping;
  created_at: Date;
}): SavedMapping => ({
  id: r.id,
  object: r.object_key,
  name: r.name,
  mapping: r.mapping,
  createdAt: r.created_at.toISOString(),
});

/** Saves (or replaces, by name) a mapping for an object, for the next import of a file like this one. */
export async function saveMapping(
  { db, principal }: ServiceContext,
  input: { object: string; name: string; mapping: Mapping },
): Promise<SavedMapping> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const { object } = await objectsInScope(trx, principal.workspaceId, input.object);
    assertAllowed(principal, object.key, 'create');
    const targets = Object.values(input.mapping);
    checkMapping(principal, object, input.mapping, Object.keys(input.mapping));
    if (!targets.some((t) => t !== '')) throw badOption('mapping', 'No column is mapped to a field.');
    const { rows } = await sql<{
      id: string;
      object_key: string;
      name: string;
      mapping: Mapping;
      created_at: Date;
    }>`
      insert into import_mappings (workspace_id, id, object_key, name, mapping, created_by)
      values (${principal.workspaceId}, ${newId()}, ${object.key}, ${input.name}, ${JSON.stringify(input.mapping)}::jsonb, ${principal.userId})
      on conflict (workspace_id, object_key, name) do update set mapping = excluded.mapping
      returning id, object_key, name, mapping, created_at`.execute(raw(trx));
    return presentMapping(rows[0]!);
  });
}

/** The workspace's saved mappings, for one object or all. */
export async function listMappings(
  { db, principal }: ServiceContext,
  objectKey?: string,
): Promise<SavedMapping[]> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const { rows } = await sql<{
      id: string;
      object_key: string;
      name: string;
      mapping: Mapping;
      created_at: Date;
    }>`
      select id, object_key, name, mapping, created_at from import_mappings
      where workspace_id = ${principal.workspaceId} ${objectKey ? sql`and object_key = ${objectKey}` : sql``}
      order by object_key, name limit 500`.execute(raw(trx));
    return rows.filter((r) => ruleFor(principal, r.object_key).create).map(presentMapping);
  });
}

/** Deletes a saved mapping; another workspace's id is not found. */
export async function deleteMapping({ db, principal }: ServiceContext, id: string): Promise<void> {
  if (!UUID.test(id)) throw new AppError('not_found', `There is no saved mapping ${id}.`);
  await withWorkspace(db, principal.workspaceId, async (trx) => {
    const { rows } = await sql<{ object_key: string }>`
      select object_key from import_mappings where workspace_id = ${principal.workspaceId} and id = ${id}`.execute(
      raw(trx),
    );
    if (!rows[0]) throw new AppError('not_found', `There is no saved mapping ${id}.`);
    assertAllowed(principal, rows[0].object_key, 'create');
    await sql`delete from import_mappings where workspace_id = ${principal.workspaceId} and id = ${id}`.execute(
      raw(trx),
    );
  });
}
