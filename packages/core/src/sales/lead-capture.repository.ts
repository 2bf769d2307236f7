import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

/**
 * Holds, until the transaction ends, the workspace's capture of each contact key (a lower-cased address, an E.164
 * number): two captures of one contact at once wait for each other, so the second finds the first's lead.
 */
export async function lockContactKeys(trx: Tx, workspaceId: string, keys: readonly string[]): Promise<void> {
  if (keys.length === 0) return;
  const hashed = keys.map((k) => `lead-capture:${workspaceId}:${k}`);
  await sql`
    select count(pg_advisory_xact_lock(h))
    from (select distinct hashtextextended(k, 0) as h from unnest(${hashed}::text[]) as k order by 1) x`.execute(
    trx,
  );
}
