import { type Database, type Tx, withWorkspace } from '@rabita/db';
import { sql } from 'kysely';
import { isAppError } from '../errors/app-error.ts';
import { reindexBatch } from '../records/records.service.ts';

const BATCH = 500;

/**
 * Asks for an object's search documents to be rebuilt (after a searchable field is removed or made
 * unsearchable, or a title field changes). Runs in the caller's transaction: the job starts once it commits,
 * from the first record again if a rebuild was already under way.
 */
export async function requestReindex(trx: Tx, workspaceId: string, objectKey: string): Promise<void> {
  await sql`
    insert into search_reindex (workspace_id, object_key) values (${workspaceId}, ${objectKey})
    on conflict (workspace_id, object_key) do update set after_id = null, requested_at = clock_timestamp()`.execute(
    trx,
  );
  await sql`select rabita_kick_reindex()`.execute(trx);
}

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
