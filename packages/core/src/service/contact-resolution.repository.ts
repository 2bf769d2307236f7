import { type Tx, workspaceLiteral } from '@rabita/db';
import { sql } from 'kysely';

/** A contact (a phone call) to judge by the tickets of its record: any opened after it, within the window, repeats. */
export interface RecordContact {
  key: string;
  object: 'people' | 'companies';
  recordId: string;
  /** When the contact ended. */
  after: string;
}

/**
 * Of these tickets, those resolved at first contact by the desk's system measure (`resolutionCounts` in
 * metrics.repository.ts: resolved, at most one public reply by a person, never reopened, and no other ticket from
 * the same requester within `repeatDays` of the resolution); and of these contacts, those whose person (as
 * requester) or company opened a ticket after them within `repeatDays`. One statement over the tickets' indexes.
 * Every table in it is confined to the workspace by one literal (`workspaceLiteral`; the contacts anchored on the
 * workspace's row), so a Citus cluster routes it whole to the workspace's shard; with a parameter of its own for each part, or subqueries correlated by
 * `workspace_id`, it refused it ("complex joins are only supported when all distributed tables are co-located and
 * joined on their distribution columns").
 */
export async function contactVerdicts(
  trx: Tx,
  workspaceId: string,
  input: { ticketIds: readonly string[]; contacts: readonly RecordContact[]; repeatDays: number },
): Promise<{ kind: 'ticket' | 'repeat'; key: string }[]> {
  const { ticketIds, contacts, repeatDays } = input;
  const ws = workspaceLiteral(workspaceId);
  const { rows } = await sql<{ kind: 'ticket' | 'repeat'; key: string }>`
    select 'ticket' as kind, t.id::text as key from tickets t
    where t.workspace_id = ${ws} and t.id = any(${ticketIds as string[]}::uuid[]) and t.deleted_at is null
      and t.resolved_at is not null and t.reopen_count = 0
      and (select count(*) from ticket_messages m
        where m.workspace_id = ${ws} and m.ticket_id = t.id and m.kind = 'reply' and not m.automatic) <= 1
      and not exists (
        select 1 from tickets o
        where o.workspace_id = ${ws} and o.deleted_at is null and o.requester_id = t.requester_id
          and o.id <> t.id and o.created_at > t.resolved_at
          and o.created_at <= t.resolved_at + make_interval(days => ${repeatDays}))
    union all
    select 'repeat', c.key
    from workspaces w
    cross join unnest(${contacts.map((c) => c.key)}::text[], ${contacts.map((c) => c.object)}::text[],
      ${contacts.map((c) => c.recordId)}::uuid[], ${contacts.map((c) => c.after)}::timestamptz[])
      as c(key, object, record_id, after)
    where w.id = ${ws} and ((c.object = 'people' and exists (
        select 1 from tickets o
        where o.workspace_id = ${ws} and o.requester_id = c.record_id and o.deleted_at is null
          and o.created_at > c.after and o.created_at <= c.after + make_interval(days => ${repeatDays})))
      or (c.object = 'companies' and exists (
        select 1 from tickets o
        where o.workspace_id = ${ws} and o.company_id = c.record_id and o.deleted_at is null
          and o.created_at > c.after and o.created_at <= c.after + make_interval(days => ${repeatDays}))))`.execute(
    trx,
  );
  return rows;
}
