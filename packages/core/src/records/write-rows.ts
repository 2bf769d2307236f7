import { isOperationNodeSource, sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import type { ChangeSource } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import type { StoredRecord } from '../modules/manifest.ts';
import { presentStored, type RecordView } from './gate.ts';
import { insertRows, selectRowsByIds, updateRow, updateRows } from './records.repository.ts';
import type { Scope } from './scope.ts';
import { ownerCondition } from './scope.ts';
import {
  checkReferences,
  draftOf,
  eventOf,
  hooksOf,
  type Prepared,
  recordChanges,
  writeContext,
} from './write-steps.ts';

// The one insert path and the one update path: a single create is a batch of one row through `insertRecords`,
// exactly as an import's thousand rows are.

/** A record to insert: its checked input, and for an archive's record the id, times and creator it keeps. */
export interface NewRecord {
  prepared: Prepared;
  keep?: { id: string; createdAt?: string; updatedAt?: string; createdBy?: string | null } | undefined;
}

/**
 * Inserts records whose references were checked: before-create hooks, multi-row inserts, then (one statement) their
 * audit rows and search documents, one publication of their events, and after-create hooks. Without `audit`
 * (restoring an archive) no audit rows or events are written, search documents are.
 */
export async function insertRecords(
  s: Scope,
  principal: Principal,
  records: readonly NewRecord[],
  source: ChangeSource,
  options: { audit?: boolean } = {},
): Promise<RecordView[]> {
  const hooks = hooksOf(s);
  for (const hook of hooks)
    if (hook.beforeCreate)
      for (const r of records) await hook.beforeCreate(writeContext(s, principal), draftOf(s, r.prepared));
  const hasOwner = s.object.fields.some((f) => f.key === 'owner');
  const rows = records.map(({ prepared, keep }) => {
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
  const stored = await insertRows(s.raw, s.object, rows);
  const views = rows.map((c) => presentStored(s.object, stored.get(String(c.id))!));
  const events =
    (options.audit ?? true)
      ? records.map(({ prepared }, i) =>
          eventOf(
            s,
            principal,
            views[i]!.id,
            'created',
            Object.fromEntries(Object.entries(prepared.values).map(([k, v]) => [k, { from: null, to: v }])),
            source,
            views[i]!.owner,
          ),
        )
      : [];
  await recordChanges(s, events, { index: views });
  for (const hook of hooks)
    if (hook.afterCreate)
      for (const view of views) await hook.afterCreate(writeContext(s, principal), view as StoredRecord);
  return readBack(s, views);
}

/** The records as stored now, when an after-hook of the object may have written them again (`rewritesAfter`). */
async function readBack(s: Scope, views: RecordView[]): Promise<RecordView[]> {
  if (views.length === 0 || !hooksOf(s).some((h) => h.rewritesAfter)) return views;
  const rows = await selectRowsByIds(
    s.raw,
    s.object,
    s.workspaceId,
    views.map((v) => v.id),
    sql`true`,
  );
  return views.map((v) => {
    const row = rows.get(v.id);
    return row ? presentStored(s.object, row) : v;
  });
}

/** Creates one record: its references checked (problems named under `path`), then through `insertRecords`. */
export async function insertRecord(
  s: Scope,
  principal: Principal,
  prepared: Prepared,
  source: ChangeSource,
  path = '',
): Promise<RecordView> {
  await checkReferences(s, principal, prepared, path);
  const [view] = await insertRecords(s, principal, [{ prepared }], source);
  return view!;
}

/**
 * Changes one record (its row locked by the caller): references checked, before-update hooks, the update, and
 * when a value changed, its audit row and search document (one statement), its event and after-update hooks.
 */
export async function updateRecordRow(
  s: Scope,
  principal: Principal,
  current: Record<string, unknown>,
  prepared: Prepared,
  source: ChangeSource,
  path = '',
): Promise<RecordView> {
  const before = presentStored(s.object, current);
  await checkReferences(s, principal, prepared, path, before);
  for (const hook of hooksOf(s))
    await hook.beforeUpdate?.(writeContext(s, principal), draftOf(s, prepared), before as StoredRecord);
  const sets = Object.entries(prepared.columns).map(([name, value]) => sql`${sql.id(name)} = ${value}`);
  sets.push(sql`custom = custom || ${JSON.stringify(prepared.custom)}::jsonb`, sql`updated_at = now()`);
  const after = presentStored(s.object, await updateRow(s.raw, s.object, s.workspaceId, before.id, sets));
  const changes = changesOf(prepared, before, after);
  if (Object.keys(changes).length > 0) {
    await recordChanges(s, [eventOf(s, principal, before.id, 'updated', changes, source, after.owner)], {
      index: [after],
    });
    for (const hook of hooksOf(s))
      await hook.afterUpdate?.(writeContext(s, principal), after as StoredRecord, before as StoredRecord);
    return (await readBack(s, [after]))[0]!;
  }
  return after;
}

/** The written fields whose stored value changed, with the old and the new value. */
function changesOf(prepared: Prepared, before: RecordView, after: RecordView) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(prepared.values)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changes[key] = { from: before[key], to: after[key] };
  }
  return changes;
}

/** A prepared write's standard columns as JSON, for `updateRows` (jsonb values and empty lists as themselves). */
function columnsAsJson(s: Scope, prepared: Prepared): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(prepared.columns))
    if (!isOperationNodeSource(value)) patch[name] = value;
  for (const field of s.object.fields) {
    if (
      !field.column ||
      !(field.key in prepared.values) ||
      !isOperationNodeSource(prepared.columns[field.column])
    )
      continue;
    // Written as SQL only for JSON values and for the empty list a cleared list field stores.
    patch[field.column] = prepared.values[field.key] ?? [];
  }
  return patch;
}

/** One record of a set-based update: which, and its checked changes. */
export interface RecordUpdate {
  index: number;
  id: string;
  prepared: Prepared;
}

/**
 * Changes many records as `updateRecordRow` changes one, a statement for them all instead of several per record:
 * their rows locked and read at once, before-update hooks per record, one update, then the audit rows and search
 * documents of those that changed (one statement), one publication of their events, and after-update hooks.
 * References must have been checked. A record that is gone (or not the caller's) or that a hook refuses is
 * answered with its error and not written; any other failure is thrown, for the caller to retry row by row.
 */
export async function updateRecords(
  s: Scope,
  principal: Principal,
  updates: readonly RecordUpdate[],
  source: ChangeSource,
): Promise<({ index: number; view: RecordView } | { index: number; error: AppError })[]> {
  const outcomes: ({ index: number; view: RecordView } | { index: number; error: AppError })[] = [];
  const rows = await selectRowsByIds(
    s.raw,
    s.object,
    s.workspaceId,
    [...new Set(updates.map((u) => u.id))],
    ownerCondition(principal, s.object),
  );
  const hooks = hooksOf(s);
  const ready: (RecordUpdate & { before: RecordView })[] = [];
  for (const u of updates) {
    const row = rows.get(u.id);
    if (!row) {
      outcomes.push({
        index: u.index,
        error: new AppError('not_found', `There is no ${s.object.key} record ${u.id}.`),
      });
      continue;
    }
    const before = presentStored(s.object, row);
    try {
      for (const hook of hooks)
        await hook.beforeUpdate?.(writeContext(s, principal), draftOf(s, u.prepared), before as StoredRecord);
      ready.push({ ...u, before });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      outcomes.push({ index: u.index, error });
    }
  }
  if (ready.length === 0) return outcomes;
  const stored = await updateRows(
    s.raw,
    s.object,
    s.workspaceId,
    ready.map((u) => ({ id: u.id, patch: columnsAsJson(s, u.prepared), custom: u.prepared.custom })),
  );
  const events = [];
  const changed: { after: RecordView; before: RecordView }[] = [];
  for (const u of ready) {
    const after = presentStored(s.object, stored.get(u.id)!);
    const changes = changesOf(u.prepared, u.before, after);
    if (Object.keys(changes).length > 0) {
      events.push(eventOf(s, principal, u.id, 'updated', changes, source, after.owner));
      changed.push({ after, before: u.before });
    }
    outcomes.push({ index: u.index, view: after });
  }
  if (events.length > 0) {
    await recordChanges(s, events, { index: changed.map((c) => c.after) });
    for (const hook of hooks)
      if (hook.afterUpdate)
        for (const c of changed)
          await hook.afterUpdate(
            writeContext(s, principal),
            c.after as StoredRecord,
            c.before as StoredRecord,
          );
    const written = outcomes.flatMap((o) => ('view' in o ? [o.view] : []));
    const current = new Map((await readBack(s, written)).map((v) => [v.id, v]));
    return outcomes.map((o) => ('view' in o ? { ...o, view: current.get(o.view.id) ?? o.view } : o));
  }
  return outcomes;
}
