import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

/** Another person with the ticket open: when their page last said so, and whether they were typing a reply. */
export interface TicketViewer {
  userId: string;
  replying: boolean;
  seenAt: string;
}

/** Notes that `userId` has the ticket open now (the database's clock), replying or not. */
export async function touchPresence(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  userId: string,
  replying: boolean,
): Promise<void> {
  await sql`
    insert into ticket_presence (workspace_id, ticket_id, user_id, replying, seen_at)
    values (${workspaceId}, ${ticketId}, ${userId}, ${replying}, now())
    on conflict (workspace_id, ticket_id, user_id) do update set replying = excluded.replying, seen_at = excluded.seen_at`.execute(
    trx,
  );
}

/** The people other than `userId` whose page said it had the ticket open within the last `withinSeconds`. */
export async function recentViewers(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  userId: string | null,
  withinSeconds: number,
): Promise<TicketViewer[]> {
  const { rows } = await sql<TicketViewer>`
    select user_id as "userId", replying,
      to_char(seen_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "seenAt"
    from ticket_presence
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId}
      and seen_at > now() - make_interval(secs => ${withinSeconds})
      and user_id is distinct from ${userId}::uuid
    order by seen_at desc, user_id
    limit 50`.execute(trx);
  return rows;
}

/** Deletes the workspace's presence rows older than `olderThanSeconds` (a page closed without saying so). */
export async function pruneStalePresence(
  trx: Tx,
  workspaceId: string,
  olderThanSeconds: number,
): Promise<void> {
  await sql`
    delete from ticket_presence
    where workspace_id = ${workspaceId} and seen_at < now() - make_interval(secs => ${olderThanSeconds})`.execute(
    trx,
  );
}
