import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

/**
 * Asks for an object's search documents to be rebuilt (after a searchable field is removed or made
 * unsearchable, or a title field changes). Runs in the caller's transaction: the job starts once it commits,
 * from the first record again if a rebuild was already under way.
 */
export async function requestReindex(trx: Tx, workspaceId: string, objectKey: string): Promise<void> {
  await sql`
    insert into search_reindex (workspace_id, object_key) values (${workspaceId}, ${objectKey})
    on conflict (workspace_id, object_key) do update set after_id = null, requested_at = excluded.requested_at`.execute(
    trx,
  );
  await sql`select rabita_kick_reindex()`.execute(trx);
}
