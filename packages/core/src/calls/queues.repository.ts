import { type Tx, workspaceLiteral } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';
import type { WrapUpCode, WrapUpCodeInput } from './wrap-up.repository.ts';

const utc = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** A queue as stored (migration `calls-0007-queues`), with its keys, numbers, members and own wrap-up codes. */
export interface QueueRow {
  id: string;
  name: string;
  /** The phone system's names of the queue (an Asterisk queue, a Twilio queue or TaskRouter name), as written. */
  keys: string[];
  /** Numbers dialled that reach the queue (its DIDs), as written. */
  numbers: string[];
  /** The members who take its calls. */
  members: string[];
  /** Its own wrap-up codes; empty: the workspace's list applies. */
  wrapUpCodes: WrapUpCode[];
  /** Seconds of wrap-up after its calls; null: the connection's. */
  wrapUpSeconds: number | null;
  /** Its service-level target (migration `calls-0008-service-level`); null: none. */
  serviceLevel: ServiceLevel | null;
  createdAt: string;
  updatedAt: string;
}

/** How abandoned calls count toward a queue's service level. */
export type AbandonedRule = 'counted' | 'ignored' | 'ignoredShort';

/** A queue's service-level target: `percent` of the calls offered answered within `seconds` of ringing. */
export interface ServiceLevel {
  seconds: number;
  percent: number;
  abandoned: AbandonedRule;
}

/** A key or number as kept: what was written, and the folded form calls are matched by. */
export interface QueueKey {
  kind: 'key' | 'number';
  value: string;
  match: string;
}

/**
 * A queue's columns and lists. Each list's subquery is confined by the workspace's literal, as the queue itself must
 * be (`workspaceLiteral`): correlated by `q.workspace_id`, a Citus coordinator sent the read to every shard.
 */
const queueColumns = (
  workspace: RawBuilder<string>,
) => sql`q.id, q.name, q.wrap_up_seconds as "wrapUpSeconds",
  case when q.service_level_seconds is null then null else json_build_object('seconds', q.service_level_seconds,
    'percent', q.service_level_percent, 'abandoned', q.service_level_abandoned) end as "serviceLevel",
  ${utc('q.created_at')} as "createdAt", ${utc('q.updated_at')} as "updatedAt",
  coalesce((select array_agg(k.value order by k.position) from call_queue_keys k
    where k.workspace_id = ${workspace} and k.queue_id = q.id and k.kind = 'key'), '{}') as keys,
  coalesce((select array_agg(k.value order by k.position) from call_queue_keys k
    where k.workspace_id = ${workspace} and k.queue_id = q.id and k.kind = 'number'), '{}') as numbers,
  coalesce((select array_agg(m.user_id::text order by m.user_id) from call_queue_members m
    where m.workspace_id = ${workspace} and m.queue_id = q.id), '{}') as members,
  coalesce((select jsonb_agg(jsonb_build_object('code', c.code, 'label', c.label, 'labels', c.labels)
      order by c.position)
    from call_queue_wrap_up_codes c where c.workspace_id = ${workspace} and c.queue_id = q.id), '[]') as "wrapUpCodes"`;

/** The workspace's queues (not removed), by name. */
export async function listQueues(trx: Tx, workspaceId: string): Promise<QueueRow[]> {
  const workspace = workspaceLiteral(workspaceId);
  const { rows } = await sql<QueueRow>`
    select ${queueColumns(workspace)} from call_queues q
    where q.workspace_id = ${workspace} and q.deleted_at is null
    order by q.name, q.id limit 500`.execute(trx);
  return rows;
}

/**
 * One queue (not removed); `lock` holds it for the rest of the transaction. The lock is taken by a statement of its
 * own before the read: a Citus cluster refuses `for update` on a query with subqueries (the queue's lists).
 */
export async function selectQueue(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<QueueRow | undefined> {
  if (options.lock) {
    const locked = await sql`
      select 1 from call_queues where workspace_id = ${workspaceId} and id = ${id} and deleted_at is null
      for update`.execute(trx);
    if (locked.rows.length === 0) return undefined;
  }
  const workspace = workspaceLiteral(workspaceId);
  const { rows } = await sql<QueueRow>`
    select ${queueColumns(workspace)} from call_queues q
    where q.workspace_id = ${workspace} and q.id = ${id} and q.deleted_at is null`.execute(trx);
  return rows[0];
}

/** How many queues the workspace has (not removed). */
export async function countQueues(trx: Tx, workspaceId: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from call_queues where workspace_id = ${workspaceId} and deleted_at is null`.execute(
    trx,
  );
  return rows[0]?.n ?? 0;
}

export async function insertQueue(
  trx: Tx,
  row: {
    workspaceId: string;
    id: string;
    name: string;
    wrapUpSeconds: number | null;
    serviceLevel: ServiceLevel | null;
  },
): Promise<void> {
  await sql`
    insert into call_queues (workspace_id, id, name, wrap_up_seconds, service_level_seconds, service_level_percent,
      service_level_abandoned)
    values (${row.workspaceId}, ${row.id}, ${row.name}, ${row.wrapUpSeconds}, ${row.serviceLevel?.seconds ?? null},
      ${row.serviceLevel?.percent ?? null}, ${row.serviceLevel?.abandoned ?? 'counted'})`.execute(trx);
}

/** Changes a queue's name and after-call seconds; fields left undefined keep their value (null: the connection's). */
export async function updateQueue(
  trx: Tx,
  workspaceId: string,
  id: string,
  set: {
    name?: string | undefined;
    wrapUpSeconds?: number | null | undefined;
    serviceLevel?: ServiceLevel | null | undefined;
  },
): Promise<void> {
  const sl = set.serviceLevel !== undefined;
  await sql`
    update call_queues set
      name = coalesce(${set.name ?? null}, name),
      wrap_up_seconds = case when ${set.wrapUpSeconds !== undefined} then ${set.wrapUpSeconds ?? null}::int
        else wrap_up_seconds end,
      service_level_seconds = case when ${sl} then ${set.serviceLevel?.seconds ?? null}::int
        else service_level_seconds end,
      service_level_percent = case when ${sl} then ${set.serviceLevel?.percent ?? null}::int
        else service_level_percent end,
      service_level_abandoned = case when ${sl} then ${set.serviceLevel?.abandoned ?? 'counted'}::text
        else service_level_abandoned end,
      updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

/**
 * Removes a queue: its row stays (its calls keep their queue), marked removed; its keys and numbers are freed for
 * other queues, its members and own codes dropped.
 */
export async function softDeleteQueue(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const r = await sql`
    update call_queues set deleted_at = now(), updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id} and deleted_at is null`.execute(trx);
  if (Number(r.numAffectedRows ?? 0) === 0) return false;
  for (const table of ['call_queue_keys', 'call_queue_members', 'call_queue_wrap_up_codes'])
    await sql`delete from ${sql.id(table)} where workspace_id = ${workspaceId} and queue_id = ${id}`.execute(
      trx,
    );
  return true;
}

/** Which of these keys or numbers another queue of the workspace holds already, with that queue's name. */
export async function keysHeldElsewhere(
  trx: Tx,
  workspaceId: string,
  queueId: string,
  keys: readonly QueueKey[],
): Promise<{ kind: string; match: string; name: string }[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<{ kind: string; match: string; name: string }>`
    select k.kind, k.match, q.name from call_queue_keys k
    join call_queues q on q.workspace_id = k.workspace_id and q.id = k.queue_id
    join unnest(${keys.map((k) => k.kind)}::text[], ${keys.map((k) => k.match)}::text[]) as w(kind, match)
      on w.kind = k.kind and w.match = k.match
    where k.workspace_id = ${workspaceId} and k.queue_id <> ${queueId}`.execute(trx);
  return rows;
}

/**
 * Replaces a queue's keys and numbers; answers how many were kept, fewer than given when another queue took one of
 * them meanwhile (the service refuses the change then).
 */
export async function replaceQueueKeys(
  trx: Tx,
  workspaceId: string,
  queueId: string,
  keys: readonly QueueKey[],
): Promise<number> {
  await sql`delete from call_queue_keys where workspace_id = ${workspaceId} and queue_id = ${queueId}`.execute(
    trx,
  );
  if (keys.length === 0) return 0;
  const r = await sql`
    insert into call_queue_keys (workspace_id, queue_id, kind, value, match, position)
    select ${workspaceId}, ${queueId}, k.kind, k.value, k.match, k.position::int
    from unnest(${keys.map((k) => k.kind)}::text[], ${keys.map((k) => k.value)}::text[],
      ${keys.map((k) => k.match)}::text[], ${keys.map((_, i) => i)}::int[]) as k(kind, value, match, position)
    on conflict do nothing`.execute(trx);
  return Number(r.numAffectedRows ?? 0);
}

/** Replaces a queue's members. */
export async function replaceQueueMembers(
  trx: Tx,
  workspaceId: string,
  queueId: string,
  userIds: readonly string[],
): Promise<void> {
  await sql`delete from call_queue_members where workspace_id = ${workspaceId} and queue_id = ${queueId}`.execute(
    trx,
  );
  if (userIds.length === 0) return;
  await sql`
    insert into call_queue_members (workspace_id, queue_id, user_id)
    select ${workspaceId}, ${queueId}, u from unnest(${userIds as string[]}::uuid[]) as u
    on conflict do nothing`.execute(trx);
}

/** Replaces a queue's own wrap-up codes (none: the workspace's list applies to its calls). */
export async function replaceQueueCodes(
  trx: Tx,
  workspaceId: string,
  queueId: string,
  codes: readonly WrapUpCodeInput[],
): Promise<void> {
  await sql`
    delete from call_queue_wrap_up_codes where workspace_id = ${workspaceId} and queue_id = ${queueId}`.execute(
    trx,
  );
  if (codes.length === 0) return;
  await sql`
    insert into call_queue_wrap_up_codes (workspace_id, queue_id, code, label, labels, position)
    select w.id, ${queueId}, c.code, c.label, c.labels, c.position::int
    from workspaces w
    cross join unnest(${codes.map((c) => c.code)}::text[], ${codes.map((c) => c.label)}::text[],
      ${codes.map((c) => JSON.stringify(c.labels ?? {}))}::jsonb[], ${codes.map((_, i) => i)}::int[])
      as c(code, label, labels, position)
    where w.id = ${workspaceId}`.execute(trx);
}

/** The members of a queue who are still members of the workspace. */
export async function selectQueueMemberIds(trx: Tx, workspaceId: string, queueId: string): Promise<string[]> {
  const { rows } = await sql<{ userId: string }>`
    select m.user_id as "userId" from call_queue_members m
    join memberships s on s.workspace_id = m.workspace_id and s.user_id = m.user_id
    where m.workspace_id = ${workspaceId} and m.queue_id = ${queueId}
    order by m.user_id`.execute(trx);
  return rows.map((r) => r.userId);
}

/** The members of each of the workspace's queues (not removed) who are still members of the workspace. */
export async function selectAllQueueMembers(
  trx: Tx,
  workspaceId: string,
): Promise<{ queueId: string; userId: string }[]> {
  const { rows } = await sql<{ queueId: string; userId: string }>`
    select m.queue_id as "queueId", m.user_id as "userId" from call_queue_members m
    join memberships s on s.workspace_id = m.workspace_id and s.user_id = m.user_id
    where m.workspace_id = ${workspaceId}`.execute(trx);
  return rows;
}

/**
 * The wrap-up codes that apply to a call: its queue's own list when it has one, else the workspace's; and which
 * list it is. One statement.
 */
export async function selectCodesForCall(
  trx: Tx,
  workspaceId: string,
  callId: string,
): Promise<{ queueId: string | null; source: 'queue' | 'workspace'; codes: WrapUpCode[] } | undefined> {
  const workspace = workspaceLiteral(workspaceId);
  const { rows } = await sql<{
    queueId: string | null;
    queueCodes: WrapUpCode[];
    workspaceCodes: WrapUpCode[];
  }>`
    select c.queue_id as "queueId",
      coalesce((select jsonb_agg(jsonb_build_object('code', q.code, 'label', q.label, 'labels', q.labels)
          order by q.position, q.code)
        from call_queue_wrap_up_codes q where q.workspace_id = ${workspace} and q.queue_id = c.queue_id), '[]')
        as "queueCodes",
      coalesce((select jsonb_agg(jsonb_build_object('code', w.code, 'label', w.label, 'labels', w.labels)
          order by w.position, w.code)
        from call_wrap_up_codes w where w.workspace_id = ${workspace}), '[]') as "workspaceCodes"
    from calls c where c.workspace_id = ${workspace} and c.id = ${callId}`.execute(trx);
  const row = rows[0];
  if (!row) return undefined;
  return row.queueCodes.length > 0
    ? { queueId: row.queueId, source: 'queue', codes: row.queueCodes }
    : { queueId: row.queueId, source: 'workspace', codes: row.workspaceCodes };
}
