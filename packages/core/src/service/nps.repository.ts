import { type Tx, workspaceLiteral } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';

export interface NpsSettings {
  transactionalEnabled: boolean;
  transactionalDelayMinutes: number;
  relationshipThrottleMonths: number;
  transactionalThrottleDays: number;
  expiryDays: number;
}

export const DEFAULT_NPS_SETTINGS: NpsSettings = {
  transactionalEnabled: false,
  transactionalDelayMinutes: 60,
  relationshipThrottleMonths: 6,
  transactionalThrottleDays: 90,
  expiryDays: 14,
};

export type NpsKind = 'relationship' | 'transactional';
export type NpsStatus = 'scheduled' | 'sent' | 'answered' | 'cancelled' | 'skipped';

export interface NpsSurveyRow {
  id: string;
  kind: NpsKind;
  personId: string;
  runId: string | null;
  ticketId: string | null;
  cycle: number | null;
  ownerUserId: string | null;
  status: NpsStatus;
  reason: string | null;
  score: number | null;
  comment: string | null;
  sendAt: Date;
  sentAt: Date | null;
  expiresAt: Date | null;
  answeredAt: Date | null;
  followUpTaskId: string | null;
  createdAt: Date;
}

export interface NpsCampaignRow {
  id: string;
  name: string;
  filter: unknown;
  ownerUserId: string;
  firstRunAt: Date;
  repeatMonths: number | null;
  nextRunAt: Date | null;
  active: boolean;
  createdAt: Date;
}

const SETTINGS = sql`transactional_enabled, transactional_delay_minutes, relationship_throttle_months,
  transactional_throttle_days, expiry_days`;
const SURVEY = sql`id, kind, person_id, run_id, ticket_id, cycle, owner_id as owner_user_id, status, reason, score, comment,
  send_at, sent_at, expires_at, answered_at, follow_up_task_id, created_at`;
const CAMPAIGN = sql`id, name, filter, owner_user_id, first_run_at, repeat_months, next_run_at, active, created_at`;

export async function selectNpsSettings(trx: Tx, workspaceId: string): Promise<NpsSettings> {
  const { rows } = await sql<NpsSettings>`
    select ${SETTINGS} from nps_settings where workspace_id = ${workspaceId}`.execute(trx);
  return rows[0] ?? DEFAULT_NPS_SETTINGS;
}

export async function upsertNpsSettings(trx: Tx, workspaceId: string, s: NpsSettings): Promise<NpsSettings> {
  const { rows } = await sql<NpsSettings>`
    insert into nps_settings (workspace_id, transactional_enabled, transactional_delay_minutes,
      relationship_throttle_months, transactional_throttle_days, expiry_days)
    values (${workspaceId}, ${s.transactionalEnabled}, ${s.transactionalDelayMinutes}, ${s.relationshipThrottleMonths},
      ${s.transactionalThrottleDays}, ${s.expiryDays})
    on conflict (workspace_id) do update set transactional_enabled = excluded.transactional_enabled,
      transactional_delay_minutes = excluded.transactional_delay_minutes,
      relationship_throttle_months = excluded.relationship_throttle_months,
      transactional_throttle_days = excluded.transactional_throttle_days, expiry_days = excluded.expiry_days,
      updated_at = excluded.updated_at
    returning ${SETTINGS}`.execute(trx);
  return rows[0]!;
}

export async function insertCampaign(
  trx: Tx,
  workspaceId: string,
  c: {
    id: string;
    name: string;
    filter: unknown;
    ownerUserId: string;
    firstRunAt: Date;
    repeatMonths: number | null;
  },
): Promise<NpsCampaignRow> {
  const { rows } = await sql<NpsCampaignRow>`
    insert into nps_campaigns (workspace_id, id, name, filter, owner_user_id, first_run_at, repeat_months, next_run_at)
    values (${workspaceId}, ${c.id}, ${c.name}, ${c.filter === undefined ? null : JSON.stringify(c.filter)}::jsonb,
      ${c.ownerUserId}, ${c.firstRunAt}, ${c.repeatMonths}, ${c.firstRunAt})
    returning ${CAMPAIGN}`.execute(trx);
  return rows[0]!;
}

/** One row of an NPS table by its id, locked for the transaction with `lock`. */
async function rowById<T>(
  trx: Tx,
  from: { table: 'nps_campaigns' | 'nps_surveys'; columns: RawBuilder<unknown> },
  workspaceId: string,
  id: string,
  lock: boolean | undefined,
): Promise<T | undefined> {
  const { rows } = await sql<T>`
    select ${from.columns} from ${sql.table(from.table)} where workspace_id = ${workspaceId} and id = ${id}
    ${lock ? sql`for update` : sql``}`.execute(trx);
  return rows[0];
}

export const selectCampaign = (trx: Tx, workspaceId: string, id: string, options: { lock?: boolean } = {}) =>
  rowById<NpsCampaignRow>(trx, { table: 'nps_campaigns', columns: CAMPAIGN }, workspaceId, id, options.lock);

/** The campaigns, newest first, each with how its surveys went (over all its runs). */
export async function selectCampaigns(
  trx: Tx,
  workspaceId: string,
): Promise<(NpsCampaignRow & { runs: number; sent: number; answered: number; skipped: number })[]> {
  // Every table confined by the workspace's literal, so a Citus coordinator routes the statement to its shard.
  const workspace = workspaceLiteral(workspaceId);
  const { rows } = await sql<
    NpsCampaignRow & { runs: number; sent: number; answered: number; skipped: number }
  >`
    select c.id, c.name, c.filter, c.owner_user_id, c.first_run_at, c.repeat_months, c.next_run_at, c.active,
      c.created_at,
      (select count(*)::int from nps_runs r where r.workspace_id = ${workspace} and r.campaign_id = c.id) as runs,
      count(s.id) filter (where s.sent_at is not null)::int as sent,
      count(s.id) filter (where s.status = 'answered')::int as answered,
      count(s.id) filter (where s.status = 'skipped')::int as skipped
    from nps_campaigns c
    left join nps_runs r on r.workspace_id = ${workspace} and r.campaign_id = c.id
    left join nps_surveys s on s.workspace_id = ${workspace} and s.run_id = r.id
    where c.workspace_id = ${workspace}
    group by c.workspace_id, c.id
    order by c.created_at desc, c.id limit 200`.execute(trx);
  return rows;
}

export async function setCampaignSchedule(
  trx: Tx,
  workspaceId: string,
  id: string,
  change: { nextRunAt: Date | null; active?: boolean },
): Promise<void> {
  await sql`
    update nps_campaigns set next_run_at = ${change.nextRunAt}, active = ${change.active ?? true}
    where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

/** The run of a campaign at a time, made on its first page; a run already there is returned as it is. */
export async function upsertRun(
  trx: Tx,
  workspaceId: string,
  run: { id: string; campaignId: string; runAt: Date },
): Promise<{ id: string; status: 'running' | 'done'; created: boolean }> {
  const { rows } = await sql<{ id: string; status: 'running' | 'done'; created: boolean }>`
    insert into nps_runs (workspace_id, id, campaign_id, run_at, status)
    values (${workspaceId}, ${run.id}, ${run.campaignId}, ${run.runAt}, 'running')
    on conflict (workspace_id, campaign_id, run_at) do update set status = nps_runs.status
    returning id, status, (xmax = 0) as created`.execute(trx);
  return rows[0]!;
}

export async function finishRun(trx: Tx, workspaceId: string, runId: string): Promise<void> {
  await sql`update nps_runs set status = 'done', finished_at = now()
    where workspace_id = ${workspaceId} and id = ${runId}`.execute(trx);
}

/** A person's survey of a campaign run; undefined when the run already has theirs (a job run twice). */
export async function insertRunSurvey(
  trx: Tx,
  workspaceId: string,
  s: { id: string; runId: string; personId: string; ownerUserId: string },
): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    insert into nps_surveys (workspace_id, id, kind, person_id, run_id, owner_id, status, send_at)
    values (${workspaceId}, ${s.id}, 'relationship', ${s.personId}, ${s.runId}, ${s.ownerUserId}, 'scheduled', now())
    on conflict (workspace_id, run_id, person_id) do nothing
    returning id`.execute(trx);
  return rows[0]?.id;
}

/** A ticket resolution's survey of its requester; undefined when that resolution already has one. */
export async function insertTicketSurvey(
  trx: Tx,
  workspaceId: string,
  s: { id: string; ticketId: string; cycle: number; personId: string; sendAt: Date },
): Promise<string | undefined> {
  const { rows } = await sql<{ id: string }>`
    insert into nps_surveys (workspace_id, id, kind, person_id, ticket_id, cycle, status, send_at)
    values (${workspaceId}, ${s.id}, 'transactional', ${s.personId}, ${s.ticketId}, ${s.cycle}, 'scheduled', ${s.sendAt})
    on conflict (workspace_id, ticket_id, cycle) do nothing
    returning id`.execute(trx);
  return rows[0]?.id;
}

/** Cancels a ticket's surveys not sent yet; their ids (their jobs are cancelled too). */
export async function cancelTicketSurveys(trx: Tx, workspaceId: string, ticketId: string): Promise<string[]> {
  const { rows } = await sql<{ id: string }>`
    update nps_surveys set status = 'cancelled', reason = 'The ticket was reopened.', updated_at = now()
    where workspace_id = ${workspaceId} and ticket_id = ${ticketId} and status = 'scheduled'
    returning id`.execute(trx);
  return rows.map((r) => r.id);
}

export const selectNpsSurvey = (trx: Tx, workspaceId: string, id: string, options: { lock?: boolean } = {}) =>
  rowById<NpsSurveyRow>(trx, { table: 'nps_surveys', columns: SURVEY }, workspaceId, id, options.lock);

export async function selectPersonSurveys(
  trx: Tx,
  workspaceId: string,
  personId: string,
): Promise<NpsSurveyRow[]> {
  const { rows } = await sql<NpsSurveyRow>`
    select ${SURVEY} from nps_surveys where workspace_id = ${workspaceId} and person_id = ${personId}
    order by created_at desc, id desc limit 100`.execute(trx);
  return rows;
}

/**
 * Claims the person's throttle for a survey of this kind: true when they were not surveyed of this kind within the
 * window (now marked as surveyed by this survey). A due row is deleted, then written again, which holds the
 * person's throttle row until the transaction ends, so a second job at the same time waits, then sees this one's
 * claim and is refused. (Not `do update … where last_sent_at <= now() - …`: Citus takes no function that is not
 * immutable in an upsert's `where`; on one PostgreSQL the same row results. Not one statement with a `with …
 * delete`: PostgreSQL would run that delete after the insert.)
 */
export async function claimThrottle(
  trx: Tx,
  workspaceId: string,
  c: { personId: string; kind: NpsKind; surveyId: string; window: { months: number } | { days: number } },
): Promise<true | { lastSentAt: Date }> {
  const window =
    'months' in c.window
      ? sql`make_interval(months => ${c.window.months})`
      : sql`make_interval(days => ${c.window.days})`;
  await sql`
    delete from nps_throttle
    where workspace_id = ${workspaceId} and person_id = ${c.personId} and kind = ${c.kind}
      and last_sent_at <= now() - ${window}`.execute(trx);
  const { rows } = await sql<{ surveyId: string }>`
    insert into nps_throttle (workspace_id, person_id, kind, last_sent_at, survey_id)
    values (${workspaceId}, ${c.personId}, ${c.kind}, now(), ${c.surveyId})
    on conflict (workspace_id, person_id, kind) do nothing
    returning survey_id`.execute(trx);
  if (rows[0]) return true;
  const last = await sql<{ lastSentAt: Date }>`
    select last_sent_at from nps_throttle
    where workspace_id = ${workspaceId} and person_id = ${c.personId} and kind = ${c.kind}`.execute(trx);
  return { lastSentAt: last.rows[0]?.lastSentAt ?? new Date() };
}

export async function finishNpsSurvey(
  trx: Tx,
  workspaceId: string,
  id: string,
  change:
    | { status: 'sent'; expiresAt: Date; ownerUserId: string }
    | { status: 'cancelled' | 'skipped'; reason: string },
): Promise<void> {
  if (change.status === 'sent')
    await sql`update nps_surveys set status = 'sent', sent_at = now(), expires_at = ${change.expiresAt},
        owner_id = ${change.ownerUserId}, updated_at = now()
      where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
  else
    await sql`update nps_surveys set status = ${change.status}, reason = ${change.reason}, updated_at = now()
      where workspace_id = ${workspaceId} and id = ${id}`.execute(trx);
}

export async function answerNpsSurvey(
  trx: Tx,
  workspaceId: string,
  id: string,
  answer: { score: number; comment: string | null; followUpTaskId: string | null },
): Promise<void> {
  // The first answer's time stays; it is the transaction's, from a one-row `clock` the update is joined with: a
  // Citus cluster refuses `coalesce(answered_at, now())` in an update ("non-IMMUTABLE functions are not allowed in
  // CASE or COALESCE statements") and runs the `clock` subquery on the coordinator, sending its one value to the
  // shard. One PostgreSQL writes the same `now()` in the same one statement (and row lock).
  await sql`
    update nps_surveys as s set status = 'answered', score = ${answer.score}, comment = ${answer.comment},
      answered_at = coalesce(s.answered_at, clock.at), follow_up_task_id = coalesce(s.follow_up_task_id, ${answer.followUpTaskId}),
      updated_at = clock.at
    from (select now() as at) as clock
    where s.workspace_id = ${workspaceId} and s.id = ${id}`.execute(trx);
}

export interface NpsCounts {
  kind: NpsKind;
  sent: number;
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
}

/** Per kind, the surveys sent in [from, to) and how those were answered (a survey counts where it was sent). */
export async function selectNpsCounts(
  trx: Tx,
  workspaceId: string,
  from: Date,
  to: Date,
): Promise<NpsCounts[]> {
  const { rows } = await sql<NpsCounts>`
    select kind, count(*)::int as sent,
      count(*) filter (where score is not null)::int as responses,
      count(*) filter (where score >= 9)::int as promoters,
      count(*) filter (where score between 7 and 8)::int as passives,
      count(*) filter (where score <= 6)::int as detractors
    from nps_surveys
    where workspace_id = ${workspaceId} and sent_at >= ${from} and sent_at < ${to}
    group by kind`.execute(trx);
  return rows;
}

/**
 * Runs `step` inside a savepoint of the transaction: when it throws, what it wrote is rolled back (and the error
 * rethrown) while the transaction's other work stands — one person's failed send does not undo a page's others.
 */
export async function inSavepoint<T>(trx: Tx, step: () => Promise<T>): Promise<T> {
  await sql`savepoint nps_step`.execute(trx);
  try {
    const result = await step();
    await sql`release savepoint nps_step`.execute(trx);
    return result;
  } catch (error) {
    await sql`rollback to savepoint nps_step`.execute(trx);
    throw error;
  }
}
