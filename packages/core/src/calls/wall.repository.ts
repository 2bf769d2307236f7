import type { Tx } from '@rabita/db';
import { sql } from 'kysely';
import { STALE_CALL_HOURS } from './presence.repository.ts';

/** One connection's row of the wall: its calls now, and today's ended calls. */
export interface WallQueueRow {
  connectionId: string;
  name: string;
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
}

/**
 * Each connection (a queue, until queues exist) with its calls not yet ended — ringing at an agent, waiting for
 * one (ringing, no agent's extension), active, on hold — and its calls ended today in the time zone, by outcome,
 * with their talk time. Two index ranges (`calls_open_idx`, `calls_ended_idx`); a call left neither ended nor
 * updated for 12 hours (a lost hang-up) is not counted as live.
 */
export async function selectWallQueues(
  trx: Tx,
  workspaceId: string,
  timeZone: string,
): Promise<WallQueueRow[]> {
  const { rows } = await sql<WallQueueRow>`
    with day as (
      select (date_trunc('day', now() at time zone ${timeZone}) at time zone ${timeZone}) as starts
    ), live as (
      select c.connection_id,
        count(*) filter (where c.state = 'ringing' and c.agent_user_id is not null)::int as ringing,
        count(*) filter (where c.state = 'ringing' and c.agent_user_id is null)::int as waiting,
        count(*) filter (where c.state = 'answered')::int as active,
        count(*) filter (where c.state = 'held')::int as held
      from calls c
      where c.workspace_id = ${workspaceId} and c.state <> 'ended'
        and c.updated_at > now() - make_interval(hours => ${STALE_CALL_HOURS})
      group by c.connection_id
    ), today as (
      select c.connection_id,
        count(*) filter (where c.outcome = 'answered')::int as answered,
        count(*) filter (where c.outcome = 'missed')::int as missed,
        count(*) filter (where c.outcome = 'abandoned')::int as abandoned,
        count(*) filter (where c.outcome not in ('answered', 'missed', 'abandoned'))::int as other,
        coalesce(sum(c.duration) filter (where c.outcome = 'answered'), 0)::bigint as talk,
        count(c.duration) filter (where c.outcome = 'answered')::int as timed
      from calls c
      where c.workspace_id = ${workspaceId} and c.ended_at is not null
        and c.ended_at >= (select starts from day) and c.ended_at < (select starts from day) + interval '1 day'
      group by c.connection_id
    )
    select k.id as "connectionId", k.name,
      coalesce(l.ringing, 0) as ringing, coalesce(l.waiting, 0) as waiting, coalesce(l.active, 0) as active,
      coalesce(l.held, 0) as held, coalesce(t.answered, 0) as answered, coalesce(t.missed, 0) as missed,
      coalesce(t.abandoned, 0) as abandoned, coalesce(t.other, 0) as other,
      coalesce(t.talk, 0)::float8 as "talkSeconds", coalesce(t.timed, 0) as "timedCalls"
    from call_connections k
    left join live l on l.connection_id = k.id
    left join today t on t.connection_id = k.id
    where k.workspace_id = ${workspaceId}
    order by k.name, k.id
    limit 200`.execute(trx);
  return rows;
}

/** Today in the time zone, as a date (`YYYY-MM-DD`). */
export async function selectToday(trx: Tx, timeZone: string): Promise<string> {
  const { rows } = await sql<{ day: string }>`
    select to_char(now() at time zone ${timeZone}, 'YYYY-MM-DD') as day`.execute(trx);
  return rows[0]!.day;
}
