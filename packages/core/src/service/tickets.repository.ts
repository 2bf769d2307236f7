import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

/** The workspace's next ticket number, taken in the creating transaction (a rollback gives it back). */
export async function nextTicketNumber(trx: Tx, workspaceId: string): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    insert into ticket_counters (workspace_id, last_number) values (${workspaceId}, 1)
    on conflict (workspace_id) do update set last_number = ticket_counters.last_number + 1
    returning last_number as n`.execute(trx);
  return Number(rows[0]!.n);
}
