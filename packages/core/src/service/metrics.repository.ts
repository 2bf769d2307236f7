import { type Tx, workspaceLiteral } from '@rabita/db';
import { sql } from 'kysely';

export interface ResolutionCounts {
  resolved: number;
  oneTouch: number;
  reopened: number;
  firstContact: number;
  /** The agent's disposition (`fcrDisposition`) on the resolved tickets. */
  agentFirstContact: number;
  agentFollowUp: number;
  agentNotApplicable: number;
  /** The customer's latest "was it resolved?" answer on the resolved tickets' surveys. */
  customerYes: number;
  customerNo: number;
}

/** Which resolved tickets count: one queue's, one assignee's, or a set of assignees' (a team's members). */
export interface ResolutionScope {
  from: Date;
  to: Date;
  repeatDays: number;
  /** A role that reads only its own tickets: limited to that assignee (null: none). */
  owner?: string | null | undefined;
  queue?: string | undefined;
  owners?: readonly string[] | undefined;
}

/**
 * Tickets resolved in `[from, to)`, counted: all; resolved with one public reply by a person and never reopened (one
 * touch); reopened at least once; resolved at first contact — at most one reply, never reopened, and no other ticket
 * from the same requester opened within `repeatDays` of the resolution; the agent's dispositions; and the customer's
 * latest "was it resolved?" answer on the ticket's surveys. The scope narrows the tickets counted.
 */
export async function resolutionCounts(
  trx: Tx,
  workspaceId: string,
  scope: ResolutionScope,
): Promise<ResolutionCounts> {
  const owner = scope.owner === undefined ? sql`` : sql`and t.owner_id is not distinct from ${scope.owner}`;
  const queue = scope.queue === undefined ? sql`` : sql`and t.queue = ${scope.queue}`;
  const owners =
    scope.owners === undefined ? sql`` : sql`and t.owner_id = any(${sql.val([...scope.owners])}::uuid[])`;
  // Every table confined by the workspace's literal: a Citus coordinator routes the statement to its shard.
  const workspace = workspaceLiteral(workspaceId);
  const { rows } = await sql<Record<keyof ResolutionCounts, string>>`
    with r as (
      select t.id, t.requester_id, t.resolved_at, t.reopen_count, t.fcr_disposition,
        (select count(*) from ticket_messages m
          where m.workspace_id = ${workspace} and m.ticket_id = t.id and m.kind = 'reply' and not m.automatic) as replies,
        (select s.resolved from ticket_surveys s
          where s.workspace_id = ${workspace} and s.ticket_id = t.id and s.resolved is not null
          order by s.cycle desc limit 1) as customer_resolved
      from tickets t
      where t.workspace_id = ${workspace} and t.deleted_at is null and t.resolved_at is not null
        and t.resolved_at >= ${scope.from} and t.resolved_at < ${scope.to} ${owner} ${queue} ${owners}
    )
    select count(*) as resolved,
      count(*) filter (where r.replies = 1 and r.reopen_count = 0) as one_touch,
      count(*) filter (where r.reopen_count > 0) as reopened,
      count(*) filter (where r.replies <= 1 and r.reopen_count = 0 and not exists (
        select 1 from tickets o
        where o.workspace_id = ${workspace} and o.deleted_at is null and o.requester_id = r.requester_id
          and o.id <> r.id and o.created_at > r.resolved_at
          and o.created_at <= r.resolved_at + make_interval(days => ${scope.repeatDays}))) as first_contact,
      count(*) filter (where r.fcr_disposition = 'first_contact') as agent_first_contact,
      count(*) filter (where r.fcr_disposition = 'follow_up') as agent_follow_up,
      count(*) filter (where r.fcr_disposition = 'not_applicable') as agent_not_applicable,
      count(*) filter (where r.customer_resolved) as customer_yes,
      count(*) filter (where not r.customer_resolved) as customer_no
    from r`.execute(trx);
  const row = rows[0]!;
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, Number(v)]),
  ) as unknown as ResolutionCounts;
}
