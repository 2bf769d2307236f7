import { withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import type { ServiceContext } from '../context.ts';
import { AppError, type FieldProblem } from '../errors/app-error.ts';
import type { ChangeSource } from '../events/record-event.ts';
import type { WriteCause } from '../modules/manifest.ts';
import { assertAllowed, hiddenFor } from './access.ts';
import { fieldSql } from './expressions.ts';
import { findRow } from './find-row.ts';
import { matchRecords } from './match-records.ts';
import { selectRowByValue } from './records.repository.ts';
import { ALIAS, openScope, ownerCondition } from './scope.ts';
import { checkValue } from './values.ts';
import { insertRecord, insertRecords, updateRecordRow } from './write-rows.ts';
import { checkReferences, prepare, sourceOf } from './write-steps.ts';

/** One row's answer in a batch: the record it created or updated, or why it was refused. */
export type BatchResult =
  | { index: number; id: string; created: boolean }
  | { index: number; error: { code: string; message: string; errors?: FieldProblem[] } };

/**
 * Creates (or, with `upsertBy`, updates matching) records in one transaction; each row succeeds or fails
 * on its own and the answer says which, by index.
 */
export async function batchRecords(
  { db, principal }: ServiceContext,
  objectKey: string,
  records: unknown[],
  options: { upsertBy?: string | undefined; source?: ChangeSource; cause?: WriteCause | undefined } = {},
): Promise<BatchResult[]> {
  if (records.length > 1000)
    throw new AppError('validation_failed', 'A batch holds at most 1,000 records.', {
      errors: [{ field: 'records', message: 'At most 1,000 records.' }],
    });
  return withWorkspace(db, principal.workspaceId, async (trx) => {
    const s = await openScope(trx, principal.workspaceId, objectKey);
    s.cause = options.cause;
    assertAllowed(principal, objectKey, 'create');
    const source = options.source ?? sourceOf(principal);
    const upsertField = options.upsertBy
      ? s.object.fields.find((f) => f.key === options.upsertBy)
      : undefined;
    const byList = upsertField?.type === 'emails' || upsertField?.type === 'phones';
    if (options.upsertBy) {
      // Matching reads the records it compares with: a role that may not read them may not upsert.
      assertAllowed(principal, objectKey, 'read');
      assertAllowed(principal, objectKey, 'update');
      const usable =
        upsertField &&
        !hiddenFor(principal)(objectKey, upsertField.key) &&
        (fieldSql(upsertField, ALIAS).scalar || (byList && upsertField.column));
      if (!usable) {
        throw new AppError('validation_failed', `Records cannot be matched by "${options.upsertBy}".`, {
          errors: [{ field: 'upsertBy', message: 'Must be a field with single values, emails or phones.' }],
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
      ? await matchRecords(trx, principal, s.object, upsertField.key, [...new Set(records.flatMap(listKeys))])
      : new Map<string, string>();
    const results: BatchResult[] = [];
    // Creates alone: every row checked on its own, then the valid ones written together through the one insert path
    // (one statement a table for the whole batch, where row by row a Citus cluster took 13–18 s for 1,000 people:
    // PERFORMANCE.md). When that write fails on something the checks cannot see (a unique value taken, a module's
    // rule), it is undone and the rows go one by one below, each answered on its own as before.
    const pending = options.upsertBy ? [...records.entries()] : [];
    if (!options.upsertBy) {
      const ready: { index: number; prepared: ReturnType<typeof prepare> }[] = [];
      // A unique value an earlier row of the batch holds is checked (and refused) after that row is written.
      const unique = s.object.fields.filter((f) => f.unique);
      const held = new Set<string>();
      const heldKey = (field: string, v: unknown) =>
        `${field}\u0000${typeof v === 'string' ? v : JSON.stringify(v)}`;
      for (const [index, input] of records.entries()) {
        let prepared: ReturnType<typeof prepare>;
        try {
          prepared = prepare(s, principal, input, 'create', `records.${index}`);
        } catch (error) {
          results.push({ index, error: problemOf(error, index) });
          continue;
        }
        const keys = unique
          .filter((f) => prepared.values[f.key] !== null && prepared.values[f.key] !== undefined)
          .map((f) => heldKey(f.key, prepared.values[f.key]));
        if (keys.some((k) => held.has(k))) {
          pending.push([index, input]);
          continue;
        }
        for (const k of keys) held.add(k);
        try {
          // Reads the linked records, when the row links any: a refusal is the row's, a failed read the batch's.
          await checkReferences(s, principal, prepared, `records.${index}`);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          results.push({ index, error: problemOf(error, index) });
          continue;
        }
        ready.push({ index, prepared });
      }
      if (ready.length > 0) {
        await sql`savepoint batch_all`.execute(s.raw);
        try {
          const views = await insertRecords(s, principal, ready, source);
          await sql`release savepoint batch_all`.execute(s.raw);
          for (const [i, view] of views.entries())
            results.push({ index: ready[i]!.index, id: view.id, created: true });
        } catch {
          await sql`rollback to savepoint batch_all`.execute(s.raw);
          pending.push(...ready.map(({ index }) => [index, records[index]] as [number, unknown]));
        }
      }
    }
    for (const [index, input] of pending.sort((a, b) => a[0] - b[0])) {
      const path = `records.${index}`;
      await sql`savepoint batch_row`.execute(s.raw);
      try {
        let done: BatchResult | undefined;
        const keys = listKeys(input);
        const matched = new Set(keys.map((k) => matches.get(k)).filter((id): id is string => Boolean(id)));
        if (matched.size > 1) {
          throw new AppError(
            'conflict',
            `The ${upsertField?.key} of this row belong to ${matched.size} records.`,
            { errors: [{ field: `${path}.${upsertField?.key}`, message: 'Matches several records.' }] },
          );
        }
        const [matchedId] = matched;
        if (matchedId) {
          const row = await findRow(s, principal, matchedId, { lock: true });
          const prepared = prepare(s, principal, input, 'update', path);
          const view = await updateRecordRow(s, principal, row, prepared, source, path);
          done = { index, id: view.id, created: false };
        } else if (!byList && upsertField && input && typeof input === 'object' && upsertField.key in input) {
          const key = (input as Record<string, unknown>)[upsertField.key];
          const checked = checkValue(upsertField, key, s.ctx);
          const row = await selectRowByValue(
            s.raw,
            s.object,
            s.workspaceId,
            fieldSql(upsertField, ALIAS).scalar!,
            checked.ok ? checked.value : key,
            ownerCondition(principal, s.object),
          );
          if (row) {
            const prepared = prepare(s, principal, input, 'update', path);
            const view = await updateRecordRow(s, principal, row, prepared, source, path);
            done = { index, id: view.id, created: false };
          }
        }
        if (!done) {
          const prepared = prepare(s, principal, input, 'create', path);
          const view = await insertRecord(s, principal, prepared, source, path);
          done = { index, id: view.id, created: true };
          // A later row of the same batch with one of these keys updates this record instead of repeating it.
          for (const k of keys) if (!matches.has(k)) matches.set(k, view.id);
        }
        await sql`release savepoint batch_row`.execute(s.raw);
        results.push(done);
      } catch (error) {
        await sql`rollback to savepoint batch_row`.execute(s.raw);
        results.push({ index, error: problemOf(error, index) });
      }
    }
    return results.sort((a, b) => a.index - b.index);
  });
}

/**
 * A rejected row's answer: the service's error as it is, anything else as a plain refusal. A problem named by a
 * field of the record alone (a module's rule, which knows nothing of batches) is named under the row.
 */
function problemOf(
  error: unknown,
  index: number,
): { code: string; message: string; errors?: FieldProblem[] } {
  if (error instanceof AppError) {
    const row = `records.${index}`;
    const errors = error.errors?.map((e) =>
      e.field === row || e.field.startsWith(`${row}.`) ? e : { ...e, field: `${row}.${e.field}` },
    );
    return { code: error.code, message: error.message, ...(errors ? { errors } : {}) };
  }
  const pgError = error as { code?: string };
  return {
    code: pgError.code === '23505' ? 'conflict' : 'validation_failed',
    message: 'The record could not be saved.',
  };
}
