import type { Database, Tx } from '@rabita/db';
import { sql } from 'kysely';

/** A key's stored answer (status and body are set before the claiming transaction commits). */
export interface StoredAnswer {
  fingerprint: string;
  status: number | null;
  body: string | null;
}

/**
 * Claims a key for this request: true when the key is new or its last use has expired (over 24 hours ago). When
 * another transaction holds the key uncommitted, this waits for it, so concurrent retries run one at a time.
 * An expired key is deleted, then written again (not `do update … where created_at < now() …`: Citus takes no
 * function that is not immutable in an upsert's `where` or `set`). Two statements, not a `with … delete` before the
 * insert: PostgreSQL runs a data-modifying `with` that the query does not read after the query, so the insert would
 * still meet the expired row and the delete would then remove it.
 */
export async function claimKey(
  trx: Tx,
  workspaceId: string,
  caller: string,
  key: string,
  fingerprint: string,
): Promise<boolean> {
  await sql`
    delete from idempotency_keys
    where workspace_id = ${workspaceId} and caller = ${caller} and key = ${key}
      and created_at < now() - interval '24 hours'`.execute(trx.withoutPlugins());
  const { rows } = await sql<{ claimed: boolean }>`
    insert into idempotency_keys (workspace_id, caller, key, fingerprint)
    values (${workspaceId}, ${caller}, ${key}, ${fingerprint})
    on conflict (workspace_id, caller, key) do nothing
    returning true as claimed`.execute(trx.withoutPlugins());
  return rows.length > 0;
}

export async function selectAnswer(
  trx: Tx,
  workspaceId: string,
  caller: string,
  key: string,
): Promise<StoredAnswer | undefined> {
  const { rows } = await sql<StoredAnswer>`
    select fingerprint, status, body from idempotency_keys
    where workspace_id = ${workspaceId} and caller = ${caller} and key = ${key}`.execute(
    trx.withoutPlugins(),
  );
  return rows[0];
}

export async function storeAnswer(
  trx: Tx,
  workspaceId: string,
  caller: string,
  key: string,
  answer: { status: number; body: string },
): Promise<void> {
  await sql`
    update idempotency_keys set status = ${answer.status}, body = ${answer.body}
    where workspace_id = ${workspaceId} and caller = ${caller} and key = ${key}`.execute(
    trx.withoutPlugins(),
  );
}

/** Deletes up to `limit` keys older than 24 hours, in every workspace; returns how many. */
export async function purgeExpiredKeys(db: Database, limit: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`select rabita_purge_idempotency_keys(${limit}) as n`.execute(
    db.withoutPlugins(),
  );
  return rows[0]?.n ?? 0;
}
