import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../errors/app-error.ts';
import type { ChangeSource } from '../events/record-event.ts';
import type { WriteCause } from '../modules/manifest.ts';
import { assertAllowed } from './access.ts';
import { fieldSql } from './expressions.ts';
import { findRow } from './find-row.ts';
import { lockKeys, takenValues } from './records.repository.ts';
import { ALIAS, openScope, type Scope } from './scope.ts';
import {
  insertRecord,
  insertRecords,
  type NewRecord,
  type RecordUpdate,
  updateRecordRow,
  updateRecords,
} from './write-rows.ts';
import { linkableIds, prepare, uniqueLockKey } from './write-steps.ts';

/** One row of a bulk write: the record's fields as the API takes them, and the record it updates, if any. */
export interface BulkItem {
  index: number;
  input: Record<string, unknown>;
  updateId?: string | undefined;
  /** Restoring a workspace archive: the record's own id, times and creator are kept. */
  keep?: NewRecord['keep'];
}

/** One row's outcome in a bulk write: the record it created or updated, or why it was refused (one line). */
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

/** A new record of the bulk write that passed the checks so far. */
interface Ready extends NewRecord {
  index: number;
}

/**
 * Writes many records in the caller's workspace transaction (imports use it). Every row is checked as a single
 * write is — permission, fields, linked records, unique values — and a row that fails is answered with its
 * reason and not written. New records go through the one insert path a single create takes, many rows at once
 * (their audit rows, search documents and events likewise); updates are written together too (`updateRecords`).
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

  // Updates are checked for the whole batch and written at once. Row by row instead: a record's second update in
  // the batch (it must see the first), one changing a unique value (checked against the record's own), and all of
  // them when the set-based write fails on something the checks cannot see.
  const unique = new Set(s.object.fields.filter((f) => f.unique).map((f) => f.key));
  const seen = new Set<string>();
  const together: RecordUpdate[] = [];
  const oneByOne: BulkItem[] = [];
  for (const item of updates) {
    try {
      const prepared = prepare(s, principal, item.input, 'update', 'row');
      if (seen.has(item.updateId!) || Object.keys(prepared.values).some((k) => unique.has(k)))
        oneByOne.push(item);
      else together.push({ index: item.index, id: item.updateId!, prepared });
      seen.add(item.updateId!);
    } catch (error) {
      outcomes.push({ index: item.index, error: reasonOf(error) });
    }
  }
  const linkless = await missingLinks(s, principal, together);
  for (const [index, reason] of linkless) outcomes.push({ index, error: reason });
  const writable = together.filter((u) => !linkless.has(u.index));
  if (writable.length > 0) {
    await sql`savepoint bulk_update`.execute(s.raw);
    try {
      for (const done of await updateRecords(s, principal, writable, source)) {
        outcomes.push(
          'view' in done
            ? { index: done.index, id: done.view.id, action: 'updated' }
            : { index: done.index, error: reasonOf(done.error) },
        );
      }
      await sql`release savepoint bulk_update`.execute(s.raw);
    } catch {
      await sql`rollback to savepoint bulk_update`.execute(s.raw);
      const retry = new Set(writable.map((u) => u.index));
      for (let i = outcomes.length - 1; i >= 0; i--) if (retry.has(outcomes[i]!.index)) outcomes.splice(i, 1);
      oneByOne.unshift(...updates.filter((u) => retry.has(u.index)));
    }
  }
  for (const item of oneByOne.sort((a, b) => a.index - b.index)) {
    await sql`savepoint bulk_row`.execute(s.raw);
    try {
      const prepared = prepare(s, principal, item.input, 'update', 'row');
      const current = await findRow(s, principal, item.updateId!, { lock: true });
      const view = await updateRecordRow(s, principal, current, prepared, source, 'row');
      await sql`release savepoint bulk_row`.execute(s.raw);
      outcomes.push({ index: item.index, id: view.id, action: 'updated' });
    } catch (error) {
      await sql`rollback to savepoint bulk_row`.execute(s.raw);
      outcomes.push({ index: item.index, error: reasonOf(error) });
    }
  }

  let ready: Ready[] = [];
  for (const item of creates) {
    try {
      ready.push({
        index: item.index,
        keep: item.keep,
        prepared: prepare(s, principal, item.input, 'create', 'row'),
      });
    } catch (error) {
      outcomes.push({ index: item.index, error: reasonOf(error) });
    }
  }
  const reject = (drop: Map<number, string>) => {
    for (const [index, reason] of drop) outcomes.push({ index, error: reason });
    if (drop.size > 0) ready = ready.filter((r) => !drop.has(r.index));
  };
  reject(await missingLinks(s, principal, ready));
  reject(await takenUniqueValues(s, ready));
  if (ready.length === 0) return outcomes.sort((a, b) => a.index - b.index);

  await sql`savepoint bulk_insert`.execute(s.raw);
  try {
    const created = await insertRecords(s, principal, ready, source, { audit: options.audit ?? true });
    await sql`release savepoint bulk_insert`.execute(s.raw);
    for (const [i, view] of created.entries())
      outcomes.push({ index: ready[i]!.index, id: view.id, action: 'created' });
  } catch {
    // Something the checks above cannot see (a deal rule, a constraint): fall back to one row at a time.
    await sql`rollback to savepoint bulk_insert`.execute(s.raw);
    for (const r of ready) {
      await sql`savepoint bulk_row`.execute(s.raw);
      try {
        const view = await insertRecord(s, principal, r.prepared, source, 'row');
        await sql`release savepoint bulk_row`.execute(s.raw);
        outcomes.push({ index: r.index, id: view.id, action: 'created' });
      } catch (error) {
        await sql`rollback to savepoint bulk_row`.execute(s.raw);
        outcomes.push({ index: r.index, error: reasonOf(error) });
      }
    }
  }
  return outcomes.sort((a, b) => a.index - b.index);
}

/**
 * Rows linking a record that does not exist or that the writer may not read (one query per relation field for the
 * whole batch), with why.
 */
async function missingLinks(
  s: Scope,
  principal: Principal,
  ready: readonly { index: number; prepared: Ready['prepared'] }[],
): Promise<Map<number, string>> {
  const drop = new Map<number, string>();
  for (const field of s.object.fields) {
    if (field.type !== 'relation' || !field.relation) continue;
    const target = s.objects.find((o) => o.key === field.relation?.object);
    if (!target) continue;
    const idsOf = (v: unknown) =>
      (v === null || v === undefined ? [] : Array.isArray(v) ? v : [v]) as string[];
    const live = ready.filter((r) => !drop.has(r.index));
    const all = [...new Set(live.flatMap((r) => idsOf(r.prepared.values[field.key])))];
    if (all.length === 0) continue;
    const [found] = await linkableIds(s, principal, [{ target, ids: all }]);
    for (const r of live) {
      const missing = idsOf(r.prepared.values[field.key]).find((id) => !found!.has(id));
      if (missing) drop.set(r.index, `${field.key}: No ${target.key} record ${missing} exists.`);
    }
  }
  return drop;
}

/**
 * Rows holding a unique value another record holds, or one an earlier row of this batch takes, with why. The
 * values are locked first, as a single write locks its value.
 */
async function takenUniqueValues(s: Scope, ready: Ready[]): Promise<Map<number, string>> {
  const drop = new Map<number, string>();
  for (const field of s.object.fields) {
    const expr = field.unique ? fieldSql(field, ALIAS).scalar : undefined;
    if (!expr) continue;
    const keyOf = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
    const live = ready.filter((r) => !drop.has(r.index));
    const values = [
      ...new Set(live.map((r) => r.prepared.values[field.key]).filter((v) => v !== null && v !== undefined)),
    ];
    if (values.length === 0) continue;
    await lockKeys(
      s.raw,
      values.map((v) => uniqueLockKey(s, field.key, v)),
    );
    const taken = await takenValues(s.raw, s.object, s.workspaceId, expr, values.map(keyOf));
    for (const r of live) {
      const v = r.prepared.values[field.key];
      if (v === null || v === undefined) continue;
      const k = keyOf(v);
      if (taken.has(k)) drop.set(r.index, `${field.key}: Another record already has this value.`);
      taken.add(k);
    }
  }
  return drop;
}
