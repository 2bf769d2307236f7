import { sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import type { ChangeSource } from '../events/record-event.ts';
import { newId } from '../ids.ts';
import type { StoredRecord } from '../modules/manifest.ts';
import { present, type RecordView } from './gate.ts';
import { insertRows, updateRow } from './records.repository.ts';
import type { Scope } from './scope.ts';
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
  const views = rows.map((c) => present(s.object, stored.get(String(c.id))!, () => true));
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
  return views;
}

/** Creates one record: its references checked (problems named under `path`), then through `insertRecords`. */
export async function insertRecord(
  s: Scope,
  principal: Principal,
  prepared: Prepared,
  source: ChangeSource,
  path = '',
): Promise<RecordView> {
  await checkReferences(s, prepared, path);
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
  const before = present(s.object, current, () => true);
  await checkReferences(s, prepared, path, before.id);
  for (const hook of hooksOf(s))
    await hook.beforeUpdate?.(writeContext(s, principal), draftOf(s, prepared), before as StoredRecord);
  const sets = Object.entries(prepared.columns).map(([name, value]) => sql`${sql.id(name)} = ${value}`);
  sets.push(sql`custom = custom || ${JSON.stringify(prepared.custom)}::jsonb`, sql`updated_at = now()`);
  const after = present(
    s.object,
    await updateRow(s.raw, s.object, s.workspaceId, before.id, sets),
    () => true,
  );
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(prepared.values)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key]))
      changes[key] = { from: before[key], to: after[key] };
  }
  if (Object.keys(changes).length > 0) {
    await recordChanges(s, [eventOf(s, principal, before.id, 'updated', changes, source, after.owner)], {
      index: [after],
    });
    for (const hook of hooksOf(s))
      await hook.afterUpdate?.(writeContext(s, principal), after as StoredRecord, before as StoredRecord);
  }
  return after;
}
