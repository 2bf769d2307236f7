import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { type Kysely, sql } from 'kysely';
import { isAppError } from '../errors/app-error.ts';
import { readStoredRecords } from '../records/read-stored-records.ts';
import { deleteSearchDocuments, writeSearchDocuments } from './search-documents.repository.ts';
import { searchDocument } from './search-documents.ts';

const BATCH = 500;

/**
 * Drains the reindex queue: each object a batch at a time, each batch in its own transaction that also moves
 * the progress mark, so a restart resumes where it stopped. Returns the number of batches run.
 */
export async function runPendingReindexes(db: Database): Promise<number> {
  let batches = 0;
  const { rows } = await sql<{ workspaceId: string; objectKey: string }>`
    select * from rabita_pending_reindex(100)`.execute(db);
  for (const { workspaceId, objectKey } of rows) {
    for (;;) {
      const finished = await withWorkspace(db, workspaceId, async (trx) => {
        const { rows: marks } = await sql<{ afterId: string | null; requestedAt: Date }>`
          select after_id, requested_at from search_reindex
          where workspace_id = ${workspaceId} and object_key = ${objectKey} for update skip locked`.execute(
          trx,
        );
        const mark = marks[0];
        if (!mark) return true; // done elsewhere, or being done by another worker
        let last: string | null;
        try {
          last = await reindexBatch(trx, workspaceId, objectKey, mark.afterId, BATCH);
        } catch (error) {
          if (!isAppError(error) || error.code !== 'not_found') throw error;
          last = null; // the object was removed since: nothing left to index
        }
        batches += 1;
        if (last === null) {
          await sql`delete from search_reindex where workspace_id = ${workspaceId} and object_key = ${objectKey}`.execute(
            trx,
          );
          return true;
        }
        await sql`
          update search_reindex set after_id = ${last}
          where workspace_id = ${workspaceId} and object_key = ${objectKey}`.execute(trx);
        return false;
      });
      if (finished) break;
    }
  }
  return batches;
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
  const { object, records } = await readStoredRecords(trx, workspaceId, objectKey, afterId, limit);
  const raw = trx.withoutPlugins() as unknown as Kysely<unknown>;
  const live = records.filter((r) => !r.deleted);
  await writeSearchDocuments(
    raw,
    workspaceId,
    objectKey,
    live.map((r) => searchDocument(object, r.view)),
  );
  await deleteSearchDocuments(
    raw,
    workspaceId,
    objectKey,
    records.filter((r) => r.deleted).map((r) => r.view.id),
  );
  return records.length < limit ? null : records[records.length - 1]!.view.id;
}
