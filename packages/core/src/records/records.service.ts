import { type Database, type Tx, takeWorkspaceSettings, withWorkspace } from '@rabita/db';
import { compactText, normalizeText } from '@rabita/shared';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import { publishRecordEvents } from '../events/events.service.ts';
import type { ChangeSource, RecordEvent, RecordEventKind } from '../events/record-event.ts';
import { isUuid, newId } from '../ids.ts';
import { loadObjects } from '../metadata/metadata.service.ts';
import type { FieldDef, ObjectDef } from '../metadata/metadata.types.ts';
import type { Draft, StoredRecord, WriteCause, WriteContext } from '../modules/manifest.ts';
import { registry } from '../modules/registry.ts';
import { assertAllowed, hiddenFor, ownerLimit, ruleFor } from './access.ts';
import { fieldSql, objectScope } from './expressions.ts';
import { compileFilter } from './filter.ts';
import { present, project, type RecordView, visibility } from './gate.ts';
import { pagePlan } from './seek.ts';
import { parseSort } from './sort.ts';
import { checkValue, type ValueContext } from './values.ts';

export type { ChangeSource, RecordView };

/** How a write is told where it came from: a source, and for automation its cause. */
export type WriteOrigin =
  | ChangeSource
  | { source?: ChangeSource | undefined; cause?: WriteCause | undefined };

function originOf(principal: Principal, origin: WriteOrigin | undefined) {
  if (typeof origin === 'string') return { source: origin, cause: undefined };
  return {
    source: origin?.source ?? (origin?.cause ? 'workflow' : sourceOf(principal)),
    cause: origin?.cause,
  };
}

/** A person's writes come through the app's UI; an API key's through the API. */
function sourceOf(principal: Principal): ChangeSource {
  return principal.kind === 'apiKey' ? 'api' : 'ui';
}

export interface ListOptions {
  filter?: unknown;
  sort?: string | undefined;
  limit?: number | undefined;
  cursor?: string | undefined;
  fields?: string[] | undefined;
  /** Where the page starts instead of the top: a first sort key's value, or the end read backwards (seek.ts). */
  seek?: unknown;
  reverse?: boolean | undefined;
}

/** The table alias every record query uses (shared with the aggregate service). */
export const ALIAS = 't';
const MAX_LIMIT = 1000;
const SYSTEM_KEYS = new Set(['id', 'createdAt', 'updatedAt', 'createdBy']);

/** One object's metadata and the workspace's settings, opened inside a workspace transaction. */
export interface Scope {
  trx: Tx;
  raw: Kysely<unknown>;
  workspaceId: string;
  objects: ObjectDef[];
  object: ObjectDef;
  ctx: ValueContext;
  /** Set for writes made by automation (kept in the audit trail and carried by the events). */
  cause?: WriteCause | undefined;
}

/**
 * The workspace's default country and currency and its metadata version: as read when the transaction opened
 * (`takeWorkspaceSettings`), else read now.
 */
export async function workspaceSettings(trx: Tx, workspaceId: string) {
  return (
    takeWorkspaceSettings(workspaceId) ??
    (await trx
      .selectFrom('workspaces')
      .select(['defaultCountry', 'defaultCurrency', 'metadataVersion'])
      .where('id', '=', workspaceId)
      .executeTakeFirstOrThrow())
  );
}

/** Loads the workspace's metadata and the object (404 when it does not exist). */
export async function openScope(trx: Tx, workspaceId: string, objectKey: string): Promise<Scope> {
  const workspace = await workspaceSettings(trx, workspaceId);
  const objects = await loadObjects(trx, workspaceId, workspace.metadataVersion);
  const object = objects.find((o) => o.key === objectKey);
  if (!object) throw new AppError('not_found', `There is no object "${objectKey}".`);
  return {
    trx,
    raw: trx.withoutPlugins() as unknown as Kysely<unknown>,
    workspaceId,
    objects,
    object,
    ctx: { defaultCountry: workspace.defaultCountry, defaultCurrency: workspace.defaultCurrency },
  };
}

/** The row condition a role's "own records only" rule adds (true when it has none). */
export function ownerCondition(principal: Principal, object: ObjectDef): RawBuilder<unknown> {
  const limit = ownerLimit(principal, ruleFor(principal, object.key));
  if (limit === undefined) return sql`true`;
  if (limit === null) return sql`false`;
  return object.fields.some((f) => f.key === 'owner')
    ? sql`${sql.ref(`${ALIAS}.owner_id`)} = ${limit}`
    : sql`true`;
}

/** The list query for these options, checked against the caller's permissions. */
function buildList(s: Scope, principal: Principal, options: ListOptions) {
  assertAllowed(principal, s.object.key, 'read');
  const hidden = hiddenFor(principal);
  const visible = visibility(principal, s.object, options.fields);
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new AppError('validation_failed', `limit must be from 1 to ${MAX_LIMIT}.`, {
      errors: [{ field: 'limit', message: `Must be from 1 to ${MAX_LIMIT}.` }],
    });
  }
  const where = compileFilter(s.object, options.filter, ALIAS, {
    ...s.ctx,
    workspaceId: s.workspaceId,
    objects: s.objects,
    hidden,
  });
  const keys = parseSort(s.object, options.sort, ALIAS, hidden);
  const plan = pagePlan(s.object, keys, options);
  const sortColumns = sql.join(keys.map((k, i) => sql`${k.expr} as ${sql.id(`__sort_${i}`)}`));
  // Each part is one index range of the page, limited on its own; several are merged in the keys' order.
  const parts = plan.parts.map(
    (part) => sql`
    select ${sql.ref(ALIAS)}.*, ${sortColumns}
    from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
    where ${objectScope(s.object, ALIAS, s.workspaceId)}
      and ${ownerCondition(principal, s.object)}
      and ${where}
      and ${part.where}
    order by ${part.order}
    limit ${limit + 1}`,
  );
  const query =
    parts.length === 1
      ? sql<Record<string, unknown>>`${parts[0]}`
      : sql<Record<string, unknown>>`
    select * from (${sql.join(
      parts.map((p) => sql`(${p})`),
      sql` union all `,
    )}) as page
    order by ${plan.merge}
    limit ${limit + 1}`;
  return { query, plan, visible, limit };
}

/** Lists records with a filter, sort and keyset pagination; returns a cursor when more rows follow. */
export async function listRecords(
  db: Database,
  principal: Principal,
  objectKey: string,
  options: ListOptions,
): Promise<{ data: RecordView[]; nextCursor: string | null; backCursor: string | null }> {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    const { query, plan, visible, limit } = buildList(s, principal, options);
    const { rows } = await query.execute(s.raw);
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      data: page.map((row) => present(s.object, row, visible)),
      nextCursor: rows.length > limit && last ? plan.nextCursor(last) : null,
      backCursor: page[0] ? plan.backCursor(page[0]) : null,
    };
  });
}

/** The SQL and parameters `listRecords` runs for these options (benchmarks replay it as their baseline). */
export async function compileListQuery(
  db: Database,
  principal: Principal,
  objectKey: string,
  options: ListOptions,
) {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    const compiled = buildList(s, principal, options).query.compile(s.raw);
    return { sql: compiled.sql, parameters: [...compiled.parameters] };
  });
}

async function findRow(
  s: Scope,
  principal: Principal,
  id: string,
  options: { deleted?: boolean; lock?: boolean } = {},
) {
  if (!isUuid(id)) {
    throw new AppError('not_found', `There is no ${s.object.key} record ${id}.`);
  }
  const live = options.deleted
    ? sql`${sql.ref(`${ALIAS}.deleted_at`)} is not null`
    : sql`${sql.ref(`${ALIAS}.deleted_at`)} is null`;
  const objectCond = s.object.id ? sql`and ${sql.ref(`${ALIAS}.object_id`)} = ${s.object.id}` : sql``;
  const { rows } = await sql<Record<string, unknown>>`
    select * from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
    where ${sql.ref(`${ALIAS}.workspace_id`)} = ${s.workspaceId} ${objectCond}
      and ${sql.ref(`${ALIAS}.id`)} = ${id} and ${live} and ${ownerCondition(principal, s.object)}
    ${options.lock ? sql`for update` : sql``}`.execute(s.raw);
  const row = rows[0];
  if (!row) throw new AppError('not_found', `There is no ${s.object.key} record ${id}.`);
  return row;
}

/** One record by id; another workspace's id, or a deleted record, is not found. */
export async function getRecord(
  db: Database,
  principal: Principal,
  objectKey: string,
  id: string,
  fields?: string[],
) {
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    assertAllowed(principal, objectKey, 'read');
    return present(s.object, await findRow(s, principal, id), visibility(principal, s.object, fields));
  });
}

interface Prepared {
  columns: Record<string, unknown>;
  custom: Record<string, unknown>;
  values: Record<string, unknown>;
}

/** Validates input against the object's fields; collects every problem before failing. */
function prepare(
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
      errors.push({ field: `${path}.${key}`, message: `There is no field "${key}" on ${s.object.key}.` });
      continue;
    }
    if (field.readOnly || SYSTEM_KEYS.has(key) || rule.readOnlyFields?.includes(key)) {
      errors.push({ field: `${path}.${key}`, message: 'Is read-only.' });
      continue;
    }
    const checked = checkValue(field, value, s.ctx);
    if (!checked.ok) {
      errors.push({ field: `${path}.${key}`, message: checked.message });
      continue;
    }
    values[key] = checked.value;
  }
  if (mode === 'create') {
    for (const field of s.object.fields) {
      if (field.key in values || field.readOnly) continue;
      if (field.defaultValue !== undefined && field.defaultValue !== null)
        values[field.key] = field.defaultValue;
      else if (field.required) errors.push({ field: `${path}.${field.key}`, message: 'Is required.' });
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

/**
 * Checks what needs the database: linked records exist (and are live) in this workspace, and unique fields
 * hold no value another record has. Unique checks take a transaction lock on the value, so two writers of the
 * same value queue rather than both passing.
 */
async function checkReferences(s: Scope, prepared: Prepared, path: string, selfId?: string): Promise<void> {
  const errors: FieldProblem[] = [];
  for (const [key, value] of Object.entries(prepared.values)) {
    if (value === null) continue;
    const field = s.object.fields.find((f) => f.key === key)!;
    if (field.type === 'relation' && field.relation) {
      const target = s.objects.find((o) => o.key === field.relation?.object);
      const ids = [...new Set(Array.isArray(value) ? (value as string[]) : [value as string])];
      if (!target || ids.length === 0) continue;
      const { rows } = await sql<{ id: string }>`
        select id::text from ${sql.table(target.table)} as r
        where ${objectScope(target, 'r', s.workspaceId)} and r.id = any(${ids}::uuid[])`.execute(s.raw);
      const found = new Set(rows.map((r) => r.id));
      const missing = ids.filter((id) => !found.has(id));
      if (missing.length > 0)
        errors.push({ field: `${path}.${key}`, message: `No ${target.key} record ${missing[0]} exists.` });
    }
    if (field.unique) {
      const expr = fieldSql(field, ALIAS).scalar;
      if (!expr) continue;
      await sql`select pg_advisory_xact_lock(hashtext(${`${s.workspaceId}:${s.object.key}:${key}:${JSON.stringify(value)}`}))`.execute(
        s.raw,
      );
      const { rows } = await sql`
        select 1 from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
        where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${expr} = ${value}
          ${selfId ? sql`and ${sql.ref(`${ALIAS}.id`)} <> ${selfId}` : sql``}
        limit 1`.execute(s.raw);
      if (rows.length > 0)
        errors.push({ field: `${path}.${key}`, message: 'Another record already has this value.' });
    }
  }
  if (errors.length > 0) {
    const conflict = errors.every((e) => e.message.startsWith('Another record'));
    throw new AppError(conflict ? 'conflict' : 'validation_failed', errors[0]!.message, { errors });
  }
}

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

function titleOf(object: ObjectDef, view: Record<string, unknown>): string {
  const parts = object.titleFields
    .map((k) => view[k])
    .filter((v) => typeof v === 'string' && v.trim() !== '');
  return parts.length ? parts.join(' ') : String(view.id);
}

/** Keeps the record's search document in step with its searchable fields. */
async function indexRecord(s: Scope, view: Record<string, unknown>): Promise<void> {
  const doc = searchDocument(s, view);
  await sql`
    insert into search_documents (workspace_id, object_key, record_id, title, subtitle, content, compact, updated_at)
    values (${s.workspaceId}, ${s.object.key}, ${view.id}, ${doc.title},
            ${doc.subtitle}, ${doc.content}, ${doc.compact}, now())
    on conflict (workspace_id, object_key, record_id) do update
      set title = excluded.title, subtitle = excluded.subtitle, content = excluded.content,
          compact = excluded.compact, updated_at = now()`.execute(s.raw);
}

/** The search document of a record: its title, subtitle and folded searchable text. */
function searchDocument(s: Scope, view: Record<string, unknown>) {
  const texts: string[] = [];
  for (const field of s.object.fields) {
    if (!field.searchable) continue;
    const v = view[field.key];
    if (v === null || v === undefined) continue;
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) {
      for (const item of v) {
        if (typeof item === 'string') texts.push(item);
        else if (item && typeof item === 'object') {
          const o = item as Record<string, unknown>;
          for (const part of [o.address, o.raw, o.e164]) if (typeof part === 'string') texts.push(part);
          if (typeof o.e164 === 'string') texts.push(o.e164.replace('+', ''));
        }
      }
    } else if (typeof v === 'object') {
      for (const part of Object.values(v as Record<string, unknown>))
        if (typeof part === 'string') texts.push(part);
      const o = v as Record<string, unknown>;
      if (typeof o.e164 === 'string') texts.push(o.e164.replace('+', ''));
    } else texts.push(String(v));
  }
  const title = titleOf(s.object, view);
  const subtitleValue = s.object.subtitleField ? view[s.object.subtitleField] : null;
  const content = normalizeText([title, ...texts].join(' ')).slice(0, 20_000);
  return {
    title: title.slice(0, 500),
    subtitle: typeof subtitleValue === 'string' ? subtitleValue.slice(0, 500) : null,
    content,
    compact: compactText(content),
  };
}

async function unindexRecord(s: Scope, id: string): Promise<void> {
  await sql`delete from search_documents where workspace_id = ${s.workspaceId} and object_key = ${s.object.key} and record_id = ${id}`.execute(
    s.raw,
  );
}

/** The event of one write to one record of the scope's object. */
function eventOf(
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

/** Writes the audit rows of a write's events (one statement for any number) and publishes the events. */
async function recordChanges(s: Scope, events: RecordEvent[]): Promise<void> {
  if (events.length === 0) return;
  const first = events[0]!;
  await sql`
    insert into record_changes (workspace_id, id, object_key, record_id, action, changes, actor_user_id, actor_api_key_id, source, cause)
    select ${s.workspaceId}, c.id, ${s.object.key}, c.record_id, c.action, c.changes, ${first.actor.userId},
           ${first.actor.apiKeyId}, ${first.source}, ${s.cause ? JSON.stringify(s.cause) : null}::jsonb
    from unnest(${events.map(() => newId())}::uuid[], ${events.map((e) => e.recordId)}::uuid[],
                ${events.map((e) => e.kind)}::text[], ${events.map((e) => JSON.stringify(e.changes))}::jsonb[])
      as c (id, record_id, action, changes)`.execute(s.raw);
  await publishRecordEvents(s.trx, s.workspaceId, events);
}

/** The caller and transaction hooks run with. */
function writeContext(s: Scope, principal: Principal): WriteContext {
  return { trx: s.trx, workspaceId: s.workspaceId, principal, cause: s.cause };
}

/** A record about to be written, as hooks see and change it: `set` keeps the stored columns in step. */
function draftOf(s: Scope, prepared: Prepared): Draft {
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

function hooksOf(s: Scope) {
  return registry().hooks.get(s.object.key) ?? [];
}

async function insertRow(
  s: Scope,
  principal: Principal,
  prepared: Prepared,
  source: ChangeSource,
  path = 'body',
): Promise<RecordView> {
  await checkReferences(s, prepared, path);
  for (const hook of hooksOf(s)) await hook.beforeCreate?.(writeContext(s, principal), draftOf(s, prepared));
  const id = newId();
  const columns: Record<string, unknown> = {
    workspace_id: s.workspaceId,
    id,
    ...(s.object.id ? { object_id: s.object.id } : {}),
    ...prepared.columns,
    custom: sql`${JSON.stringify(prepared.custom)}::jsonb`,
    created_by: principal.userId,
  };
  if (!('owner_id' in columns) && s.object.fields.some((f) => f.key === 'owner') && principal.userId)
    columns.owner_id = principal.userId;
  const names = Object.keys(columns);
  const { rows } = await sql<Record<string, unknown>>`
    insert into ${sql.table(s.object.table)} (${sql.join(names.map((n) => sql.id(n)))})
    values (${sql.join(names.map((n) => sql`${columns[n]}`))})
    returning *`.execute(s.raw);
  const view = present(s.object, rows[0]!, () => true);
  await recordChanges(s, [
    eventOf(
      s,
      principal,
      id,
      'created',
      Object.fromEntries(Object.entries(prepared.values).map(([k, v]) => [k, { from: null, to: v }])),
      source,
      view.owner,
    ),
  ]);
  await indexRecord(s, view);
  for (const hook of hooksOf(s)) await hook.afterCreate?.(writeContext(s, principal), view as StoredRecord);
  return view;
}

async function updateRow(
  s: Scope,
  principal: Principal,
  current: Record<string, unknown>,
  prepared: Prepared,
  source: ChangeSource,
  path = 'body',
): Promise<RecordView> {
  const before = present(s.object, current, () => true);
  await checkReferences(s, prepared, path, before.id);
  for (const hook of hooksOf(s))
    await hook.beforeUpdate?.(writeContext(s, principal), draftOf(s, prepared), before as StoredRecord);
  const sets = Object.entries(prepared.columns).map(([name, value]) => sql`${sql.id(name)} = ${value}`);
  sets.push(sql`custom = custom || ${JSON.stringify(prepared.custom)}::jsonb`, sql`updated_at = now()`);
  const objectCond = s.object.id ? sql`and object_id = ${s.object.id}` : sql``;
  const { rows } = await sql<Record<string, unknown>>`
    update ${sql.table(s.object.table)} set ${sql.join(sets)}
    where workspace_id = ${s.workspaceId} ${objectCond} and id = ${before.id}
    returning *`.execute(s.raw);
  const after = present(s.object, rows[0]!, () => true);
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(prepared.values)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changes[key] = { from: before[key], to: after[key] };
  }
  if (Object.keys(changes).length > 0) {
    await recordChanges(s, [eventOf(s, principal, before.id, 'updated', changes, source, after.owner)]);
    await indexRecord(s, after);
    for (const hook of hooksOf(s))
      await hook.afterUpdate?.(writeContext(s, principal), after as StoredRecord, before as StoredRecord);
  }
  return after;
}

/** Creates a record after checking permission and every field. */
export async function createRecord(
  db: Database,
  principal: Principal,
  objectKey: string,
  input: unknown,
  origin?: WriteOrigin,
) {
  const { source, cause } = originOf(principal, origin);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    s.cause = cause;
    assertAllowed(principal, objectKey, 'create');
    const view = await insertRow(s, principal, prepare(s, principal, input, 'create', 'body'), source);
    return project(s.object, view, visibility(principal, s.object));
  });
}

/** Changes some fields of a record; the audit trail keeps each field's old and new value. */
export async function updateRecord(
  db: Database,
  principal: Principal,
  objectKey: string,
  id: string,
  patch: unknown,
  origin?: WriteOrigin,
) {
  const { source, cause } = originOf(principal, origin);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    s.cause = cause;
    assertAllowed(principal, objectKey, 'update');
    const prepared = prepare(s, principal, patch, 'update', 'body');
    const current = await findRow(s, principal, id, { lock: true });
    const view = await updateRow(s, principal, current, prepared, source);
    return project(s.object, view, visibility(principal, s.object));
  });
}

/** Soft-deletes a record (restorable). */
export async function deleteRecord(
  db: Database,
  principal: Principal,
  objectKey: string,
  id: string,
  origin?: WriteOrigin,
) {
  const { source, cause } = originOf(principal, origin);
  await withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    s.cause = cause;
    assertAllowed(principal, objectKey, 'delete');
    const current = await findRow(s, principal, id, { lock: true });
    const stored = present(s.object, current, () => true) as StoredRecord;
    for (const hook of hooksOf(s)) await hook.beforeDelete?.(writeContext(s, principal), stored);
    const objectCond = s.object.id ? sql`and object_id = ${s.object.id}` : sql``;
    await sql`update ${sql.table(s.object.table)} set deleted_at = now() where workspace_id = ${s.workspaceId} ${objectCond} and id = ${id}`.execute(
      s.raw,
    );
    await recordChanges(s, [eventOf(s, principal, id, 'deleted', {}, source, current.owner_id)]);
    await unindexRecord(s, id);
    for (const hook of hooksOf(s)) await hook.afterDelete?.(writeContext(s, principal), stored);
  });
}

/** Brings back a soft-deleted record. */
export async function restoreRecord(
  db: Database,
  principal: Principal,
  objectKey: string,
  id: string,
  origin?: WriteOrigin,
) {
  const { source, cause } = originOf(principal, origin);
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    s.cause = cause;
    assertAllowed(principal, objectKey, 'delete');
    await findRow(s, principal, id, { deleted: true, lock: true });
    const objectCond = s.object.id ? sql`and object_id = ${s.object.id}` : sql``;
    const { rows } = await sql<Record<string, unknown>>`
      update ${sql.table(s.object.table)} set deleted_at = null, updated_at = now()
      where workspace_id = ${s.workspaceId} ${objectCond} and id = ${id} returning *`.execute(s.raw);
    const view = present(s.object, rows[0]!, () => true);
    await recordChanges(s, [eventOf(s, principal, id, 'restored', {}, source, view.owner)]);
    await indexRecord(s, view);
    return project(s.object, view, visibility(principal, s.object));
  });
}

export type BatchResult =
  | { index: number; id: string; created: boolean }
  | { index: number; error: { code: string; message: string; errors?: FieldProblem[] } };

/**
 * Creates (or, with `upsertBy`, updates matching) records in one transaction; each row succeeds or fails
 * on its own and the answer says which, by index.
 */
export async function batchRecords(
  db: Database,
  principal: Principal,
  objectKey: string,
  records: unknown[],
  options: { upsertBy?: string | undefined; source?: ChangeSource; cause?: WriteCause | undefined } = {},
): Promise<BatchResult[]> {
  if (records.length > 1000)
    throw new AppError('validation_failed', 'A batch holds at most 1,000 records.', {
      errors: [{ field: 'body.records', message: 'At most 1,000 records.' }],
    });
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    s.cause = options.cause;
    assertAllowed(principal, objectKey, 'create');
    const upsertField = options.upsertBy
      ? s.object.fields.find((f) => f.key === options.upsertBy)
      : undefined;
    const byList = upsertField?.type === 'emails' || upsertField?.type === 'phones';
    if (options.upsertBy) {
      assertAllowed(principal, objectKey, 'update');
      const usable =
        upsertField &&
        !hiddenFor(principal)(objectKey, upsertField.key) &&
        (fieldSql(upsertField, ALIAS).scalar || (byList && upsertField.column));
      if (!usable) {
        throw new AppError('validation_failed', `Records cannot be matched by "${options.upsertBy}".`, {
          errors: [
            { field: 'body.upsertBy', message: 'Must be a field with single values, emails or phones.' },
          ],
        });
      }
    }
    // Matching by emails or phones: every row's addresses (lower-cased) or E.164 numbers, looked up at once.
    const listKeys = (input: unknown): string[] => {
      if (!byList || !upsertField || !input || typeof input !== 'object' || !(upsertField.key in input))
        return [];
      const checked = checkValue(upsertField, (input as Record<string, unknown>)[upsertField.key], s.ctx);
      if (!checked.ok || !Array.isArray(checked.value)) return [];
      return (checked.value as { address?: string; e164?: string }[])
        .map((item) => (upsertField.type === 'emails' ? item.address?.toLowerCase() : item.e164))
        .filter((k): k is string => Boolean(k));
    };
    const matches = byList
      ? await findRecordsByField(trx, principal, objectKey, upsertField.key, [
          ...new Set(records.flatMap(listKeys)),
        ])
      : new Map<string, string>();
    const results: BatchResult[] = [];
    for (const [index, input] of records.entries()) {
      await sql`savepoint batch_row`.execute(s.raw);
      try {
        let done: BatchResult | undefined;
        const keys = listKeys(input);
        const matched = new Set(keys.map((k) => matches.get(k)).filter((id): id is string => Boolean(id)));
        if (matched.size > 1) {
          throw new AppError(
            'conflict',
            `The ${upsertField?.key} of this row belong to ${matched.size} records.`,
            {
              errors: [
                { field: `body.records.${index}.${upsertField?.key}`, message: 'Matches several records.' },
              ],
            },
          );
        }
        const [matchedId] = matched;
        if (matchedId) {
          const row = await findRow(s, principal, matchedId, { lock: true });
          const view = await updateRow(
            s,
            principal,
            row,
            prepare(s, principal, input, 'update', `body.records.${index}`),
            options.source ?? sourceOf(principal),
            `body.records.${index}`,
          );
          done = { index, id: view.id, created: false };
        } else if (!byList && upsertField && input && typeof input === 'object' && upsertField.key in input) {
          const key = (input as Record<string, unknown>)[upsertField.key];
          const expr = fieldSql(upsertField, ALIAS).scalar!;
          const { rows } = await sql<Record<string, unknown>>`
            select * from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
            where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${ownerCondition(principal, s.object)} and ${expr} = ${checkValue(upsertField, key, s.ctx).ok ? (checkValue(upsertField, key, s.ctx) as { value: unknown }).value : key}
            limit 1 for update`.execute(s.raw);
          if (rows[0]) {
            const view = await updateRow(
              s,
              principal,
              rows[0],
              prepare(s, principal, input, 'update', `body.records.${index}`),
              options.source ?? sourceOf(principal),
              `body.records.${index}`,
            );
            done = { index, id: view.id, created: false };
          }
        }
        if (!done) {
          const view = await insertRow(
            s,
            principal,
            prepare(s, principal, input, 'create', `body.records.${index}`),
            options.source ?? sourceOf(principal),
            `body.records.${index}`,
          );
          done = { index, id: view.id, created: true };
          // A later row of the same batch with one of these keys updates this record instead of repeating it.
          for (const k of keys) if (!matches.has(k)) matches.set(k, view.id);
        }
        await sql`release savepoint batch_row`.execute(s.raw);
        results.push(done);
      } catch (error) {
        await sql`rollback to savepoint batch_row`.execute(s.raw);
        if (error instanceof AppError) {
          results.push({
            index,
            error: {
              code: error.code,
              message: error.message,
              ...(error.errors ? { errors: error.errors } : {}),
            },
          });
        } else {
          const pgError = error as { code?: string; message?: string };
          results.push({
            index,
            error: {
              code: pgError.code === '23505' ? 'conflict' : 'validation_failed',
              message: 'The record could not be saved.',
            },
          });
        }
      }
    }
    return results;
  });
}

/**
 * Rebuilds the search documents of up to `limit` records of an object after `afterId` (by id), in the
 * caller's workspace transaction; deleted records lose theirs. Returns the last id done, or null when the
 * object has no more records.
 */
export async function reindexBatch(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  afterId: string | null,
  limit: number,
): Promise<string | null> {
  const s = await openScope(trx, workspaceId, objectKey);
  const objectCond = s.object.id ? sql`and object_id = ${s.object.id}` : sql``;
  const { rows } = await sql<Record<string, unknown>>`
    select * from ${sql.table(s.object.table)}
    where workspace_id = ${workspaceId} ${objectCond} ${afterId ? sql`and id > ${afterId}` : sql``}
    order by id limit ${limit}`.execute(s.raw);
  for (const row of rows) {
    if (row.deleted_at) await unindexRecord(s, String(row.id));
    else
      await indexRecord(
        s,
        present(s.object, row, () => true),
      );
  }
  return rows.length < limit ? null : String(rows[rows.length - 1]!.id);
}

/** One row of a bulk write: the record's fields as the API takes them, and the record it updates, if any. */
export interface BulkItem {
  index: number;
  input: Record<string, unknown>;
  updateId?: string | undefined;
  /** Restoring a workspace archive: the record's own id, times and creator are kept. */
  keep?: { id: string; createdAt?: string; updatedAt?: string; createdBy?: string | null } | undefined;
}

export type BulkOutcome =
  | { index: number; id: string; action: 'created' | 'updated' }
  | { index: number; error: string };

/** A rejected write as one line: each bad field with its problem. */
function reasonOf(error: unknown): string {
  if (error instanceof AppError) {
    const parts = error.errors?.map((p) => `${p.field.replace(/^row\./, '')}: ${p.message}`) ?? [];
    return parts.length > 0 ? parts.join('; ') : error.message;
  }
  return 'The record could not be saved.';
}

// PostgreSQL binds at most 65,535 parameters per statement.
const MAX_PARAMS = 30_000;

/**
 * Writes many records in the caller's workspace transaction (imports use it). Every row is checked as a single
 * write is — permission, fields, linked records, unique values — and a row that fails is answered with its
 * reason and not written. New records go in with multi-row inserts, their audit rows and search documents
 * likewise; updates take the single-record path. Events: one summary NOTIFY (action `imported`) per call rather
 * than one per record, while webhooks subscribed to the object still get one delivery per record.
 */
export async function bulkWriteRecords(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  items: BulkItem[],
  options: { source?: ChangeSource; batchId?: string; audit?: boolean; cause?: WriteCause | undefined } = {},
): Promise<BulkOutcome[]> {
  const source = options.source ?? 'import';
  const s = await openScope(trx, principal.workspaceId, objectKey);
  s.cause = options.cause;
  const outcomes: BulkOutcome[] = [];
  const updates = items.filter((i) => i.updateId);
  const creates = items.filter((i) => !i.updateId);
  if (creates.length > 0) assertAllowed(principal, objectKey, 'create');
  if (updates.length > 0) assertAllowed(principal, objectKey, 'update');

  for (const item of updates) {
    await sql`savepoint bulk_row`.execute(s.raw);
    try {
      const prepared = prepare(s, principal, item.input, 'update', 'row');
      const current = await findRow(s, principal, item.updateId!, { lock: true });
      const view = await updateRow(s, principal, current, prepared, source, 'row');
      await sql`release savepoint bulk_row`.execute(s.raw);
      outcomes.push({ index: item.index, id: view.id, action: 'updated' });
    } catch (error) {
      await sql`rollback to savepoint bulk_row`.execute(s.raw);
      outcomes.push({ index: item.index, error: reasonOf(error) });
    }
  }

  const audit = options.audit ?? true;
  let ready: { item: BulkItem; prepared: Prepared }[] = [];
  for (const item of creates) {
    try {
      ready.push({ item, prepared: prepare(s, principal, item.input, 'create', 'row') });
    } catch (error) {
      outcomes.push({ index: item.index, error: reasonOf(error) });
    }
  }
  const reject = (drop: Map<number, string>) => {
    if (drop.size === 0) return;
    for (const [index, reason] of drop) outcomes.push({ index, error: reason });
    ready = ready.filter((r) => !drop.has(r.item.index));
  };

  // Linked records must exist: one query per relation field for the whole batch.
  for (const field of s.object.fields) {
    if (field.type !== 'relation' || !field.relation) continue;
    const target = s.objects.find((o) => o.key === field.relation?.object);
    if (!target) continue;
    const idsOf = (v: unknown) =>
      (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]) as string[];
    const all = [...new Set(ready.flatMap((r) => idsOf(r.prepared.values[field.key])))];
    if (all.length === 0) continue;
    const { rows } = await sql<{ id: string }>`
      select id::text from ${sql.table(target.table)} as r
      where ${objectScope(target, 'r', s.workspaceId)} and r.id = any(${all}::uuid[])`.execute(s.raw);
    const found = new Set(rows.map((r) => r.id));
    const drop = new Map<number, string>();
    for (const r of ready) {
      const missing = idsOf(r.prepared.values[field.key]).find((id) => !found.has(id));
      if (missing) drop.set(r.item.index, `${field.key}: No ${target.key} record ${missing} exists.`);
    }
    reject(drop);
  }

  // Unique fields: no value another record holds, nor one an earlier row of this batch takes.
  for (const field of s.object.fields) {
    const expr = field.unique ? fieldSql(field, ALIAS).scalar : undefined;
    if (!expr) continue;
    const keyOf = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
    const values = [
      ...new Set(ready.map((r) => r.prepared.values[field.key]).filter((v) => v !== null && v !== undefined)),
    ];
    if (values.length === 0) continue;
    const lockKeys = values.map((v) => `${s.workspaceId}:${s.object.key}:${field.key}:${JSON.stringify(v)}`);
    await sql`select count(pg_advisory_xact_lock(h)) from (select distinct hashtext(k) as h from unnest(${lockKeys}::text[]) as k order by 1) x`.execute(
      s.raw,
    );
    const { rows } = await sql<{ v: string }>`
      select (${expr})::text as v from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
      where ${objectScope(s.object, ALIAS, s.workspaceId)} and (${expr})::text = any(${values.map(keyOf)}::text[])`.execute(
      s.raw,
    );
    const taken = new Set(rows.map((r) => r.v));
    const drop = new Map<number, string>();
    for (const r of ready) {
      const v = r.prepared.values[field.key];
      if (v === null || v === undefined) continue;
      const k = keyOf(v);
      if (taken.has(k)) drop.set(r.item.index, `${field.key}: Another record already has this value.`);
      taken.add(k);
    }
    reject(drop);
  }

  if (ready.length > 0) {
    await sql`savepoint bulk_insert`.execute(s.raw);
    try {
      const created = await insertMany(s, principal, ready, source, audit);
      await sql`release savepoint bulk_insert`.execute(s.raw);
      for (const [i, view] of created.entries())
        outcomes.push({ index: ready[i]!.item.index, id: view.id, action: 'created' });
    } catch {
      // Something the checks above cannot see (a deal rule, a constraint): fall back to one row at a time.
      await sql`rollback to savepoint bulk_insert`.execute(s.raw);
      for (const r of ready) {
        await sql`savepoint bulk_row`.execute(s.raw);
        try {
          const view = await insertRow(s, principal, r.prepared, source, 'row');
          await sql`release savepoint bulk_row`.execute(s.raw);
          outcomes.push({ index: r.item.index, id: view.id, action: 'created' });
        } catch (error) {
          await sql`rollback to savepoint bulk_row`.execute(s.raw);
          outcomes.push({ index: r.item.index, error: reasonOf(error) });
        }
      }
    }
  }

  return outcomes.sort((a, b) => a.index - b.index);
}

async function insertMany(
  s: Scope,
  principal: Principal,
  ready: { item: BulkItem; prepared: Prepared }[],
  source: ChangeSource,
  audit: boolean,
): Promise<RecordView[]> {
  const hooks = hooksOf(s);
  for (const hook of hooks)
    if (hook.beforeCreate)
      for (const r of ready) await hook.beforeCreate(writeContext(s, principal), draftOf(s, r.prepared));
  const hasOwner = s.object.fields.some((f) => f.key === 'owner');
  const rowsColumns = ready.map(({ item, prepared }) => {
    const keep = item.keep;
    const columns: Record<string, unknown> = {
      workspace_id: s.workspaceId,
      id: keep?.id ?? newId(),
      ...(s.object.id ? { object_id: s.object.id } : {}),
      ...prepared.columns,
      custom: sql`${JSON.stringify(prepared.custom)}::jsonb`,
      created_by: keep ? (keep.createdBy ?? null) : principal.userId,
      ...(keep?.createdAt ? { created_at: keep.createdAt } : {}),
      ...(keep?.updatedAt ? { updated_at: keep.updatedAt } : {}),
    };
    if (!('owner_id' in columns) && hasOwner && principal.userId) columns.owner_id = principal.userId;
    return columns;
  });
  const names = [...new Set(rowsColumns.flatMap((c) => Object.keys(c)))];
  const perStatement = Math.max(1, Math.floor(MAX_PARAMS / names.length));
  const byId = new Map<string, Record<string, unknown>>();
  for (let at = 0; at < rowsColumns.length; at += perStatement) {
    const slice = rowsColumns.slice(at, at + perStatement);
    const { rows } = await sql<Record<string, unknown>>`
      insert into ${sql.table(s.object.table)} (${sql.join(names.map((n) => sql.id(n)))})
      values ${sql.join(slice.map((c) => sql`(${sql.join(names.map((n) => (n in c ? sql`${c[n]}` : sql`default`)))})`))}
      returning *`.execute(s.raw);
    for (const row of rows) byId.set(String(row.id), row);
  }
  const views = rowsColumns.map((c) => present(s.object, byId.get(String(c.id))!, () => true));

  const docs = views.map((v) => searchDocument(s, v));
  const ids = views.map((v) => v.id);
  if (audit) {
    // The same audit rows and events a single create writes, in one statement and one publication.
    await recordChanges(
      s,
      ready.map(({ prepared }, i) =>
        eventOf(
          s,
          principal,
          ids[i]!,
          'created',
          Object.fromEntries(Object.entries(prepared.values).map(([k, v]) => [k, { from: null, to: v }])),
          source,
          views[i]!.owner,
        ),
      ),
    );
  }
  await sql`
    insert into search_documents (workspace_id, object_key, record_id, title, subtitle, content, compact, updated_at)
    select ${s.workspaceId}, ${s.object.key}, d.record_id, d.title, d.subtitle, d.content, d.compact, now()
    from unnest(${ids}::uuid[], ${docs.map((d) => d.title)}::text[], ${docs.map((d) => d.subtitle)}::text[],
                ${docs.map((d) => d.content)}::text[], ${docs.map((d) => d.compact)}::text[])
      as d (record_id, title, subtitle, content, compact)
    on conflict (workspace_id, object_key, record_id) do update
      set title = excluded.title, subtitle = excluded.subtitle, content = excluded.content,
          compact = excluded.compact, updated_at = now()`.execute(s.raw);
  for (const hook of hooks)
    if (hook.afterCreate)
      for (const view of views) await hook.afterCreate(writeContext(s, principal), view as StoredRecord);
  return views;
}

/**
 * The ids of live records whose field equals one of `values` (each read as a write to that field would be),
 * by the value's stored form, for matching imported rows with existing records. List fields (emails, phones,
 * tags) match on any item.
 */
export async function findRecordsByField(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  fieldKey: string,
  values: string[],
): Promise<Map<string, string>> {
  const s = await openScope(trx, principal.workspaceId, objectKey);
  const field = s.object.fields.find((f) => f.key === fieldKey);
  if (!field || hiddenFor(principal)(objectKey, fieldKey)) {
    throw new AppError('validation_failed', `Records cannot be matched by "${fieldKey}".`, {
      errors: [{ field: 'matchBy', message: `There is no field "${fieldKey}" on ${objectKey}.` }],
    });
  }
  const out = new Map<string, string>();
  if (values.length === 0) return out;
  const f = fieldSql(field, ALIAS);
  const lower = field.type === 'emails' || field.type === 'email';
  const wanted = lower ? values.map((v) => v.toLowerCase()) : values;
  let rows: { id: string; k: string }[];
  const column = f.array ? /^"?t"?\."?(\w+)"?$/.exec(f.array.compile(s.raw).sql)?.[1] : undefined;
  if (f.array && column) {
    // Through the owner-run lookup that can use the GIN index (see migration 0004); owner limits still apply.
    const limit = ownerLimit(principal, ruleFor(principal, s.object.key));
    if (limit === null) return out;
    const hasOwner = s.object.fields.some((x) => x.key === 'owner');
    ({ rows } = await sql<{ id: string; k: string }>`
      select id::text as id, k from rabita_match_list(${s.object.table}, ${column}, ${wanted}::text[],
        ${s.object.id ?? null}::uuid, ${hasOwner ? (limit ?? null) : null}::uuid)`.execute(s.raw));
  } else if (f.array) {
    ({ rows } = await sql<{ id: string; k: string }>`
      select ${sql.ref(`${ALIAS}.id`)}::text as id, k from ${sql.table(s.object.table)} as ${sql.table(ALIAS)},
        unnest(${f.array}) as k
      where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${ownerCondition(principal, s.object)}
        and ${f.array} && ${wanted}::text[] and k = any(${wanted}::text[])`.execute(s.raw));
  } else if (f.scalar) {
    const expr = lower ? sql`lower((${f.scalar})::text)` : sql`(${f.scalar})::text`;
    ({ rows } = await sql<{ id: string; k: string }>`
      select ${sql.ref(`${ALIAS}.id`)}::text as id, ${expr} as k from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
      where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${ownerCondition(principal, s.object)}
        and ${expr} = any(${wanted}::text[])`.execute(s.raw));
  } else {
    throw new AppError('validation_failed', `Records cannot be matched by "${fieldKey}".`, {
      errors: [{ field: 'matchBy', message: 'Must be a field with single values, emails, phones or tags.' }],
    });
  }
  for (const row of rows) if (!out.has(row.k)) out.set(row.k, row.id);
  return out;
}

/** The workspace's objects and the values context (default country and currency), for import and export. */
export async function objectsInScope(trx: Tx, workspaceId: string, objectKey: string) {
  const s = await openScope(trx, workspaceId, objectKey);
  return { object: s.object, objects: s.objects, ctx: s.ctx };
}

/**
 * One page of the values a field holds across the workspace's live records, in the form `findRecordsByField`
 * compares (list fields give each item), keyset-paged by record id. Imports load them into a filter so that
 * only rows whose key may exist are looked up.
 */
export async function fieldKeysPage(
  trx: Tx,
  principal: Principal,
  objectKey: string,
  fieldKey: string,
  afterId: string | null,
  limit: number,
): Promise<{ keys: string[]; lastId: string | null }> {
  const s = await openScope(trx, principal.workspaceId, objectKey);
  const field = s.object.fields.find((f) => f.key === fieldKey);
  if (!field) return { keys: [], lastId: null };
  const f = fieldSql(field, ALIAS);
  const lower = field.type === 'emails' || field.type === 'email';
  const value = f.array ?? (f.scalar ? sql`array[(${f.scalar})::text]` : undefined);
  if (!value) return { keys: [], lastId: null };
  const { rows } = await sql<{ id: string; v: string[] | null }>`
    select ${sql.ref(`${ALIAS}.id`)}::text as id, ${value} as v from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
    where ${objectScope(s.object, ALIAS, s.workspaceId)}
      ${afterId ? sql`and ${sql.ref(`${ALIAS}.id`)} > ${afterId}` : sql``}
    order by ${sql.ref(`${ALIAS}.id`)} limit ${limit}`.execute(s.raw);
  const keys: string[] = [];
  for (const row of rows) for (const v of row.v ?? []) if (v !== null) keys.push(lower ? v.toLowerCase() : v);
  return { keys, lastId: rows.length < limit ? null : rows[rows.length - 1]!.id };
}

/**
 * Every record the caller may read that matches the filter, in pages keyed by id (never null, so each page is
 * one index range), with the fields the caller may see. For exports: no cap, memory flat. The first page is
 * read when the generator is first advanced, so a bad filter or field throws before anything is sent.
 */
export async function* streamRecords(
  db: Database,
  principal: Principal,
  objectKey: string,
  options: { filter?: unknown; fields?: string[] | undefined },
  pageSize = 1000,
): AsyncGenerator<RecordView[]> {
  let after: string | null = null;
  while (true) {
    const page: { data: RecordView[]; last: string | null } = await withWorkspace(
      db,
      principal.workspaceId,
      async (trx) => {
        const s = await openScope(trx, principal.workspaceId, objectKey);
        assertAllowed(principal, s.object.key, 'read');
        const visible = visibility(principal, s.object, options.fields);
        const where = compileFilter(s.object, options.filter, ALIAS, {
          ...s.ctx,
          workspaceId: s.workspaceId,
          objects: s.objects,
          hidden: hiddenFor(principal),
        });
        const { rows } = await sql<Record<string, unknown>>`
          select ${sql.ref(ALIAS)}.* from ${sql.table(s.object.table)} as ${sql.table(ALIAS)}
          where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${ownerCondition(principal, s.object)} and ${where}
            ${after ? sql`and ${sql.ref(`${ALIAS}.id`)} > ${after}` : sql``}
          order by ${sql.ref(`${ALIAS}.id`)} limit ${pageSize}`.execute(s.raw);
        return {
          data: rows.map((row) => present(s.object, row, visible)),
          last: rows.length === pageSize ? String(rows[rows.length - 1]!.id) : null,
        };
      },
    );
    yield page.data;
    if (!page.last) return;
    after = page.last;
  }
}
