import type { Tx } from '@rabita/db';
import { sql } from 'kysely';

export interface ResolutionCounts {
  resolved: number;
  oneTouch: number;
  reopened: number;
  firstContact: number;
}

/**
 * Tickets resolved in `[from, to)`, counted four ways: all; resolved with one public reply by a person and never
 * reopened (one touch); reopened at least once; and resolved at first contact — at most one reply, never reopened,
 * and no other ticket from the same requester opened within `repeatDays` of the resolution. `owner` limits the
 * count to one assignee's tickets (a role that reads only its own).
 */
export async function resolutionCounts(
  trx: Tx,
  workspaceId: string,
  range: { from: Date; to: Date; repeatDays: number; owner?: string | null | undefined },
): Promise<ResolutionCounts> {
  const owner = range.owner === undefined ? sql`` : sql`and t.owner_id is not distinct from ${range.owner}`;
  const { rows } = await sql<Record<keyof ResolutionCounts, string>>`
    with r as (
      select t.id, t.requester_id, t.resolved_at, t.reopen_count,
        (select count(*) from ticket_messages m
          where m.workspace_id = t.workspace_id and m.ticket_id = t.id and m.kind = 'reply' and not m.automatic) as replies
      from tickets t
      where t.workspace_id = ${workspaceId} and t.deleted_at is null and t.resolved_at is not null
        and t.resolved_at >= ${range.from} and t.resolved_at < ${range.to} ${owner}
    )
    select count(*) as resolved,
      count(*) filter (where r.replies = 1 and r.reopen_count = 0) as one_touch,
      count(*) filter (where r.reopen_count > 0) as reopened,
      count(*) filter (where r.replies <= 1 and r.reopen_count = 0 and not exists (
        select 1 from tickets o
        where o.workspace_id = ${workspaceId} and o.deleted_at is null and o.requester_id = r.requester_id
          and o.id <> r.id and o.created_at > r.resolved_at
          and o.created_at <= r.resolved_at + make_interval(days => ${range.repeatDays}))) as first_contact
    from r`.execute(trx);
  const row = rows[0]!;
  return {
    resolved: Number(row.resolved),
    oneTouch: Number(row.oneTouch),
    reopened: Number(row.reopened),
    firstContact: Number(row.firstContact),
  };
}
