import { onCitus, type Tx } from '@rabita/db';
import { sql } from 'kysely';
import { EVENTS_CHANNEL } from '../events/events.service.ts';

/** The states an agent can be in; the first two are their own choice, the others come from their calls. */
export const PRESENCE_STATES = ['available', 'away', 'on_call', 'wrap_up'] as const;
export type PresenceState = (typeof PRESENCE_STATES)[number];
export type PresenceChoice = 'available' | 'away';

/** A call left neither ended nor updated for this long no longer keeps its agent "on a call" (a lost hang-up). */
export const STALE_CALL_HOURS = 12;

/** An agent's presence as computed from their choice and their calls. */
export interface PresenceRow {
  userId: string;
  state: PresenceState;
  choice: PresenceChoice;
  /** When the state began (the answer, the end of the call, the choice), when known. */
  since: string | null;
  /** When a wrap-up ends. */
  until: string | null;
  /** The call an agent on a call is on. */
  callId: string | null;
}

const utc = (expr: ReturnType<typeof sql>) =>
  sql`to_char(${expr} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * The presence of each member given: on a call while a call answered by them is in progress (answered or held,
 * begun within the last 12 hours), in wrap-up for the wrap-up time after their last answered call ended — its
 * queue's when the queue sets one, else its connection's — unless they chose a state since, else what they chose
 * (available when they never did). Two index probes per agent (`calls_agent_live_idx`, `calls_agent_ended_idx`).
 */
export async function selectPresence(
  trx: Tx,
  workspaceId: string,
  userIds: readonly string[],
): Promise<PresenceRow[]> {
  if (userIds.length === 0) return [];
  const { rows } = await sql<PresenceRow>`${presenceOf(workspaceId, userIds)}`.execute(trx);
  return rows;
}

/** The statement `selectPresence` runs, for a statement that reads the presence as a part of its own. */
function presenceOf(workspaceId: string, userIds: readonly string[]) {
  return sql`
    select u.user_id as "userId",
      case when live.id is not null then 'on_call'
        when last.until > now() and (p.chosen_at is null or last.ended > p.chosen_at) then 'wrap_up'
        else coalesce(p.choice, 'available') end as state,
      coalesce(p.choice, 'available') as choice,
      case when live.id is not null then ${utc(sql`live.since`)}
        when last.until > now() and (p.chosen_at is null or last.ended > p.chosen_at) then ${utc(sql`last.ended`)}
        else ${utc(sql`p.chosen_at`)} end as since,
      case when live.id is null and last.until > now() and (p.chosen_at is null or last.ended > p.chosen_at)
        then ${utc(sql`last.until`)} end as until,
      live.id as "callId"
    from unnest(${userIds as string[]}::uuid[]) as u(user_id)
    left join call_presence p on p.workspace_id = ${workspaceId} and p.user_id = u.user_id
    left join lateral (
      select c.id, coalesce(c.answered_at, c.ringing_at, c.created_at) as since
      from calls c
      where c.workspace_id = ${workspaceId} and c.agent_user_id = u.user_id and c.state in ('answered', 'held')
        and greatest(c.answered_at, c.updated_at) > now() - make_interval(hours => ${STALE_CALL_HOURS})
      order by c.answered_at desc nulls last
      limit 1
    ) live on true
    left join lateral (
      select least(c.ended_at, c.updated_at) as ended,
        least(c.ended_at, c.updated_at) + make_interval(secs => coalesce(q.wrap_up_seconds, k.wrap_up_seconds)) as until
      from calls c
      join call_connections k on k.workspace_id = c.workspace_id and k.id = c.connection_id
      left join call_queues q on q.workspace_id = c.workspace_id and q.id = c.queue_id
      where c.workspace_id = ${workspaceId} and c.agent_user_id = u.user_id
        and c.answered_at is not null and c.ended_at is not null
      order by c.ended_at desc
      limit 1
    ) last on true`;
}

/**
 * Sends the event stream what one call's fold changed, in one statement, delivered when the transaction commits:
 * the messages given (already JSON), then each of these members' presence as it stands now (read in the same
 * statement, after the fold's own writes).
 */
export async function notifyFold(
  trx: Tx,
  workspaceId: string,
  messages: readonly string[],
  presenceFor: readonly string[],
  at: string,
): Promise<void> {
  if (messages.length === 0 && presenceFor.length === 0) return;
  if (await onCitus(trx)) {
    // On a Citus cluster a statement reading the presence tables runs on the workspace's shard, and a `pg_notify`
    // there is sent on the worker: the coordinator's listeners never hear it, and the transaction, which wrote on
    // more than one node, fails at commit ("cannot PREPARE a transaction that has executed LISTEN, UNLISTEN, or
    // NOTIFY"). The presence is read first; the notices are sent by a statement that reads no table, which runs on
    // the coordinator. One PostgreSQL keeps the one statement.
    const states =
      presenceFor.length === 0
        ? []
        : (
            await sql<{ message: string }>`
              select json_build_object('type', 'presence', 'workspaceId', ${workspaceId}::text, 'userId', s."userId",
                'object', 'calls', 'recordId', s."userId", 'kind', s.state, 'at', ${at}::text)::text as message
              from (${presenceOf(workspaceId, presenceFor)}) s`.execute(trx)
          ).rows.map((r) => r.message);
    await sql`select count(pg_notify(${EVENTS_CHANNEL}, n.message))
      from unnest(${[...messages, ...states]}::text[]) as n(message)`.execute(trx);
    return;
  }
  const presence =
    presenceFor.length === 0
      ? sql``
      : sql`union all
        select json_build_object('type', 'presence', 'workspaceId', ${workspaceId}::text, 'userId', s."userId",
          'object', 'calls', 'recordId', s."userId", 'kind', s.state, 'at', ${at}::text)::text
        from (${presenceOf(workspaceId, presenceFor)}) s`;
  await sql`
    select count(pg_notify(${EVENTS_CHANNEL}, n.message)) from (
      select unnest(${messages as string[]}::text[]) as message
      ${presence}
    ) n`.execute(trx);
}

/** Members who take calls: mapped to an extension of a connection, members of a queue, or who chose a presence. */
export async function selectAgentIds(trx: Tx, workspaceId: string): Promise<string[]> {
  const { rows } = await sql<{ userId: string }>`
    select distinct e.value::uuid as "userId"
    from call_connections k, jsonb_each_text(k.extensions) e
    where k.workspace_id = ${workspaceId}
      and e.value ~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
    union
    select user_id from call_queue_members where workspace_id = ${workspaceId}
    union
    select user_id from call_presence where workspace_id = ${workspaceId}`.execute(trx);
  return rows.map((r) => r.userId);
}

/** Keeps a member's own choice and when it was made (a choice ends a wrap-up under way). */
export async function upsertChoice(
  trx: Tx,
  workspaceId: string,
  userId: string,
  choice: PresenceChoice,
): Promise<void> {
  await sql`
    insert into call_presence (workspace_id, user_id, choice, chosen_at)
    values (${workspaceId}, ${userId}, ${choice}, clock_timestamp())
    on conflict (workspace_id, user_id) do update set choice = excluded.choice, chosen_at = excluded.chosen_at`.execute(
    trx,
  );
}

/** Sets how long a connection's agents stay in wrap-up after a call they answered ends. */
export async function updateWrapUpSeconds(
  trx: Tx,
  workspaceId: string,
  connectionId: string,
  seconds: number,
): Promise<void> {
  await sql`
    update call_connections set wrap_up_seconds = ${seconds}
    where workspace_id = ${workspaceId} and id = ${connectionId}`.execute(trx);
}
