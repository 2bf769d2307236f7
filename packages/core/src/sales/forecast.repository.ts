import type { Tx } from '@rabita/db';
import { type RawBuilder, sql } from 'kysely';
import type { Principal } from '../auth/principal.ts';
import { objectScope } from '../records/expressions.ts';
import { ALIAS, ownerCondition, type Scope } from '../records/scope.ts';
import { rateOn } from './rate-lookup.ts';

// SQL of the forecast (tables of migration sales-0008-forecast) and its reads of deals, which go through the record
// engine's scope: the object's read rule and "own records only" (`ownerCondition`), live deals only.

const raw = (trx: Tx) => trx.withoutPlugins();

export interface SettingsRow {
  calendar: 'gregorian' | 'persian' | 'islamic-umalqura';
  start_month: number;
  probability: 'stage' | 'history';
}

export async function selectSettings(trx: Tx, workspaceId: string): Promise<SettingsRow | undefined> {
  const { rows } = await sql<SettingsRow>`
    select calendar, start_month, probability from forecast_settings where workspace_id = ${workspaceId}`.execute(
    raw(trx),
  );
  return rows[0];
}

export async function upsertSettings(
  trx: Tx,
  workspaceId: string,
  row: SettingsRow,
  userId: string | null,
): Promise<void> {
  await sql`
    insert into forecast_settings (workspace_id, calendar, start_month, probability, updated_by)
    values (${workspaceId}, ${row.calendar}, ${row.start_month}, ${row.probability}, ${userId})
    on conflict (workspace_id) do update set calendar = excluded.calendar, start_month = excluded.start_month,
      probability = excluded.probability, updated_by = excluded.updated_by, updated_at = excluded.updated_at`.execute(
    raw(trx),
  );
}

export type SubjectKind = 'user' | 'team';
export interface QuotaRow {
  subject_kind: SubjectKind;
  subject_id: string;
  amount: number;
}

export async function selectQuotas(trx: Tx, workspaceId: string, period: string): Promise<QuotaRow[]> {
  const { rows } = await sql<QuotaRow>`
    select subject_kind, subject_id::text, amount::float8 as amount from forecast_quotas
    where workspace_id = ${workspaceId} and period = ${period}
    order by subject_kind, subject_id limit 10000`.execute(raw(trx));
  return rows;
}

/** Sets a quota, or removes it when the amount is null. */
export async function writeQuota(
  trx: Tx,
  workspaceId: string,
  quota: { period: string; subjectKind: SubjectKind; subjectId: string; amount: string | null },
  userId: string | null,
): Promise<void> {
  if (quota.amount === null) {
    await sql`
      delete from forecast_quotas where workspace_id = ${workspaceId} and period = ${quota.period}
        and subject_kind = ${quota.subjectKind} and subject_id = ${quota.subjectId}::uuid`.execute(raw(trx));
    return;
  }
  await sql`
    insert into forecast_quotas (workspace_id, period, subject_kind, subject_id, amount, updated_by)
    values (${workspaceId}, ${quota.period}, ${quota.subjectKind}, ${quota.subjectId}::uuid,
      ${quota.amount}::numeric, ${userId})
    on conflict (workspace_id, period, subject_kind, subject_id)
    do update set amount = excluded.amount, updated_by = excluded.updated_by, updated_at = excluded.updated_at`.execute(
    raw(trx),
  );
}

export interface AdjustmentRow {
  seq: string;
  subject_kind: SubjectKind;
  subject_id: string;
  category: 'commit' | 'bestCase';
  amount: number | null;
  note: string;
  by_user_id: string | null;
  at: Date;
}

export async function insertAdjustment(
  trx: Tx,
  workspaceId: string,
  a: {
    period: string;
    subjectKind: SubjectKind;
    subjectId: string;
    category: 'commit' | 'bestCase';
    amount: string | null;
    note: string;
  },
  userId: string | null,
): Promise<AdjustmentRow> {
  const { rows } = await sql<AdjustmentRow>`
    insert into forecast_adjustments (workspace_id, period, subject_kind, subject_id, category, amount, note,
      by_user_id)
    values (${workspaceId}, ${a.period}, ${a.subjectKind}, ${a.subjectId}::uuid, ${a.category},
      ${a.amount}::numeric, ${a.note}, ${userId})
    returning seq::text, subject_kind, subject_id::text, category, amount::float8 as amount, note,
      by_user_id::text, at`.execute(raw(trx));
  return rows[0]!;
}

/** The latest adjustment of each subject and category in a period (a removal is a row with no amount). */
export async function selectLatestAdjustments(
  trx: Tx,
  workspaceId: string,
  period: string,
): Promise<AdjustmentRow[]> {
  const { rows } = await sql<AdjustmentRow>`
    select distinct on (subject_kind, subject_id, category)
      seq::text, subject_kind, subject_id::text, category, amount::float8 as amount, note, by_user_id::text, at
    from forecast_adjustments where workspace_id = ${workspaceId} and period = ${period}
    order by subject_kind, subject_id, category, seq desc`.execute(raw(trx));
  return rows;
}

/** Every adjustment of one subject in a period, newest first. */
export async function selectAdjustmentHistory(
  trx: Tx,
  workspaceId: string,
  period: string,
  subject: { kind: SubjectKind; id: string },
  limit: number,
): Promise<AdjustmentRow[]> {
  const { rows } = await sql<AdjustmentRow>`
    select seq::text, subject_kind, subject_id::text, category, amount::float8 as amount, note, by_user_id::text, at
    from forecast_adjustments
    where workspace_id = ${workspaceId} and period = ${period} and subject_kind = ${subject.kind}
      and subject_id = ${subject.id}::uuid
    order by seq desc limit ${limit}`.execute(raw(trx));
  return rows;
}

export interface SubmissionRow {
  seq: string;
  period: string;
  user_id: string;
  commit: number;
  best_case: number;
  note: string;
  at: Date;
}
const SUBMISSION = sql`seq::text, period, user_id::text, commit_amount::float8 as commit,
  best_case_amount::float8 as best_case, note, at`;

export async function insertSubmission(
  trx: Tx,
  workspaceId: string,
  s: { period: string; userId: string; commit: string; bestCase: string; note: string },
): Promise<SubmissionRow> {
  const { rows } = await sql<SubmissionRow>`
    insert into forecast_submissions (workspace_id, period, user_id, commit_amount, best_case_amount, note)
    values (${workspaceId}, ${s.period}, ${s.userId}::uuid, ${s.commit}::numeric, ${s.bestCase}::numeric, ${s.note})
    returning ${SUBMISSION}`.execute(raw(trx));
  return rows[0]!;
}

/** Submissions, newest first, of a period and/or a person (`users`: only theirs). */
export async function selectSubmissions(
  trx: Tx,
  workspaceId: string,
  filter: { period?: string | undefined; users?: readonly string[] | undefined; limit: number },
): Promise<SubmissionRow[]> {
  const { rows } = await sql<SubmissionRow>`
    select ${SUBMISSION} from forecast_submissions
    where workspace_id = ${workspaceId}
      ${filter.period !== undefined ? sql`and period = ${filter.period}` : sql``}
      ${filter.users !== undefined ? sql`and user_id = any(${filter.users}::uuid[])` : sql``}
    order by seq desc limit ${filter.limit}`.execute(raw(trx));
  return rows;
}

/** Each person's latest (or first) submission for each of the periods. */
export async function selectSubmissionPerUser(
  trx: Tx,
  workspaceId: string,
  periods: readonly string[],
  which: 'latest' | 'first',
): Promise<SubmissionRow[]> {
  const { rows } = await sql<SubmissionRow>`
    select distinct on (period, user_id) ${SUBMISSION} from forecast_submissions
    where workspace_id = ${workspaceId} and period = any(${periods}::text[])
    order by period, user_id, seq ${which === 'latest' ? sql`desc` : sql`asc`}`.execute(raw(trx));
  return rows;
}

/** A deal of a period as the forecast reads it, its amount converted at its close date's rate. */
export interface PeriodDealRow {
  id: string;
  owner_id: string | null;
  status: 'open' | 'won';
  category: string;
  amount: number | null;
  currency: string | null;
  close_date: string;
  stage_id: string | null;
  pipeline_id: string | null;
  stage_probability: number | null;
  /** In the workspace's currency; null when the amount is missing or has no rate. */
  amount_base: number | null;
  rate_missing: boolean;
}

/**
 * Which deals of a period the forecast's categories take (`open`: the open ones the forecast counts, every
 * category but omitted; the others are the drill-down's).
 */
export type DealCategory = 'open' | 'closed' | 'commit' | 'bestCase' | 'pipeline';
const CATEGORY: Record<DealCategory, RawBuilder<unknown>> = {
  open: sql`(t.status = 'open' and coalesce(t.forecast_category, 'pipeline') <> 'omitted')`,
  closed: sql`t.status = 'won'`,
  commit: sql`(t.status = 'won' or (t.status = 'open' and t.forecast_category = 'commit'))`,
  bestCase: sql`(t.status = 'won' or (t.status = 'open' and t.forecast_category in ('commit', 'best_case')))`,
  pipeline: sql`(t.status = 'open' and coalesce(t.forecast_category, 'pipeline') in ('pipeline', 'best_case', 'commit'))`,
};

/** The period filter both reads of a period's deals take. */
interface PeriodFilter {
  start: string;
  end: string;
  owners?: readonly string[] | undefined;
  category: DealCategory;
}

/**
 * `d`: the live deals a reader may see (the object's read rule and "own records only") whose expected close date is
 * in `[start, end)`, of a category, optionally of some owners; `rates`: the rate into the workspace's currency of
 * each (currency, close date) among them, looked up once per currency and day.
 */
function periodDealsWith(s: Scope, principal: Principal, filter: PeriodFilter, page?: RawBuilder<unknown>) {
  return sql`
    with d as (
      select t.id, t.owner_id, t.status, coalesce(t.forecast_category, 'pipeline') as category,
        t.amount_value, t.amount_currency, t.expected_close_date, t.stage_id, t.pipeline_id
      from deals as ${sql.table(ALIAS)}
      where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${ownerCondition(principal, s.object)}
        and t.expected_close_date >= ${filter.start}::date and t.expected_close_date < ${filter.end}::date
        and ${CATEGORY[filter.category]}
        ${filter.owners !== undefined ? sql`and t.owner_id = any(${filter.owners}::uuid[])` : sql``}
        ${page ?? sql``}
    ), rates as (
      select r.cur, r.day, ${rateOn(s.workspaceId, s.ctx.defaultCurrency, sql`r.cur`, sql`r.day`)} as rate
      from (select distinct amount_currency as cur, expected_close_date as day from d
            where amount_value is not null) as r
    )`;
}

/**
 * The live deals a reader may see whose expected close date is in `[start, end)`, won or open (lost ones count
 * nowhere), optionally of some owners and one category, with each amount converted into the workspace's currency
 * at the latest rate on or before the close date. Keyset-paged on `(close date, id)`, and then in that order, when a
 * page is asked for; in no order otherwise.
 */
export async function selectPeriodDeals(
  s: Scope,
  principal: Principal,
  filter: PeriodFilter & { after?: { date: string; id: string } | undefined; limit?: number | undefined },
): Promise<PeriodDealRow[]> {
  const page =
    filter.limit !== undefined
      ? sql`${filter.after ? sql`and (t.expected_close_date, t.id) > (${filter.after.date}::date, ${filter.after.id}::uuid)` : sql``}
        order by t.expected_close_date, t.id limit ${filter.limit}`
      : undefined;
  const { rows } = await sql<PeriodDealRow>`
    ${periodDealsWith(s, principal, filter, page)}
    select d.id::text, d.owner_id::text, d.status, d.category, d.amount_value::float8 as amount,
      d.amount_currency as currency, to_char(d.expected_close_date, 'YYYY-MM-DD') as close_date,
      d.stage_id::text, d.pipeline_id::text, st.probability::float8 as stage_probability,
      (d.amount_value * rates.rate)::float8 as amount_base,
      (d.amount_value is not null and rates.rate is null) as rate_missing
    from d
    left join rates on rates.cur = d.amount_currency and rates.day = d.expected_close_date
    left join stages st on st.workspace_id = ${s.workspaceId} and st.id = d.stage_id
    ${page ? sql`order by d.expected_close_date, d.id` : sql``}`.execute(s.raw);
  return rows;
}

/** Won deals added up per part of a period (`bucket`, 1-based) and owner, apart by missing rate. */
export interface WonTotalRow {
  bucket: number;
  owner_id: string | null;
  deals: number;
  /** In the workspace's currency: the deals that have an amount and a rate. */
  amount_base: number;
  /** Set on the row of the deals whose currency had no rate on their close date. */
  missing_currency: string | null;
  /** The earliest close date among the row's deals. */
  first_close: string;
}

/**
 * The won deals a reader may see closing in `[starts[0], end)`, added up in SQL per owner and per part of that
 * range (a part begins at each of `starts`, which are ascending) — the forecast needs their sums, not their rows.
 * Deals whose currency has no rate on their close date are counted on rows of their own, by currency.
 */
export async function selectWonTotals(
  s: Scope,
  principal: Principal,
  filter: { starts: readonly string[]; end: string; owners?: readonly string[] | undefined },
): Promise<WonTotalRow[]> {
  const missing = sql`case when d.amount_value is not null and rates.rate is null then d.amount_currency end`;
  const { rows } = await sql<WonTotalRow>`
    ${periodDealsWith(s, principal, { start: filter.starts[0]!, end: filter.end, owners: filter.owners, category: 'closed' })}
    select width_bucket(d.expected_close_date, ${filter.starts}::date[]) as bucket, d.owner_id::text,
      count(*)::int as deals, coalesce(sum(d.amount_value * rates.rate), 0)::float8 as amount_base,
      ${missing} as missing_currency, to_char(min(d.expected_close_date), 'YYYY-MM-DD') as first_close
    from d
    left join rates on rates.cur = d.amount_currency and rates.day = d.expected_close_date
    group by 1, 2, 5`.execute(s.raw);
  return rows;
}

export interface VelocityRow {
  pipeline_id: string | null;
  owner_id: string | null;
  /** The pipeline's row over every owner. */
  all_owners: boolean;
  open_deals: number;
  won: number;
  lost: number;
  won_amount: number | null;
  won_unconverted: number;
  cycle_days: number | null;
}

/**
 * Per pipeline and owner (and per pipeline over all owners, `owner_id` null): the open deals now (not omitted), and
 * among deals whose expected close date is in `[start, end)` the won and lost ones, the won amount converted into
 * the workspace's currency (deals without a rate counted apart) and the average days from creation to winning
 * (the first history row that has the deal won, else its close date).
 */
export async function selectVelocity(
  s: Scope,
  principal: Principal,
  period: { start: string; end: string },
): Promise<VelocityRow[]> {
  const base = s.ctx.defaultCurrency;
  const { rows } = await sql<VelocityRow>`
    with d as (
      select t.id, t.pipeline_id, t.owner_id, t.status, t.amount_value, t.amount_currency, t.expected_close_date,
        t.created_at,
        (t.expected_close_date >= ${period.start}::date and t.expected_close_date < ${period.end}::date) as in_period,
        coalesce(t.forecast_category, 'pipeline') as category
      from deals as ${sql.table(ALIAS)}
      where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${ownerCondition(principal, s.object)}
        and (t.status = 'open' or (t.expected_close_date >= ${period.start}::date
          and t.expected_close_date < ${period.end}::date))
    ), w as (
      select d.*, ${rateOn(s.workspaceId, base, sql`d.amount_currency`, sql`d.expected_close_date`)} as rate,
        extract(epoch from (coalesce(
          (select min(h.at) from deal_history h
           where h.workspace_id = ${s.workspaceId} and h.deal_id = d.id and h.status = 'won'),
          d.expected_close_date::timestamptz) - d.created_at)) / 86400 as days
      from d where d.status = 'won' and d.in_period
    ), o as (
      select pipeline_id, owner_id, grouping(owner_id) as g,
        count(*) filter (where status = 'open' and category <> 'omitted') as open_deals,
        count(*) filter (where status = 'lost' and in_period) as lost
      from d group by grouping sets ((pipeline_id, owner_id), (pipeline_id))
    ), wg as (
      select pipeline_id, owner_id, grouping(owner_id) as g, count(*) as won,
        sum(amount_value * rate) as won_amount,
        count(*) filter (where amount_value is not null and rate is null) as won_unconverted,
        avg(greatest(days, 0)) as cycle_days
      from w group by grouping sets ((pipeline_id, owner_id), (pipeline_id))
    )
    select o.pipeline_id::text, o.owner_id::text, o.g = 1 as all_owners, o.open_deals::int, coalesce(wg.won, 0)::int as won,
      o.lost::int, wg.won_amount::float8 as won_amount, coalesce(wg.won_unconverted, 0)::int as won_unconverted,
      wg.cycle_days::float8 as cycle_days
    from o left join wg on wg.pipeline_id is not distinct from o.pipeline_id
      and wg.owner_id is not distinct from o.owner_id and wg.g = o.g
    order by o.pipeline_id nulls last, o.g desc, o.owner_id nulls first
    limit 5000`.execute(s.raw);
  return rows;
}

/** Someone's commit as it stood when a period began (see `selectCommitAtStart`). */
export interface CommitAtStartRow {
  owner_id: string | null;
  amount_base: number;
  missing_currency: string | null;
}

/**
 * The commit forecast of a period as it stood when the period began, per owner then: the deals whose last history
 * row before the start had them closing in the period and either won or open in the commit category, converted at
 * the close date's rate (the rates known now). Read from the append-only deal history, so it is what the forecast
 * screen showed at that moment, whatever was done to the deals since; limited to deals the reader may see now.
 * Null when the history began after the period did (nothing is known of that moment).
 */
export async function selectCommitAtStart(
  s: Scope,
  principal: Principal,
  period: { start: string; end: string },
  owners: readonly string[] | undefined,
): Promise<CommitAtStartRow[] | null> {
  const { rows: began } = await sql<{ known: boolean }>`
    select exists (select 1 from deal_history where workspace_id = ${s.workspaceId}
      and at < ${period.start}::date) as known`.execute(s.raw);
  if (!began[0]?.known) return null;
  const missing = sql`case when h.amount_value is not null and rates.rate is null then h.amount_currency end`;
  const { rows } = await sql<CommitAtStartRow>`
    with c as (
      select distinct h.deal_id from deal_history h
      where h.workspace_id = ${s.workspaceId} and h.close_date >= ${period.start}::date
        and h.close_date < ${period.end}::date and h.at < ${period.start}::date
    ), h as (
      select distinct on (h.deal_id) h.deal_id, h.owner_id, h.status, h.forecast_category, h.amount_value,
        h.amount_currency, h.close_date
      from deal_history h join c on c.deal_id = h.deal_id
      where h.workspace_id = ${s.workspaceId} and h.at < ${period.start}::date
      order by h.deal_id, h.seq desc
    ), f as (
      select h.* from h join deals as ${sql.table(ALIAS)} on t.workspace_id = ${s.workspaceId} and t.id = h.deal_id
      where ${objectScope(s.object, ALIAS, s.workspaceId)} and ${ownerCondition(principal, s.object)}
        and h.close_date >= ${period.start}::date and h.close_date < ${period.end}::date
        and (h.status = 'won' or (h.status = 'open' and h.forecast_category = 'commit'))
        ${owners !== undefined ? sql`and h.owner_id = any(${owners}::uuid[])` : sql``}
    ), rates as (
      select r.cur, r.day, ${rateOn(s.workspaceId, s.ctx.defaultCurrency, sql`r.cur`, sql`r.day`)} as rate
      from (select distinct amount_currency as cur, close_date as day from f where amount_value is not null) as r
    )
    select h.owner_id::text, coalesce(sum(h.amount_value * rates.rate), 0)::float8 as amount_base,
      ${missing} as missing_currency
    from f as h left join rates on rates.cur = h.amount_currency and rates.day = h.close_date
    group by 1, 3`.execute(s.raw);
  return rows;
}
