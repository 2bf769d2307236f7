import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import { STALE_CALL_HOURS } from './presence.repository.ts';

const utc = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** Today in a time zone: its date (`YYYY-MM-DD`) and the instants it starts and ends. */
export interface WallDay {
  day: string;
  starts: string;
  ends: string;
}

/** The calls of one connection and queue (none: `queueId` null) now, and those ended today. */
export interface WallCountRow {
  connectionId: string;
  queueId: string | null;
  ringing: number;
  waiting: number;
  active: number;
  held: number;
  answered: number;
  missed: number;
  abandoned: number;
  /** Calls ended today with any other outcome (voicemail, busy, failed). */
  other: number;
  /** Seconds talked over today's answered calls, and how many of them said how long. */
  talkSeconds: number;
  timedCalls: number;
  /**
   * Service level (calls of a live queue with a target only): calls answered within the queue's target seconds of
   * ringing — those ended today and those answered today still in progress — and the calls offered they are
   * measured against (answered, missed, sent to voicemail, and abandoned as the queue's rule says).
   */
  slMet: number;
  slOffered: number;
}

/** Where the wall's rows come from: the workspace's queues (not removed) and its connections, by name. */
export interface WallGroupRow {
  kind: 'queue' | 'connection';
  id: string;
  name: string;
  /** A queue's service-level target (null for a connection, or a queue without one). */
  slSeconds: number | null;
  slPercent: number | null;
  slAbandoned: 'counted' | 'ignored' | 'ignoredShort' | null;
}

/** One of today's answered calls, with what its first-contact resolution is judged by. */
export interface WallAnsweredRow {
  id: string;
  connectionId: string;
  queueId: string | null;
  endedAt: string;
  /** Tickets opened from the call (the wrap-up's, a report's). */
  ticketIds: string[];
  /** The record the call is about: the one linked, else the single match. */
  recordObject: 'people' | 'companies' | 'leads' | null;
  recordId: string | null;
  /** Whether a later call came from the same record or number within the window. */
  calledAgain: boolean;
}

/** Today in the time zone: its date and bounds (computed by PostgreSQL, so the ranges below bound their index). */
export async function selectDay(trx: Tx, timeZone: string): Promise<WallDay> {
  const { rows } = await sql<WallDay>`
    with d as (select (date_trunc('day', now() at time zone ${timeZone}) at time zone ${timeZone}) as starts)
    select to_char(now() at time zone ${timeZone}, 'YYYY-MM-DD') as day, ${utc('d.starts')} as starts,
      ${utc("(d.starts + interval '1 day')")} as ends
    from d`.execute(trx);
  return rows[0]!;
}

/** How long a call waited before `until` (answered, or hung up): from its ringing, else not at all. */
const waited = (until: string) => sql.raw(`(${until} - coalesce(c.ringing_at, ${until}))`);
/** A call's queue, when it is live and has a service-level target. */
const withTarget = sql`q.workspace_id = c.workspace_id and q.id = c.queue_id and q.deleted_at is null
  and q.service_level_seconds is not null`;

/**
 * Per connection and queue, the calls not yet ended — ringing at an agent, waiting for one (ringing, no agent's
 * extension), active, on hold — and the calls ended today, by outcome, with their talk time. Two index ranges
 * (`calls_open_idx`, `calls_ended_idx`); a call left neither ended nor updated for 12 hours (a lost hang-up) is not
 * counted as live. Only pairs with calls are answered. The service level of a queue with a target is counted in the
 * same ranges from the calls' own times (ringing → answered, ringing → ended for an abandoned call), each call
 * joined to its queue's target (a primary-key probe of a small table).
 */
export async function selectWallCounts(trx: Tx, workspaceId: string, day: WallDay): Promise<WallCountRow[]> {
  const { rows } = await sql<WallCountRow>`
    with live as (
      select c.connection_id, c.queue_id,
        count(*) filter (where c.state = 'ringing' and c.agent_user_id is not null)::int as ringing,
        count(*) filter (where c.state = 'ringing' and c.agent_user_id is null)::int as waiting,
        count(*) filter (where c.state = 'answered')::int as active,
        count(*) filter (where c.state = 'held')::int as held,
        count(*) filter (where q.id is not null and c.answered_at >= ${day.starts}::timestamptz
          and ${waited('c.answered_at')} <= make_interval(secs => q.service_level_seconds))::int as sl_met,
        count(*) filter (where q.id is not null and c.answered_at >= ${day.starts}::timestamptz)::int as sl_offered
      from calls c
      left join call_queues q on ${withTarget}
      where c.workspace_id = ${workspaceId} and c.state <> 'ended'
        and c.updated_at > now() - make_interval(hours => ${STALE_CALL_HOURS})
      group by c.connection_id, c.queue_id
    ), today as (
      select c.connection_id, c.queue_id,
        count(*) filter (where c.outcome = 'answered')::int as answered,
        count(*) filter (where c.outcome = 'missed')::int as missed,
        count(*) filter (where c.outcome = 'abandoned')::int as abandoned,
        count(*) filter (where c.outcome not in ('answered', 'missed', 'abandoned'))::int as other,
        coalesce(sum(c.duration) filter (where c.outcome = 'answered'), 0)::bigint as talk,
        count(c.duration) filter (where c.outcome = 'answered')::int as timed,
        count(*) filter (where q.id is not null and c.outcome = 'answered'
          and ${waited('c.answered_at')} <= make_interval(secs => q.service_level_seconds))::int as sl_met,
        count(*) filter (where q.id is not null and (c.outcome in ('answered', 'missed', 'voicemail')
          or (c.outcome = 'abandoned' and (q.service_level_abandoned = 'counted'
            or (q.service_level_abandoned = 'ignoredShort'
              and ${waited('c.ended_at')} > make_interval(secs => q.service_level_seconds))))))::int as sl_offered
      from calls c
      left join call_queues q on ${withTarget}
      where c.workspace_id = ${workspaceId} and c.ended_at is not null
        and c.ended_at >= ${day.starts}::timestamptz and c.ended_at < ${day.ends}::timestamptz
      group by c.connection_id, c.queue_id
    )
    select coalesce(l.connection_id, t.connection_id) as "connectionId", coalesce(l.queue_id, t.queue_id) as "queueId",
      coalesce(l.ringing, 0) as ringing, coalesce(l.waiting, 0) as waiting, coalesce(l.active, 0) as active,
      coalesce(l.held, 0) as held, coalesce(t.answered, 0) as answered, coalesce(t.missed, 0) as missed,
      coalesce(t.abandoned, 0) as abandoned, coalesce(t.other, 0) as other,
      coalesce(t.talk, 0)::float8 as "talkSeconds", coalesce(t.timed, 0) as "timedCalls",
      coalesce(l.sl_met, 0) + coalesce(t.sl_met, 0) as "slMet",
      coalesce(l.sl_offered, 0) + coalesce(t.sl_offered, 0) as "slOffered"
    from live l
    full join today t on t.connection_id = l.connection_id and t.queue_id is not distinct from l.queue_id
    limit 2000`.execute(trx);
  return rows;
}

/** The workspace's queues (not removed) and connections, each by name. */
export async function selectWallGroups(trx: Tx, workspaceId: string): Promise<WallGroupRow[]> {
  const { rows } = await sql<WallGroupRow>`
    (select 'queue' as kind, id, name, service_level_seconds as "slSeconds", service_level_percent as "slPercent",
      case when service_level_seconds is null then null else service_level_abandoned end as "slAbandoned"
      from call_queues where workspace_id = ${workspaceId} and deleted_at is null order by name, id limit 500)
    union all
    (select 'connection', id, name, null, null, null
      from call_connections where workspace_id = ${workspaceId} order by name, id limit 200)`.execute(trx);
  return rows;
}

/**
 * Today's ended answered calls, each with the tickets opened from it, the record it is about, and whether the same
 * record (a `call_records` range) or number (`calls_number_idx`) called again within `repeatDays` after it ended.
 */
export async function selectAnsweredToday(
  trx: Tx,
  workspaceId: string,
  day: WallDay,
  repeatDays: number,
): Promise<WallAnsweredRow[]> {
  const window = sql`make_interval(days => ${repeatDays})`;
  const { rows } = await sql<WallAnsweredRow>`
    select c.id, c.connection_id as "connectionId", c.queue_id as "queueId", ${utc('c.ended_at')} as "endedAt",
      array_remove(array[c.ticket_id, c.report_ticket_id], null)::text[] as "ticketIds",
      coalesce(c.linked_object, case when c.person_id is not null then 'people'
        when c.company_id is not null then 'companies' when c.lead_id is not null then 'leads' end) as "recordObject",
      coalesce(c.linked_record_id, c.person_id, c.company_id, c.lead_id) as "recordId",
      (exists (
        select 1 from call_records r
        join call_records o on o.workspace_id = r.workspace_id and o.object = r.object and o.record_id = r.record_id
          and o.at > c.ended_at and o.at <= c.ended_at + ${window} and o.call_id <> c.id
        where r.workspace_id = ${workspaceId} and r.call_id = c.id)
      or (c.matched_number is not null and exists (
        select 1 from calls o
        where o.workspace_id = ${workspaceId} and o.matched_number = c.matched_number and o.id <> c.id
          and coalesce(o.ringing_at, o.answered_at, o.created_at) > c.ended_at
          and coalesce(o.ringing_at, o.answered_at, o.created_at) <= c.ended_at + ${window}))) as "calledAgain"
    from calls c
    where c.workspace_id = ${workspaceId} and c.ended_at is not null
      and c.ended_at >= ${day.starts}::timestamptz and c.ended_at < ${day.ends}::timestamptz
      and c.outcome = 'answered'`.execute(trx);
  return rows;
}
