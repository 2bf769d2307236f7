import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import { AppError } from '../errors/app-error.ts';
import { isUuid } from '../ids.ts';
import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';
import { hiddenFor, ownerLimit, type Reader, ruleFor } from './access.ts';
import { objectScope } from './expressions.ts';
import { openScope } from './scope.ts';

// The one gate record data leaves the record engine through. Every surface that shows a record's fields — lists
// and records, the timeline, notifications, search hits, exports, aggregates, event streams, webhook payloads,
// batch answers, import reports and every later module — gets them here, for its reader: objects the reader's
// role may not read are left out, "own records only" keeps other owners' records out, hidden fields never appear.

/** A record as the API shows it: flat JSON, standard and custom fields side by side. */
export type RecordView = Record<string, unknown> & { id: string };

/** Reads a stored row into the API's flat shape, leaving out hidden fields and any not asked for. */
export function present(
  object: ObjectDef,
  row: Record<string, unknown>,
  visible: (f: FieldDef) => boolean,
): RecordView {
  return presenter(object, visible)(row);
}

/**
 * `present` for many rows of one object and reader: which fields show, and where each is read from, worked out
 * once (a page of 50 tickets asked every field's visibility 50 times).
 */
export function presenter(
  object: ObjectDef,
  visible: (f: FieldDef) => boolean,
): (row: Record<string, unknown>) => RecordView {
  const shown = object.fields
    .filter((field) => visible(field))
    .map((field) => ({
      key: field.key,
      column: field.column,
      numeric: field.type === 'number' || field.type === 'rating',
    }));
  return (row) => {
    const custom = (row.custom ?? {}) as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const field of shown) {
      let value = field.column ? row[field.column] : custom[field.key];
      if (value === undefined) value = null;
      if (value instanceof Date) value = value.toISOString();
      else if (value !== null && field.numeric && typeof value === 'string') value = Number(value);
      out[field.key] = value;
    }
    return out as RecordView;
  };
}

const storedPresenters = new WeakMap<ObjectDef, (row: Record<string, unknown>) => RecordView>();

/**
 * A stored row with every field (what hooks, events and the write paths work on, before any reader's rules): the
 * presenter kept per object definition, so a batch's rows share one.
 */
export function presentStored(object: ObjectDef, row: Record<string, unknown>): RecordView {
  let show = storedPresenters.get(object);
  if (!show) {
    show = presenter(object, () => true);
    storedPresenters.set(object, show);
  }
  return show(row);
}

/** Narrows an already presented record to the fields the caller may see. */
export function project(object: ObjectDef, view: RecordView, visible: (f: FieldDef) => boolean): RecordView {
  const out: Record<string, unknown> = {};
  for (const field of object.fields) if (visible(field)) out[field.key] = view[field.key] ?? null;
  return out as RecordView;
}

export function visibility(principal: Reader, object: ObjectDef, fields?: string[]) {
  const hidden = hiddenFor(principal);
  if (fields) {
    for (const f of fields) {
      if (!object.fields.some((d) => d.key === f) || hidden(object.key, f)) {
        throw new AppError('validation_failed', `There is no field "${f}" on ${object.key}.`, {
          errors: [{ field: 'fields', message: `Unknown field "${f}".` }],
        });
      }
    }
  }
  const wanted = fields ? new Set(['id', ...fields]) : undefined;
  return (f: FieldDef) => !hidden(object.key, f.key) && (!wanted || wanted.has(f.key));
}

/** True when the reader may read records of the object at all. */
export function canRead(reader: Reader, objectKey: string): boolean {
  return ruleFor(reader, objectKey).read;
}

/** True when the reader may see this record of the object, given its owner ("own records only"). */
export function seesOwner(reader: Reader, object: ObjectDef, ownerId: string | null | undefined): boolean {
  const rule = ruleFor(reader, object.key);
  if (!rule.read) return false;
  const limit = ownerLimit(reader, rule);
  if (limit === undefined || !object.fields.some((f) => f.key === 'owner')) return true;
  return limit !== null && ownerId === limit;
}

/** A change's old and new values, without the fields hidden from the reader. */
export function visibleChanges(
  reader: Reader,
  objectKey: string,
  changes: Record<string, { from: unknown; to: unknown }>,
): Record<string, { from: unknown; to: unknown }> {
  const hidden = hiddenFor(reader);
  return Object.fromEntries(Object.entries(changes).filter(([field]) => !hidden(objectKey, field)));
}

/** Changed field names, without those hidden from the reader. */
export function visibleFieldNames(reader: Reader, objectKey: string, fields: readonly string[]): string[] {
  const hidden = hiddenFor(reader);
  return fields.filter((field) => !hidden(objectKey, field));
}

/**
 * A record's title from the title fields the reader may see (null when every title field is hidden from them
 * or empty): what search hits, notifications and relation labels show.
 */
export function titleFor(reader: Reader, object: ObjectDef, view: Record<string, unknown>): string | null {
  const hidden = hiddenFor(reader);
  const parts = object.titleFields
    .filter((k) => !hidden(object.key, k))
    .map((k) => view[k])
    .filter((v) => typeof v === 'string' && v.trim() !== '');
  return parts.length > 0 ? parts.join(' ') : null;
}

/** True when the reader sees every title field of the object (a stored title may then be shown as it is). */
export function seesTitle(reader: Reader, object: ObjectDef): boolean {
  const hidden = hiddenFor(reader);
  return object.titleFields.every((k) => !hidden(object.key, k));
}

/**
 * Live records of one object by id, as the reader may see them: nothing when the role may not read the object,
 * no record of another owner under "own records only", no hidden field; ids that are not records are skipped.
 * Runs in the caller's workspace transaction.
 */
export async function readRecords(
  trx: Tx,
  reader: Reader & { workspaceId: string },
  objectKey: string,
  ids: readonly string[],
  options: { fields?: string[] | undefined } = {},
): Promise<Map<string, RecordView>> {
  const out = new Map<string, RecordView>();
  const wanted = [...new Set(ids.filter(isUuid))];
  if (wanted.length === 0 || !canRead(reader, objectKey)) return out;
  const s = await openScope(trx, reader.workspaceId, objectKey);
  const rule = ruleFor(reader, objectKey);
  const limit = ownerLimit(reader, rule);
  const hasOwner = s.object.fields.some((f) => f.key === 'owner');
  if (limit === null && hasOwner) return out;
  // Fields asked for that the reader may not see are simply not shown (the caller is a surface, not a person).
  const hidden = hiddenFor(reader);
  const known = options.fields?.filter(
    (f) => s.object.fields.some((d) => d.key === f) && !hidden(objectKey, f),
  );
  const visible = visibility(reader, s.object, known);
  const { rows } = await sql<Record<string, unknown>>`
    select * from ${sql.table(s.object.table)} as r
    where ${objectScope(s.object, 'r', s.workspaceId)} and r.id = any(${wanted}::uuid[])
      ${limit !== undefined && hasOwner ? sql`and r.owner_id = ${limit}` : sql``}`.execute(s.raw);
  const show = presenter(s.object, visible);
  for (const row of rows) out.set(String(row.id), show(row));
  return out;
}

/** Titles of records by id as the reader may see them (absent: not a record the reader may see). */
export async function readTitles(
  trx: Tx,
  reader: Reader & { workspaceId: string },
  object: ObjectDef,
  ids: readonly string[],
): Promise<Map<string, string | null>> {
  const records = await readRecords(trx, reader, object.key, ids, { fields: object.titleFields });
  return new Map([...records].map(([id, view]) => [id, titleFor(reader, object, view)]));
}

/** Refuses (as not found) a record the reader may not see. */
export function assertSeen(found: boolean, objectKey: string, id: string): void {
  if (!found) throw new AppError('not_found', `There is no ${objectKey} record ${id}.`);
}
