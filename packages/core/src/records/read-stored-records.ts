import type { Tx } from '@rabita/db';
import type { ObjectDef } from '../metadata/metadata.types.ts';
import { presentStored, type RecordView } from './gate.ts';
import { selectRowsAfter } from './records.repository.ts';
import { openScope } from './scope.ts';

/**
 * Up to `limit` records of an object after `afterId` by id, every field and deleted ones too (flagged), in the
 * caller's workspace transaction: for rebuilding what is derived from records (search documents), never shown.
 */
export async function readStoredRecords(
  trx: Tx,
  workspaceId: string,
  objectKey: string,
  afterId: string | null,
  limit: number,
): Promise<{ object: ObjectDef; records: { view: RecordView; deleted: boolean }[] }> {
  const s = await openScope(trx, workspaceId, objectKey);
  const rows = await selectRowsAfter(s.raw, s.object, workspaceId, afterId, limit);
  return {
    object: s.object,
    records: rows.map((row) => ({
      view: presentStored(s.object, row),
      deleted: Boolean(row.deleted_at),
    })),
  };
}
