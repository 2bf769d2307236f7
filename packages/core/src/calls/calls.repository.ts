import { type Database, epochSeconds, type Tx, withUtcTexts } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';
import type { FoldedCall } from './call-fold.ts';

const utc = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** A phone connection as stored (its sealed HMAC secret only when asked for). */
export interface ConnectionRow {
  id: string;
  name: string;
  type: string;
  apiKeyPrefix: string | null;
  hasSecret: boolean;
  extensions: Record<string, string>;
  stripPrefixes: string[];
  country: string;
  /** Seconds of wrap-up after an answered call (calls-0003-presence). */
  wrapUpSeconds: number;
  /** What the adapter reaches its phone system with (calls-0005-adapters); never secret. */
  settings: Record<string, unknown>;
  /** Whether the AMI secret, ARI password or Twilio auth token is set (it is never shown). */
  hasAdapterSecret: boolean;
  createdAt: string;
  updatedAt: string;
}

const connectionColumns = sql`id, name, type, api_key_prefix as "apiKeyPrefix", hmac_secret is not null as "hasSecret",
  extensions, strip_prefixes as "stripPrefixes", country, wrap_up_seconds as "wrapUpSeconds", settings, adapter_secret is not null as "hasAdapterSecret",
  ${utc('created_at')} as "createdAt", ${utc('updated_at')} as "updatedAt"`;

export async function insertConnection(
  trx: Tx,
  row: {
    workspaceId: string;
    id: string;
    name: string;
    type: string;
    apiKeyHash: Buffer | null;
    apiKeyPrefix: string | null;
    hmacSecret: string | null;
    extensions: Record<string, string>;
    stripPrefixes: readonly string[];
    country: string;
  },
): Promise<void> {
  await sql`
    insert into call_connections (workspace_id, id, name, type, api_key_hash, api_key_prefix, hmac_secret,
      extensions, strip_prefixes, country)
    values (${row.workspaceId}, ${row.id}, ${row.name}, ${row.type}, ${row.apiKeyHash}, ${row.apiKeyPrefix},
      ${row.hmacSecret}, ${JSON.stringify(row.extensions)}::jsonb, ${row.stripPrefixes as string[]}::text[],
      ${row.country})`.execute(trx);
}

/** Changes some of a connection's settings; a secret given replaces the old one (null removes it). */
export async function updateConnection(
  trx: Tx,
  workspaceId: string,
  id: string,
  set: {
    name?: string | undefined;
    type?: string | undefined;
    apiKey?: { hash: Buffer; prefix: string } | null | undefined;
    hmacSecret?: string | null | undefined;
    extensions?: Record<string, string> | undefined;
    stripPrefixes?: readonly string[] | undefined;
    country?: string | undefined;
  },
): Promise<void> {
  await sql`
    update call_connections set
      name = coalesce(${set.name ?? null}, name),
      type = coalesce(${set.type ?? null}, type),
      api_key_hash = case when ${set.apiKey !== undefined} then ${set.apiKey?.hash ?? null}::bytea else api_key_hash end,
      api_key_prefix = case when ${set.apiKey !== undefined} then ${set.apiKey?.prefix ?? null}::text else api_key_prefix end,
      hmac_secret = case when ${set.hmacSecret !== undefined} then ${set.hmacSecret ?? null}::text else hmac_secret end,
      extensions = coalesce(${set.extensions ? JSON.stringify(set.extensions) : null}::jsonb, extensions),
      strip_prefixes = coalesce(${(set.stripPrefixes as string[] | undefined) ?? null}::text[], strip_prefixes),
      country = coalesce(${set.country ?? null}, country),
      updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

export async function selectConnection(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ConnectionRow | undefined> {
  const { rows } = await sql<ConnectionRow>`
    select ${connectionColumns} from call_connections where workspace_id = ${workspaceId} and id = ${id}
    ${options.lock ? sql`for update` : sql``}`.execute(trx);
  return rows[0];
}

export async function listConnections(trx: Tx, workspaceId: string): Promise<ConnectionRow[]> {
  const { rows } = await sql<ConnectionRow>`
    select ${connectionColumns} from call_connections where workspace_id = ${workspaceId}
    order by name, id limit 200`.execute(trx);
  return rows;
}

export async function deleteConnection(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const r =
    await sql`delete from call_connections where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
  return Number(r.numAffectedRows ?? 0) > 0;
}

/** Which workspace and connection an API key's hash, or a connection id, belongs to (across workspaces). */
export async function findConnectionOwner(
  db: Database,
  by: { keyHash: Buffer | null; id: string | null },
): Promise<{ workspaceId: string; connectionId: string } | undefined> {
  const { rows } = await sql<{ workspaceId: string; connectionId: string }>`
    select workspace_id as "workspaceId", connection_id as "connectionId"
    from rabita_call_connection(${by.keyHash}::bytea, ${by.id}::uuid)`.execute(db);
  return rows[0];
}

/** What the call-event route needs of a connection: its sealed secret, number rules and extension map. */
export async function selectConnectionForEvents(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<
  | {
      hmacSecret: string | null;
      apiKeyHash: Buffer | null;
      extensions: Record<string, string>;
      stripPrefixes: string[];
      country: string;
    }
  | undefined
> {
  const { rows } = await sql<{
    hmacSecret: string | null;
    apiKeyHash: Buffer | null;
    extensions: Record<string, string>;
    stripPrefixes: string[];
    country: string;
  }>`
    select hmac_secret as "hmacSecret", api_key_hash as "apiKeyHash", extensions,
      strip_prefixes as "stripPrefixes", country
    from call_connections where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
  return rows[0];
}

/** The ids among `userIds` that are members of the workspace. */
export async function membersAmong(
  trx: Tx,
  workspaceId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const { rows } = await sql<{ userId: string }>`
    select user_id as "userId" from memberships
    where workspace_id = ${workspaceId} and user_id = any(${userIds as string[]}::uuid[])`.execute(trx);
  return new Set(rows.map((r) => r.userId));
}

export async function selectDefaultCountry(trx: Tx, workspaceId: string): Promise<string> {
  const { rows } = await sql<{ country: string }>`
    select default_country as country from workspaces where id = ${workspaceId}`.execute(trx);
  return rows[0]?.country ?? 'US';
}

/** A call as its row says, for the reads and the fold. */
export interface CallRow {
  id: string;
  connectionId: string;
  providerCallId: string;
  state: string;
  direction: string | null;
  fromRaw: string | null;
  toRaw: string | null;
  fromE164: string | null;
  fromNational: string | null;
  toE164: string | null;
  toNational: string | null;
  extension: string | null;
  agentUserId: string | null;
  correlationId: string | null;
  ringingAt: string | null;
  answeredAt: string | null;
  endedAt: string | null;
  duration: number | null;
  outcome: string | null;
  cause: string | null;
  recordingUrl: string | null;
  matchedNumber: string | null;
  matches: { object: 'people' | 'companies' | 'leads'; recordId: string; how: 'exact' | 'suffix' }[];
  personId: string | null;
  companyId: string | null;
  leadId: string | null;
  /** The queue the call went through (calls-0007-queues), when its events named one. */
  queueId: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * The call's columns as `CallRow` names them, of the table aliased `t` (or unqualified), its times written by
 * `time` (`to_char`, as the API shows them, unless said).
 */
const callColumnsOf = (t = '', time: (column: string) => RawBuilder<unknown> = utc) =>
  sql`${sql.raw(`${t}id, ${t}connection_id as "connectionId", ${t}provider_call_id as "providerCallId", ${t}state,
  ${t}direction, ${t}from_raw as "fromRaw", ${t}to_raw as "toRaw", ${t}from_e164 as "fromE164",
  ${t}from_national as "fromNational", ${t}to_e164 as "toE164", ${t}to_national as "toNational", ${t}extension,
  ${t}agent_user_id as "agentUserId", ${t}correlation_id as "correlationId"`)},
  ${time(`${t}ringing_at`)} as "ringingAt", ${time(`${t}answered_at`)} as "answeredAt",
  ${time(`${t}ended_at`)} as "endedAt", ${sql.raw(`${t}duration, ${t}outcome, ${t}cause, ${t}recording_url as "recordingUrl",
  ${t}matched_number as "matchedNumber", ${t}matches, ${t}person_id as "personId", ${t}company_id as "companyId",
  ${t}lead_id as "leadId", ${t}queue_id as "queueId"`)}, ${time(`${t}created_at`)} as "createdAt",
  ${time(`${t}updated_at`)} as "updatedAt"`;
const callColumns = callColumnsOf();
/**
 * What a write of a call returns: its times as seconds (`epochSeconds`), written by `returnedCall` as `to_char`
 * writes them (a Citus cluster takes no `to_char`, which is only stable, in `returning`).
 */
const CALL_RETURNED = callColumnsOf('', epochSeconds);
const returnedCall = (row: CallRow): CallRow =>
  withUtcTexts(row, ['ringingAt', 'answeredAt', 'endedAt', 'createdAt', 'updatedAt'], 6);

/** What the fold needs of a call's connection: its number rules and extension map. */
export interface FoldConnection {
  extensions: Record<string, string>;
  stripPrefixes: string[];
  country: string;
}

/**
 * The call of a connection's provider call id locked for the fold, with whom a queue offered it to and its
 * connection's number rules, in one statement (a join of two rows of one workspace, which a Citus cluster can run
 * on the workspace's shard); at the call's first event, the connection's rules alone (no call yet). Locking before
 * the events are read makes concurrent events of one call fold one after another. Nothing when the connection is
 * gone.
 */
export async function lockCallForFold(
  trx: Tx,
  workspaceId: string,
  connectionId: string,
  providerCallId: string,
): Promise<{ connection: FoldConnection; row: (CallRow & { offeredTo: string[] }) | undefined } | undefined> {
  const { rows } = await sql<FoldConnection & CallRow & { offeredTo: string[] }>`
    select k.extensions, k.strip_prefixes as "stripPrefixes", k.country, ${callColumnsOf('c.')},
      c.offered_to::text[] as "offeredTo"
    from calls c
    join call_connections k on k.workspace_id = c.workspace_id and k.id = c.connection_id
    where c.workspace_id = ${workspaceId} and c.connection_id = ${connectionId}
      and c.provider_call_id = ${providerCallId}
    for update of c`.execute(trx);
  const found = rows[0];
  if (found) {
    const { extensions, stripPrefixes, country, ...row } = found;
    return { connection: { extensions, stripPrefixes, country }, row };
  }
  const connection = await sql<FoldConnection>`
    select extensions, strip_prefixes as "stripPrefixes", country
    from call_connections where workspace_id = ${workspaceId} and id = ${connectionId}`.execute(trx);
  return connection.rows[0] && { connection: connection.rows[0], row: undefined };
}

/**
 * Makes a call (state `ringing`) at its first event and answers its row, held for the fold; when another
 * transaction made it first, waits for that one and answers the row it made.
 */
export async function createCallForFold(
  trx: Tx,
  workspaceId: string,
  connectionId: string,
  providerCallId: string,
  newId: string,
): Promise<CallRow> {
  const { rows } = await sql<CallRow>`
    insert into calls (workspace_id, id, connection_id, provider_call_id, state)
    values (${workspaceId}, ${newId}, ${connectionId}, ${providerCallId}, 'ringing')
    on conflict (workspace_id, connection_id, provider_call_id) do nothing
    returning ${CALL_RETURNED}`.execute(trx);
  if (rows[0]) return returnedCall(rows[0]);
  const locked = await sql<CallRow>`
    select ${callColumns} from calls
    where workspace_id = ${workspaceId} and connection_id = ${connectionId} and provider_call_id = ${providerCallId}
    for update`.execute(trx);
  return locked.rows[0]!;
}

/**
 * Keeps a call's events (a resend of the same event and sequence is skipped) and reads back every event the call
 * keeps, the new ones with them, as received (at most `limit`), in one statement; none when nothing was new (the
 * fold then has nothing to do). The new ones are read from the insert's `returning` only: on one PostgreSQL the
 * table's read does not see them (one snapshot), but a Citus cluster runs the insert first, as a step of its own,
 * and its read of the table then does (each new event came back twice, and a call of 500 events took no more).
 */
export async function keepCallEvents(
  trx: Tx,
  workspaceId: string,
  callId: string,
  events: readonly { id: string; event: string; sequence: number; at: string; body: unknown }[],
  limit: number,
): Promise<{ fresh: number; bodies: unknown[] }> {
  const { rows } = await sql<{ fresh: number; bodies: unknown[] }>`
    with fresh as (
      insert into call_events (workspace_id, id, call_id, event, sequence, at, body)
      values ${sql.join(
        events.map(
          (e) =>
            sql`(${workspaceId}, ${e.id}, ${callId}, ${e.event}, ${e.sequence}, ${e.at}::timestamptz, ${JSON.stringify(e.body)}::jsonb)`,
        ),
      )}
      on conflict (workspace_id, call_id, event, sequence) do nothing
      returning id, sequence, body
    )
    select (select count(*) from fresh)::int as fresh,
      coalesce((select jsonb_agg(b.body order by b.sequence, b.id) from (
        select id, sequence, body from call_events where workspace_id = ${workspaceId} and call_id = ${callId}
          and id not in (select id from fresh)
        union all select id, sequence, body from fresh
        order by sequence, id limit ${limit}
      ) b where exists (select 1 from fresh)), '[]'::jsonb) as bodies`.execute(trx);
  return rows[0]!;
}

/**
 * What the fold looks up for a call, in one statement: whether the agent its extension maps to is a member of the
 * workspace, and the queue its events name — by its key, else by a number it dialled (one index probe of
 * `call_queue_keys`).
 */
export async function foldLookups(
  trx: Tx,
  workspaceId: string,
  by: { userId: string | null; key: string | null; numbers: readonly string[] },
): Promise<{ member: boolean; queueId: string | null }> {
  if (by.userId === null && by.key === null && by.numbers.length === 0)
    return { member: false, queueId: null };
  const { rows } = await sql<{ member: boolean; queueId: string | null }>`
    select exists (
        select 1 from memberships where workspace_id = ${workspaceId} and user_id = ${by.userId}::uuid
      ) as member,
      (select queue_id from call_queue_keys
        where workspace_id = ${workspaceId}
          and ((kind = 'key' and match = ${by.key}) or (kind = 'number' and match = any(${by.numbers as string[]}::text[])))
        order by kind = 'key' desc
        limit 1) as "queueId"`.execute(trx);
  return rows[0]!;
}

/** A call's events for its page: kind, sequence, time and what each said. */
export async function selectCallEvents(
  trx: Tx,
  workspaceId: string,
  callId: string,
): Promise<{ id: string; event: string; sequence: number; at: string; receivedAt: string; body: unknown }[]> {
  const { rows } = await sql<{
    id: string;
    event: string;
    sequence: number;
    at: string;
    receivedAt: string;
    body: unknown;
  }>`
    select id, event, sequence, ${utc('at')} as at, ${utc('received_at')} as "receivedAt", body
    from call_events where workspace_id = ${workspaceId} and call_id = ${callId}
    order by sequence, at, id limit 1000`.execute(trx);
  return rows;
}

/**
 * Writes a call's folded state, numbers, agent and matches; and its place on its matched records' timelines, and on
 * the record an agent linked it to (calls-0004-wrap-up), only when its matches or its time moved (a call's first
 * fold, mostly) and it has such a place: most events change neither.
 */
export async function updateCall(
  trx: Tx,
  workspaceId: string,
  id: string,
  call: FoldedCall & {
    fromE164: string | null;
    fromNational: string | null;
    toE164: string | null;
    toNational: string | null;
    agentUserId: string | null;
    matchedNumber: string | null;
    matches: CallRow['matches'];
    personId: string | null;
    companyId: string | null;
    leadId: string | null;
    queueId: string | null;
    /** Whom a queue offers the call to from now on (queues.routing.ts); left as it is when not given. */
    offeredTo?: readonly string[] | undefined;
  },
): Promise<void> {
  const offered = call.offeredTo ? sql`, offered_to = ${call.offeredTo as string[]}::uuid[]` : sql``;
  const { rows } = await sql<{ moved: boolean }>`
    with before as (
      select coalesce(ringing_at, answered_at, created_at) as at, matches from calls
      where workspace_id = ${workspaceId} and id = ${id}
    ), after as (
      update calls set state = ${call.state}, direction = ${call.direction}, from_raw = ${call.fromRaw},
      to_raw = ${call.toRaw}, from_e164 = ${call.fromE164}, from_national = ${call.fromNational},
      to_e164 = ${call.toE164}, to_national = ${call.toNational}, extension = ${call.extension},
      agent_user_id = ${call.agentUserId}, correlation_id = ${call.correlationId},
      ringing_at = ${call.ringingAt}::timestamptz, answered_at = ${call.answeredAt}::timestamptz,
      ended_at = ${call.endedAt}::timestamptz, duration = ${call.duration}, outcome = ${call.outcome},
      cause = ${call.cause}, recording_url = ${call.recordingUrl}, matched_number = ${call.matchedNumber},
      matches = ${JSON.stringify(call.matches)}::jsonb, person_id = ${call.personId}, company_id = ${call.companyId},
      lead_id = ${call.leadId}, queue_id = ${call.queueId}, updated_at = now()${offered}
      where workspace_id = ${workspaceId} and id = ${id}
      returning coalesce(ringing_at, answered_at, created_at) as at, matches, linked_object
    )
    select (after.at is distinct from before.at or after.matches is distinct from before.matches)
      and (before.matches <> '[]'::jsonb or after.matches <> '[]'::jsonb or after.linked_object is not null) as moved
    from after, before`.execute(trx);
  if (!rows[0]?.moved) return;
  await sql`delete from call_records where workspace_id = ${workspaceId} and call_id = ${id}`.execute(trx);
  await sql`
    insert into call_records (workspace_id, object, record_id, at, call_id)
    select ${workspaceId}, m.object, m.record_id::uuid, coalesce(c.ringing_at, c.answered_at, c.created_at), c.id
    from calls c, lateral (
      select * from unnest(${call.matches.map((m) => m.object)}::text[], ${call.matches.map((m) => m.recordId)}::text[])
      union all select c.linked_object, c.linked_record_id::text where c.linked_object is not null
    ) as m(object, record_id)
    where c.workspace_id = ${workspaceId} and c.id = ${id}
    on conflict do nothing`.execute(trx);
}

export async function selectCall(trx: Tx, workspaceId: string, id: string): Promise<CallRow | undefined> {
  const { rows } = await sql<CallRow>`
    select ${callColumns} from calls where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
  return rows[0];
}

/** A page of calls, newest first (ids are time-ordered), after the cursor's id. */
export async function listCallsPage(
  trx: Tx,
  workspaceId: string,
  filter: {
    state?: string | undefined;
    agentUserId?: string | undefined;
    record?: { object: string; recordId: string } | undefined;
    before?: string | undefined;
    limit: number;
  },
): Promise<CallRow[]> {
  const { rows } = await sql<CallRow>`
    select ${callColumns} from calls
    where workspace_id = ${workspaceId}
      ${filter.state ? sql`and state = ${filter.state}` : sql``}
      ${filter.agentUserId ? sql`and agent_user_id = ${filter.agentUserId}` : sql``}
      ${
        filter.record
          ? sql`and id in (select call_id from call_records where workspace_id = ${workspaceId}
              and object = ${filter.record.object} and record_id = ${filter.record.recordId}::uuid)`
          : sql``
      }
      ${filter.before ? sql`and id < ${filter.before}` : sql``}
    order by id desc
    limit ${filter.limit}`.execute(trx);
  return rows;
}

/** A record's calls for its timeline, newest first by when they rang (else arrived), before a position. */
export async function callsOfRecordPage(
  trx: Tx,
  workspaceId: string,
  record: { object: string; recordId: string },
  page: { limit: number; before?: { at: string; id: string } | undefined },
): Promise<(CallRow & { at: string })[]> {
  const { rows } = await sql<CallRow & { at: string }>`
    select c.*, ${utc('page.at')} as at from (
      select r.call_id, r.at from call_records r
      where r.workspace_id = ${workspaceId} and r.object = ${record.object} and r.record_id = ${record.recordId}::uuid
        ${page.before ? sql`and (r.at, r.call_id) < (${page.before.at}::timestamptz, ${page.before.id}::uuid)` : sql``}
      order by r.at desc, r.call_id desc
      limit ${page.limit}
    ) page
    cross join lateral (select ${callColumns} from calls where workspace_id = ${workspaceId} and id = page.call_id) c
    order by page.at desc, page.call_id desc`.execute(trx);
  return rows;
}

/** One call on a record's timeline, as `callsOfRecordPage` reads it; none when the call is not on that timeline. */
export async function callOfRecord(
  trx: Tx,
  workspaceId: string,
  record: { object: string; recordId: string },
  callId: string,
): Promise<(CallRow & { at: string }) | undefined> {
  const { rows } = await sql<CallRow & { at: string }>`
    select c.*, ${utc('r.at')} as at from call_records r
    cross join lateral (select ${callColumns} from calls where workspace_id = ${workspaceId} and id = r.call_id) c
    where r.workspace_id = ${workspaceId} and r.call_id = ${callId}::uuid and r.object = ${record.object}
      and r.record_id = ${record.recordId}::uuid
    limit 1`.execute(trx);
  return rows[0];
}
