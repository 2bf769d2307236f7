import { type Tx, workspaceLiteral } from '@rabita/db';
import type { Locale } from '@rabita/shared';
import { type RawBuilder, sql } from 'kysely';

const utc = (column: string) =>
  sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`);

/** What the agent added to a call after it (migration `calls-0004-wrap-up`). */
export interface WrapUpRow {
  notes: string | null;
  wrapUpCode: string | null;
  outcomeOverride: string | null;
  linkedObject: 'people' | 'companies' | 'leads' | null;
  linkedRecordId: string | null;
  ticketId: string | null;
  taskId: string | null;
  wrappedUpAt: string | null;
  wrappedUpBy: string | null;
  /** The report (a complaint or return ticket) opened from the call, and the workflow run it started. */
  reportTicketId: string | null;
  reportType: 'complaint' | 'return' | null;
  reportRunId: string | null;
  /** Self-service links sent from the call, oldest first. */
  selfService: SelfServiceSent[];
  /** A promise to pay: an amount (decimal text), its currency and due date (YYYY-MM-DD). */
  promiseAmount: string | null;
  promiseCurrency: string | null;
  promiseDueOn: string | null;
}

/** A self-service link sent from a call. */
export interface SelfServiceSent {
  channel: 'email' | 'sms';
  to: string;
  url: string;
  at: string;
  by: string | null;
}

const wrapUpColumns = sql`notes, wrap_up_code as "wrapUpCode", outcome_override as "outcomeOverride",
  linked_object as "linkedObject", linked_record_id as "linkedRecordId", ticket_id as "ticketId", task_id as "taskId",
  ${utc('wrapped_up_at')} as "wrappedUpAt", wrapped_up_by as "wrappedUpBy",
  report_ticket_id as "reportTicketId", report_type as "reportType", report_run_id as "reportRunId",
  self_service as "selfService", promise_amount::text as "promiseAmount", promise_currency as "promiseCurrency",
  to_char(promise_due_on, 'YYYY-MM-DD') as "promiseDueOn"`;

/** A wrap-up code's label in each language it has one in (migration `calls-0010-wrap-up-labels`). */
export type WrapUpLabels = Partial<Record<Locale, string>>;

/** One wrap-up code as kept: the code given to calls, its default label and its labels per language. */
export interface WrapUpCode {
  code: string;
  label: string;
  labels: WrapUpLabels;
}

/** A wrap-up code as written: labels per language left out are none. */
export type WrapUpCodeInput = Omit<WrapUpCode, 'labels'> & { labels?: WrapUpLabels | undefined };

/** A call's wrap-up code by its labels: the default and per language, of the list the code was chosen from. */
export interface WrapUpNames {
  /** Null when there is no code or its list no longer holds it: the reader then sees the code itself. */
  wrapUpLabel: string | null;
  /** Empty then too. */
  wrapUpLabels: WrapUpLabels;
}

/**
 * The wrap-up code's labels (`{label, labels}`) from the list the code was chosen from: the call's queue's own codes
 * when the queue has any, else the workspace's. Null when there is no code, when the call's queue was removed (its
 * codes went with it), or when the list no longer holds the code. Every subquery is confined by the workspace's
 * literal (`workspaceLiteral`), so a Citus coordinator sends the read to the workspace's shard only.
 */
const wrapUpName = (workspace: RawBuilder<string>) => sql`case when calls.wrap_up_code is null then null
  when calls.queue_id is not null then (
    select case when q.deleted_at is not null then null
      when exists (select 1 from call_queue_wrap_up_codes qc where qc.workspace_id = ${workspace} and qc.queue_id = q.id)
        then (select jsonb_build_object('label', qc.label, 'labels', qc.labels) from call_queue_wrap_up_codes qc
          where qc.workspace_id = ${workspace} and qc.queue_id = q.id and qc.code = calls.wrap_up_code)
      else (select jsonb_build_object('label', w.label, 'labels', w.labels) from call_wrap_up_codes w
        where w.workspace_id = ${workspace} and w.code = calls.wrap_up_code) end
    from call_queues q where q.workspace_id = ${workspace} and q.id = calls.queue_id)
  else (select jsonb_build_object('label', w.label, 'labels', w.labels) from call_wrap_up_codes w
    where w.workspace_id = ${workspace} and w.code = calls.wrap_up_code) end`;

type Named = { wrapUpName: { label: string; labels: WrapUpLabels } | null };

/** A row's `wrapUpName` as the two fields the card and the timeline send. */
function named<T extends Named>({ wrapUpName: name, ...rest }: T): Omit<T, 'wrapUpName'> & WrapUpNames {
  return { ...rest, wrapUpLabel: name?.label ?? null, wrapUpLabels: name?.labels ?? {} };
}

/** A call's wrap-up; `lock` holds the call's row for the rest of the transaction (one writer at a time). */
export async function selectWrapUp(
  trx: Tx,
  workspaceId: string,
  callId: string,
  options: { lock?: boolean } = {},
): Promise<WrapUpRow | undefined> {
  const { rows } = await sql<WrapUpRow>`
    select ${wrapUpColumns} from calls where workspace_id = ${workspaceId} and id = ${callId}
    ${options.lock ? sql`for update` : sql``}`.execute(trx);
  return rows[0];
}

/** The queue a call went through, as its card names it. */
export interface CallQueueName {
  id: string;
  name: string;
}

/**
 * A call's wrap-up and the queue it went through, in one statement (the call card's read). The queue is named even
 * when it was removed since: the call did go through it.
 */
export async function selectWrapUpAndQueue(
  trx: Tx,
  workspaceId: string,
  callId: string,
): Promise<(WrapUpRow & WrapUpNames & { queue: CallQueueName | null }) | undefined> {
  const workspace = workspaceLiteral(workspaceId);
  const { rows } = await sql<WrapUpRow & Named & { queue: CallQueueName | null }>`
    select ${wrapUpColumns}, ${wrapUpName(workspace)} as "wrapUpName",
      (select json_build_object('id', q.id, 'name', q.name) from call_queues q
        where q.workspace_id = ${workspace} and q.id = calls.queue_id) as queue
    from calls where workspace_id = ${workspace} and id = ${callId}`.execute(trx);
  return rows[0] && named(rows[0]);
}

/** The wrap-up of each of these calls (for their timeline entries) with its code's labels, by call id. */
export async function selectWrapUps(
  trx: Tx,
  workspaceId: string,
  callIds: readonly string[],
): Promise<Map<string, WrapUpRow & WrapUpNames>> {
  if (callIds.length === 0) return new Map();
  const workspace = workspaceLiteral(workspaceId);
  const { rows } = await sql<WrapUpRow & Named & { id: string }>`
    select id, ${wrapUpColumns}, ${wrapUpName(workspace)} as "wrapUpName" from calls
    where workspace_id = ${workspace} and id = any(${callIds as string[]}::uuid[])`.execute(trx);
  return new Map(rows.map(({ id, ...r }) => [id, named(r)]));
}

/** Writes what the agent said of the call; fields left undefined keep their value. */
export async function updateWrapUp(
  trx: Tx,
  workspaceId: string,
  callId: string,
  set: {
    notes?: string | null | undefined;
    wrapUpCode?: string | null | undefined;
    outcomeOverride?: string | null | undefined;
    by: string | null;
  },
): Promise<void> {
  await sql`
    update calls set
      notes = case when ${set.notes !== undefined} then ${set.notes ?? null}::text else notes end,
      wrap_up_code = case when ${set.wrapUpCode !== undefined} then ${set.wrapUpCode ?? null}::text else wrap_up_code end,
      outcome_override = case when ${set.outcomeOverride !== undefined} then ${set.outcomeOverride ?? null}::text
        else outcome_override end,
      wrapped_up_at = now(), wrapped_up_by = ${set.by}::uuid, updated_at = now()
    where workspace_id = ${workspaceId} and id = ${callId}`.execute(trx);
}

/**
 * Links the call to a record (or unlinks it): the call then sits on that record's timeline, and leaves the one it
 * was linked to before unless the caller's number matched it.
 */
export async function updateLink(
  trx: Tx,
  workspaceId: string,
  callId: string,
  link: { object: string; recordId: string } | null,
): Promise<void> {
  await sql`
    delete from call_records r using calls c
    where r.workspace_id = ${workspaceId} and r.call_id = ${callId}
      and c.workspace_id = ${workspaceId} and c.id = ${callId}
      and not exists (
        select 1 from jsonb_array_elements(c.matches) m
        where m ->> 'object' = r.object and m ->> 'recordId' = r.record_id::text)`.execute(trx);
  await sql`
    update calls set linked_object = ${link?.object ?? null}, linked_record_id = ${link?.recordId ?? null}::uuid,
      updated_at = now()
    where workspace_id = ${workspaceId} and id = ${callId}`.execute(trx);
  if (link)
    await sql`
      insert into call_records (workspace_id, object, record_id, at, call_id)
      select ${workspaceId}, ${link.object}, ${link.recordId}::uuid, coalesce(c.ringing_at, c.answered_at, c.created_at), c.id
      from calls c where c.workspace_id = ${workspaceId} and c.id = ${callId}
      on conflict do nothing`.execute(trx);
}

/** Notes the ticket or follow-up task opened from the call. */
export async function setOpened(
  trx: Tx,
  workspaceId: string,
  callId: string,
  opened: { ticketId: string } | { taskId: string },
): Promise<void> {
  if ('ticketId' in opened)
    await sql`update calls set ticket_id = ${opened.ticketId}::uuid, updated_at = now()
      where workspace_id = ${workspaceId} and id = ${callId}`.execute(trx);
  else
    await sql`update calls set task_id = ${opened.taskId}::uuid, updated_at = now()
      where workspace_id = ${workspaceId} and id = ${callId}`.execute(trx);
}

/** A workspace's wrap-up codes, in order. */
export async function selectWrapUpCodes(trx: Tx, workspaceId: string): Promise<WrapUpCode[]> {
  const { rows } = await sql<WrapUpCode>`
    select code, label, labels from call_wrap_up_codes where workspace_id = ${workspaceId}
    order by position, code limit 200`.execute(trx);
  return rows;
}

/** Replaces a workspace's wrap-up codes with this list (calls keep the codes they were given). */
export async function replaceWrapUpCodes(
  trx: Tx,
  workspaceId: string,
  codes: readonly WrapUpCodeInput[],
): Promise<void> {
  await sql`delete from call_wrap_up_codes where workspace_id = ${workspaceId}`.execute(trx);
  if (codes.length === 0) return;
  await sql`
    insert into call_wrap_up_codes (workspace_id, code, label, labels, position)
    select w.id, c.code, c.label, c.labels, c.position::int
    from workspaces w
    cross join unnest(${codes.map((c) => c.code)}::text[], ${codes.map((c) => c.label)}::text[],
      ${codes.map((c) => JSON.stringify(c.labels ?? {}))}::jsonb[], ${codes.map((_, i) => i)}::int[])
      as c(code, label, labels, position)
    where w.id = ${workspaceId}`.execute(trx);
}
