import { type Tx, workspaceLiteral } from '@rabita/db';
import { sql } from 'kysely';

export interface SurveySettings {
  csatEnabled: boolean;
  csatDelayMinutes: number;
  csatExpiryDays: number;
}

export const DEFAULT_SURVEY_SETTINGS: SurveySettings = {
  csatEnabled: false,
  csatDelayMinutes: 60,
  csatExpiryDays: 7,
};

export type SurveyStatus = 'scheduled' | 'sent' | 'answered' | 'cancelled' | 'expired' | 'skipped';

export interface SurveyRow {
  id: string;
  ticketId: string;
  cycle: number;
  status: SurveyStatus;
  reason: string | null;
  rating: number | null;
  comment: string | null;
  /** The customer's "was it resolved?" answer; null when not given. */
  resolved: boolean | null;
  sendAt: Date;
  sentAt: Date | null;
  expiresAt: Date | null;
  answeredAt: Date | null;
  followUpTaskId: string | null;
  createdAt: Date;
}

const COLUMNS = sql`id, ticket_id, cycle, status, reason, rating, comment, send_at, sent_at, expires_at, answered_at,
  follow_up_task_id, created_at, resolved`;

export async function selectSettings(trx: Tx, workspaceId: string): Promise<SurveySettings> {
  const { rows } = await sql<SurveySettings>`
    select csat_enabled, csat_delay_minutes, csat_expiry_days from service_survey_settings
    where workspace_id = ${workspaceId}`.execute(trx);
  return rows[0] ?? DEFAULT_SURVEY_SETTINGS;
}

export async function upsertSettings(
  trx: Tx,
  workspaceId: string,
  s: SurveySettings,
): Promise<SurveySettings> {
  const { rows } = await sql<SurveySettings>`
    insert into service_survey_settings (workspace_id, csat_enabled, csat_delay_minutes, csat_expiry_days)
    values (${workspaceId}, ${s.csatEnabled}, ${s.csatDelayMinutes}, ${s.csatExpiryDays})
    on conflict (workspace_id) do update set csat_enabled = excluded.csat_enabled,
      csat_delay_minutes = excluded.csat_delay_minutes, csat_expiry_days = excluded.csat_expiry_days, updated_at = excluded.updated_at
    returning csat_enabled, csat_delay_minutes, csat_expiry_days`.execute(trx);
  return rows[0]!;
}

/** A new survey for a resolution; undefined when that resolution already has one. */
export async function insertSurvey(
  trx: Tx,
  workspaceId: string,
  s: { id: string; ticketId: string; cycle: number; sendAt: Date },
): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    insert into ticket_surveys (workspace_id, id, ticket_id, cycle, status, send_at)
    values (${workspaceId}, ${s.id}, ${s.ticketId}, ${s.cycle}, 'scheduled', ${s.sendAt})
    on conflict (workspace_id, ticket_id, cycle) do nothing
    returning id`.execute(trx);
  return rows[0]?.id;
}

/** Cancels a ticket's surveys not sent yet; their ids (their jobs are cancelled too). */
export async function cancelScheduled(trx: Tx, workspaceId: string, ticketId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    update ticket_surveys set status = 'cancelled', reason = 'reopened'
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId} and status = 'scheduled'
    returning id`.execute(trx);
  return rows.map((r) => r.id);
}

export async function selectSurvey(
  trx: Tx,
  workspaceId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<SurveyRow | undefined> {
  const { rows } = await sql<SurveyRow>`
    select ${COLUMNS} from ticket_surveys where workspace_id = ${workspaceId} and id = ${id}
    ${options.lock ? sql`for update` : sql``}`.execute(trx);
  return rows[0];
}

export async function selectTicketSurveys(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<SurveyRow[]> {
  const { rows } = await sql<SurveyRow>`
    select ${COLUMNS} from ticket_surveys where workspace_id = ${workspaceId} and ticket_id = ${ticketId}
    order by cycle desc`.execute(trx);
  return rows;
}

export async function finishSurvey(
  trx: Tx,
  workspaceId: string,
  id: string,
  change:
    | { status: 'sent'; expiresAt: Date }
    | { status: 'cancelled' | 'skipped' | 'expired'; reason: string },
): Promise<void> {
  if (change.status === 'sent')
    await sql`update ticket_surveys set status = 'sent', sent_at = now(), expires_at = ${change.expiresAt}
      where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
  else
    await sql`update ticket_surveys set status = ${change.status}, reason = ${change.reason}
      where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

export async function answerSurvey(
  trx: Tx,
  workspaceId: string,
  id: string,
  answer: { rating: number; comment: string | null; resolved: boolean | null; followUpTaskId: string | null },
): Promise<void> {
  // The first answer's time stays; it is the transaction's, from a one-row `clock` the update is joined with: a
  // Citus cluster refuses `coalesce(answered_at, now())` in an update ("non-IMMUTABLE functions are not allowed in
  // CASE or COALESCE statements") and runs the `clock` subquery on the coordinator, sending its one value to the
  // shard. One PostgreSQL writes the same `now()` in the same one statement (and row lock).
  await sql`
    update ticket_surveys as s set status = 'answered', rating = ${answer.rating}, comment = ${answer.comment},
      resolved = ${answer.resolved},
      answered_at = coalesce(s.answered_at, clock.at), follow_up_task_id = coalesce(s.follow_up_task_id, ${answer.followUpTaskId})
    from (select now() as at) as clock
    where s.workspace_id = ${workspaceId} and s.id = ${id}`.execute(trx);
}

/** Keeps a survey's rating on its ticket (the `satisfaction` field reports and lists read). */
export async function keepSatisfaction(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
  rating: number,
): Promise<void> {
  await sql`
    update tickets set satisfaction = ${rating}
    where workspace_id = ${workspaceId} and id = ${ticketId}`.execute(trx);
}

/** The latest agent who replied publicly on a ticket (who a survey is sent for when it has no assignee). */
export async function lastReplier(
  trx: Tx,
  workspaceId: string,
  ticketId: string,
): Promise<string | undefined> {
  const { rows } = await sql<{ authorUserId: string }>`
    select author_user_id from ticket_messages
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId} and kind = 'reply' and not automatic
      and author_user_id is not null
    order by created_at desc, id desc limit 1`.execute(trx);
  return rows[0]?.authorUserId;
}

/** A requester's latest satisfaction answer: its rating, when it was given, and the ticket it was about. */
export interface LatestRating {
  rating: number;
  answeredAt: string;
  ticketId: string;
}

/**
 * The statement behind `selectLatestRating`: the person's live tickets by `tickets_requester_idx` (only those of
 * `ownerId` under "own records only"), each ticket's surveys by the (workspace, ticket, cycle) key, the newest rated.
 * Both tables are confined by the workspace's literal, so a Citus coordinator sends it to one shard (`workspaceLiteral`).
 */
export const latestRatingQuery = (
  workspaceId: string,
  personId: string,
  ownerId: string | undefined,
) => sql<LatestRating>`
  select s.rating, to_char(s.answered_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "answeredAt",
    t.id as "ticketId"
  from tickets t
  cross join lateral (
    select rating, answered_at from ticket_surveys
    where workspace_id = ${workspaceLiteral(workspaceId)} and ticket_id = t.id and rating is not null
      and answered_at is not null
    order by cycle desc limit 1) s
  where t.workspace_id = ${workspaceLiteral(workspaceId)} and t.requester_id = ${personId} and t.deleted_at is null
    ${ownerId !== undefined ? sql`and t.owner_id = ${ownerId}` : sql``}
  order by s.answered_at desc
  limit 1`;

/** A person's latest rated survey over all their tickets, in one statement; undefined when none. */
export async function selectLatestRating(
  trx: Tx,
  workspaceId: string,
  personId: string,
  ownerId: string | undefined,
): Promise<LatestRating | undefined> {
  const { rows } = await latestRatingQuery(workspaceId, personId, ownerId).execute(trx);
  return rows[0] && { ...rows[0], rating: Number(rows[0].rating) };
}
