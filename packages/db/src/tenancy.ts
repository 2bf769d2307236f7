import { sql, type Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { DB } from './schema.gen.ts';

export type Tx = Transaction<DB>;

/**
 * Runs `fn` in a transaction scoped to one workspace: row-level security shows and accepts only that
 * workspace's rows. Every tenant query goes through here.
 */
export async function withWorkspace<T>(
  db: Database,
  workspaceId: string,
  fn: (trx: Tx) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await setWorkspace(trx, workspaceId);
    return fn(trx);
  });
}

/** Scopes an open transaction to a workspace (for transactions that create the workspace themselves). */
export async function setWorkspace(trx: Tx, workspaceId: string): Promise<void> {
  await sql`select set_config('rabita.workspace_id', ${workspaceId}, true)`.execute(trx);
}
