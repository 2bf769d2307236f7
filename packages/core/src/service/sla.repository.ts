import { type Database, epochSeconds, type Tx, withUtcTexts } from '@rabita/db';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { BusinessCalendar } from './business-calendar.ts';
import type { Clock, PolicySnapshot, SlaStatus, SlaTargets, SlaWarn } from './sla-clocks.ts';

// SQL of the SLA tables (sla.migrations.ts). Every function takes the workspace transaction first. Run without
// the camel-case plugin: jsonb values (targets by metric, calendars by weekday) come back as stored.

const raw = (executor: Database | Tx) => executor.withoutPlugins() as unknown as Kysely<unknown>;

export interface CalendarRow {
  id: string;
  name: string;
  definition: BusinessCalendar;
  createdAt: string;
  updatedAt: string;
}

export interface PolicyRow {
  id: string;
  name: string;
  position: number;
  enabled: boolean;
  condition: unknown;
  calendarId: string | null;
  businessTime: boolean;
  targets: SlaTargets;
  pauseStatuses: string[];
  warn: SlaWarn;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** How an event is stored: a policy event names the version (its snapshot is in `sla_policy_versions`). */
export type StoredEventData =
  | { kind: 'created'; status: string; priority: string }
  | { kind: 'status'; status: string }
  | { kind: 'priority'; priority: string }
  | { kind: 'reply' }
  | { kind: 'customer' }
  | { kind: 'hold'; held: boolean }
  | { kind: 'policy'; policyId: string | null; version: number | null };

const ISO = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

type Time = (column: string) => RawBuilder<unknown>;
const calendarColumns = (time: Time) =>
  sql`id, name, definition, ${time('created_at')} as "createdAt", ${time('updated_at')} as "updatedAt"`;
const policyColumns = (time: Time) => sql`id, name, position, enabled, condition, calendar_id as "calendarId",
  business_time as "businessTime", targets, pause_statuses as "pauseStatuses", warn, version,
  ${time('created_at')} as "createdAt", ${time('updated_at')} as "updatedAt"`;
const CALENDAR = calendarColumns(ISO);
const POLICY = policyColumns(ISO);
// What writes return: times as seconds, written by `returnedTimes` (a cluster takes no `to_char` in `returning`).
const CALENDAR_RETURNED = calendarColumns(epochSeconds);
const POLICY_RETURNED = policyColumns(epochSeconds);
const returnedTimes = <T extends { createdAt: string; updatedAt: string }>(row: T): T =>
  withUtcTexts(row, ['createdAt', 'updatedAt'], 3);

// Calendars

export async function listCalendars(trx: Tx, workspaceId: string): Promise<CalendarRow[]> {
  const { rows } = await sql<CalendarRow>`
    select ${CALENDAR} from sla_calendars where workspace_id = ${workspaceId} order by name, id`.execute(
    raw(trx),
  );
  return rows;
}

export async function findCalendar(
  trx: Tx,
  workspaceId: string,
  id: string,
): Promise<CalendarRow | undefined> {
  const { rows } = await sql<CalendarRow>`
    select ${CALENDAR} from sla_calendars where workspace_id = ${workspaceId} and id = ${id}`.execute(
    raw(trx),
  );
  return rows[0];
}

export async function insertCalendar(
  trx: Tx,
  workspaceId: string,
  c: { id: string; name: string; definition: BusinessCalendar },
): Promise<CalendarRow> {
  const { rows } = await sql<CalendarRow>`
    insert into sla_calendars (workspace_id, id, name, definition)
    values (${workspaceId}, ${c.id}, ${c.name}, ${JSON.stringify(c.definition)}::jsonb)
    returning ${CALENDAR_RETURNED}`.execute(raw(trx));
  return returnedTimes(rows[0]!);
}

export async function updateCalendarRow(
  trx: Tx,
  workspaceId: string,
  id: string,
  c: { name: string; definition: BusinessCalendar },
): Promise<CalendarRow | undefined> {
  const { rows } = await sql<CalendarRow>`
    update sla_calendars set name = ${c.name}, definition = ${JSON.stringify(c.definition)}::jsonb, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${id}
    returning ${CALENDAR_RETURNED}`.execute(raw(trx));
  return rows[0] && returnedTimes(rows[0]);
}

export async function deleteCalendarRow(trx: Tx, workspaceId: string, id: string): Promise<boolean> {
  const { rows } = await sql`
    delete from sla_calendars where workspace_id = ${workspaceId} and id = ${id} returning id`.execute(
    raw(trx),
  );
  return rows.length > 0;
}

// Policies

export async function listPolicies(trx: Tx, workspaceId: string): Promise<PolicyRow[]> {
  const { rows } = await sql<PolicyRow>`
    select ${POLICY} from sla_policies where workspace_id = ${workspaceId} order by position, id`.execute(
    raw(trx),
  );
  return rows;
}

export async function findPolicy(
  trx: Tx,
  workspaceId: string,
  id: string,
  lock = false,
): Promise<PolicyRow | undefined> {
  const { rows } = await sql<PolicyRow>`
    select ${POLICY} from sla_policies where workspace_id = ${workspaceId} and id = ${id}
    ${lock ? sql`for update` : sql``}`.execute(raw(trx));
  return rows[0];
}

export async function policiesUsingCalendar(
  trx: Tx,
  workspaceId: string,
  calendarId: string,
): Promise<PolicyRow[]> {
  const { rows } = await sql<PolicyRow>`
    select ${POLICY} from sla_policies where workspace_id = ${workspaceId} and calendar_id = ${calendarId}
    order by position, id for update`.execute(raw(trx));
  return rows;
}

type PolicyWrite = Omit<PolicyRow, 'createdAt' | 'updatedAt' | 'position'>;

/**
 * Adds a policy last. One statement a Citus cluster routes to the workspace's shard: an `insert … select` anchored
 * on the workspace's row (a subquery in `values` is refused there), the target aliased (without an alias Citus
 * writes the shard's `returning` with the table's own name, which the shard does not know). The workspace must be
 * the transaction's: another's row is not visible, and nothing would be inserted.
 */
export async function insertPolicy(trx: Tx, workspaceId: string, p: PolicyWrite): Promise<PolicyRow> {
  const { rows } = await sql<PolicyRow>`
    insert into sla_policies as t (workspace_id, id, name, position, enabled, condition, calendar_id, business_time,
      targets, pause_statuses, warn, version)
    select w.id, ${p.id}::uuid, ${p.name}::text,
      (select coalesce(max(position), 0) + 1 from sla_policies where workspace_id = ${workspaceId}),
      ${p.enabled}::boolean, ${p.condition === null ? null : JSON.stringify(p.condition)}::jsonb, ${p.calendarId}::uuid,
      ${p.businessTime}::boolean, ${JSON.stringify(p.targets)}::jsonb, ${p.pauseStatuses}::text[],
      ${JSON.stringify(p.warn)}::jsonb, ${p.version}::integer
    from workspaces w where w.id = ${workspaceId}
    returning ${POLICY_RETURNED}`.execute(raw(trx));
  return returnedTimes(rows[0]!);
}

export async function updatePolicyRow(trx: Tx, workspaceId: string, p: PolicyWrite & { position: number }) {
  const { rows } = await sql<PolicyRow>`
    update sla_policies set name = ${p.name}, position = ${p.position}, enabled = ${p.enabled},
      condition = ${p.condition === null ? null : JSON.stringify(p.condition)}::jsonb, calendar_id = ${p.calendarId},
      business_time = ${p.businessTime}, targets = ${JSON.stringify(p.targets)}::jsonb,
      pause_statuses = ${p.pauseStatuses}::text[], warn = ${JSON.stringify(p.warn)}::jsonb, version = ${p.version},
      updated_at = now()
    where workspace_id = ${workspaceId} and id = ${p.id}
    returning ${POLICY_RETURNED}`.execute(raw(trx));
  return returnedTimes(rows[0]!);
}

export async function deletePolicyRow(trx: Tx, workspaceId: string, id: string): Promise<void> {
  await sql`delete from sla_policies where workspace_id = ${workspaceId} and id = ${id}`.execute(raw(trx));
}

export async function insertPolicyVersion(
  trx: Tx,
  workspaceId: string,
  snapshot: PolicySnapshot,
): Promise<void> {
  await sql`
    insert into sla_policy_versions (workspace_id, policy_id, version, snapshot)
    values (${workspaceId}, ${snapshot.policyId}, ${snapshot.version}, ${JSON.stringify(snapshot)}::jsonb)
    on conflict do nothing`.execute(raw(trx));
}

export async function policyVersions(
  trx: Tx,
  workspaceId: string,
  keys: readonly { policyId: string; version: number }[],
): Promise<PolicySnapshot[]> {
  if (keys.length === 0) return [];
  const { rows } = await sql<{ snapshot: PolicySnapshot }>`
    select snapshot from sla_policy_versions v
    join jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) as k ("policyId" uuid, version integer)
      on v.policy_id = k."policyId" and v.version = k.version
    where v.workspace_id = ${workspaceId}`.execute(raw(trx));
  return rows.map((r) => r.snapshot);
}

// A ticket's SLA

export interface TicketSlaRow {
  policyId: string | null;
  policyVersion: number | null;
  status: SlaStatus;
  dueAt: Date | null;
}

/** The ticket's SLA row, locked (so its events are appended one writer at a time), created when missing. */
export async function lockTicketSla(trx: Tx, workspaceId: string, ticketId: string): Promise<TicketSlaRow> {
  await sql`insert into ticket_sla (workspace_id, ticket_id) values (${workspaceId}, ${ticketId})
    on conflict do nothing`.execute(raw(trx));
  const { rows } = await sql<TicketSlaRow>`
    select policy_id as "policyId", policy_version as "policyVersion", status, due_at as "dueAt"
    from ticket_sla where workspace_id = ${workspaceId} and ticket_id = ${ticketId} for update`.execute(
    raw(trx),
  );
  return rows[0]!;
}

export async function findTicketSla(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<TicketSlaRow | undefined> {
  const { rows } = await sql<TicketSlaRow>`
    select policy_id as "policyId", policy_version as "policyVersion", status, due_at as "dueAt"
    from ticket_sla where workspace_id = ${workspaceId} and ticket_id = ${ticketId}`.execute(raw(trx));
  return rows[0];
}

export async function appendEvents(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  at: Date,
  events: readonly StoredEventData[],
): Promise<void> {
  if (events.length === 0) return;
  const { rows } = await sql<{ seq: number }>`
    update ticket_sla set next_seq = next_seq + ${events.length}
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId}
    returning next_seq - ${events.length} as seq`.execute(raw(trx));
  const first = rows[0]!.seq;
  const values = events.map(
    ({ kind, ...data }, i) =>
      sql`(${workspaceId}, ${ticketId}, ${first + i}, ${at.toISOString()}::timestamptz, ${kind}, ${JSON.stringify(data)}::jsonb)`,
  );
  await sql`insert into ticket_sla_events (workspace_id, ticket_id, seq, at, kind, data)
    values ${sql.join(values)}`.execute(raw(trx));
  const policy = events.findLast((e) => e.kind === 'policy');
  if (policy)
    await sql`update ticket_sla set policy_id = ${policy.policyId}, policy_version = ${policy.version}
      where workspace_id = ${workspaceId} and ticket_id = ${ticketId}`.execute(raw(trx));
}

export async function ticketEvents(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<(StoredEventData & { at: Date })[]> {
  const { rows } = await sql<{ at: Date; kind: StoredEventData['kind']; data: Record<string, unknown> }>`
    select at, kind, data from ticket_sla_events where workspace_id = ${workspaceId} and ticket_id = ${ticketId}
    order by seq`.execute(raw(trx));
  return rows.map((r) => ({ ...r.data, kind: r.kind, at: r.at }) as StoredEventData & { at: Date });
}

/** Replaces the ticket's clocks and its summary; `nextDueAt` is when the sweep should look at it again. */
export async function saveClocks(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  clocks: readonly Clock[],
  summary: { status: SlaStatus; dueAt: Date | null; nextDueAt: Date | null },
  now: Date,
): Promise<void> {
  await sql`delete from sla_clocks where workspace_id = ${workspaceId} and ticket_id = ${ticketId}`.execute(
    raw(trx),
  );
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  if (clocks.length > 0) {
    const values = clocks.map(
      (
        c,
      ) => sql`(${workspaceId}, ${ticketId}, ${c.metric}, ${c.policyId}, ${c.state}, ${c.consumedMs}, ${c.targetMs},
        ${iso(c.deadline)}::timestamptz, ${iso(c.warnAt)}::timestamptz, ${iso(c.warnedAt)}::timestamptz,
        ${iso(c.breachedAt)}::timestamptz, ${c.breachReason}, ${iso(c.metAt)}::timestamptz, ${c.cycle},
        ${now.toISOString()}::timestamptz)`,
    );
    await sql`insert into sla_clocks (workspace_id, ticket_id, metric, policy_id, state, consumed_ms, target_ms,
      deadline, warn_at, warned_at, breached_at, breach_reason, met_at, cycle, computed_at)
      values ${sql.join(values)}`.execute(raw(trx));
  }
  await sql`update ticket_sla set status = ${summary.status}, due_at = ${iso(summary.dueAt)}::timestamptz,
      next_due_at = ${iso(summary.nextDueAt)}::timestamptz
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId}`.execute(raw(trx));
}

/** A page of open tickets under a policy (any version), after `after`. */
export async function ticketsUnderPolicy(
  trx: Tx,
  workspaceId: string,
  policyId: string,
  after: string | null,
  limit: number,
): Promise<string[]> {
  const { rows } = await sql<{ ticket_id: string }>`
    select ticket_id from ticket_sla
    where workspace_id = ${workspaceId} and policy_id = ${policyId} ${after ? sql`and ticket_id > ${after}` : sql``}
    order by ticket_id limit ${limit}`.execute(raw(trx));
  return rows.map((r) => r.ticket_id);
}

/** Tickets of every workspace whose next warning or deadline is at or before `before` (the sweep). */
export async function dueTickets(
  db: Database,
  before: Date,
  limit: number,
): Promise<{ workspace_id: string; ticket_id: string }[]> {
  const { rows } = await sql<{ workspace_id: string; ticket_id: string }>`
    select * from rabita_sla_due(${before.toISOString()}::timestamptz, ${limit})`.execute(raw(db));
  return rows;
}

/** The ticket's SLA fields as stored, and whether it is deleted (undefined when there is no such ticket). */
export async function ticketBasics(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<{ slaStatus: string | null; slaDueAt: Date | null; deleted: boolean } | undefined> {
  const { rows } = await sql<{ slaStatus: string | null; slaDueAt: Date | null; deleted: boolean }>`
    select sla_status as "slaStatus", sla_due_at as "slaDueAt", deleted_at is not null as deleted from tickets
    where workspace_id = ${workspaceId} and id = ${ticketId}`.execute(raw(trx));
  return rows[0];
}
