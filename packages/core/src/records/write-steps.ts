import { type RawBuilder, sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { notifyEventsQuery, publishRecordEvents } from '../events/events.service.ts';
import type { ChangeSource, RecordEvent, RecordEventKind } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';
import type { Draft, WriteCause, WriteContext } from '../modules/manifest.ts';
import { registry } from '../modules/registry.ts';
import {
  deleteSearchDocumentsQuery,
  upsertSearchDocumentsQuery,
} from '../search/search-documents.repository.ts';
import { searchDocument } from '../search/search-documents.ts';
import { ownerLimit, ruleFor } from './access.ts';
import { fieldSql } from './expressions.ts';
import { type RecordView, readRecords } from './gate.ts';
import {
  executeTogether,
  insertRecordChangesQuery,
  liveRecordIds,
  lockKeys,
  valueTaken,
} from './records.repository.ts';
import { ALIAS, type Scope } from './scope.ts';
import { checkValue } from './values.ts';

/** A field's name under a path inside the input (`records.3` + `email`), or the bare name at the top. */
function at(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

// The steps every write of a record takes, single or bulk alike: its input checked against the object's fields
// (`prepare`), what needs the database checked (`checkReferences`), the modules' hooks around it, and its audit
// rows, search documents and events (`recordChanges`). write-rows.ts puts them together.

/** How a write is told where it came from: a source, and for automation its cause. */
export type WriteOrigin =
  | ChangeSource
  | { source?: ChangeSource | undefined; cause?: WriteCause | undefined };

/** The source and cause of a write from how it was told where it came from. */
export function originOf(principal: Principal, origin: WriteOrigin | undefined) {
  if (typeof origin === 'string') return { source: origin, cause: undefined };
  return {
    source: origin?.source ?? (origin?.cause ? 'workflow' : sourceOf(principal)),
    cause: origin?.cause,
  };
}

/** A person's writes come through the app's UI; an API key's through the API. */
export function sourceOf(principal: Principal): ChangeSource {
  return principal.kind === 'apiKey' ? 'api' : 'ui';
}

const SYSTEM_KEYS = new Set(['id', 'createdAt', 'updatedAt', 'createdBy']);

/** A record's input, checked: stored columns, custom (jsonb) values, and every written value by field key. */
export interface Prepared {
  columns: Record<string, unknown>;
  custom: Record<string, unknown>;
  values: Record<string, unknown>;
}

/** Validates input against the object's fields; collects every problem before failing. */
export function prepare(
  s: Scope,
  principal: Principal,
  input: unknown,
  mode: 'create' | 'update',
  path: string,
): Prepared {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new AppError('validation_failed', 'The record must be a JSON object.', {
      errors: [{ field: path, message: 'Must be an object.' }],
    });
  }
  const rule = ruleFor(principal, s.object.key);
  const errors: FieldProblem[] = [];
  const columns: Record<string, unknown> = {};
  const custom: Record<string, unknown> = {};
  const values: Record<string, unknown> = {};
  const entries = Object.entries(input as Record<string, unknown>);
  for (const [key, value] of entries) {
    const field = s.object.fields.find((f) => f.key === key);
    if (!field || rule.hiddenFields?.includes(key)) {
      errors.push({ field: at(path, key), message: `There is no field "${key}" on ${s.object.key}.` });
      continue;
    }
    if (field.readOnly || SYSTEM_KEYS.has(key) || rule.readOnlyFields?.includes(key)) {
      errors.push({ field: at(path, key), message: 'Is read-only.' });
      continue;
    }
    const checked = checkValue(field, value, s.ctx);
    if (!checked.ok) {
      errors.push({ field: at(path, key), message: checked.message });
      continue;
    }
    values[key] = checked.value;
  }
  if (mode === 'create') {
    for (const field of s.object.fields) {
      if (field.key in values || field.readOnly) continue;
      if (field.defaultValue !== undefined && field.defaultValue !== null)
        values[field.key] = field.defaultValue;
      else if (field.required) errors.push({ field: at(path, field.key), message: 'Is required.' });
    }
  }
  if (errors.length > 0) {
    throw new AppError(
      'validation_failed',
      `The record has ${errors.length} invalid field${errors.length === 1 ? '' : 's'}.`,
      { errors },
    );
  }
  for (const [key, value] of Object.entries(values)) {
    const field = s.object.fields.find((f) => f.key === key)!;
    if (field.column) {
      columns[field.column] = toColumn(field, value);
      if (field.type === 'phones')
        columns.phone_numbers = (value as { e164: string }[] | null)?.map((p) => p.e164) ?? [];
      if (field.type === 'phone') columns.phone_numbers = value ? [(value as { e164: string }).e164] : [];
      if (field.type === 'emails') {
        columns.email_addresses =
          (value as { address: string }[] | null)?.map((e) => e.address.toLowerCase()) ?? [];
      }
    } else {
      custom[key] = value;
    }
  }
  return { columns, custom, values };
}

/** A checked value as its standard column stores it. */
function toColumn(field: FieldDef, value: unknown): unknown {
  if (value === null) {
    return ['tags', 'multiSelect'].includes(field.type) || (field.type === 'relation' && field.relation?.many)
      ? sql`'{}'`
      : ['phones', 'emails'].includes(field.type)
        ? sql`'[]'::jsonb`
        : null;
  }
  switch (field.type) {
    case 'money':
    case 'phones':
    case 'emails':
    case 'phone':
    case 'address':
    case 'location':
      return sql`${JSON.stringify(value)}::jsonb`;
    default:
      return value;
  }
}

/** The advisory lock key of a unique field's value (one writer of a value at a time). */
export function uniqueLockKey(s: Scope, fieldKey: string, value: unknown): string {
  return `${s.workspaceId}:${s.object.key}:${fieldKey}:${JSON.stringify(value)}`;
}

/**
 * For each lookup, the ids among its `ids` of live records of its `target` the writer may link to: records they
 * may read. A record of an object their role may not read, or of another owner under "own records only", is
 * answered exactly as a record that does not exist, so a link cannot tell the two apart. The lookups that need no
 * owner check go to the database together, in one statement.
 */
export async function linkableIds(
  s: Scope,
  principal: Principal,
  lookups: readonly { target: ObjectDef; ids: readonly string[] }[],
): Promise<Set<string>[]> {
  const found: Set<string>[] = lookups.map(() => new Set());
  const together: { at: number; object: ObjectDef; ids: readonly string[] }[] = [];
  for (const [at, { target, ids }] of lookups.entries()) {
    const rule = ruleFor(principal, target.key);
    if (!rule.read) continue;
    if (ownerLimit(principal, rule) !== undefined && target.fields.some((f) => f.key === 'owner'))
      found[at] = new Set((await readRecords(s.trx, principal, target.key, ids, { fields: ['id'] })).keys());
    else together.push({ at, object: target, ids });
  }
  const live = await liveRecordIds(s.raw, s.workspaceId, together);
  for (const [i, { at }] of together.entries()) found[at] = live[i]!;
  return found;
}

/** The ids a relation value names (none for an empty value). */
function linkedIds(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  return [...new Set(Array.isArray(value) ? (value as string[]) : [value as string])];
}

/**
 * Checks what needs the database: linked records exist (and are live) in this workspace and the writer may read
 * them — a link the record already has (`before`) may be saved again — and unique fields hold no value another
 * record has. Unique checks take a transaction lock on the value, so two writers of the same value queue rather
 * than both passing.
 */
export async function checkReferences(
  s: Scope,
  principal: Principal,
  prepared: Prepared,
  path: string,
  before?: RecordView,
): Promise<void> {
  const errors: FieldProblem[] = [];
  // Every relation's targets are looked up first, in one statement; the problems are then told in field order.
  const links: { key: string; target: ObjectDef; ids: string[] }[] = [];
  for (const [key, value] of Object.entries(prepared.values)) {
    const field = s.object.fields.find((f) => f.key === key)!;
    if (value === null || field.type !== 'relation' || !field.relation) continue;
    const target = s.objects.find((o) => o.key === field.relation?.object);
    const kept = new Set(linkedIds(before?.[key]));
    const ids = linkedIds(value).filter((id) => !kept.has(id));
    if (target && ids.length > 0) links.push({ key, target, ids });
  }
  const linkable = links.length > 0 ? await linkableIds(s, principal, links) : [];
  for (const [key, value] of Object.entries(prepared.values)) {
    if (value === null) continue;
    const field = s.object.fields.find((f) => f.key === key)!;
    const link = links.findIndex((l) => l.key === key);
    if (link >= 0) {
      const { target, ids } = links[link]!;
      const missing = ids.filter((id) => !linkable[link]!.has(id));
      if (missing.length > 0)
        errors.push({ field: at(path, key), message: `No ${target.key} record ${missing[0]} exists.` });
    }
    if (field.unique) {
      const expr = fieldSql(field, ALIAS).scalar;
      if (!expr) continue;
      await lockKeys(s.raw, [uniqueLockKey(s, key, value)]);
      if (await valueTaken(s.raw, s.object, s.workspaceId, expr, value, before?.id))
        errors.push({ field: at(path, key), message: 'Another record already has this value.' });
    }
  }
  if (errors.length > 0) {
    const conflict = errors.every((e) => e.message.startsWith('Another record'));
    throw new AppError(conflict ? 'conflict' : 'validation_failed', errors[0]!.message, { errors });
  }
}

/** The event of one write to one record of the scope's object. */
export function eventOf(
  s: Scope,
  principal: Principal,
  recordId: string,
  kind: RecordEventKind,
  changes: Record<string, { from: unknown; to: unknown }>,
  source: ChangeSource,
  ownerId: unknown,
): RecordEvent {
  return {
    workspaceId: s.workspaceId,
    object: s.object.key,
    recordId,
    kind,
    changes,
    actor: { userId: principal.userId, apiKeyId: principal.apiKeyId },
    ownerId: typeof ownerId === 'string' ? ownerId : null,
    source,
    ...(s.cause ? { cause: s.cause } : {}),
    at: new Date().toISOString(),
  };
}

/** What a write does to search documents: records whose document is (re)built, records whose goes. */
export interface DocumentChanges {
  index?: readonly RecordView[];
  unindex?: readonly string[];
}

/**
 * Finishes a write of any number of records: its audit rows (one per event) and the search documents of the
 * records it touched go out as one statement, then its events are published (one publication for all).
 */
export async function recordChanges(
  s: Scope,
  events: readonly RecordEvent[],
  documents: DocumentChanges,
): Promise<void> {
  const statements: RawBuilder<unknown>[] = [];
  const first = events[0];
  if (first) {
    statements.push(
      insertRecordChangesQuery(
        s.workspaceId,
        s.object.key,
        events.map(() => newId()),
        events.map((e) => ({ recordId: e.recordId, action: e.kind, changes: e.changes })),
        { actor: first.actor, source: first.source, cause: s.cause },
      ),
    );
  }
  if (documents.index && documents.index.length > 0) {
    const docs = documents.index.map((view) => searchDocument(s.object, view));
    statements.push(upsertSearchDocumentsQuery(s.workspaceId, s.object.key, docs));
  }
  if (documents.unindex && documents.unindex.length > 0)
    statements.push(deleteSearchDocumentsQuery(s.workspaceId, s.object.key, documents.unindex));
  // The events' NOTIFY goes out with the audit rows, in the same round trip.
  await executeTogether(s.raw, statements, events.length > 0 ? notifyEventsQuery(events) : undefined);
  await publishRecordEvents(s.trx, s.workspaceId, events, { notified: true });
}

/** The caller and transaction hooks run with. */
export function writeContext(s: Scope, principal: Principal): WriteContext {
  return { trx: s.trx, workspaceId: s.workspaceId, principal, cause: s.cause };
}

/** A record about to be written, as hooks see and change it: `set` keeps the stored columns in step. */
export function draftOf(s: Scope, prepared: Prepared): Draft {
  return {
    values: prepared.values,
    set(fieldKey, value) {
      const field = s.object.fields.find((f) => f.key === fieldKey);
      if (!field) throw new Error(`A hook set "${fieldKey}", which ${s.object.key} does not have.`);
      prepared.values[fieldKey] = value;
      if (field.column) prepared.columns[field.column] = toColumn(field, value);
      else prepared.custom[fieldKey] = value;
    },
  };
}

/** The hooks modules registered for the scope's object. */
export function hooksOf(s: Scope) {
  return registry().hooks.get(s.object.key) ?? [];
}
