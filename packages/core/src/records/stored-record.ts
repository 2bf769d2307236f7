import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import type { Reader } from './access.ts';
import { compileFilterBound } from './compile-filter-bound.ts';
import { presentStored, type RecordView } from './gate.ts';
import { selectRowById } from './records.repository.ts';
import { ALIAS, openScope } from './scope.ts';

/**
 * One live record as stored, every field (as hooks see it), inside the caller's workspace transaction: for
 * automation deciding whether it applies (a workflow's trigger condition), never shown to anyone. Undefined when
 * there is no such live record.
 */
export async function readStoredRecord(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  id: string,
): Promise<RecordView | undefined> {
  const s = await openScope(trx, workspaceId, objectKey);
  const row = await selectRowById(s.raw, s.object, workspaceId, id, { ownerCondition: sql`true` });
  return row ? presentStored(s.object, row) : undefined;
}

/**
 * Whether a live record matches a filter tree (the lists' filter language, compiled for `reader`, whose hidden
 * fields it may not name). Bad trees are refused with 400 like a list's.
 */
export async function recordMatchesFilter(
  trx: Tx,
  reader: Reader,
  workspaceId: string,
  objectKey: string,
  id: string,
  filter: unknown,
): Promise<boolean> {
  const s = await openScope(trx, workspaceId, objectKey);
  const { where } = await compileFilterBound(trx, s.object, filter, ALIAS, {
    ...s.ctx,
    workspaceId,
    objects: s.objects,
    reader,
  });
  const row = await selectRowById(s.raw, s.object, workspaceId, id, { ownerCondition: where });
  return row !== undefined;
}
